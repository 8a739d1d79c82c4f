package main

import (
	"context"
	"os"

	"github.com/mnr-sdk/mnr/hashmatch"
)

// imageHasher hashes image files with hashmatch's Hasher (one read, one
// decode per file, within the Hasher's byte and pixel limits).
type imageHasher struct {
	h *hashmatch.Hasher
}

func newImageHasher(kinds []hashmatch.Kind, dihedral bool) *imageHasher {
	return &imageHasher{h: hashmatch.NewHasher(&hashmatch.HasherOptions{Kinds: kinds, Dihedral: dihedral})}
}

// hashFile hashes one file into a query (quality unknown without PDQ).
func (ih *imageHasher) hashFile(ctx context.Context, path string) (hashmatch.Query, error) {
	f, err := os.Open(path)
	if err != nil {
		return hashmatch.Query{}, err
	}
	defer f.Close()
	res, err := ih.h.Hash(ctx, f)
	if err != nil {
		return hashmatch.Query{}, err
	}
	return hashmatch.NewQuery(res), nil
}
