package hashmatch

import (
	"bufio"
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// lineReader yields lines of at most max bytes, counting line numbers.
type lineReader struct {
	br   *bufio.Reader
	max  int
	line int
}

func newLineReader(r io.Reader, maxLen int) *lineReader {
	return &lineReader{br: bufio.NewReaderSize(r, max(maxLen+2, 64<<10)), max: maxLen}
}

// next returns the next line without its line ending. A line longer than
// max is skipped (tooLong is true).
func (lr *lineReader) next() (line []byte, tooLong bool, err error) {
	line, err = lr.br.ReadSlice('\n')
	if err == io.EOF && len(line) > 0 {
		err = nil
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return nil, false, err
	}
	lr.line++
	if errors.Is(err, bufio.ErrBufferFull) || len(line) > lr.max+2 {
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = lr.br.ReadSlice('\n')
		}
		if err != nil && err != io.EOF {
			return nil, false, err
		}
		return nil, true, nil
	}
	line = bytes.TrimRight(line, "\r\n")
	if len(line) > lr.max {
		return nil, true, nil
	}
	return line, false, nil
}

// Column roles of CSV/TSV lists.
const (
	colHash = iota
	colKind
	colCategories
	colID
	colQuality
	numRoles
)

var roleNames = [numRoles]string{"hash", "kind", "categories", "id", "quality"}

var columnAliases = map[string]int{
	"hash": colHash, "hex": colHash, "value": colHash, "signal": colHash, "hash_value": colHash,
	"kind": colKind, "type": colKind, "hash_type": colKind, "algorithm": colKind, "signal_type": colKind,
	"categories": colCategories, "category": colCategories, "labels": colCategories, "label": colCategories,
	"tags": colCategories, "codes": colCategories, "classification": colCategories,
	"id": colID, "entry": colID, "entry_id": colID, "hash_id": colID,
	"quality": colQuality, "pdq_quality": colQuality,
}

type textParser struct {
	o       *ReadOptions
	b       *ListBuilder
	format  Format
	header  bool
	cols    [numRoles]int // field index of each role, -1 when absent
	nfields int
	fields  [][]byte
	scratch []byte
	idBuf   []byte
	defSet  uint32
	stats   LoadStats
}

func readText(ctx context.Context, r io.Reader, o *ReadOptions) (*List, error) {
	b := NewListBuilder(o.Info, &BuilderOptions{MaxEntries: o.MaxEntries, MaxCategorySets: o.MaxCategorySets})
	p := &textParser{o: o, b: b, format: o.Format}
	codes, err := canonicalCodes(o.Categories)
	if err != nil {
		return nil, err
	}
	if p.defSet, err = b.sets.intern(codes); err != nil {
		return nil, err
	}
	lr := newLineReader(r, o.MaxLineBytes)
	for {
		line, tooLong, err := lr.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if lr.line&0xffff == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if tooLong {
			if err := p.bad(lr.line, "", fmt.Errorf("%w: line longer than %d bytes", ErrTooLarge, o.MaxLineBytes)); err != nil {
				return nil, err
			}
			continue
		}
		if lr.line == 1 {
			line = bytes.TrimPrefix(line, []byte("\ufeff"))
		}
		t := bytes.TrimSpace(line)
		if len(t) == 0 || t[0] == '#' {
			continue
		}
		if p.format == FormatAuto {
			switch {
			case bytes.IndexByte(t, '\t') >= 0:
				p.format = FormatTSV
			case bytes.IndexByte(t, ',') >= 0:
				p.format = FormatCSV
			default:
				p.format = FormatPlain
			}
		}
		if p.format != FormatPlain && !p.header {
			if err := p.parseHeader(line, lr.line); err != nil {
				return nil, err
			}
			continue
		}
		var col string
		if p.format == FormatPlain {
			err = p.plain(t, lr.line)
		} else {
			col, err = p.record(line, lr.line)
		}
		if err != nil {
			if errors.Is(err, ErrTooLarge) && !errors.Is(err, errLineTooLong) || errors.Is(err, errTooManySets) {
				return nil, err // a bound of the whole list, not of the line
			}
			if err := p.bad(lr.line, col, err); err != nil {
				return nil, err
			}
		}
	}
	p.stats.Lines = lr.line
	if p.format == FormatAuto {
		p.format = FormatPlain
	}
	b.load = p.stats
	b.format = p.format
	return b.Build()
}

