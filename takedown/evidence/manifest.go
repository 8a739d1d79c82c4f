package evidence

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Bounds on the metadata of one item. Put, Hold and Release reject larger input
// with ErrInvalidArgument; a stored manifest beyond them is ErrCorrupt.
const (
	MaxHolds          = 64   // legal holds on one item
	MaxHoldIDLen      = 128  // bytes in a hold ID
	MaxReasonLen      = 1024 // bytes in a hold or destruction reason
	MaxActorLen       = 256  // bytes in an actor name
	MaxLabels         = 32   // labels on one item
	MaxLabelKeyLen    = 64   // bytes in a label key: A–Z a–z 0–9 . _ : / -
	MaxLabelValueLen  = 256  // bytes in a label value
	MaxCaseIDs        = 64   // case IDs on one item
	MaxCaseIDLen      = 128  // bytes in a case ID
	MaxContentTypeLen = 128  // bytes in a content type

	// maxManifestBytes bounds a manifest's encoded JSON, and so what the vault
	// reads for one; the limits above keep real manifests far below it.
	maxManifestBytes = 1 << 20
	manifestVersion  = 1
	// maxYear keeps times inside what RFC 3339 (and so JSON) can encode.
	maxYear = 9999
)

// Hold is a legal hold: while an item carries one, neither Purge nor Destroy
// removes it, whatever its retention date.
type Hold struct {
	ID     string    `json:"id"`               // caller's identifier, e.g. a preservation request number
	Reason string    `json:"reason,omitempty"` // why; keep personal data out of it
	Actor  string    `json:"actor,omitempty"`  // who placed it (see WithActor)
	Placed time.Time `json:"placed"`           // when the vault recorded it
}

// manifest is the metadata of one item, stored sealed beside its blob.
type manifest struct {
	V           int               `json:"v"`
	Digest      Digest            `json:"digest"`
	Size        int64             `json:"size"`   // plaintext bytes
	Stored      int64             `json:"stored"` // blob envelope bytes
	ContentType string            `json:"content_type,omitempty"`
	Created     time.Time         `json:"created"`
	RetainUntil time.Time         `json:"retain_until"`
	KeyID       string            `json:"key_id"` // key of the blob (informational; the blob header rules)
	Holds       []Hold            `json:"holds,omitempty"`
	Labels      map[string]string `json:"labels,omitempty"`
	CaseIDs     []string          `json:"case_ids,omitempty"`
	Destroying  *destroyIntent    `json:"destroying,omitempty"`
}

// destroyIntent marks an item whose destruction has begun; it is finished (blob
// deleted, audit appended, manifest deleted) by Destroy, Purge or Put.
type destroyIntent struct {
	Event  string    `json:"event"`
	Reason string    `json:"reason"`
	Actor  string    `json:"actor,omitempty"`
	Since  time.Time `json:"since"`
}

func (m *manifest) encode() ([]byte, error) {
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("evidence: encoding manifest: %w", err)
	}
	if len(b) > maxManifestBytes {
		return nil, invalidf("manifest of %d bytes exceeds %d", len(b), maxManifestBytes)
	}
	return b, nil
}

