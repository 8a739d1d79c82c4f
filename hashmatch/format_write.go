package hashmatch

import (
	"bufio"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/klauspost/compress/zstd"
)

// WriteOptions configure WriteList and WriteListFile. The zero value (and
// nil) writes at the fastest compression without a signature.
type WriteOptions struct {
	// Compression is the zstd effort from 1 (fastest, the default; hash
	// values do not compress) to 4 (best).
	Compression int
	// SigningKey, when set, makes WriteListFile also write the detached
	// signature PATH.sig (see Sign).
	SigningKey ed25519.PrivateKey
}

// writeWindow is the zstd window mnr writes with, well under the default
// decoder cap (DefaultMaxDecoderMemory).
const writeWindow = 4 << 20

// WriteList writes l in the mnr format (see FormatMNR): header, sorted
// hashes, category sets and IDs in one zstd stream. The output is
// deterministic for a given list.
func WriteList(w io.Writer, l *List, opts *WriteOptions) error {
	var o WriteOptions
	if opts != nil {
		o = *opts
	}
	var level zstd.EncoderLevel
	switch o.Compression {
	case 0, 1:
		level = zstd.SpeedFastest
	case 2:
		level = zstd.SpeedDefault
	case 3:
		level = zstd.SpeedBetterCompression
	case 4:
		level = zstd.SpeedBestCompression
	default:
		return fmt.Errorf("%w: compression %d outside 1..4", ErrBadList, o.Compression)
	}
	if err := checkInfo(ListInfo{Name: l.name, Source: l.source, Version: l.version}); err != nil {
		return err
	}
	hb, err := json.Marshal(l.header())
	if err != nil {
		return err
	}
	if _, err := w.Write(mnrMagic); err != nil {
		return err
	}
	zw, err := zstd.NewWriter(w, zstd.WithEncoderLevel(level), zstd.WithEncoderCRC(true),
		zstd.WithWindowSize(writeWindow), zstd.WithEncoderConcurrency(1))
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(zw, 1<<20)
	var vb [binary.MaxVarintLen64]byte
	bw.Write(vb[:binary.PutUvarint(vb[:], uint64(len(hb)))])
	bw.Write(hb)
	var b [32]byte
	for _, c := range l.cols {
		size := c.kind.Size()
		bw.WriteByte('H')
		for i := 0; i < c.n; i++ {
			for j, x := range c.codes[i*c.words : (i+1)*c.words] {
				binary.BigEndian.PutUint64(b[8*j:], x)
			}
			bw.Write(b[:size])
		}
		switch {
		case c.set16 != nil:
			bw.WriteByte('S')
			for _, s := range c.set16 {
				bw.Write(binary.LittleEndian.AppendUint16(b[:0], s))
			}
		case c.set32 != nil:
			bw.WriteByte('S')
			for _, s := range c.set32 {
				bw.Write(binary.LittleEndian.AppendUint32(b[:0], s))
			}
		}
		bw.WriteByte('I')
		if c.ids.end == nil {
			for _, v := range c.ids.num {
				bw.Write(binary.LittleEndian.AppendUint32(b[:0], v))
			}
		} else {
			for i := 0; i < c.n; i++ {
				id := c.ids.get(i)
				bw.Write(vb[:binary.PutUvarint(vb[:], uint64(len(id)))])
				bw.WriteString(id)
			}
		}
	}
	bw.WriteByte('E')
	bw.Write(vb[:binary.PutUvarint(vb[:], uint64(l.Len()))])
	bw.Write(mnrTrailer)
	if err := bw.Flush(); err != nil {
		zw.Close()
		return err
	}
	return zw.Close()
}

// WriteListFile writes l to path in the mnr format, atomically (a temporary
// file renamed into place). With opts.SigningKey it also writes the
// detached signature to path+".sig".
func WriteListFile(path string, l *List, opts *WriteOptions) error {
	var digest hash.Hash
	var key ed25519.PrivateKey
	if opts != nil && opts.SigningKey != nil {
		key = opts.SigningKey
		if len(key) != ed25519.PrivateKeySize {
			return fmt.Errorf("%w: bad signing key", ErrBadList)
		}
		digest = sha512.New()
	}
	err := writeFileAtomic(path, func(w io.Writer) error {
		if digest != nil {
			w = io.MultiWriter(w, digest)
		}
		return WriteList(w, l, opts)
	})
	if err != nil || digest == nil {
		return err
	}
	sig, err := signDigest(digest.Sum(nil), key)
	if err != nil {
		return err
	}
	return writeFileAtomic(path+".sig", func(w io.Writer) error {
		_, err := w.Write(sig)
		return err
	})
}

// writeFileAtomic writes a file through a synced temporary file that is
// renamed over path.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	bw := bufio.NewWriterSize(f, 1<<20)
	if err = write(bw); err != nil {
		return err
	}
	if err = bw.Flush(); err != nil {
		return err
	}
	if err = f.Sync(); err != nil {
		return err
	}
	if err = f.Close(); err != nil {
		return err
	}
	if err = os.Chmod(f.Name(), 0o644); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

// WriteText writes l as a text list in format f: FormatCSV or FormatTSV
// (a header "hash,kind,categories,id" and one line per entry; categories
// separated by ';') or FormatPlain (one "KIND:HEX" per line; IDs and
// categories are not kept). ReadList reads the output back.
func WriteText(w io.Writer, l *List, f Format) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	sep := ","
	switch f {
	case FormatPlain:
	case FormatCSV:
		bw.WriteString("hash,kind,categories,id\n")
	case FormatTSV:
		sep = "\t"
		bw.WriteString("hash\tkind\tcategories\tid\n")
	default:
		return fmt.Errorf("%w: WriteText cannot write %v", ErrBadList, f)
	}
	var hb [64]byte
	for _, c := range l.cols {
		size := c.kind.Size()
		for i := 0; i < c.n; i++ {
			h := c.hash(i)
			hx := hex.AppendEncode(hb[:0], h.b[:size])
			if f == FormatPlain {
				bw.WriteString(c.kind.String())
				bw.WriteByte(':')
				bw.Write(hx)
				bw.WriteByte('\n')
				continue
			}
			bw.Write(hx)
			bw.WriteString(sep)
			bw.WriteString(c.kind.String())
			bw.WriteString(sep)
			bw.WriteString(csvField(strings.Join(l.sets[c.set(i)], ";"), f))
			bw.WriteString(sep)
			bw.WriteString(csvField(c.ids.get(i), f))
			bw.WriteByte('\n')
		}
	}
	return bw.Flush()
}

// csvField quotes a CSV field when needed (TSV fields never hold tabs:
// codes and IDs are printable).
func csvField(s string, f Format) string {
	if f == FormatCSV && strings.ContainsAny(s, ",\"") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}
