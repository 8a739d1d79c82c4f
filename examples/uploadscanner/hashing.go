package main

import (
	"bytes"
	"context"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// hashmatch's typed hashing errors, mapped to API errors by hashError.
var (
	errHashTooLarge    = hashmatch.ErrTooLarge
	errHashUnsupported = hashmatch.ErrUnsupportedFormat
	errHashCorrupt     = hashmatch.ErrCorrupt
)

// uploadHasher hashes uploads with hashmatch: one read, one decode, the requested
// kinds. It is safe for concurrent use.
type uploadHasher struct {
	h *hashmatch.Hasher
}

func newUploadHasher(cfg config) *uploadHasher {
	return &uploadHasher{h: hashmatch.NewHasher(&hashmatch.HasherOptions{
		Kinds:     defaultKinds,
		MaxBytes:  cfg.maxUploadBytes,
		MaxPixels: cfg.maxPixels,
		Dihedral:  cfg.dihedral,
	})}
}

// hash computes kinds over data, in that order.
func (u *uploadHasher) hash(ctx context.Context, data []byte, kinds []hashmatch.Kind) (*hashmatch.Result, error) {
	return u.h.HashKinds(ctx, bytes.NewReader(data), kinds)
}
