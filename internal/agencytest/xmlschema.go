package agencytest

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is a small validator for the subset of XML Schema the CyberTipline uses:
// complex types that are sequences (or one choice) of elements with cardinalities,
// attributes, and simple values (strings with length limits, numbers, booleans,
// fixed=true flags, dates, enumerations). It parses the document with the
// encoding/xml token stream into a bounded tree and checks the tree against the
// tables in cybertip_schema.go, reporting every problem with its element path.

// Bounds on documents the validator accepts.
const (
	maxXMLDepth    = 32
	maxXMLElements = 20000
)

type xsKind int

const (
	xsString xsKind = iota
	xsToken
	xsLong
	xsInt
	xsBool
	xsFlag // xs:boolean fixed=true: empty, or "true"/"1"
	xsDateTime
	xsDate
	xsDouble
	xsEnum
	xsURL
	xsEmail
	xsIP
	xsCountry
	xsState
	xsPattern
	xsEmpty // no content at all
)

// simpleType is the type of an element's text or of an attribute.
type simpleType struct {
	kind     xsKind
	maxLen   int   // in characters; 0 = unbounded
	min, max int64 // for xsInt when max > min
	enum     []string
	past     bool // dateTime must not be after the validator's now
	nonBlank bool
	pattern  *regexp.Regexp
}

type attrDef struct {
	name     string
	required bool
	typ      simpleType
}

type particle struct {
	name     string
	min, max int // max < 0 = unbounded
	complex  *complexType
	simple   simpleType
}

// complexType is an element type: either element children (a sequence, or a choice
// of exactly one) or simple content, plus attributes.
type complexType struct {
	name    string
	seq     []particle
	choice  bool
	content *simpleType // simple content with attributes
	attrs   []attrDef
}

// xmlNode is one parsed element.
type xmlNode struct {
	name     string
	attrs    []xml.Attr
	children []*xmlNode
	text     string
	offset   int64
	path     string
}

func (n *xmlNode) attr(name string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func (n *xmlNode) child(name string) *xmlNode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (n *xmlNode) all(name string) []*xmlNode {
	var out []*xmlNode
	for _, c := range n.children {
		if c.name == name {
			out = append(out, c)
		}
	}
	return out
}

// errMalformed marks a document that is not well-formed XML (NCMEC code 4110).
var errMalformed = errors.New("malformed XML")

// parseXML reads one document into a tree. It rejects namespaced elements, DTDs,
// mixed content and documents deeper or larger than the bounds above.
func parseXML(data []byte) (*xmlNode, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	var stack []*xmlNode
	var root *xmlNode
	var text strings.Builder
	count := 0
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errMalformed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			count++
			if count > maxXMLElements {
				return nil, fmt.Errorf("%w: more than %d elements", errMalformed, maxXMLElements)
			}
			if len(stack) >= maxXMLDepth {
				return nil, fmt.Errorf("%w: nesting deeper than %d", errMalformed, maxXMLDepth)
			}
			if t.Name.Space != "" {
				return nil, fmt.Errorf("%w: element %s:%s is in a namespace; the schema has none", errMalformed, t.Name.Space, t.Name.Local)
			}
			if root != nil && len(stack) == 0 {
				return nil, fmt.Errorf("%w: more than one root element", errMalformed)
			}
			if len(stack) > 0 && strings.TrimSpace(text.String()) != "" {
				return nil, fmt.Errorf("%w: text mixed with elements in %s", errMalformed, stack[len(stack)-1].path)
			}
			text.Reset()
			n := &xmlNode{name: t.Name.Local, attrs: t.Attr, offset: off}
			if len(stack) == 0 {
				n.path = n.name
				root = n
			} else {
				p := stack[len(stack)-1]
				n.path = p.path + "/" + n.name
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.children) == 0 {
				n.text = text.String()
			} else if strings.TrimSpace(text.String()) != "" {
				return nil, fmt.Errorf("%w: text mixed with elements in %s", errMalformed, n.path)
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) != 0 {
					return nil, fmt.Errorf("%w: text outside the root element", errMalformed)
				}
				continue
			}
			text.Write(t)
		case xml.Directive:
			return nil, fmt.Errorf("%w: DTDs and directives are not accepted", errMalformed)
		}
	}
	if root == nil {
		return nil, fmt.Errorf("%w: no root element", errMalformed)
	}
	return root, nil
}

