package boltstore

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"time"

	"github.com/klauspost/compress/s2"

	"github.com/mnr-sdk/mnr/takedown"
)

// The write-hot records (audit events, journal entries, idempotency records, the head)
// are binary: each starts with a format byte (1), then fixed-width big-endian integers,
// 32-byte digests, and strings as a minimal uvarint length and bytes. A case record is
// format byte 1, Seq, ChainHead, then takedown.StateJSON of the case (the bytes its
// state digest covers) compressed with S2 (klauspost/compress): JSON shrinks several
// times, and the bytes written per commit are what bounds throughput.

var errRecord = errors.New("malformed record")

type enc []byte

func (b enc) u64(v uint64) enc             { return binary.BigEndian.AppendUint64(b, v) }
func (b enc) digest(d takedown.Digest) enc { return append(b, d[:]...) }
func (b enc) str(s string) enc {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

type dec struct {
	b   []byte
	bad bool
}

func (d *dec) u64() uint64 {
	if len(d.b) < 8 {
		d.bad = true
		return 0
	}
	v := binary.BigEndian.Uint64(d.b)
	d.b = d.b[8:]
	return v
}

func (d *dec) digest() (out takedown.Digest) {
	if len(d.b) < 32 {
		d.bad = true
		return out
	}
	copy(out[:], d.b)
	d.b = d.b[32:]
	return out
}

func (d *dec) str() string {
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) || k != len(binary.AppendUvarint(nil, n)) {
		d.bad = true
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *dec) version() {
	if len(d.b) == 0 || d.b[0] != 1 {
		d.bad = true
		return
	}
	d.b = d.b[1:]
}

// done reports an error unless every byte was consumed without a problem.
func (d *dec) done() error {
	if d.bad || len(d.b) != 0 {
		return errRecord
	}
	return nil
}

// maxCaseJSON bounds a decoded case record (a corrupt length cannot make us allocate
// more): 16 MiB, far above any case the takedown limits allow.
const maxCaseJSON = 16 << 20

func marshalCase(c *takedown.Case, state []byte) []byte {
	if state == nil {
		state = takedown.StateJSON(c)
	}
	out := make([]byte, 41+s2.MaxEncodedLen(len(state)))
	out[0] = 1
	binary.BigEndian.PutUint64(out[1:9], c.Seq)
	copy(out[9:41], c.ChainHead[:])
	z := s2.Encode(out[41:], state)
	return out[:41+len(z)]
}

func unmarshalCase(b []byte, c *takedown.Case) error {
	d := dec{b: b}
	d.version()
	seq, head := d.u64(), d.digest()
	if d.bad {
		return errRecord
	}
	n, err := s2.DecodedLen(d.b)
	if err != nil || n > maxCaseJSON {
		return errRecord
	}
	state, err := s2.Decode(nil, d.b)
	if err != nil {
		return errRecord
	}
	if err := json.Unmarshal(state, c); err != nil {
		return err
	}
	c.Seq, c.ChainHead = seq, head
	return nil
}

func nanoTime(v uint64) time.Time { return time.Unix(0, int64(v)).UTC() }

func marshalEvent(e *takedown.AuditEvent) []byte {
	b := enc(make([]byte, 0, 160+len(e.Case)+len(e.EventID)+len(e.Payload)))
	b = append(b, 1)
	b = b.str(e.Case).u64(e.Seq).str(string(e.Type)).str(e.EventID).u64(uint64(e.At.UnixNano()))
	b = b.digest(e.State).digest(e.Prev).digest(e.Hash).str(string(e.Payload))
	return b
}

func unmarshalEvent(b []byte, e *takedown.AuditEvent) error {
	d := dec{b: b}
	d.version()
	e.Case = d.str()
	e.Seq = d.u64()
	e.Type = takedown.EventType(d.str())
	e.EventID = d.str()
	e.At = nanoTime(d.u64())
	e.State, e.Prev, e.Hash = d.digest(), d.digest(), d.digest()
	e.Payload = []byte(d.str())
	return d.done()
}

func marshalJournal(j *takedown.JournalEntry) []byte {
	b := enc(make([]byte, 0, 120+len(j.Case)))
	b = append(b, 1)
	return b.u64(j.Seq).str(j.Case).u64(j.CaseSeq).digest(j.EventHash).digest(j.Prev).digest(j.Hash)
}

func unmarshalJournal(b []byte, j *takedown.JournalEntry) error {
	d := dec{b: b}
	d.version()
	j.Seq = d.u64()
	j.Case = d.str()
	j.CaseSeq = d.u64()
	j.EventHash, j.Prev, j.Hash = d.digest(), d.digest(), d.digest()
	return d.done()
}

func marshalIdem(r *takedown.IdemRecord) []byte {
	b := enc(make([]byte, 0, 50+len(r.Key)+len(r.Case)))
	b = append(b, 1)
	return b.str(r.Key).digest(r.Fingerprint).str(r.Case).u64(r.Version)
}

func unmarshalIdem(b []byte, r *takedown.IdemRecord) error {
	d := dec{b: b}
	d.version()
	r.Key = d.str()
	r.Fingerprint = d.digest()
	r.Case = d.str()
	r.Version = d.u64()
	return d.done()
}

func marshalHead(h *takedown.ChainHead) []byte {
	return enc{1}.u64(h.Seq).digest(h.Hash)
}

func unmarshalHead(b []byte, h *takedown.ChainHead) error {
	d := dec{b: b}
	d.version()
	h.Seq = d.u64()
	h.Hash = d.digest()
	return d.done()
}
