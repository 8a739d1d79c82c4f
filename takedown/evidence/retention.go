package evidence

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"time"
)

// change runs fn on the item's manifest under the item's lock; fn returns the
// audit entries its change needs, or nil for no change. The manifest is stored
// before the entries are appended, and restored if the append fails.
func (v *Vault) change(ctx context.Context, d Digest, fn func(m *manifest, now time.Time, actor string, ref string) ([]AuditEntry, error)) (Item, error) {
	done, actor, err := v.enterChange(ctx)
	if err != nil {
		return Item{}, err
	}
	defer done()
	name := v.kr.name(d)
	ref := hex.EncodeToString(name[:])
	unlock := v.locks.lock(ref)
	defer unlock()
	m, _, err := v.loadManifest(ctx, ref, name)
	if err != nil {
		return Item{}, err
	}
	if m.Destroying != nil {
		return Item{}, fmt.Errorf("%w: %s (being destroyed)", ErrNotFound, shortRef(ref))
	}
	prev := m.clone()
	events, err := fn(m, v.clock(), actor, ref)
	if err != nil || len(events) == 0 {
		return prev.item(ref), err
	}
	if err := v.storeManifest(ctx, ref, name, m, false); err != nil {
		return Item{}, err
	}
	if err := v.audit.append(events...); err != nil {
		v.rollback(ctx, ref, name, prev)
		return Item{}, err
	}
	return m.item(ref), nil
}

// Extend moves the item's retention date to until if that is later; an earlier
// date changes nothing (retention is never shortened).
func (v *Vault) Extend(ctx context.Context, d Digest, until time.Time) (Item, error) {
	if !validTime(until) {
		return Item{}, invalidf("retention date %v out of range", until)
	}
	until = until.UTC()
	return v.change(ctx, d, func(m *manifest, now time.Time, actor, ref string) ([]AuditEntry, error) {
		if !until.After(m.RetainUntil) {
			return nil, nil
		}
		m.RetainUntil = until
		return []AuditEntry{{Time: now, Event: EventExtend, Ref: ref, Actor: actor, RetainUntil: until}}, nil
	})
}

// Hold places the legal hold holdID on the item. While any hold remains, the
// item survives Purge and Destroy. Placing a hold the item already carries
// changes nothing.
func (v *Vault) Hold(ctx context.Context, d Digest, holdID, reason string) error {
	if err := validHold(Hold{ID: holdID, Reason: reason}); err != nil {
		return err
	}
	_, err := v.change(ctx, d, func(m *manifest, now time.Time, actor, ref string) ([]AuditEntry, error) {
		if m.holdIndex(holdID) >= 0 {
			return nil, nil
		}
		if len(m.Holds) >= MaxHolds {
			return nil, invalidf("item already carries %d holds", MaxHolds)
		}
		m.Holds = append(m.Holds, Hold{ID: holdID, Reason: reason, Actor: actor, Placed: now})
		return []AuditEntry{{Time: now, Event: EventHold, Ref: ref, Actor: actor, Hold: holdID, Reason: reason}}, nil
	})
	return err
}

// Release removes the legal hold holdID from the item, or fails with
// ErrHoldNotFound. The item becomes purgeable once its last hold is released
// and its retention date has passed.
func (v *Vault) Release(ctx context.Context, d Digest, holdID string) error {
	_, err := v.change(ctx, d, func(m *manifest, now time.Time, actor, ref string) ([]AuditEntry, error) {
		i := m.holdIndex(holdID)
		if i < 0 {
			return nil, fmt.Errorf("%w: %q", ErrHoldNotFound, holdID)
		}
		m.Holds = append(m.Holds[:i], m.Holds[i+1:]...)
		return []AuditEntry{{Time: now, Event: EventRelease, Ref: ref, Actor: actor, Hold: holdID}}, nil
	})
	return err
}

// Destroy permanently destroys the item now, whatever its retention date: it is
// for destruction that law enforcement asks for (18 U.S.C. §2258B(c)) or that
// the law otherwise requires. reason is mandatory and goes to the audit log.
//
// Destroy refuses, with ErrOnHold, while the item carries any legal hold: a hold
// records a duty to preserve (a §2703(f) request, litigation) that a
// destruction request may conflict with, and a person must resolve that. The
// override is explicit and audited: Release each hold (the audit log records
// who), then Destroy. There is no force flag.
func (v *Vault) Destroy(ctx context.Context, d Digest, reason string) error {
	if err := validText(reason, MaxReasonLen, "reason", false); err != nil {
		return err
	}
	done, actor, err := v.enterChange(ctx)
	if err != nil {
		return err
	}
	defer done()
	name := v.kr.name(d)
	ref := hex.EncodeToString(name[:])
	unlock := v.locks.lock(ref)
	defer unlock()
	m, _, err := v.loadManifest(ctx, ref, name)
	if err != nil {
		return err
	}
	if m.Destroying != nil {
		return v.finishDestroy(ctx, ref, m)
	}
	if len(m.Holds) > 0 {
		return fmt.Errorf("%w: %s carries hold(s) %s; release them first", ErrOnHold, shortRef(ref), m.holdIDs())
	}
	return v.destroy(ctx, ref, name, m, EventDestroy, reason, actor)
}

