package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"iter"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
)

// Size bounds.
const (
	// DefaultMaxBytes is the default bound on one item's plaintext
	// (Options.MaxBytes): 256 MiB.
	DefaultMaxBytes = 256 << 20
	// MaxMaxBytes is the largest Options.MaxBytes accepted: 16 GiB. Put and Open
	// hold an item's compressed form in memory.
	MaxMaxBytes = 16 << 30
)

// AuditFileName is the audit log's name inside a [DirBackend]'s directory when
// Options.AuditPath is empty.
const AuditFileName = "audit.jsonl"

// Options configure a [Vault]. A nil *Options means all defaults.
type Options struct {
	// AuditPath is the audit log file. Default: AuditFileName inside the
	// directory of a *DirBackend; required for any other backend.
	AuditPath string

	// Now is the vault's clock. Default: time.Now.
	Now func() time.Time

	// MaxBytes bounds one item's plaintext. Default DefaultMaxBytes; at most
	// MaxMaxBytes. Lowering it later does not affect items already stored.
	MaxBytes int64

	// DefaultRetention is how long an item is kept when Put is given no
	// RetainUntil. Default: one calendar year, the US period of 18 U.S.C.
	// §2258A(h)(1) (counted here from the Put; the statute counts from the
	// CyberTipline submission, so Extend once the report receipt arrives).
	DefaultRetention time.Duration

	// Actor is recorded in audit entries when the context carries none (see
	// WithActor). Default: empty.
	Actor string

	// Logger receives operational logs (counts, refs, error kinds; never
	// content, digests or keys). Default: discard.
	Logger *slog.Logger
}

// PutOptions configure one [Vault.Put].
type PutOptions struct {
	// RetainUntil is the end of the retention period: Purge destroys the item
	// only after it. Zero means now plus Options.DefaultRetention. It must not
	// be in the past. When the content is already stored, the later of the two
	// dates wins.
	RetainUntil time.Time

	// Holds are legal holds to place (ID and Reason are used; the vault sets
	// Actor and Placed). Holds already on the item are left as they are.
	Holds []Hold

	// Labels are free metadata (source, uploader account ID, …), merged into
	// the item's labels, a new value replacing an old one.
	Labels map[string]string

	// CaseIDs link the item to takedown cases or reports; merged as a set.
	CaseIDs []string

	// ContentType is the media type, kept if the item has none yet.
	ContentType string

	// MaxBytes lowers the vault's size bound for this Put; 0 keeps it. It
	// cannot raise it.
	MaxBytes int64
}

// Item describes one stored piece of evidence.
type Item struct {
	Digest      Digest            // SHA-256 of the plaintext
	Ref         string            // keyed digest: the storage name and audit-log identifier
	Size        int64             // plaintext bytes
	StoredSize  int64             // bytes of the encrypted, compressed blob
	ContentType string            // as given to Put
	Created     time.Time         // first stored
	RetainUntil time.Time         // not purged before this
	KeyID       string            // key sealing the blob
	Holds       []Hold            // legal holds, in the order placed
	Labels      map[string]string // free metadata
	CaseIDs     []string          // linked cases or reports
}

// OnHold reports whether any legal hold is on the item.
func (it Item) OnHold() bool { return len(it.Holds) > 0 }

// Expired reports whether the retention period has ended at now.
func (it Item) Expired(now time.Time) bool { return now.After(it.RetainUntil) }

type actorKey struct{}

// WithActor returns a context whose operations the audit log attributes to
// actor (a user or service ID, at most MaxActorLen bytes; not an email if you
// can avoid it).
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// Vault is an encrypted, retention-bound store of evidence addressed by SHA-256.
// See the package documentation for the model. A Vault is safe for concurrent
// use; changes to one item are serialised, different items proceed in parallel.
type Vault struct {
	be        Backend
	kr        *Keyring
	audit     *auditLog
	now       func() time.Time
	maxBytes  int64
	retention time.Duration
	actor     string
	log       *slog.Logger
	encoders  sync.Pool // *zstd.Encoder (or the error creating one)
	dec       *zstd.Decoder
	locks     keyLocks

	mu     sync.RWMutex // held shared by operations, exclusively by Close
	closed bool
}

