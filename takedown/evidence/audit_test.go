package evidence

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// auditFixture makes a vault whose log holds several entries and returns the
// log's lines (each with its newline).
func auditFixture(t *testing.T) (*env, [][]byte) {
	t.Helper()
	e := newDirEnv(t, nil)
	ctx := WithActor(context.Background(), "reviewer-1")
	it := e.put([]byte("a"), PutOptions{RetainUntil: e.clock.Now().Add(time.Hour)})
	e.clock.Add(time.Minute)
	e.v.Hold(ctx, it.Digest, "h1", "preserve <for> \"court\" & more")
	e.v.Release(ctx, it.Digest, "h1")
	e.put([]byte("b"), PutOptions{})
	e.clock.Add(2 * time.Hour)
	if _, err := e.v.Purge(ctx, time.Time{}); err != nil {
		t.Fatal(err)
	}
	raw := mustRead(t, filepath.Join(e.dir, AuditFileName))
	lines := bytes.SplitAfter(raw, []byte("\n"))
	return e, lines[:len(lines)-1]
}

func TestAuditVerify(t *testing.T) {
	e, lines := auditFixture(t)
	if len(lines) != 5 {
		t.Fatalf("%d audit lines, want 5", len(lines))
	}
	join := func(ls ...[]byte) []byte { return bytes.Join(ls, nil) }
	head, err := VerifyAudit(bytes.NewReader(join(lines...)))
	if err != nil || head != e.v.AuditHead() || head.Seq != 5 {
		t.Fatalf("VerifyAudit = %+v, %v; vault head %+v", head, err, e.v.AuditHead())
	}
	edit := func(i int, from, to string) []byte {
		l := bytes.Replace(lines[i], []byte(from), []byte(to), 1)
		if bytes.Equal(l, lines[i]) {
			t.Fatalf("edit %q -> %q changed nothing in line %d", from, to, i+1)
		}
		return l
	}
	cases := []struct {
		name string
		log  []byte
		line int
	}{
		{"edited reason", join(lines[0], edit(1, "court", "COURT"), lines[2], lines[3], lines[4]), 2},
		{"edited time", join(lines[0], lines[1], edit(2, "2026", "2025"), lines[3], lines[4]), 3},
		{"edited hash", join(lines[0], lines[1], lines[2], flipHash(lines[3]), lines[4]), 4},
		{"deleted line", join(lines[0], lines[2], lines[3], lines[4]), 2},
		{"swapped lines", join(lines[0], lines[2], lines[1], lines[3], lines[4]), 2},
		{"duplicated line", join(lines[0], lines[1], lines[1], lines[2], lines[3], lines[4]), 3},
		{"first line removed", join(lines[1:]...), 1},
		{"unknown member", join(lines[0], edit(1, `{"seq"`, `{"x":1,"seq"`), lines[2], lines[3], lines[4]), 2},
		{"torn tail", join(lines[0], lines[1], lines[2][:20]), 3},
		{"garbage line", join(lines[0], []byte("not json\n")), 2},
		{"long line", join(lines[0], bytes.Repeat([]byte("x"), MaxAuditLine+10)), 2},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyAudit(bytes.NewReader(tc.log))
			var ae *AuditError
			if !errors.As(err, &ae) || !errors.Is(err, ErrAuditBroken) {
				t.Fatalf("err = %v, want an *AuditError", err)
			}
			if ae.Line != tc.line {
				t.Fatalf("error at line %d (%v), want line %d", ae.Line, err, tc.line)
			}
		})
	}
	// A log cut at a line boundary verifies; only the recorded head shows it.
	cut, err := VerifyAudit(bytes.NewReader(join(lines[:3]...)))
	if err != nil || cut == head || cut.Seq != 3 {
		t.Fatalf("truncated log: head %+v, %v", cut, err)
	}
	if h, err := VerifyAudit(strings.NewReader("")); err != nil || h != (AuditHead{}) {
		t.Fatalf("empty log: %+v, %v", h, err)
	}
}

// flipHash changes one hex digit of a line's own hash.
func flipHash(line []byte) []byte {
	l := bytes.Clone(line)
	i := len(l) - 4 // ...x"}\n
	if l[i] == '0' {
		l[i] = '1'
	} else {
		l[i] = '0'
	}
	return l
}

func TestAuditEntriesContent(t *testing.T) {
	e, _ := auditFixture(t)
	a := e.audit()
	if got := events(a); got != "put,hold,release,put,purge" {
		t.Fatalf("events = %s", got)
	}
	if a[0].Prev != genesis || a[1].Prev != a[0].Hash || a[1].Actor != "reviewer-1" ||
		a[1].Hold != "h1" || a[1].Reason != "preserve <for> \"court\" & more" || a[0].KeyID != "k1" {
		t.Fatalf("entries = %+v", a[:2])
	}
	for _, x := range a {
		if x.Time.Location() != time.UTC {
			t.Fatalf("entry time %v not UTC", x.Time)
		}
	}
}

func TestAuditReopenContinuesChain(t *testing.T) {
	e, _ := auditFixture(t)
	before := e.v.AuditHead()
	e.reopen(keyring(t, "k1"))
	if e.v.AuditHead() != before {
		t.Fatalf("head after reopen %+v, want %+v", e.v.AuditHead(), before)
	}
	e.put([]byte("c"), PutOptions{})
	a := e.audit()
	if len(a) != 6 || a[5].Seq != 6 || a[5].Prev != before.Hash {
		t.Fatalf("entry after reopen = %+v", a[len(a)-1])
	}
}

func TestAuditTornTailRecovered(t *testing.T) {
	e, lines := auditFixture(t)
	path := filepath.Join(e.dir, AuditFileName)
	head := e.v.AuditHead()
	e.v.Close()
	// A crash in the middle of writing an entry.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(lines[1][:37])
	f.Close()
	e.v = e.open(keyring(t, "k1"), nil)
	a := e.audit()
	last := a[len(a)-1]
	if len(a) != 6 || last.Event != EventRecover || last.Prev != head.Hash || !strings.Contains(last.Reason, "37 bytes") {
		t.Fatalf("after recovery: %s, last %+v", events(a), last)
	}
}

func TestAuditTornFirstLineRecovered(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "audit.jsonl")
	if err := os.WriteFile(path, []byte(`{"seq":1,"ti`), 0o600); err != nil {
		t.Fatal(err)
	}
	l, err := openAuditLog(path, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	head, err := VerifyAudit(bytes.NewReader(mustRead(t, path)))
	if err != nil || head.Seq != 1 {
		t.Fatalf("log after cutting a torn first line: %+v, %v", head, err)
	}
}

func TestAuditCorruptLastEntryFailsOpen(t *testing.T) {
	e, lines := auditFixture(t)
	path := filepath.Join(e.dir, AuditFileName)
	e.v.Close()
	last := bytes.Replace(lines[4], []byte("purge"), []byte("PURGE"), 1)
	log := append(bytes.Join(lines[:4], nil), last...)
	if err := os.WriteFile(path, log, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.tryOpen(keyring(t, "k1"), nil); !errors.Is(err, ErrAuditBroken) {
		t.Fatalf("New over a log with a forged last entry: err = %v, want ErrAuditBroken", err)
	}
}

func TestAuditFilePermissions(t *testing.T) {
	e := newDirEnv(t, nil)
	fi, err := os.Stat(filepath.Join(e.dir, AuditFileName))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		t.Fatalf("audit log mode %v, want no group or other access", fi.Mode())
	}
}