// destroy records the intent in the manifest, then finishes the destruction.
func (v *Vault) destroy(ctx context.Context, ref string, name [32]byte, m *manifest, event, reason, actor string) error {
	m.Destroying = &destroyIntent{Event: event, Reason: reason, Actor: actor, Since: v.clock()}
	if err := v.storeManifest(ctx, ref, name, m, false); err != nil {
		return err
	}
	return v.finishDestroy(ctx, ref, m)
}

// finishDestroy completes a destruction whose intent is stored in m: the blob
// goes first, then the audit entry, then the manifest. A crash anywhere leaves
// the intent in place for Purge, Destroy or Put to finish; at worst the audit
// log records the destruction twice, never not at all.
func (v *Vault) finishDestroy(ctx context.Context, ref string, m *manifest) error {
	in := m.Destroying
	if err := v.be.Delete(ctx, blobKey(ref)); err != nil {
		return err
	}
	e := AuditEntry{Time: v.clock(), Event: in.Event, Ref: ref, Actor: in.Actor, Reason: in.Reason}
	if in.Event == EventPurge {
		e.RetainUntil = m.RetainUntil
	}
	if err := v.audit.append(e); err != nil {
		return err
	}
	if err := v.be.Delete(ctx, metaKey(ref)); err != nil {
		return err
	}
	v.log.LogAttrs(ctx, slog.LevelInfo, "evidence: item destroyed", slog.String("event", in.Event), slog.String("ref", ref))
	return nil
}

// Purge destroys every item whose retention date is before now and which
// carries no legal hold, finishes any interrupted destruction, and returns the
// items destroyed. A zero now means the vault clock; a now later than the vault
// clock is refused (ErrInvalidArgument), so a mistaken date cannot destroy
// evidence early.
//
// Items whose manifest cannot be read are kept (their retention is unknown);
// their errors are joined into the returned error, which may come with a
// non-empty list. Purge scans every manifest: run it periodically (daily, say),
// not per request.
func (v *Vault) Purge(ctx context.Context, now time.Time) ([]Item, error) {
	done, actor, err := v.enterChange(ctx)
	if err != nil {
		return nil, err
	}
	done()
	clock := v.clock()
	if now.IsZero() {
		now = clock
	}
	if now.After(clock) {
		return nil, invalidf("purge time %v is later than the vault clock %v", now, clock)
	}
	var (
		destroyed []Item
		errs      []error
		held      int
	)
	for ref, err := range v.refs(ctx) {
		if err != nil {
			errs = append(errs, err)
			break
		}
		it, gone, onHold, err := v.purgeOne(ctx, ref, now, actor)
		if gone {
			destroyed = append(destroyed, it)
		}
		switch {
		case errors.Is(err, ErrClosed) || errors.Is(err, ErrAuditBroken) || ctx.Err() != nil:
			errs = append(errs, cmp.Or(err, ctx.Err()))
			return destroyed, errors.Join(errs...)
		case err != nil:
			v.log.LogAttrs(ctx, slog.LevelWarn, "evidence: purge kept an unreadable item",
				slog.String("ref", ref), slog.String("error", errorKind(err)))
			errs = append(errs, err)
		case onHold:
			held++
		}
	}
	v.log.LogAttrs(ctx, slog.LevelInfo, "evidence: purge",
		slog.Int("destroyed", len(destroyed)), slog.Int("held_past_retention", held), slog.Int("errors", len(errs)))
	return destroyed, errors.Join(errs...)
}

// purgeOne destroys one item if it is due. onHold reports an item past its
// retention date kept by a hold.
func (v *Vault) purgeOne(ctx context.Context, ref string, now time.Time, actor string) (it Item, gone, onHold bool, err error) {
	done, err := v.enter()
	if err != nil {
		return Item{}, false, false, err
	}
	defer done()
	if err := ctx.Err(); err != nil {
		return Item{}, false, false, err
	}
	name, _ := nameOf(ref)
	unlock := v.locks.lock(ref)
	defer unlock()
	m, _, err := v.loadManifest(ctx, ref, name)
	if errors.Is(err, ErrNotFound) {
		return Item{}, false, false, nil // destroyed meanwhile
	}
	if err != nil {
		return Item{}, false, false, err
	}
	switch {
	case m.Destroying != nil:
		err = v.finishDestroy(ctx, ref, m)
	case !now.After(m.RetainUntil):
		return Item{}, false, false, nil
	case len(m.Holds) > 0:
		return Item{}, false, true, nil
	default:
		reason := "retention period ended " + m.RetainUntil.Format(time.RFC3339)
		err = v.destroy(ctx, ref, name, m, EventPurge, reason, actor)
	}
	if err != nil {
		return Item{}, false, false, err
	}
	return m.item(ref), true, false, nil
}

// errorKind names an error for logs without echoing anything it carries.
func errorKind(err error) string {
	for _, s := range []error{ErrTampered, ErrWrongKey, ErrUnknownKey, ErrCorrupt, ErrNotFound, ErrAuditBroken} {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "backend error"
}