// New opens a vault over backend with the keys of kr. New takes ownership of
// backend: Close (and a failing New) closes it if it implements io.Closer.
func New(backend Backend, kr *Keyring, opts *Options) (v *Vault, err error) {
	defer func() {
		if err != nil {
			if c, ok := backend.(io.Closer); ok {
				_ = c.Close()
			}
		}
	}()
	if backend == nil || kr == nil {
		return nil, invalidf("nil backend or keyring")
	}
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxBytes == 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	if o.MaxBytes < 0 || o.MaxBytes > MaxMaxBytes {
		return nil, invalidf("MaxBytes %d outside 1..%d", o.MaxBytes, int64(MaxMaxBytes))
	}
	if o.DefaultRetention < 0 {
		return nil, invalidf("negative DefaultRetention")
	}
	if err := validText(o.Actor, MaxActorLen, "actor", true); err != nil {
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.AuditPath == "" {
		db, ok := backend.(*DirBackend)
		if !ok {
			return nil, invalidf("Options.AuditPath is required for a %T backend", backend)
		}
		o.AuditPath = filepath.Join(db.Dir(), AuditFileName)
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(0),
		zstd.WithDecoderMaxMemory(MaxMaxBytes),
		zstd.WithDecodeAllCapLimit(true))
	if err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	v = &Vault{
		be: backend, kr: kr, now: o.Now, maxBytes: o.MaxBytes, retention: o.DefaultRetention,
		actor: o.Actor, log: o.Logger, dec: dec,
	}
	v.encoders.New = func() any {
		e, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(false), // GCM and SHA-256 already cover integrity
			zstd.WithZeroFrames(true))
		if err != nil {
			return err
		}
		return e
	}
	if v.audit, err = openAuditLog(o.AuditPath, v.clock()); err != nil {
		dec.Close()
		return nil, err
	}
	return v, nil
}

// Close waits for operations in progress, then closes the audit log and the
// backend. Other methods then return ErrClosed, and Close again returns nil;
// Readers already returned stay valid.
func (v *Vault) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil
	}
	v.closed = true
	err := v.audit.close()
	v.dec.Close()
	if c, ok := v.be.(io.Closer); ok {
		err = errors.Join(err, c.Close())
	}
	return err
}

// enter registers an operation; call the returned func when it ends.
func (v *Vault) enter() (func(), error) {
	v.mu.RLock()
	if v.closed {
		v.mu.RUnlock()
		return nil, ErrClosed
	}
	return v.mu.RUnlock, nil
}

// enterChange is enter for operations that change the vault: they are refused
// while the audit log is broken, so that nothing changes unaudited.
func (v *Vault) enterChange(ctx context.Context) (func(), string, error) {
	done, err := v.enter()
	if err != nil {
		return nil, "", err
	}
	actor, err := v.actorOf(ctx)
	if err == nil {
		err = v.audit.check()
	}
	if now := v.clock(); err == nil && !validTime(now) {
		err = invalidf("the vault clock reads %v", now)
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		done()
		return nil, "", err
	}
	return done, actor, nil
}

func (v *Vault) actorOf(ctx context.Context) (string, error) {
	a, ok := ctx.Value(actorKey{}).(string)
	if !ok {
		return v.actor, nil
	}
	return a, validText(a, MaxActorLen, "actor", true)
}

func (v *Vault) clock() time.Time { return v.now().UTC() }

// Ref returns the reference of a digest: the HMAC-SHA256 of the digest under
// the keyring's naming key, in hex. It is the item's storage name and its name
// in the audit log; unlike the digest, it cannot be computed without the key.
func (v *Vault) Ref(d Digest) string { return v.kr.ref(d) }

// AuditHead returns the last entry of the audit log as this vault wrote it.
func (v *Vault) AuditHead() AuditHead { return v.audit.current() }

// errBlobMissing marks a blob absent while its manifest is present.
var errBlobMissing = errors.New("blob missing")

func blobKey(ref string) string { return nsBlob + "/" + ref }
func metaKey(ref string) string { return nsMeta + "/" + ref }

