package evidence_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mnr-sdk/mnr/takedown/evidence"
	"github.com/mnr-sdk/mnr/takedown/evidence/backendtest"
)

func TestDirBackendConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) evidence.Backend {
		b, err := evidence.NewDirBackend(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return b
	})
}

func TestMemBackendConformance(t *testing.T) {
	backendtest.Run(t, func(t *testing.T) evidence.Backend { return evidence.NewMemBackend() })
}

func TestDirBackendPathTraversal(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "vault")
	b, err := evidence.NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	outside := filepath.Join(parent, "secret")
	if err := os.WriteFile(outside, []byte("outside the vault"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range append(backendtest.BadKeys, "blob/../../secret", "../secret", "blob/"+strings.Repeat("../", 21)+"secret") {
		if err := b.Put(ctx, k, []byte("x")); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Put(%q): err = %v", k, err)
		}
		if _, err := b.Get(ctx, k); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Get(%q): err = %v", k, err)
		}
		if err := b.Delete(ctx, k); !errors.Is(err, evidence.ErrInvalidKey) {
			t.Errorf("Delete(%q): err = %v", k, err)
		}
	}
	entries, _ := os.ReadDir(parent)
	if len(entries) != 2 || string(readFile(t, outside)) != "outside the vault" {
		t.Fatalf("something was written next to the vault: %v", entries)
	}
}

func TestDirBackendRefusesSymlinks(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "vault")
	b, err := evidence.NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	outside := filepath.Join(parent, "secret")
	os.WriteFile(outside, []byte("outside the vault"), 0o600)

	// A symlink planted where an object should be.
	key := backendtest.Key("blob", "planted")
	name := key[len("blob/"):]
	os.MkdirAll(filepath.Join(dir, "blob", name[:2]), 0o700)
	if err := os.Symlink(outside, filepath.Join(dir, "blob", name[:2], name)); err != nil {
		t.Fatal(err)
	}
	if rc, err := b.Get(ctx, key); err == nil {
		data, _ := io.ReadAll(rc)
		rc.Close()
		t.Fatalf("Get followed a symlink out of the vault and read %q", data)
	}

	// A fan-out directory replaced by a symlink to a directory outside.
	outDir := filepath.Join(parent, "elsewhere")
	os.Mkdir(outDir, 0o700)
	key2 := backendtest.Key("meta", "planted")
	name2 := key2[len("meta/"):]
	os.MkdirAll(filepath.Join(dir, "meta"), 0o700)
	if err := os.Symlink(outDir, filepath.Join(dir, "meta", name2[:2])); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(ctx, key2, []byte("x")); err == nil {
		t.Fatal("Put wrote through a symlinked directory")
	}
	if entries, _ := os.ReadDir(outDir); len(entries) != 0 {
		t.Fatalf("Put wrote outside the vault: %v", entries)
	}
	if string(readFile(t, outside)) != "outside the vault" {
		t.Fatal("file outside the vault changed")
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