var errLineTooLong = fmt.Errorf("%w: field too long", ErrTooLarge)

// bad records a bad line: an error in strict mode, a count in lenient mode.
func (p *textParser) bad(line int, col string, err error) error {
	le := &LineError{Line: line, Column: col, Err: err}
	if !p.o.Lenient {
		return le
	}
	p.stats.Skipped++
	if len(p.stats.Problems) < p.o.MaxProblems {
		p.stats.Problems = append(p.stats.Problems, le)
	}
	return nil
}

// lineID formats a line number as an entry ID.
func (p *textParser) lineID(line int) []byte {
	p.idBuf = strconv.AppendInt(p.idBuf[:0], int64(line), 10)
	return p.idBuf
}

func (p *textParser) plain(t []byte, line int) error {
	kind := p.o.Kind
	hx := t
	if i := bytes.IndexByte(t, ':'); i >= 0 {
		k, ok := kindFromBytes(t[:i])
		if !ok {
			return fmt.Errorf("%w: unrecognised kind prefix", ErrUnknownKind)
		}
		kind, hx = k, t[i+1:]
	}
	var w [4]uint64
	words, err := parseHexWords(kind, hx, &w)
	if err != nil {
		return err
	}
	if kind == 0 {
		kind = kindByLength(len(hx))
	}
	return p.b.add(kind, words, p.lineID(line), p.defSet)
}

// kindByLength infers MD5 or SHA-1 from a hex length (0 otherwise).
func kindByLength(n int) Kind {
	switch n {
	case 32:
		return KindMD5
	case 40:
		return KindSHA1
	}
	return 0
}

// parseHexWords decodes the hex hash of kind k (inferred from the length
// when zero) into big-endian words, without allocating.
func parseHexWords(k Kind, hx []byte, w *[4]uint64) ([]uint64, error) {
	if k == 0 {
		if k = kindByLength(len(hx)); k == 0 {
			return nil, fmt.Errorf("%w: %d hex digits could be several kinds; set the kind", ErrUnknownKind, len(hx))
		}
	}
	if len(hx) != 2*k.Size() {
		return nil, fmt.Errorf("%w: %v needs %d hex digits, got %d", ErrBadHash, k, 2*k.Size(), len(hx))
	}
	var b [32]byte
	if _, err := hex.Decode(b[:], hx); err != nil {
		return nil, fmt.Errorf("%w: %v: not hexadecimal", ErrBadHash, k)
	}
	n := wordsFor(k)
	for j := 0; j < n; j++ {
		w[j] = uint64(b[8*j])<<56 | uint64(b[8*j+1])<<48 | uint64(b[8*j+2])<<40 | uint64(b[8*j+3])<<32 |
			uint64(b[8*j+4])<<24 | uint64(b[8*j+5])<<16 | uint64(b[8*j+6])<<8 | uint64(b[8*j+7])
	}
	return w[:n], nil
}

// kindFromBytes parses a kind name without allocating.
func kindFromBytes(b []byte) (Kind, bool) {
	b = bytes.TrimSpace(b)
	for _, k := range Kinds() {
		if bytes.EqualFold(b, []byte(k.String())) {
			return k, true
		}
	}
	switch {
	case bytes.EqualFold(b, []byte("sha-1")):
		return KindSHA1, true
	case bytes.EqualFold(b, []byte("sha-256")):
		return KindSHA256, true
	}
	return 0, false
}

func (p *textParser) parseHeader(line []byte, lineNo int) error {
	p.header = true
	fields, err := p.split(line)
	if err != nil {
		return &LineError{Line: lineNo, Err: fmt.Errorf("%w: header: %v", ErrBadList, err)}
	}
	for i := range p.cols {
		p.cols[i] = -1
	}
	for i, f := range fields {
		name := string(bytes.ToLower(bytes.TrimSpace(f)))
		role, ok := columnAliases[name]
		if !ok {
			continue
		}
		if p.cols[role] >= 0 {
			return &LineError{Line: lineNo, Err: fmt.Errorf("%w: header names the %s column twice", ErrBadList, roleNames[role])}
		}
		p.cols[role] = i
	}
	if p.cols[colHash] < 0 {
		return &LineError{Line: lineNo, Err: fmt.Errorf("%w: header has no hash column (a CSV/TSV list needs a header line)", ErrBadList)}
	}
	p.nfields = len(fields)
	return nil
}

