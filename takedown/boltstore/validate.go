package boltstore

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"

	"github.com/mnr-sdk/mnr/takedown"
)

// CorruptError reports a store file or record that cannot be read. It matches
// takedown.ErrCorrupt with errors.Is.
type CorruptError struct {
	// Path is the file, when known.
	Path string
	// Reason says what is wrong.
	Reason string
}

func (e *CorruptError) Error() string {
	if e.Path == "" {
		return "boltstore: corrupt store: " + e.Reason
	}
	return fmt.Sprintf("boltstore: %s is corrupt: %s", e.Path, e.Reason)
}

// Is makes errors.Is(err, takedown.ErrCorrupt) true.
func (e *CorruptError) Is(target error) bool { return target == takedown.ErrCorrupt }

// bbolt's on-disk constants (bbolt v1.x file format 2, little-endian hosts).
const (
	pageHeaderSize = 16
	metaMagic      = 0xED0CDAED
	metaVersion    = 2
	metaPageFlag   = 0x04
	metaChecksumAt = 56 // offset of the checksum inside the meta struct
	minPageSize    = 512
	maxPageSize    = 1 << 20
)

type meta struct {
	pageSize uint32
	root     uint64
	freelist uint64
	pgid     uint64
	txid     uint64
}

// parseMeta decodes and checks one meta page (b starts at the page header).
func parseMeta(b []byte) (meta, string) {
	if len(b) < pageHeaderSize+metaChecksumAt+8 {
		return meta{}, "short meta page"
	}
	if flags := binary.LittleEndian.Uint16(b[8:10]); flags&metaPageFlag == 0 {
		return meta{}, "meta page flag missing"
	}
	m := b[pageHeaderSize:]
	if binary.LittleEndian.Uint32(m[0:4]) != metaMagic {
		return meta{}, "bad magic (not a bbolt file)"
	}
	if binary.LittleEndian.Uint32(m[4:8]) != metaVersion {
		return meta{}, "unsupported bbolt file version"
	}
	h := fnv.New64a()
	h.Write(m[:metaChecksumAt])
	if h.Sum64() != binary.LittleEndian.Uint64(m[metaChecksumAt:]) {
		return meta{}, "meta checksum mismatch"
	}
	out := meta{
		pageSize: binary.LittleEndian.Uint32(m[8:12]),
		root:     binary.LittleEndian.Uint64(m[16:24]),
		freelist: binary.LittleEndian.Uint64(m[32:40]),
		pgid:     binary.LittleEndian.Uint64(m[40:48]),
		txid:     binary.LittleEndian.Uint64(m[48:56]),
	}
	if out.pageSize < minPageSize || out.pageSize > maxPageSize || out.pageSize&(out.pageSize-1) != 0 {
		return meta{}, "implausible page size"
	}
	return out, ""
}

// validateFile checks a bbolt file before bbolt opens it, so that a truncated file or
// one of random bytes gives a clear error instead of a panic deep in bbolt: at least one
// meta page must be intact, and the file must hold every page that meta says exists. A
// missing or empty file is fine (bbolt initialises it).
func validateFile(path string) error {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return err
	}
	size := st.Size()
	if size == 0 {
		return nil
	}
	return validateReader(f, size, path)
}

// validateReader is validateFile over any reader (the fuzz target).
func validateReader(r io.ReaderAt, size int64, path string) error {
	corrupt := func(format string, args ...any) error {
		return &CorruptError{Path: path, Reason: fmt.Sprintf(format, args...)}
	}
	head := make([]byte, 4096)
	n, err := r.ReadAt(head, 0)
	if err != nil && err != io.EOF {
		return err
	}
	head = head[:n]
	m0, why0 := parseMeta(head)
	var best meta
	ok := false
	if why0 == "" {
		best, ok = m0, true
	}
	// The second meta page sits one page in; try the first meta's page size, else the
	// usual sizes.
	sizes := []uint32{4096, 8192, 16384, 65536, 512, 1024, 2048}
	if why0 == "" {
		sizes = []uint32{m0.pageSize}
	}
	why1 := "unreadable"
	for _, ps := range sizes {
		if int64(ps)+pageHeaderSize+metaChecksumAt+8 > size {
			continue
		}
		buf := make([]byte, pageHeaderSize+metaChecksumAt+8)
		if _, err := r.ReadAt(buf, int64(ps)); err != nil && err != io.EOF {
			return err
		}
		m1, why := parseMeta(buf)
		why1 = why
		if why == "" && m1.pageSize == ps {
			if !ok || m1.txid > best.txid {
				best = m1
			}
			ok = true
			break
		}
	}
	if !ok {
		return corrupt("no valid meta page (first: %s; second: %s)", why0, why1)
	}
	ps := int64(best.pageSize)
	if size < 2*ps {
		return corrupt("file is %d bytes, smaller than its two meta pages", size)
	}
	if best.pgid < 4 {
		return corrupt("implausible page count %d", best.pgid)
	}
	if best.pgid > uint64(size/ps) {
		return corrupt("truncated: %d bytes, meta needs %d pages of %d bytes", size, best.pgid, ps)
	}
	if best.root >= best.pgid || best.root < 2 {
		return corrupt("root page %d outside the file", best.root)
	}
	if best.freelist != ^uint64(0) && (best.freelist >= best.pgid || best.freelist < 2) {
		return corrupt("freelist page %d outside the file", best.freelist)
	}
	return nil
}