// validator checks a tree against a type and collects problems.
type validator struct {
	now      time.Time
	problems []string
}

func (v *validator) addf(path, format string, args ...any) {
	v.problems = append(v.problems, path+": "+fmt.Sprintf(format, args...))
}

func (v *validator) err() error {
	if len(v.problems) == 0 {
		return nil
	}
	return &schemaError{Problems: v.problems}
}

// schemaError lists every problem found in a document.
type schemaError struct{ Problems []string }

// Error lists the first 20 problems.
func (e *schemaError) Error() string {
	const shown = 20
	p := e.Problems
	more := ""
	if len(p) > shown {
		more = fmt.Sprintf("; and %d more", len(p)-shown)
		p = p[:shown]
	}
	return strings.Join(p, "; ") + more
}

// element validates n as an element of type t (exactly one of complex or simple).
func (v *validator) element(n *xmlNode, c *complexType, s simpleType) {
	if c == nil {
		v.attrs(n, nil)
		if len(n.children) > 0 {
			v.addf(n.path, "has child elements; expected a simple value")
			return
		}
		v.value(n.path, n.text, s)
		return
	}
	v.attrs(n, c.attrs)
	if c.content != nil {
		if len(n.children) > 0 {
			v.addf(n.path, "has child elements; expected a simple value")
			return
		}
		v.value(n.path, n.text, *c.content)
		return
	}
	if len(n.children) == 0 && strings.TrimSpace(n.text) != "" {
		v.addf(n.path, "has text; expected child elements")
	}
	if c.choice {
		v.choice(n, c)
		return
	}
	v.sequence(n, c)
}

func (v *validator) attrs(n *xmlNode, defs []attrDef) {
	seen := make(map[string]bool)
	for _, a := range n.attrs {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		if a.Name.Space != "" {
			// xsi:noNamespaceSchemaLocation and similar are allowed on any element.
			if a.Name.Space == "http://www.w3.org/2001/XMLSchema-instance" || a.Name.Space == "xsi" {
				continue
			}
			v.addf(n.path, "unexpected attribute %s:%s", a.Name.Space, a.Name.Local)
			continue
		}
		var def *attrDef
		for i := range defs {
			if defs[i].name == a.Name.Local {
				def = &defs[i]
			}
		}
		if def == nil {
			v.addf(n.path, "unexpected attribute @%s", a.Name.Local)
			continue
		}
		seen[a.Name.Local] = true
		v.value(n.path+"/@"+a.Name.Local, a.Value, def.typ)
	}
	for _, d := range defs {
		if d.required && !seen[d.name] {
			v.addf(n.path, "attribute @%s is required", d.name)
		}
	}
}

// sequence checks that the children appear in schema order, each within its
// cardinality, and that no unknown element appears.
func (v *validator) sequence(n *xmlNode, c *complexType) {
	counts := make([]int, len(c.seq))
	pos := 0
	for _, ch := range n.children {
		idx := -1
		for i := range c.seq {
			if c.seq[i].name == ch.name {
				idx = i
				break
			}
		}
		if idx < 0 {
			v.addf(ch.path, "element not allowed in %s", c.name)
			continue
		}
		if idx < pos {
			v.addf(ch.path, "out of order: %s must come before %s in %s", ch.name, c.seq[pos].name, c.name)
			counts[idx]++
			continue
		}
		pos = idx
		counts[idx]++
		p := c.seq[idx]
		if p.max >= 0 && counts[idx] > p.max {
			v.addf(ch.path, "appears %d times; at most %d allowed", counts[idx], p.max)
		}
		v.element(ch, p.complex, p.simple)
	}
	for i, p := range c.seq {
		if counts[i] < p.min {
			v.addf(n.path, "required element %s is missing", p.name)
		}
	}
}

