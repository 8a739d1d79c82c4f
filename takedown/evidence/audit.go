package evidence

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// Audit events, the values of [AuditEntry.Event].
const (
	EventPut     = "put"     // a new item was stored
	EventExtend  = "extend"  // an item's retention date moved later
	EventHold    = "hold"    // a legal hold was placed
	EventRelease = "release" // a legal hold was released
	EventDestroy = "destroy" // an item was destroyed on request (Destroy)
	EventPurge   = "purge"   // an item was destroyed because its retention ended (Purge)
	EventRewrap  = "rewrap"  // an item was re-encrypted under the active key
	EventRecover = "recover" // the vault cut an incomplete last entry (a torn write) when it opened the log
)

// MaxAuditLine bounds one audit log line in bytes; ReadAudit and VerifyAudit
// reject longer lines. The bounds on reasons, IDs and actors keep real entries
// under a few kilobytes.
const MaxAuditLine = 64 << 10

// genesis is the Prev of the first entry.
var genesis = strings.Repeat("0", 64)

// AuditEntry is one line of the audit log: an append-only file of JSON lines
// in which each entry carries the SHA-256 of the previous one, so that an edit,
// insertion, deletion or reordering anywhere breaks the chain.
//
// Items are named by Ref, the keyed digest (see [Vault.Ref]), never by their
// SHA-256, so the log reveals nothing about content to someone who has only the
// disk. It never holds content, keys or labels.
type AuditEntry struct {
	Seq         uint64    `json:"seq"`                   // 1, 2, 3, …
	Time        time.Time `json:"time"`                  // vault clock (Options.Now), UTC
	Event       string    `json:"event"`                 // one of the Event constants
	Ref         string    `json:"ref,omitempty"`         // the item
	Actor       string    `json:"actor,omitempty"`       // who (WithActor, or Options.Actor)
	Reason      string    `json:"reason,omitempty"`      // why, as the caller gave it
	Hold        string    `json:"hold,omitempty"`        // hold ID, for hold and release
	RetainUntil time.Time `json:"retain_until,omitzero"` // for put, extend and purge
	KeyID       string    `json:"key_id,omitempty"`      // for put and rewrap: the key now sealing the item
	Prev        string    `json:"prev"`                  // hash of the previous entry (64 zeros for the first)
	Hash        string    `json:"hash,omitempty"`        // SHA-256 of this line's JSON without the hash member
}

// AuditHead identifies the last entry of a log. Record it somewhere the vault's
// disk cannot reach (a ticket, another system's database): the hash chain shows
// that what a log holds is unaltered, but only a recorded head shows that
// nothing was cut from its end.
type AuditHead struct {
	Seq  uint64 // number of entries; 0 for an empty log
	Hash string // Hash of the last entry; "" for an empty log
}

const hashMember = `,"hash":"`

// sealEntry computes e's line (with the trailing newline) and its hash.
func sealEntry(e AuditEntry) ([]byte, string, error) {
	e.Hash = ""
	body, err := json.Marshal(e)
	if err != nil {
		return nil, "", fmt.Errorf("evidence: encoding audit entry: %w", err)
	}
	sum := sha256.Sum256(body)
	h := hex.EncodeToString(sum[:])
	line := make([]byte, 0, len(body)+len(hashMember)+len(h)+3)
	line = append(line, body[:len(body)-1]...)
	line = append(line, hashMember...)
	line = append(line, h...)
	line = append(line, "\"}\n"...)
	if len(line) > MaxAuditLine {
		return nil, "", invalidf("audit entry of %d bytes exceeds %d", len(line), MaxAuditLine)
	}
	return line, h, nil
}