// decodeManifest parses and validates a manifest's JSON. Errors wrap ErrCorrupt.
func decodeManifest(b []byte) (*manifest, error) {
	if len(b) > maxManifestBytes {
		return nil, fmt.Errorf("%w: manifest of %d bytes", ErrCorrupt, len(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	m := new(manifest)
	if err := dec.Decode(m); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, fmt.Errorf("%w: manifest: trailing data", ErrCorrupt)
	}
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("%w: manifest: %v", ErrCorrupt, err)
	}
	return m, nil
}

func (m *manifest) validate() error {
	switch {
	case m.V != manifestVersion:
		return fmt.Errorf("version %d", m.V)
	case m.Digest.IsZero():
		return fmt.Errorf("no digest")
	case m.Size < 0 || m.Size > MaxMaxBytes || m.Stored < minEnvelope || m.Stored > maxStored(m.Size):
		return fmt.Errorf("size out of range")
	case validKeyID(m.KeyID) != nil:
		return fmt.Errorf("bad key ID")
	case !validTime(m.Created) || !validTime(m.RetainUntil):
		return fmt.Errorf("bad time")
	}
	if err := validContentType(m.ContentType); err != nil {
		return err
	}
	if err := validHolds(m.Holds); err != nil {
		return err
	}
	for _, h := range m.Holds {
		if !validTime(h.Placed) {
			return fmt.Errorf("bad hold time")
		}
	}
	if err := validLabels(m.Labels); err != nil {
		return err
	}
	if err := validCaseIDs(m.CaseIDs); err != nil {
		return err
	}
	if d := m.Destroying; d != nil {
		if d.Event != EventDestroy && d.Event != EventPurge {
			return fmt.Errorf("bad destroy event")
		}
		if err := validText(d.Reason, MaxReasonLen, "reason", false); err != nil {
			return err
		}
		if err := validText(d.Actor, MaxActorLen, "actor", true); err != nil {
			return err
		}
		if !validTime(d.Since) {
			return fmt.Errorf("bad destroy time")
		}
	}
	return nil
}

// clone returns a deep copy of m.
func (m *manifest) clone() *manifest {
	c := *m
	c.Holds = slices.Clone(m.Holds)
	c.Labels = maps.Clone(m.Labels)
	c.CaseIDs = slices.Clone(m.CaseIDs)
	if m.Destroying != nil {
		d := *m.Destroying
		c.Destroying = &d
	}
	return &c
}

// item returns the public view of m, sharing nothing with it.
func (m *manifest) item(ref string) Item {
	return Item{
		Digest:      m.Digest,
		Ref:         ref,
		Size:        m.Size,
		StoredSize:  m.Stored,
		ContentType: m.ContentType,
		Created:     m.Created,
		RetainUntil: m.RetainUntil,
		KeyID:       m.KeyID,
		Holds:       slices.Clone(m.Holds),
		Labels:      maps.Clone(m.Labels),
		CaseIDs:     slices.Clone(m.CaseIDs),
	}
}

func (m *manifest) holdIndex(id string) int {
	return slices.IndexFunc(m.Holds, func(h Hold) bool { return h.ID == id })
}

func (m *manifest) holdIDs() string {
	ids := make([]string, len(m.Holds))
	for i, h := range m.Holds {
		ids[i] = h.ID
	}
	return strings.Join(ids, ", ")
}

// maxStored bounds the blob of size plaintext bytes: zstd adds a few bytes per
// 128 KiB block to incompressible data, the envelope its header and tag.
func maxStored(size int64) int64 { return size + size/256 + 4096 + maxHeaderLen + tagLen }

func validTime(t time.Time) bool {
	return !t.IsZero() && t.Year() >= 1970 && t.Year() <= maxYear
}

// validText accepts valid UTF-8 of at most max bytes without control characters.
func validText(s string, max int, what string, emptyOK bool) error {
	if s == "" {
		if emptyOK {
			return nil
		}
		return invalidf("%s is empty", what)
	}
	if len(s) > max {
		return invalidf("%s of %d bytes exceeds %d", what, len(s), max)
	}
	if !utf8.ValidString(s) {
		return invalidf("%s is not valid UTF-8", what)
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return invalidf("%s contains a control character", what)
		}
	}
	return nil
}

func validContentType(s string) error {
	return validText(s, MaxContentTypeLen, "content type", true)
}

func validHolds(hs []Hold) error {
	if len(hs) > MaxHolds {
		return invalidf("%d holds exceed %d", len(hs), MaxHolds)
	}
	for i, h := range hs {
		if err := validHold(h); err != nil {
			return err
		}
		for _, o := range hs[:i] {
			if o.ID == h.ID {
				return invalidf("hold ID %q appears twice", h.ID)
			}
		}
	}
	return nil
}

func validHold(h Hold) error {
	if err := validText(h.ID, MaxHoldIDLen, "hold ID", false); err != nil {
		return err
	}
	if err := validText(h.Reason, MaxReasonLen, "hold reason", true); err != nil {
		return err
	}
	return validText(h.Actor, MaxActorLen, "actor", true)
}

func validLabels(l map[string]string) error {
	if len(l) > MaxLabels {
		return invalidf("%d labels exceed %d", len(l), MaxLabels)
	}
	for k, v := range l {
		if k == "" || len(k) > MaxLabelKeyLen {
			return invalidf("label key must be 1 to %d bytes", MaxLabelKeyLen)
		}
		for i := 0; i < len(k); i++ {
			if c := k[i]; !keyIDByte(c) && c != '/' {
				return invalidf("label key %q has a character outside A-Z a-z 0-9 . _ : / -", k)
			}
		}
		if err := validText(v, MaxLabelValueLen, "label value", true); err != nil {
			return err
		}
	}
	return nil
}

func validCaseIDs(ids []string) error {
	if len(ids) > MaxCaseIDs {
		return invalidf("%d case IDs exceed %d", len(ids), MaxCaseIDs)
	}
	for i, id := range ids {
		if err := validText(id, MaxCaseIDLen, "case ID", false); err != nil {
			return err
		}
		if slices.Contains(ids[:i], id) {
			return invalidf("case ID %q appears twice", id)
		}
	}
	return nil
}