// Put stores the content read from r, at most MaxBytes of it, and returns its
// item. Content already in the vault is not stored twice: its retention moves
// to the later of the two dates (never earlier), and holds, labels and case IDs
// are merged. Too much content fails with ErrTooLarge and stores nothing.
//
// Put reads r to the end (or the bound) before touching the backend, and holds
// the compressed content in memory.
func (v *Vault) Put(ctx context.Context, r io.Reader, opts PutOptions) (Item, error) {
	done, actor, err := v.enterChange(ctx)
	if err != nil {
		return Item{}, err
	}
	defer done()
	now := v.clock()
	if err := v.checkPut(&opts, now); err != nil {
		return Item{}, err
	}
	limit := v.maxBytes
	if opts.MaxBytes > 0 && opts.MaxBytes < limit {
		limit = opts.MaxBytes
	}
	k := v.kr.activeKey()
	buf, digest, size, err := v.compress(ctx, r, limit, k)
	if err != nil {
		return Item{}, err
	}
	defer clear(buf) // compressed plaintext, or ciphertext once sealed
	name := v.kr.name(digest)
	ref := hex.EncodeToString(name[:])
	unlock := v.locks.lock(ref)
	defer unlock()

	m, _, err := v.loadManifest(ctx, ref, name)
	switch {
	case err == nil && m.Destroying == nil:
		return v.merge(ctx, ref, name, m, &opts, now, actor)
	case err == nil:
		// A destruction was interrupted; finish it, then store the content anew.
		if err := v.finishDestroy(ctx, ref, m); err != nil {
			return Item{}, err
		}
	case !errors.Is(err, ErrNotFound):
		return Item{}, err
	}

	blob := seal(buf, k, digest[:])
	if err := v.be.Put(ctx, blobKey(ref), blob); err != nil {
		return Item{}, err
	}
	m = &manifest{
		V: manifestVersion, Digest: digest, Size: size, Stored: int64(len(blob)),
		ContentType: opts.ContentType, Created: now, RetainUntil: v.retainUntil(&opts, now),
		KeyID: k.id, Labels: opts.Labels, CaseIDs: opts.CaseIDs,
	}
	events := []AuditEntry{{Time: now, Event: EventPut, Ref: ref, Actor: actor, RetainUntil: m.RetainUntil, KeyID: k.id}}
	for _, h := range opts.Holds {
		m.Holds = append(m.Holds, Hold{ID: h.ID, Reason: h.Reason, Actor: actor, Placed: now})
		events = append(events, AuditEntry{Time: now, Event: EventHold, Ref: ref, Actor: actor, Hold: h.ID, Reason: h.Reason})
	}
	err = v.storeManifest(ctx, ref, name, m, true)
	if errors.Is(err, ErrExist) {
		// Another writer sharing the backend created the item first.
		if m, _, err = v.loadManifest(ctx, ref, name); err != nil {
			return Item{}, err
		}
		if m.Destroying != nil {
			return Item{}, fmt.Errorf("evidence: item %s is being destroyed by another writer", shortRef(ref))
		}
		return v.merge(ctx, ref, name, m, &opts, now, actor)
	}
	if err != nil {
		return Item{}, err
	}
	if err := v.audit.append(events...); err != nil {
		v.rollback(ctx, ref, name, nil)
		return Item{}, err
	}
	return m.item(ref), nil
}

// rollback undoes a stored change whose audit entries could not be appended,
// so that no change stands unaudited: it restores prev, or removes the item a
// Put created when prev is nil. A failed rollback is logged; the vault refuses
// further changes until reopened either way (the audit log is broken).
func (v *Vault) rollback(ctx context.Context, ref string, name [32]byte, prev *manifest) {
	ctx = context.WithoutCancel(ctx)
	var err error
	if prev != nil {
		err = v.storeManifest(ctx, ref, name, prev, false)
	} else {
		err = errors.Join(v.be.Delete(ctx, metaKey(ref)), v.be.Delete(ctx, blobKey(ref)))
	}
	if err != nil {
		v.log.LogAttrs(ctx, slog.LevelError, "evidence: change stored but not audited, and rollback failed",
			slog.String("ref", ref), slog.String("error", errorKind(err)))
	}
}

func (v *Vault) checkPut(o *PutOptions, now time.Time) error {
	if !o.RetainUntil.IsZero() {
		if !validTime(o.RetainUntil) {
			return invalidf("RetainUntil %v out of range", o.RetainUntil)
		}
		if o.RetainUntil.Before(now) {
			return invalidf("RetainUntil %v is in the past", o.RetainUntil)
		}
	}
	if o.MaxBytes < 0 {
		return invalidf("negative MaxBytes")
	}
	if err := validHolds(o.Holds); err != nil {
		return err
	}
	if err := validLabels(o.Labels); err != nil {
		return err
	}
	if err := validCaseIDs(o.CaseIDs); err != nil {
		return err
	}
	return validContentType(o.ContentType)
}