// parseEntry checks one line (without its newline) against its own hash and
// decodes it. It does not check the chain.
func parseEntry(line []byte) (AuditEntry, error) {
	var e AuditEntry
	tail := len(hashMember) + 64 + 2
	if len(line) < tail+2 || !bytes.HasSuffix(line, []byte(`"}`)) ||
		string(line[len(line)-tail:len(line)-tail+len(hashMember)]) != hashMember {
		return e, errors.New("no hash member at the end")
	}
	h := string(line[len(line)-66 : len(line)-2])
	body := make([]byte, 0, len(line)-tail+1)
	body = append(append(body, line[:len(line)-tail]...), '}')
	sum := sha256.Sum256(body)
	if hex.EncodeToString(sum[:]) != h {
		return e, errors.New("hash does not match the entry")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return e, fmt.Errorf("bad JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return e, errors.New("trailing data")
	}
	if e.Hash != "" {
		return e, errors.New("hash member inside the hashed body")
	}
	switch e.Event {
	case EventPut, EventExtend, EventHold, EventRelease, EventDestroy, EventPurge, EventRewrap, EventRecover:
	default:
		return e, fmt.Errorf("unknown event %q", e.Event)
	}
	if e.Seq == 0 || e.Time.IsZero() || len(e.Prev) != 64 {
		return e, errors.New("missing sequence, time or previous hash")
	}
	e.Hash = h
	return e, nil
}

// ReadAudit yields the entries of an audit log in order, verifying each line's
// hash, the sequence and the chain as it goes. It stops at the first error, an
// [*AuditError] (which matches [ErrAuditBroken]) or the reader's error. An empty
// reader yields nothing.
func ReadAudit(r io.Reader) iter.Seq2[AuditEntry, error] {
	return func(yield func(AuditEntry, error) bool) {
		br := bufio.NewReaderSize(r, MaxAuditLine)
		prev, seq := genesis, uint64(0)
		for n := 1; ; n++ {
			line, err := br.ReadSlice('\n')
			switch {
			case errors.Is(err, bufio.ErrBufferFull):
				yield(AuditEntry{}, &AuditError{Line: n, Reason: fmt.Sprintf("line longer than %d bytes", MaxAuditLine)})
				return
			case err == io.EOF && len(line) == 0:
				return
			case err == io.EOF:
				yield(AuditEntry{}, &AuditError{Line: n, Reason: "incomplete last line (no newline)"})
				return
			case err != nil:
				yield(AuditEntry{}, fmt.Errorf("evidence: reading audit log: %w", err))
				return
			}
			e, perr := parseEntry(line[:len(line)-1])
			switch {
			case perr != nil:
				yield(AuditEntry{}, &AuditError{Line: n, Reason: perr.Error()})
				return
			case e.Seq != seq+1:
				yield(AuditEntry{}, &AuditError{Line: n, Reason: fmt.Sprintf("sequence %d follows %d", e.Seq, seq)})
				return
			case e.Prev != prev:
				yield(AuditEntry{}, &AuditError{Line: n, Reason: "previous-hash link broken"})
				return
			}
			prev, seq = e.Hash, e.Seq
			if !yield(e, nil) {
				return
			}
		}
	}
}

// VerifyAudit reads a whole audit log, checks every line and the chain, and
// returns its head. Compare the head with one recorded earlier to detect a log
// cut short. Errors are as for [ReadAudit].
func VerifyAudit(r io.Reader) (AuditHead, error) {
	var head AuditHead
	for e, err := range ReadAudit(r) {
		if err != nil {
			return head, err
		}
		head = AuditHead{Seq: e.Seq, Hash: e.Hash}
	}
	return head, nil
}

// auditLog appends to the audit file. Each append is one write followed by an
// fsync; after a failed write or fsync the log refuses further appends (what
// reached the disk is unknown) until it is reopened.
type auditLog struct {
	mu     sync.Mutex
	f      *os.File
	head   AuditHead
	broken error
}

// openAuditLog opens or creates the log at path, reads its last entry and, if
// the file ends in an incomplete line (a write torn by a crash, never
// acknowledged), cuts it and records a recover entry.
func openAuditLog(path string, now time.Time) (*auditLog, error) {
	_, statErr := os.Lstat(path)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, filePerm)
	if err != nil {
		return nil, fmt.Errorf("evidence: opening audit log: %w", err)
	}
	l := &auditLog{f: f}
	if errors.Is(statErr, os.ErrNotExist) {
		if err := syncPath(filepath.Dir(path)); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	cut, err := l.readTail()
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	if cut > 0 {
		reason := fmt.Sprintf("cut %d bytes of an incomplete last entry", cut)
		if err := l.append(AuditEntry{Time: now, Event: EventRecover, Reason: reason}); err != nil {
			_ = f.Close()
			return nil, err
		}
	}
	return l, nil
}

// readTail finds the last complete entry, truncating a torn final line, and
// returns how many bytes it cut.
func (l *auditLog) readTail() (int64, error) {
	st, err := l.f.Stat()
	if err != nil {
		return 0, fmt.Errorf("evidence: audit log: %w", err)
	}
	size := st.Size()
	l.head = AuditHead{}
	if size == 0 {
		return 0, nil
	}
	// The last line, complete or not, plus the one before it, fit in this window.
	win := min(size, 2*MaxAuditLine+2)
	buf := make([]byte, win)
	if _, err := l.f.ReadAt(buf, size-win); err != nil {
		return 0, fmt.Errorf("evidence: reading audit log: %w", err)
	}
	var cut int64
	if buf[len(buf)-1] != '\n' {
		i := bytes.LastIndexByte(buf, '\n')
		if i < 0 && win < size {
			return 0, &AuditError{Reason: fmt.Sprintf("last line longer than %d bytes", MaxAuditLine)}
		}
		cut = int64(len(buf) - (i + 1))
		if err := l.f.Truncate(size - cut); err != nil {
			return 0, fmt.Errorf("evidence: truncating torn audit entry: %w", err)
		}
		if err := l.f.Sync(); err != nil {
			return 0, fmt.Errorf("evidence: audit log: %w", err)
		}
		buf, size = buf[:i+1], size-cut
		if size == 0 {
			return cut, nil
		}
	}
	body := buf[:len(buf)-1]
	start := bytes.LastIndexByte(body, '\n') + 1
	if start == 0 && int64(len(buf)) < size {
		return 0, &AuditError{Reason: fmt.Sprintf("last line longer than %d bytes", MaxAuditLine)}
	}
	e, err := parseEntry(body[start:])
	if err != nil {
		return 0, &AuditError{Reason: "last entry: " + err.Error()}
	}
	l.head = AuditHead{Seq: e.Seq, Hash: e.Hash}
	return cut, nil
}

// append writes entries as consecutive lines with one write and one fsync.
func (l *auditLog) append(entries ...AuditEntry) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken != nil {
		return l.broken
	}
	var out []byte
	head := l.head
	for _, e := range entries {
		e.Seq, e.Prev = head.Seq+1, head.Hash
		if e.Prev == "" {
			e.Prev = genesis
		}
		e.Time = e.Time.UTC()
		line, h, err := sealEntry(e)
		if err != nil {
			return err
		}
		out = append(out, line...)
		head = AuditHead{Seq: e.Seq, Hash: h}
	}
	_, err := l.f.Write(out)
	if err == nil {
		err = l.f.Sync()
	}
	if err != nil {
		l.broken = fmt.Errorf("%w: %v", ErrAuditBroken, err)
		return l.broken
	}
	l.head = head
	return nil
}

func (l *auditLog) check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.broken
}

func (l *auditLog) current() AuditHead {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.head
}

func (l *auditLog) close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.broken == nil {
		l.broken = fmt.Errorf("%w: %w", ErrAuditBroken, ErrClosed)
	}
	return l.f.Close()
}

// syncPath fsyncs a directory by path (best effort where unsupported).
func syncPath(dir string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("evidence: %w", err)
	}
	defer root.Close()
	return syncDir(root, ".")
}