// split cuts a CSV or TSV line into fields (reusing buffers).
func (p *textParser) split(line []byte) ([][]byte, error) {
	p.fields = p.fields[:0]
	if p.format == FormatTSV {
		for {
			i := bytes.IndexByte(line, '\t')
			if i < 0 {
				p.fields = append(p.fields, line)
				return p.fields, nil
			}
			p.fields = append(p.fields, line[:i])
			line = line[i+1:]
		}
	}
	p.scratch = p.scratch[:0]
	for {
		if len(line) > 0 && line[0] == '"' {
			// Quoted field: "" is a quote; the field ends at the closing
			// quote, which must be followed by a comma or the line's end.
			start := len(p.scratch)
			i := 1
			for {
				j := bytes.IndexByte(line[i:], '"')
				if j < 0 {
					return nil, errors.New("unterminated quoted field")
				}
				p.scratch = append(p.scratch, line[i:i+j]...)
				i += j + 1
				if i < len(line) && line[i] == '"' {
					p.scratch = append(p.scratch, '"')
					i++
					continue
				}
				break
			}
			p.fields = append(p.fields, p.scratch[start:len(p.scratch):len(p.scratch)])
			if i == len(line) {
				return p.fields, nil
			}
			if line[i] != ',' {
				return nil, errors.New("text after a quoted field")
			}
			line = line[i+1:]
			continue
		}
		i := bytes.IndexByte(line, ',')
		if i < 0 {
			p.fields = append(p.fields, line)
			return p.fields, nil
		}
		p.fields = append(p.fields, line[:i])
		line = line[i+1:]
	}
}

// record parses one CSV/TSV record; on error it returns the column name.
func (p *textParser) record(line []byte, lineNo int) (string, error) {
	fields, err := p.split(line)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadList, err)
	}
	field := func(role int) []byte {
		if i := p.cols[role]; i >= 0 && i < len(fields) {
			return bytes.TrimSpace(fields[i])
		}
		return nil
	}
	if p.cols[colHash] >= len(fields) {
		return "", fmt.Errorf("%w: %d fields, the header names %d", ErrBadList, len(fields), p.nfields)
	}
	kind := p.o.Kind
	if kf := field(colKind); len(kf) > 0 {
		k, ok := kindFromBytes(kf)
		if !ok {
			return roleNames[colKind], fmt.Errorf("%w: unrecognised kind name", ErrUnknownKind)
		}
		kind = k
	}
	hx := field(colHash)
	var w [4]uint64
	words, err := parseHexWords(kind, hx, &w)
	if err != nil {
		return roleNames[colHash], err
	}
	if kind == 0 {
		kind = kindByLength(len(hx))
	}
	if qf := field(colQuality); len(qf) > 0 {
		q, ok := parseQuality(qf)
		if !ok {
			return roleNames[colQuality], fmt.Errorf("%w: quality is not an integer 0..100", ErrBadList)
		}
		if q < p.o.MinQuality {
			p.stats.LowQuality++
			return "", nil
		}
	}
	set := p.defSet
	if cf := field(colCategories); len(cf) > 0 {
		if len(cf) > 64*MaxCodeLen {
			return roleNames[colCategories], errLineTooLong
		}
		s, err := p.b.sets.parseField(string(cf))
		if err != nil {
			return roleNames[colCategories], err
		}
		if set, err = p.b.sets.union(s, p.defSet); err != nil {
			return roleNames[colCategories], err
		}
	}
	id := field(colID)
	if len(id) == 0 {
		id = p.lineID(lineNo)
	}
	if err := p.b.add(kind, words, id, set); err != nil {
		if errors.Is(err, ErrBadList) {
			return roleNames[colID], err
		}
		return "", err
	}
	return "", nil
}

func parseQuality(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 3 {
		return 0, false
	}
	v := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, v <= 100
}