func (v *Vault) retainUntil(o *PutOptions, now time.Time) time.Time {
	switch {
	case !o.RetainUntil.IsZero():
		return o.RetainUntil.UTC()
	case v.retention > 0:
		return now.Add(v.retention)
	default:
		return now.AddDate(1, 0, 0)
	}
}

// merge folds a Put of content already stored into its manifest.
func (v *Vault) merge(ctx context.Context, ref string, name [32]byte, m *manifest, o *PutOptions, now time.Time, actor string) (Item, error) {
	prev := m.clone()
	var events []AuditEntry
	changed := false
	if until := v.retainUntil(o, now); until.After(m.RetainUntil) {
		m.RetainUntil, changed = until, true
		events = append(events, AuditEntry{Time: now, Event: EventExtend, Ref: ref, Actor: actor, RetainUntil: until})
	}
	for _, h := range o.Holds {
		if m.holdIndex(h.ID) >= 0 {
			continue
		}
		m.Holds = append(m.Holds, Hold{ID: h.ID, Reason: h.Reason, Actor: actor, Placed: now})
		changed = true
		events = append(events, AuditEntry{Time: now, Event: EventHold, Ref: ref, Actor: actor, Hold: h.ID, Reason: h.Reason})
	}
	for k, val := range o.Labels {
		if old, ok := m.Labels[k]; !ok || old != val {
			if m.Labels == nil {
				m.Labels = make(map[string]string, len(o.Labels))
			}
			m.Labels[k], changed = val, true
		}
	}
	for _, id := range o.CaseIDs {
		if !containsString(m.CaseIDs, id) {
			m.CaseIDs, changed = append(m.CaseIDs, id), true
		}
	}
	if m.ContentType == "" && o.ContentType != "" {
		m.ContentType, changed = o.ContentType, true
	}
	if !changed {
		return m.item(ref), nil
	}
	if err := errors.Join(validHolds(m.Holds), validLabels(m.Labels), validCaseIDs(m.CaseIDs)); err != nil {
		return Item{}, err
	}
	if err := v.storeManifest(ctx, ref, name, m, false); err != nil {
		return Item{}, err
	}
	if len(events) > 0 {
		if err := v.audit.append(events...); err != nil {
			v.rollback(ctx, ref, name, prev)
			return Item{}, err
		}
	}
	return m.item(ref), nil
}

func containsString(s []string, x string) bool {
	for _, e := range s {
		if e == x {
			return true
		}
	}
	return false
}

// compress reads r (at most limit bytes) through SHA-256 and zstd into a blob
// envelope for key k, ready to seal.
func (v *Vault) compress(ctx context.Context, r io.Reader, limit int64, k *sealKey) ([]byte, Digest, int64, error) {
	if r == nil {
		return nil, Digest{}, 0, invalidf("nil reader")
	}
	enc, err := v.encoder()
	if err != nil {
		return nil, Digest{}, 0, err
	}
	defer func() {
		enc.Reset(nil)
		v.encoders.Put(enc)
	}()
	hint := 64 << 10
	if l, ok := r.(interface{ Len() int }); ok {
		hint = min(l.Len(), int(limit)) + 1024
	}
	w := &appendWriter{buf: newEnvelope(kindBlob, k, hint)}
	chunk := make([]byte, 64<<10)
	defer clear(chunk)
	enc.Reset(w)
	h := sha256.New()
	n, err := copyBounded(ctx, io.MultiWriter(h, enc), r, chunk, limit)
	if err == nil {
		if err = enc.Close(); err != nil {
			err = fmt.Errorf("evidence: compressing: %w", err)
		}
	}
	if err != nil {
		clear(w.buf)
		return nil, Digest{}, 0, err
	}
	var d Digest
	h.Sum(d[:0])
	return w.buf, d, n, nil
}

// copyBounded copies r to w through buf, failing with ErrTooLarge past limit
// bytes and checking ctx between reads.
func copyBounded(ctx context.Context, w io.Writer, r io.Reader, buf []byte, limit int64) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		c, rerr := r.Read(buf)
		if c > 0 {
			n += int64(c)
			if n > limit {
				return n, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
			}
			if _, err := w.Write(buf[:c]); err != nil {
				return n, fmt.Errorf("evidence: compressing: %w", err)
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, fmt.Errorf("evidence: reading content: %w", rerr)
		}
	}
}

