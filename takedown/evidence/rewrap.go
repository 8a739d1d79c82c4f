package evidence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
)

// Rewrap re-encrypts, under the keyring's active key, every blob and manifest
// sealed with an older key, and returns how many items it changed. Blobs are
// decrypted and sealed again with a fresh nonce; their compressed content is
// not touched. Each item changed gets a rewrap audit entry. Run it after a key
// rotation; once it returns without error, the older keys may leave the keyring.
//
// Items that fail to authenticate are left alone and reported in the joined
// error; interrupted destructions are finished. Rewrap is idempotent and may be
// interrupted and run again.
func (v *Vault) Rewrap(ctx context.Context) (int, error) {
	done, _, err := v.enterChange(ctx)
	if err != nil {
		return 0, err
	}
	done()
	var (
		n    int
		errs []error
	)
	for ref, err := range v.refs(ctx) {
		if err != nil {
			errs = append(errs, err)
			break
		}
		changed, err := v.rewrapOne(ctx, ref)
		switch {
		case errors.Is(err, ErrClosed) || errors.Is(err, ErrAuditBroken) || ctx.Err() != nil:
			if changed {
				n++
			}
			return n, errors.Join(append(errs, cmp.Or(err, ctx.Err()))...)
		case err != nil:
			v.log.LogAttrs(ctx, slog.LevelWarn, "evidence: rewrap skipped an unreadable item",
				slog.String("ref", ref), slog.String("error", errorKind(err)))
			errs = append(errs, err)
		case changed:
			n++
		}
	}
	v.log.LogAttrs(ctx, slog.LevelInfo, "evidence: rewrap", slog.Int("items", n), slog.Int("errors", len(errs)),
		slog.String("key_id", v.kr.ActiveID()))
	return n, errors.Join(errs...)
}

func (v *Vault) rewrapOne(ctx context.Context, ref string) (bool, error) {
	done, actor, err := v.enterChange(ctx)
	if err != nil {
		return false, err
	}
	defer done()
	name, _ := nameOf(ref)
	unlock := v.locks.lock(ref)
	defer unlock()
	m, metaKeyID, err := v.loadManifest(ctx, ref, name)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if m.Destroying != nil {
		// Finish it now: once the old key is gone its intent could not be read.
		return false, v.finishDestroy(ctx, ref, m)
	}
	k := v.kr.activeKey()
	if m.KeyID == k.id && metaKeyID == k.id {
		return false, nil
	}
	comp, blobKeyID, err := v.openBlob(ctx, ref, m)
	if err != nil {
		return false, err
	}
	from := blobKeyID
	if blobKeyID == k.id {
		from = metaKeyID // only the manifest (or an interrupted rewrap) was behind
	} else {
		env := append(newEnvelope(kindBlob, k, len(comp)), comp...)
		clear(comp)
		env = seal(env, k, m.Digest[:])
		if err := v.be.Put(ctx, blobKey(ref), env); err != nil {
			return false, err
		}
	}
	m.KeyID, m.Stored = k.id, int64(headerLen(k.id)+len(comp)+tagLen)
	if err := v.storeManifest(ctx, ref, name, m, false); err != nil {
		return false, err
	}
	e := AuditEntry{Time: v.clock(), Event: EventRewrap, Ref: ref, Actor: actor, KeyID: k.id,
		Reason: fmt.Sprintf("re-encrypted from key %s", from)}
	return true, v.audit.append(e)
}
