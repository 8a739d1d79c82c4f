package boltstore

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/mnr-sdk/mnr/takedown"
)

// FuzzValidate feeds arbitrary bytes to the file check that runs before bbolt opens a
// file: it must never panic, and anything it rejects is a *CorruptError.
func FuzzValidate(f *testing.F) {
	f.Add([]byte{})
	f.Add(bytes.Repeat([]byte{0xED, 0xDA, 0x0C, 0xED}, 2048))
	f.Fuzz(func(t *testing.T, b []byte) {
		err := validateReader(bytes.NewReader(b), int64(len(b)), "fuzz")
		if err != nil && !errors.Is(err, takedown.ErrCorrupt) {
			t.Fatalf("rejected with %v, not a CorruptError", err)
		}
	})
}

// FuzzTimerRecord decodes arbitrary timer records: no panic, and whatever decodes
// re-encodes to the same bytes.
func FuzzTimerRecord(f *testing.F) {
	r := timerRec{Timer: takedown.Timer{Case: "c1", Deadline: "report:NCMEC", Kind: takedown.TimerWarning, Fraction: 0.5,
		At: time.Unix(1780000000, 5).UTC()}}
	f.Add(r.marshal())
	f.Add([]byte{1, 2})
	f.Fuzz(func(t *testing.T, b []byte) {
		var r timerRec
		if err := r.unmarshal(b); err != nil {
			return
		}
		if got := r.marshal(); !bytes.Equal(got, b) {
			t.Fatalf("round trip changed the record:\n%x\n%x", b, got)
		}
	})
}

// FuzzRecords decodes arbitrary bytes as each binary record kind: no panic, no huge
// allocation, and whatever decodes re-encodes to the same bytes (cases: to an equal
// case).
func FuzzRecords(f *testing.F) {
	c := &takedown.Case{ID: "c1", Version: 2, Status: takedown.StatusOpen, Seq: 3, ChainHead: takedown.Digest{9}}
	e := &takedown.AuditEvent{Case: "c1", Seq: 1, Type: takedown.EventOpened, EventID: "n1", At: time.Unix(1780000000, 0).UTC(),
		Payload: []byte(`{"a":1}`), State: takedown.Digest{1}, Hash: takedown.Digest{2}}
	j := &takedown.JournalEntry{Seq: 1, Case: "c1", CaseSeq: 1, EventHash: takedown.Digest{2}, Hash: takedown.Digest{3}}
	r := &takedown.IdemRecord{Key: "open/n1", Fingerprint: takedown.Digest{4}, Case: "c1", Version: 1}
	h := &takedown.ChainHead{Seq: 7, Hash: takedown.Digest{5}}
	for _, b := range [][]byte{marshalCase(c, nil), marshalEvent(e), marshalJournal(j), marshalIdem(r), marshalHead(h)} {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var c takedown.Case
		if unmarshalCase(b, &c) == nil {
			var back takedown.Case
			if err := unmarshalCase(marshalCase(&c, nil), &back); err != nil || back.ID != c.ID || back.Seq != c.Seq {
				t.Fatalf("case round trip: %v", err)
			}
		}
		var e takedown.AuditEvent
		if unmarshalEvent(b, &e) == nil && !bytes.Equal(marshalEvent(&e), b) {
			t.Fatal("event round trip changed the bytes")
		}
		var j takedown.JournalEntry
		if unmarshalJournal(b, &j) == nil && !bytes.Equal(marshalJournal(&j), b) {
			t.Fatal("journal round trip changed the bytes")
		}
		var r takedown.IdemRecord
		if unmarshalIdem(b, &r) == nil && !bytes.Equal(marshalIdem(&r), b) {
			t.Fatal("idempotency round trip changed the bytes")
		}
		var h takedown.ChainHead
		if unmarshalHead(b, &h) == nil && !bytes.Equal(marshalHead(&h), b) {
			t.Fatal("head round trip changed the bytes")
		}
	})
}

func TestTimerRecordRoundTrip(t *testing.T) {
	for _, r := range []timerRec{
		{Timer: takedown.Timer{Case: "c", Deadline: "remove", Kind: takedown.TimerDue, At: time.Unix(0, 1).UTC()}},
		{Timer: takedown.Timer{Case: "c", Deadline: "d", Kind: takedown.TimerWarning, Fraction: 0.8, At: time.Unix(1e9, 7).UTC()}},
	} {
		var back timerRec
		if err := back.unmarshal(r.marshal()); err != nil {
			t.Fatal(err)
		}
		if back.Timer != r.Timer {
			t.Fatalf("round trip: %+v, want %+v", back, r)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {2, 0, 0}, append([]byte{1, 9}, make([]byte, 40)...), append([]byte{1, 1}, make([]byte, 16)...)} {
		var back timerRec
		if err := back.unmarshal(bad); err == nil {
			t.Fatalf("%x decoded", bad)
		}
	}
}
