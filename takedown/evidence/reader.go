package evidence

import (
	"bytes"
	"io"
)

// Reader reads one item's verified plaintext. [Vault.Open] returns it only after
// the blob authenticated and its SHA-256 matched the digest, so nothing it
// yields is unverified. It implements io.ReadSeeker, io.ReaderAt and io.WriterTo
// (so it can be handed to http.ServeContent). Close wipes the plaintext.
//
// A Reader is not safe for concurrent use; it stays valid after the vault closes.
type Reader struct {
	item Item
	buf  []byte
	r    bytes.Reader
}

func newReader(it Item, plain []byte) *Reader {
	r := &Reader{item: it, buf: plain}
	r.r.Reset(plain)
	return r
}

// Item returns the item's metadata as of when it was opened.
func (r *Reader) Item() Item { return r.item }

// Size returns the plaintext length.
func (r *Reader) Size() int64 { return r.item.Size }

// Read implements io.Reader.
func (r *Reader) Read(p []byte) (int, error) {
	if r.buf == nil {
		return 0, ErrClosed
	}
	return r.r.Read(p)
}

// ReadAt implements io.ReaderAt.
func (r *Reader) ReadAt(p []byte, off int64) (int, error) {
	if r.buf == nil {
		return 0, ErrClosed
	}
	return r.r.ReadAt(p, off)
}

// Seek implements io.Seeker.
func (r *Reader) Seek(offset int64, whence int) (int64, error) {
	if r.buf == nil {
		return 0, ErrClosed
	}
	return r.r.Seek(offset, whence)
}

// WriteTo implements io.WriterTo.
func (r *Reader) WriteTo(w io.Writer) (int64, error) {
	if r.buf == nil {
		return 0, ErrClosed
	}
	return r.r.WriteTo(w)
}

// Close overwrites the plaintext with zeros; later reads fail with ErrClosed.
func (r *Reader) Close() error {
	if r.buf != nil {
		clear(r.buf)
		r.buf = nil
		r.r.Reset(nil)
	}
	return nil
}
