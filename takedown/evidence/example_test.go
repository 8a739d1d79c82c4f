package evidence_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mnr-sdk/mnr/takedown/evidence"
)

// In production the secrets come from a KMS or a secret manager, never from code.
var (
	namingKey = bytes.Repeat([]byte{0x11}, evidence.KeySize)
	key2026   = evidence.Key{ID: "2026-01", Secret: bytes.Repeat([]byte{0x22}, evidence.KeySize)}
	key2027   = evidence.Key{ID: "2027-01", Secret: bytes.Repeat([]byte{0x33}, evidence.KeySize)}
)

func Example() {
	dir, err := os.MkdirTemp("", "evidence-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	kr, err := evidence.NewKeyring(namingKey, key2026)
	if err != nil {
		log.Fatal(err)
	}
	backend, err := evidence.NewDirBackend(dir)
	if err != nil {
		log.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	v, err := evidence.New(backend, kr, &evidence.Options{Now: func() time.Time { return now }})
	if err != nil {
		log.Fatal(err)
	}
	defer v.Close()

	// Quarantine an upload, kept one year from the CyberTipline report.
	ctx := evidence.WithActor(context.Background(), "upload-scanner")
	item, err := v.Put(ctx, strings.NewReader("quarantined upload bytes"), evidence.PutOptions{
		RetainUntil: now.AddDate(1, 0, 0),
		ContentType: "image/jpeg",
		CaseIDs:     []string{"case-123"},
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("stored", item.Size, "bytes until", item.RetainUntil.Format(time.DateOnly))

	// A reviewer reads it back by digest; the content is verified first.
	r, err := v.Open(ctx, item.Digest)
	if err != nil {
		log.Fatal(err)
	}
	b, _ := io.ReadAll(r)
	r.Close()
	fmt.Printf("read back %q\n", b)

	// A preservation request holds it past its retention date.
	if err := v.Hold(ctx, item.Digest, "2703f-0042", "government preservation request"); err != nil {
		log.Fatal(err)
	}
	now = now.AddDate(2, 0, 0)
	gone, _ := v.Purge(ctx, time.Time{})
	fmt.Println("purged while held:", len(gone))
	if err := v.Release(ctx, item.Digest, "2703f-0042"); err != nil {
		log.Fatal(err)
	}
	gone, _ = v.Purge(ctx, time.Time{})
	fmt.Println("purged after release:", len(gone))

	// Every step is in the hash-chained audit log.
	f, err := os.Open(filepath.Join(dir, evidence.AuditFileName))
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	for e, err := range evidence.ReadAudit(f) {
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(e.Seq, e.Event, e.Actor)
	}
	// Output:
	// stored 24 bytes until 2027-03-01
	// read back "quarantined upload bytes"
	// purged while held: 0
	// purged after release: 1
	// 1 put upload-scanner
	// 2 hold upload-scanner
	// 3 release upload-scanner
	// 4 purge upload-scanner
}

func ExampleVault_Rewrap() {
	dir, err := os.MkdirTemp("", "evidence-rotation")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	open := func(active evidence.Key, older ...evidence.Key) *evidence.Vault {
		kr, err := evidence.NewKeyring(namingKey, active, older...)
		if err != nil {
			log.Fatal(err)
		}
		b, err := evidence.NewDirBackend(dir)
		if err != nil {
			log.Fatal(err)
		}
		v, err := evidence.New(b, kr, nil)
		if err != nil {
			log.Fatal(err)
		}
		return v
	}
	ctx := context.Background()

	v := open(key2026)
	item, err := v.Put(ctx, strings.NewReader("evidence"), evidence.PutOptions{})
	if err != nil {
		log.Fatal(err)
	}
	v.Close()

	// Rotate: the new key seals, the old one still opens until Rewrap is done.
	v = open(key2027, key2026)
	n, err := v.Rewrap(ctx)
	if err != nil {
		log.Fatal(err)
	}
	v.Close()
	fmt.Println("re-encrypted:", n)

	// The old key can now be retired.
	v = open(key2027)
	defer v.Close()
	b, it, err := v.ReadAll(ctx, item.Digest)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%s under key %s\n", b, it.KeyID)
	// Output:
	// re-encrypted: 1
	// evidence under key 2027-01
}
