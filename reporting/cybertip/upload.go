package cybertip

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"mime/multipart"
	"sync"

	"github.com/mnr-sdk/mnr/reporting"
)

// errTooLarge: a file is larger than Options.MaxFileBytes.
var errTooLarge = errors.New("cybertip: file larger than Options.MaxFileBytes")

// upload builds the multipart body of one /upload request without a goroutine: a
// prefix (the id field and the file part's header), the file's bytes read lazily
// from the FileSource and hashed as they pass, and the closing boundary. Each call
// of body starts a new attempt; the state of the latest attempt is what the
// agency's answer is compared with.
type upload struct {
	ctx         context.Context
	files       reporting.FileSource
	ref         string
	boundary    string
	prefix      []byte
	suffix      []byte
	limit       int64
	wantSHA256  bool
	mu          sync.Mutex
	latest      *attempt
	contentType string
}

type attempt struct {
	mu     sync.Mutex
	md5    hash.Hash
	sha256 hash.Hash
	n      int64
	done   bool // the file's bytes were read to EOF
	err    error
}

func newUpload(ctx context.Context, files reporting.FileSource, ref, reportID, fileName string, limit int64, wantSHA256 bool) (*upload, error) {
	var rnd [16]byte
	_, _ = rand.Read(rnd[:])
	u := &upload{ctx: ctx, files: files, ref: ref, boundary: "mnr-" + hex.EncodeToString(rnd[:]), limit: limit, wantSHA256: wantSHA256}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if err := mw.SetBoundary(u.boundary); err != nil {
		return nil, err
	}
	if err := mw.WriteField("id", reportID); err != nil {
		return nil, err
	}
	if fileName == "" {
		fileName = "file"
	}
	if _, err := mw.CreateFormFile("file", fileName); err != nil {
		return nil, err
	}
	u.prefix = bytes.Clone(buf.Bytes())
	buf.Reset()
	if err := mw.Close(); err != nil {
		return nil, err
	}
	u.suffix = bytes.Clone(buf.Bytes())
	u.contentType = mw.FormDataContentType()
	return u, nil
}

// body returns a fresh request body for one attempt.
func (u *upload) body() (io.Reader, error) {
	at := &attempt{md5: md5.New()}
	if u.wantSHA256 {
		at.sha256 = sha256.New()
	}
	u.mu.Lock()
	u.latest = at
	u.mu.Unlock()
	f := &lazyFile{u: u, at: at}
	return &multiBody{Reader: io.MultiReader(bytes.NewReader(u.prefix), f, bytes.NewReader(u.suffix)), f: f}, nil
}

// result returns the latest attempt's hashes: ok is false when its file bytes were
// not read to the end (or failed).
func (u *upload) result() (md5hex, sha256hex string, n int64, ok bool, err error) {
	u.mu.Lock()
	at := u.latest
	u.mu.Unlock()
	if at == nil {
		return "", "", 0, false, nil
	}
	at.mu.Lock()
	defer at.mu.Unlock()
	if at.err != nil {
		return "", "", at.n, false, at.err
	}
	if !at.done {
		return "", "", at.n, false, nil
	}
	md5hex = hex.EncodeToString(at.md5.Sum(nil))
	if at.sha256 != nil {
		sha256hex = hex.EncodeToString(at.sha256.Sum(nil))
	}
	return md5hex, sha256hex, at.n, true, nil
}

// multiBody is the request body; Close releases the file if it was opened.
type multiBody struct {
	io.Reader
	f *lazyFile
}

// Close releases the file if it was opened.
func (b *multiBody) Close() error { return b.f.close() }

// lazyFile opens the content source at its first Read and closes it at EOF, so a
// body that is never read holds nothing open.
type lazyFile struct {
	u      *upload
	at     *attempt
	mu     sync.Mutex
	rc     io.ReadCloser
	r      io.Reader
	closed bool
}

// Read opens the source on first use and hashes what passes.
func (f *lazyFile) Read(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return 0, io.EOF
	}
	if f.rc == nil {
		rc, err := f.u.files.Open(f.u.ctx, f.u.ref)
		if err != nil {
			f.fail(err)
			return 0, fmt.Errorf("cybertip: open content source: %w", err)
		}
		f.rc = rc
		f.r = io.LimitReader(rc, f.u.limit+1)
	}
	n, err := f.r.Read(p)
	if n > 0 {
		f.at.mu.Lock()
		f.at.n += int64(n)
		over := f.at.n > f.u.limit
		f.at.md5.Write(p[:n])
		if f.at.sha256 != nil {
			f.at.sha256.Write(p[:n])
		}
		f.at.mu.Unlock()
		if over {
			f.fail(errTooLarge)
			return 0, errTooLarge
		}
	}
	if err == io.EOF {
		f.at.mu.Lock()
		f.at.done = true
		f.at.mu.Unlock()
		_ = f.rc.Close()
		f.closed = true
	} else if err != nil {
		f.fail(err)
	}
	return n, err
}

func (f *lazyFile) fail(err error) {
	f.at.mu.Lock()
	if f.at.err == nil {
		f.at.err = err
	}
	f.at.mu.Unlock()
}

func (f *lazyFile) close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.rc != nil && !f.closed {
		f.closed = true
		return f.rc.Close()
	}
	f.closed = true
	return nil
}