func (v *validator) choice(n *xmlNode, c *complexType) {
	if len(n.children) != 1 {
		names := make([]string, len(c.seq))
		for i, p := range c.seq {
			names[i] = p.name
		}
		v.addf(n.path, "must hold exactly one of %s; has %d elements", strings.Join(names, ", "), len(n.children))
	}
	for _, ch := range n.children {
		found := false
		for _, p := range c.seq {
			if p.name == ch.name {
				v.element(ch, p.complex, p.simple)
				found = true
				break
			}
		}
		if !found {
			v.addf(ch.path, "element not allowed in %s", c.name)
		}
	}
}

var emailLocalRE = regexp.MustCompile(`^[^\s@]+$`)

// value checks one simple value. Problems never echo the value: it may be personal
// data.
func (v *validator) value(path, s string, t simpleType) {
	if !utf8.ValidString(s) {
		v.addf(path, "not valid UTF-8")
		return
	}
	trim := strings.TrimSpace(s)
	if t.maxLen > 0 && utf8.RuneCountInString(s) > t.maxLen {
		v.addf(path, "longer than %d characters", t.maxLen)
	}
	if t.nonBlank && trim == "" {
		v.addf(path, "must not be blank")
	}
	switch t.kind {
	case xsString, xsToken:
	case xsEmpty:
		if s != "" {
			v.addf(path, "must be empty")
		}
	case xsLong:
		if n, err := strconv.ParseInt(trim, 10, 64); err != nil {
			v.addf(path, "not an xs:long")
		} else if t.max > t.min && (n < t.min || n > t.max) {
			v.addf(path, "out of range %d..%d", t.min, t.max)
		}
	case xsInt:
		n, err := strconv.ParseInt(trim, 10, 32)
		if err != nil {
			v.addf(path, "not an xs:int")
		} else if t.max > t.min && (n < t.min || n > t.max) {
			v.addf(path, "out of range %d..%d", t.min, t.max)
		}
	case xsBool:
		switch trim {
		case "true", "false", "1", "0":
		default:
			v.addf(path, "not an xs:boolean")
		}
	case xsFlag:
		switch trim {
		case "", "true", "1":
		default:
			v.addf(path, "a fixed=true flag must be empty or true")
		}
	case xsDateTime:
		tm, err := parseXSDateTime(trim)
		if err != nil {
			v.addf(path, "%v", err)
		} else if t.past && tm.After(v.now) {
			v.addf(path, "must be in the past")
		}
	case xsDate:
		if _, err := time.Parse("2006-01-02", trim); err != nil {
			v.addf(path, "not an xs:date (YYYY-MM-DD)")
		}
	case xsDouble:
		if _, err := strconv.ParseFloat(trim, 64); err != nil {
			v.addf(path, "not an xs:double")
		}
	case xsEnum:
		ok := false
		for _, e := range t.enum {
			if s == e {
				ok = true
				break
			}
		}
		if !ok {
			v.addf(path, "not one of the allowed values")
		}
	case xsURL:
		u, err := url.Parse(trim)
		if err != nil || u.Scheme == "" || u.Host == "" {
			v.addf(path, "not a valid absolute URL")
		}
	case xsEmail:
		local, domain, ok := strings.Cut(trim, "@")
		if !ok || local == "" || domain == "" || strings.Contains(domain, "@") || !emailLocalRE.MatchString(local) {
			v.addf(path, "not a valid email address")
		} else if utf8.RuneCountInString(local) > 64 {
			v.addf(path, "local part longer than 64 characters")
		}
	case xsIP:
		if _, err := netip.ParseAddr(trim); err != nil {
			v.addf(path, "not a valid IP address")
		}
	case xsCountry, xsState:
		if len(trim) != 2 || trim[0] < 'A' || trim[0] > 'Z' || trim[1] < 'A' || trim[1] > 'Z' {
			v.addf(path, "not a two-letter upper-case code")
		}
	case xsPattern:
		if !t.pattern.MatchString(s) {
			v.addf(path, "does not match the pattern %s", t.pattern)
		}
	}
}

// parseXSDateTime parses an xs:dateTime that must carry a zone.
func parseXSDateTime(s string) (time.Time, error) {
	tm, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		if _, err2 := time.Parse("2006-01-02T15:04:05.999999999", s); err2 == nil {
			return time.Time{}, errors.New("xs:dateTime has no zone (Z or ±hh:mm required)")
		}
		return time.Time{}, errors.New("not an xs:dateTime with zone")
	}
	return tm, nil
}
