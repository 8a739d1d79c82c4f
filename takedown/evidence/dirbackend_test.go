package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDirBackendPermissions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "vault")
	b, err := NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := testObjKey("blob", "p")
	if err := b.Put(context.Background(), key, []byte("x")); err != nil {
		t.Fatal(err)
	}
	if err := b.Create(context.Background(), testObjKey("meta", "p"), []byte("x")); err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := os.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestDirBackendLock(t *testing.T) {
	dir := t.TempDir()
	b, err := NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewDirBackend(dir); !errors.Is(err, ErrLocked) {
		t.Fatalf("second NewDirBackend: err = %v, want ErrLocked", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := b.Put(context.Background(), testObjKey("blob", "x"), nil); !errors.Is(err, ErrClosed) {
		t.Fatalf("Put after Close: err = %v", err)
	}
	b2, err := NewDirBackend(dir)
	if err != nil {
		t.Fatalf("NewDirBackend after Close: %v", err)
	}
	b2.Close()
}

func TestDirBackendRemovesStaleTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	b, err := NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	stale := filepath.Join(dir, tmpDir, "0123abcd")
	if err := os.WriteFile(stale, []byte("interrupted write"), 0o600); err != nil {
		t.Fatal(err)
	}
	b, err = NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stale temporary file survived: %v", err)
	}
	// Writes leave no temporary files behind.
	for i := range 5 {
		b.Put(context.Background(), testObjKey("blob", "k"), []byte{byte(i)})
	}
	if entries, _ := os.ReadDir(filepath.Join(dir, tmpDir)); len(entries) != 0 {
		t.Fatalf("%d temporary files left after writes", len(entries))
	}
}

func TestDirBackendListSkipsStrayFiles(t *testing.T) {
	dir := t.TempDir()
	b, err := NewDirBackend(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	key := testObjKey("meta", "real")
	b.Put(context.Background(), key, []byte("x"))
	name := key[len("meta/"):]
	os.WriteFile(filepath.Join(dir, "meta", name[:2], "README"), nil, 0o600)
	wrongFan := "ff" + name[2:]
	if name[:2] == "ff" {
		wrongFan = "00" + name[2:]
	}
	os.WriteFile(filepath.Join(dir, "meta", name[:2], wrongFan), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "meta", "stray"), nil, 0o600)
	var got []string
	for k, err := range b.List(context.Background(), "meta") {
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, k)
	}
	if len(got) != 1 || got[0] != key {
		t.Fatalf("List = %v, want only %s", got, key)
	}
}

func TestVaultOverMemBackendNeedsAuditPath(t *testing.T) {
	_, err := New(NewMemBackend(), keyring(t, "k1"), nil)
	if !errors.Is(err, ErrInvalidArgument) || !strings.Contains(err.Error(), "AuditPath") {
		t.Fatalf("err = %v", err)
	}
}

// testObjKey returns a valid backend key in namespace ns derived from s.
func testObjKey(ns, s string) string {
	sum := sha256.Sum256([]byte(s))
	return ns + "/" + hex.EncodeToString(sum[:])
}