func (v *Vault) encoder() (*zstd.Encoder, error) {
	switch e := v.encoders.Get().(type) {
	case *zstd.Encoder:
		return e, nil
	case error:
		return nil, fmt.Errorf("evidence: zstd encoder: %w", e)
	default:
		return nil, fmt.Errorf("evidence: zstd encoder: unexpected %T", e)
	}
}

type appendWriter struct{ buf []byte }

func (w *appendWriter) Write(p []byte) (int, error) {
	w.buf = append(w.buf, p...)
	return len(p), nil
}

// loadManifest reads, authenticates and decodes an item's manifest, returning
// it with the ID of the key that sealed it. A missing manifest is ErrNotFound.
func (v *Vault) loadManifest(ctx context.Context, ref string, name [32]byte) (*manifest, string, error) {
	rc, err := v.be.Get(ctx, metaKey(ref))
	if errors.Is(err, ErrNotExist) {
		return nil, "", fmt.Errorf("%w: %s", ErrNotFound, shortRef(ref))
	}
	if err != nil {
		return nil, "", err
	}
	data, err := readBounded(rc, maxManifestBytes+maxHeaderLen+tagLen, 4096)
	if err != nil {
		return nil, "", integrity(err, ref, "manifest", "")
	}
	plain, keyID, err := v.kr.openEnvelope(data, kindManifest, name[:])
	if err != nil {
		return nil, "", integrity(err, ref, "manifest", keyID)
	}
	m, err := decodeManifest(plain)
	if err != nil {
		return nil, "", integrity(err, ref, "manifest", keyID)
	}
	if v.kr.name(m.Digest) != name {
		return nil, "", integrity(fmt.Errorf("%w: manifest names another item", ErrTampered), ref, "manifest", keyID)
	}
	return m, keyID, nil
}

// storeManifest seals m under the active key and writes it; create uses the
// backend's Creator, if any, so an existing manifest is never overwritten.
func (v *Vault) storeManifest(ctx context.Context, ref string, name [32]byte, m *manifest, create bool) error {
	b, err := m.encode()
	if err != nil {
		return err
	}
	k := v.kr.activeKey()
	env := append(newEnvelope(kindManifest, k, len(b)), b...)
	env = seal(env, k, name[:])
	if c, ok := v.be.(Creator); ok && create {
		return c.Create(ctx, metaKey(ref), env)
	}
	return v.be.Put(ctx, metaKey(ref), env)
}

// readBounded reads all of rc, failing with ErrCorrupt beyond limit bytes. hint
// is the expected size, allocated up front.
func readBounded(rc io.ReadCloser, limit, hint int) ([]byte, error) {
	defer rc.Close()
	buf := make([]byte, 0, min(hint, limit)+1)
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)] // grow
		}
		n, err := rc.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return nil, fmt.Errorf("%w: object larger than %d bytes", ErrCorrupt, limit)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("evidence: reading object: %w", err)
		}
	}
}

// openBlob reads and authenticates an item's blob, returning the compressed
// content and the key ID of the blob header.
func (v *Vault) openBlob(ctx context.Context, ref string, m *manifest) ([]byte, string, error) {
	rc, err := v.be.Get(ctx, blobKey(ref))
	if errors.Is(err, ErrNotExist) {
		return nil, "", integrity(fmt.Errorf("%w: %w", ErrTampered, errBlobMissing), ref, "blob", "")
	}
	if err != nil {
		return nil, "", err
	}
	// The slack allows for a different key ID length after a re-encryption
	// interrupted between the blob and the manifest.
	data, err := readBounded(rc, int(m.Stored)+maxHeaderLen, int(m.Stored))
	if err != nil {
		return nil, "", integrity(err, ref, "blob", "")
	}
	comp, keyID, err := v.kr.openEnvelope(data, kindBlob, m.Digest[:])
	if err != nil {
		return nil, "", integrity(err, ref, "blob", keyID)
	}
	return comp, keyID, nil
}

