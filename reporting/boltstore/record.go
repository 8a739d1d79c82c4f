package boltstore

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/mnr-sdk/mnr/reporting"
)

// A submission record (layout 2) is a fixed header and the JSON of the
// submission without its receipts:
//
//	[0]      record format, 2
//	[1:9]    Version, uint64 big-endian
//	[9:17]   due time of the reporting/due key, Unix ns, uint64 big-endian
//	[17]     flags: bit 0 set when the submission has a reporting/due key
//	[18:22]  number of receipts stored in reporting/receipts, uint32 big-endian
//	[22]     length of the state, n
//	[23:23+n] the state, which names its reporting/state key
//	[23+n:]  the JSON
//
// Update reads the header alone: the version check and the index keys to move
// need no decoding of the JSON.
const (
	recordFormat   = 2
	headerFixedLen = 23
	flagDue        = 1
)

// header is the decoded fixed header of a record.
type header struct {
	version  int64
	due      uint64 // meaningful when hasDue
	hasDue   bool
	receipts int
	state    reporting.State
	bodyAt   int // offset of the JSON
}

var errRecordFormat = errors.New("unknown record format")

// parseHeader reads the header of a record.
func parseHeader(rec []byte) (header, error) {
	if len(rec) < headerFixedLen || rec[0] != recordFormat {
		return header{}, errRecordFormat
	}
	n := int(rec[22])
	if len(rec) < headerFixedLen+n {
		return header{}, errRecordFormat
	}
	h := header{
		version:  int64(binary.BigEndian.Uint64(rec[1:9])),
		due:      binary.BigEndian.Uint64(rec[9:17]),
		hasDue:   rec[17]&flagDue != 0,
		receipts: int(binary.BigEndian.Uint32(rec[18:22])),
		state:    reporting.State(rec[23 : 23+n]),
		bodyAt:   headerFixedLen + n,
	}
	if h.version < 0 || h.receipts < 0 || !h.state.Valid() {
		return header{}, errRecordFormat
	}
	return h, nil
}

// appendHeader appends the header of sub, with receipts stored receipts, to b.
func appendHeader(b []byte, sub *reporting.Submission, receipts int) []byte {
	var fixed [headerFixedLen]byte
	fixed[0] = recordFormat
	binary.BigEndian.PutUint64(fixed[1:9], uint64(sub.Version))
	if at, ok := reporting.DueAt(sub); ok {
		binary.BigEndian.PutUint64(fixed[9:17], dueNanos(at))
		fixed[17] |= flagDue
	}
	binary.BigEndian.PutUint32(fixed[18:22], uint32(receipts))
	fixed[22] = byte(len(sub.State))
	b = append(b, fixed[:]...)
	return append(b, sub.State...)
}

// dueNanos is the time part of a reporting/due key: Unix ns, 0 before 1970.
func dueNanos(at time.Time) uint64 {
	ns := at.UnixNano()
	if ns < 0 || at.Year() < 1970 {
		ns = 0
	}
	return uint64(ns)
}

// receiptPrefix is the reporting/receipts key prefix of a submission: the ID's
// length (uint16 big-endian) and the ID, so no ID's prefix is another's.
func receiptPrefix(id string) []byte {
	k := make([]byte, 2, 2+len(id)+4)
	binary.BigEndian.PutUint16(k, uint16(len(id)))
	return append(k, id...)
}

// receiptKey is the key of a submission's receipt number seq (from 0).
func receiptKey(prefix []byte, seq int) []byte {
	k := make([]byte, len(prefix)+4)
	copy(k, prefix)
	binary.BigEndian.PutUint32(k[len(prefix):], uint32(seq))
	return k
}
