package hashmatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
)

// mnrReader reads an mnr payload.
type mnrReader struct {
	r   *bufio.Reader
	buf []byte
}

// corrupt maps a read error inside the payload to ErrCorrupt (truncation)
// unless it already carries a sentinel.
func corrupt(err error, what string) error {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: mnr list truncated in %s", ErrCorrupt, what)
	case errors.Is(err, ErrCorrupt), errors.Is(err, ErrTooLarge):
		return err
	}
	return fmt.Errorf("%w: reading %s: %w", ErrCorrupt, what, err)
}

func (m *mnrReader) tag(want byte, what string) error {
	b, err := m.r.ReadByte()
	if err != nil {
		return corrupt(err, what)
	}
	if b != want {
		return fmt.Errorf("%w: mnr list: expected the %s section", ErrCorrupt, what)
	}
	return nil
}

// chunk reads n bytes (n <= len(m.buf)).
func (m *mnrReader) chunk(n int, what string) ([]byte, error) {
	b := m.buf[:n]
	if _, err := io.ReadFull(m.r, b); err != nil {
		return nil, corrupt(err, what)
	}
	return b, nil
}

func readMNR(ctx context.Context, raw io.Reader, o *ReadOptions) (*List, error) {
	zs, err := newZstdSource(raw, o)
	if err != nil {
		return nil, err
	}
	defer zs.Close()
	m := &mnrReader{r: bufio.NewReaderSize(&limitedReader{r: zs, max: o.MaxBytes}, 1<<20), buf: make([]byte, 1<<16)}
	hlen, err := binary.ReadUvarint(m.r)
	if err != nil {
		return nil, corrupt(err, "header")
	}
	if hlen > uint64(o.MaxHeaderBytes) {
		return nil, fmt.Errorf("%w: mnr header of %d bytes (limit %d)", ErrTooLarge, hlen, o.MaxHeaderBytes)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(m.r, hb); err != nil {
		return nil, corrupt(err, "header")
	}
	var h mnrHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return nil, fmt.Errorf("%w: mnr header is not valid JSON", ErrCorrupt)
	}
	l, kinds, err := h.check(o)
	if err != nil {
		return nil, err
	}
	for i, k := range kinds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		c, err := m.column(ctx, k, &h.Kinds[i], len(h.Categories))
		if err != nil {
			return nil, err
		}
		l.cols = append(l.cols, c)
	}
	if err := m.tag('E', "trailer"); err != nil {
		return nil, err
	}
	total, err := binary.ReadUvarint(m.r)
	if err != nil {
		return nil, corrupt(err, "trailer")
	}
	tr, err := m.chunk(len(mnrTrailer), "trailer")
	if err != nil {
		return nil, err
	}
	if total != uint64(h.Count) || !bytes.Equal(tr, mnrTrailer) {
		return nil, fmt.Errorf("%w: mnr trailer does not match the header", ErrCorrupt)
	}
	// Reading to the end makes the decoder check the frame checksum.
	if n, err := io.Copy(io.Discard, io.LimitReader(m.r, 1)); err != nil {
		return nil, corrupt(err, "trailer")
	} else if n != 0 {
		return nil, fmt.Errorf("%w: data after the mnr trailer", ErrCorrupt)
	}
	return l, nil
}

// column reads the sections of one kind.
func (m *mnrReader) column(ctx context.Context, k Kind, hk *mnrKind, nsets int) (*column, error) {
	n, size, w := hk.Count, k.Size(), wordsFor(k)
	c := &column{kind: k, words: w, n: n, codes: makeUint64(n * w), setAll: hk.SetAll}
	if err := m.tag('H', "hashes"); err != nil {
		return nil, err
	}
	per := len(m.buf) / size
	var prev [4]uint64
	var cur [4]uint64
	var kb [32]byte
	for i, chunks := 0, 0; i < n; chunks++ {
		if chunks%64 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		cnt := min(per, n-i)
		b, err := m.chunk(cnt*size, "hashes")
		if err != nil {
			return nil, err
		}
		for j := 0; j < cnt; j++ {
			copy(kb[:], b[j*size:(j+1)*size])
			for x := 0; x < w; x++ {
				cur[x] = binary.BigEndian.Uint64(kb[8*x:])
			}
			if i > 0 && slices.Compare(cur[:w], prev[:w]) <= 0 {
				return nil, fmt.Errorf("%w: %v hashes not strictly ascending", ErrCorrupt, k)
			}
			copy(c.codes[i*w:], cur[:w])
			prev = cur
			i++
		}
	}
	switch hk.SetWidth {
	case 2:
		c.set16 = make([]uint16, n)
	case 4:
		c.set32 = make([]uint32, n)
	}
	if hk.SetWidth > 0 {
		if err := m.tag('S', "categories"); err != nil {
			return nil, err
		}
		sw := hk.SetWidth
		per := len(m.buf) / sw
		for i := 0; i < n; {
			cnt := min(per, n-i)
			b, err := m.chunk(cnt*sw, "categories")
			if err != nil {
				return nil, err
			}
			for j := 0; j < cnt; j++ {
				var s uint32
				if sw == 2 {
					s = uint32(binary.LittleEndian.Uint16(b[2*j:]))
					c.set16[i] = uint16(s)
				} else {
					s = binary.LittleEndian.Uint32(b[4*j:])
					c.set32[i] = s
				}
				if int(s) >= nsets {
					return nil, fmt.Errorf("%w: %v category set out of range", ErrCorrupt, k)
				}
				i++
			}
		}
	}
	if err := m.tag('I', "ids"); err != nil {
		return nil, err
	}
	if hk.IDs == idsNumeric {
		c.ids.num = makeUint32(n)
		per := len(m.buf) / 4
		for i := 0; i < n; {
			cnt := min(per, n-i)
			b, err := m.chunk(cnt*4, "ids")
			if err != nil {
				return nil, err
			}
			for j := 0; j < cnt; j++ {
				c.ids.num[i] = binary.LittleEndian.Uint32(b[4*j:])
				i++
			}
		}
		return c, nil
	}
	c.ids.end = make([]uint32, n)
	for i := 0; i < n; i++ {
		ln, err := binary.ReadUvarint(m.r)
		if err != nil {
			return nil, corrupt(err, "ids")
		}
		if ln > MaxIDLen {
			return nil, fmt.Errorf("%w: %v entry ID longer than %d bytes", ErrCorrupt, k, MaxIDLen)
		}
		b, err := m.chunk(int(ln), "ids")
		if err != nil {
			return nil, err
		}
		if !printable(string(b)) {
			return nil, fmt.Errorf("%w: %v entry ID not printable", ErrCorrupt, k)
		}
		if len(c.ids.arena)+len(b) > 1<<32-1 {
			return nil, fmt.Errorf("%w: entry IDs over 4 GiB", ErrTooLarge)
		}
		c.ids.arena = append(c.ids.arena, b...)
		c.ids.end[i] = uint32(len(c.ids.arena))
	}
	return c, nil
}