// Open returns a reader of the item's plaintext, after checking the blob's
// authentication tag, its size and its SHA-256. Errors: ErrNotFound, or an
// *IntegrityError matching ErrTampered, ErrWrongKey, ErrUnknownKey or ErrCorrupt.
func (v *Vault) Open(ctx context.Context, d Digest) (*Reader, error) {
	done, err := v.enter()
	if err != nil {
		return nil, err
	}
	defer done()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	name := v.kr.name(d)
	ref := hex.EncodeToString(name[:])
	m, _, err := v.loadManifest(ctx, ref, name)
	if err != nil {
		return nil, err
	}
	if m.Destroying != nil {
		return nil, fmt.Errorf("%w: %s (being destroyed)", ErrNotFound, shortRef(ref))
	}
	comp, keyID, err := v.openBlob(ctx, ref, m)
	if errors.Is(err, errBlobMissing) {
		// A destruction may have started since the manifest was read.
		if m2, _, err2 := v.loadManifest(ctx, ref, name); errors.Is(err2, ErrNotFound) || (err2 == nil && m2.Destroying != nil) {
			return nil, fmt.Errorf("%w: %s (destroyed)", ErrNotFound, shortRef(ref))
		}
	}
	if err != nil {
		return nil, err
	}
	plain, err := v.dec.DecodeAll(comp, make([]byte, 0, m.Size))
	clear(comp)
	if err != nil {
		clear(plain)
		return nil, integrity(fmt.Errorf("%w: decompressing: %v", ErrCorrupt, err), ref, "blob", keyID)
	}
	if int64(len(plain)) != m.Size || sha256.Sum256(plain) != [32]byte(d) {
		clear(plain)
		return nil, integrity(fmt.Errorf("%w: content does not match its digest", ErrTampered), ref, "blob", keyID)
	}
	return newReader(m.item(ref), plain), nil
}

// ReadAll returns the item's verified plaintext; see [Vault.Open].
func (v *Vault) ReadAll(ctx context.Context, d Digest) ([]byte, Item, error) {
	r, err := v.Open(ctx, d)
	if err != nil {
		return nil, Item{}, err
	}
	// The reader's buffer is handed over, not wiped.
	b, it := r.buf, r.item
	r.buf = nil
	return b, it, nil
}

// Stat returns the item's metadata without reading its content.
func (v *Vault) Stat(ctx context.Context, d Digest) (Item, error) {
	done, err := v.enter()
	if err != nil {
		return Item{}, err
	}
	defer done()
	if err := ctx.Err(); err != nil {
		return Item{}, err
	}
	name := v.kr.name(d)
	ref := hex.EncodeToString(name[:])
	m, _, err := v.loadManifest(ctx, ref, name)
	if err != nil {
		return Item{}, err
	}
	if m.Destroying != nil {
		return Item{}, fmt.Errorf("%w: %s (being destroyed)", ErrNotFound, shortRef(ref))
	}
	return m.item(ref), nil
}

// Items yields every item in the vault, in no particular order. A manifest that
// fails to authenticate or decode is yielded as an error and iteration goes on
// if the caller continues; a backend error ends it.
func (v *Vault) Items(ctx context.Context) iter.Seq2[Item, error] {
	return func(yield func(Item, error) bool) {
		for ref, err := range v.refs(ctx) {
			if err != nil {
				yield(Item{}, err)
				return
			}
			it, err := v.statRef(ctx, ref)
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if errors.Is(err, ErrClosed) {
				yield(Item{}, err)
				return
			}
			if !yield(it, err) {
				return
			}
		}
	}
}

func (v *Vault) statRef(ctx context.Context, ref string) (Item, error) {
	done, err := v.enter()
	if err != nil {
		return Item{}, err
	}
	defer done()
	name, _ := nameOf(ref)
	m, _, err := v.loadManifest(ctx, ref, name)
	if err != nil {
		return Item{}, err
	}
	if m.Destroying != nil {
		return Item{}, ErrNotFound
	}
	return m.item(ref), nil
}

// refs yields the ref of every manifest in the backend.
func (v *Vault) refs(ctx context.Context) iter.Seq2[string, error] {
	return func(yield func(string, error) bool) {
		for key, err := range v.be.List(ctx, nsMeta) {
			if err != nil {
				yield("", err)
				return
			}
			ref, ok := strings.CutPrefix(key, nsMeta+"/")
			if !ok || !validName(ref) {
				continue
			}
			if !yield(ref, nil) {
				return
			}
		}
	}
}

func nameOf(ref string) ([32]byte, bool) {
	var n [32]byte
	if !validName(ref) {
		return n, false
	}
	_, err := hex.Decode(n[:], []byte(ref))
	return n, err == nil
}
