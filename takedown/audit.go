package takedown

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"time"
)

// Digest is a SHA-256 hash. It encodes as lower-case hex in JSON and text.
type Digest [32]byte

// String returns the hex encoding.
func (d Digest) String() string { return hex.EncodeToString(d[:]) }

// IsZero reports whether d is all zeros (the hash before the first event).
func (d Digest) IsZero() bool { return d == Digest{} }

// MarshalText encodes d as hex.
func (d Digest) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText decodes 64 hex digits.
func (d *Digest) UnmarshalText(b []byte) error {
	if len(b) != 64 {
		return fmt.Errorf("takedown: digest must be 64 hex digits, got %d bytes", len(b))
	}
	_, err := hex.Decode(d[:], b)
	return err
}

// AuditEvent is one link of a case's hash chain. Every state change of a case appends
// one: the opening (Payload: the Notice), each recorded event (Payload: the Event) and
// each warning, due and breach the engine fires (Payload: the Timer).
type AuditEvent struct {
	Case string `json:"case"`
	// Seq numbers the case's events from 1.
	Seq  uint64    `json:"seq"`
	Type EventType `json:"type"`
	// EventID is the caller's event ID, the notice ID, or the firing's delivery ID.
	EventID string `json:"event_id"`
	// At is when the engine recorded it.
	At      time.Time       `json:"at"`
	Payload json.RawMessage `json:"payload"`
	// State is the digest of the case state after this event (see StateDigest).
	State Digest `json:"state"`
	// Prev is the previous event's Hash (zero for the first); Hash covers every field
	// above and Prev.
	Prev Digest `json:"prev"`
	Hash Digest `json:"hash"`
}

func writeField(h hash.Hash, b []byte) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(b)))
	h.Write(n[:])
	h.Write(b)
}

func writeUint(h hash.Hash, v uint64) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], v)
	h.Write(n[:])
}

// ComputeHash returns the hash the event should carry: SHA-256 over a domain tag and the
// length-prefixed fields Case, Seq, Type, EventID, At (Unix nanoseconds), Payload, State
// and Prev.
func (e *AuditEvent) ComputeHash() Digest {
	h := sha256.New()
	writeField(h, []byte("mnr.takedown.audit.v1"))
	writeField(h, []byte(e.Case))
	writeUint(h, e.Seq)
	writeField(h, []byte(e.Type))
	writeField(h, []byte(e.EventID))
	writeUint(h, uint64(e.At.UnixNano()))
	writeField(h, e.Payload)
	h.Write(e.State[:])
	h.Write(e.Prev[:])
	var d Digest
	h.Sum(d[:0])
	return d
}

// StateDigest is the SHA-256 of StateJSON(c).
func StateDigest(c *Case) Digest { return sha256.Sum256(StateJSON(c)) }

// StateJSON is the JSON encoding of c with Seq and ChainHead cleared (the chain fields
// are what the state digest is chained into). Stores may keep these bytes, with Seq and
// ChainHead stored beside them, instead of encoding the case again.
func StateJSON(c *Case) []byte {
	cc := *c
	cc.Seq = 0
	cc.ChainHead = Digest{}
	b, err := json.Marshal(&cc)
	if err != nil {
		// A Case holds only JSON-safe types; this cannot happen.
		panic("takedown: encode case: " + err.Error())
	}
	return b
}

// JournalEntry is one link of the global chain: it records, in commit order across all
// cases, the hash of each audit event. Stores append entries in the same transaction as
// the events.
type JournalEntry struct {
	Seq       uint64 `json:"seq"`
	Case      string `json:"case"`
	CaseSeq   uint64 `json:"case_seq"`
	EventHash Digest `json:"event_hash"`
	Prev      Digest `json:"prev"`
	Hash      Digest `json:"hash"`
}

// ChainHead is the head of the global journal: its length and last hash. Publish or sign
// it periodically: an attacker who can rewrite the whole store can rebuild consistent
// chains, but not match a head recorded elsewhere.
type ChainHead struct {
	Seq  uint64 `json:"seq"`
	Hash Digest `json:"hash"`
}

// NextJournalEntry returns the journal entry that follows head for the audit event e.
// Store implementations call it for each event they append.
func NextJournalEntry(head ChainHead, e *AuditEvent) JournalEntry {
	j := JournalEntry{Seq: head.Seq + 1, Case: e.Case, CaseSeq: e.Seq, EventHash: e.Hash, Prev: head.Hash}
	j.Hash = j.ComputeHash()
	return j
}

// ComputeHash returns the hash the entry should carry.
func (j *JournalEntry) ComputeHash() Digest {
	h := sha256.New()
	writeField(h, []byte("mnr.takedown.journal.v1"))
	writeUint(h, j.Seq)
	writeField(h, []byte(j.Case))
	writeUint(h, j.CaseSeq)
	h.Write(j.EventHash[:])
	h.Write(j.Prev[:])
	var d Digest
	h.Sum(d[:0])
	return d
}

// VerifyChain checks a case against its audit events: the events are numbered 1..n
// without gaps, each links to the previous one, each hash matches its content, the last
// hash and count equal the case's ChainHead and Seq, and the last event's state digest
// matches the case as stored. It returns a *VerifyError (errors.Is ErrTampered) at the
// first failure.
func VerifyChain(c *Case, events []AuditEvent) error {
	fail := func(seq uint64, format string, args ...any) error {
		return &VerifyError{Case: c.ID, Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	var prev Digest
	for i := range events {
		e := &events[i]
		want := uint64(i + 1)
		if e.Case != c.ID {
			return fail(want, "event belongs to case %q", e.Case)
		}
		if e.Seq != want {
			return fail(want, "found event %d in position %d (dropped or reordered)", e.Seq, want)
		}
		if e.Prev != prev {
			return fail(want, "previous-hash link broken")
		}
		if e.ComputeHash() != e.Hash {
			return fail(want, "content does not match its hash (edited)")
		}
		prev = e.Hash
	}
	n := uint64(len(events))
	if n != c.Seq {
		return fail(n+1, "case records %d events, chain has %d (dropped)", c.Seq, n)
	}
	if prev != c.ChainHead {
		return fail(n, "case chain head does not match the last event")
	}
	if n > 0 && events[n-1].State != StateDigest(c) {
		return fail(n, "case state does not match the last event's state digest (edited)")
	}
	if n == 0 {
		return fail(0, "case has no audit events")
	}
	return nil
}

// VerifyJournal checks a run of journal entries that follows prev: contiguous sequence
// numbers, links and hashes. It returns the new head.
func VerifyJournal(prev ChainHead, entries []JournalEntry) (ChainHead, error) {
	for i := range entries {
		j := &entries[i]
		if j.Seq != prev.Seq+1 {
			return prev, &VerifyError{Seq: prev.Seq + 1, Reason: fmt.Sprintf("found entry %d (dropped or reordered)", j.Seq)}
		}
		if j.Prev != prev.Hash {
			return prev, &VerifyError{Seq: j.Seq, Reason: "previous-hash link broken"}
		}
		if j.ComputeHash() != j.Hash {
			return prev, &VerifyError{Seq: j.Seq, Reason: "content does not match its hash (edited)"}
		}
		prev = ChainHead{Seq: j.Seq, Hash: j.Hash}
	}
	return prev, nil
}
