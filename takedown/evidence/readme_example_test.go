package evidence_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/mnr-sdk/mnr/takedown/evidence"
)

// Example_quarantine is the snippet of the README's tour.
func Example_quarantine() {
	dir, _ := os.MkdirTemp("", "vault")
	defer os.RemoveAll(dir)

	// Both secrets come from a KMS or a secret manager in production.
	naming, secret := make([]byte, evidence.KeySize), make([]byte, evidence.KeySize)
	rand.Read(naming)
	rand.Read(secret)
	keys, _ := evidence.NewKeyring(naming, evidence.Key{ID: "2026-11", Secret: secret})
	backend, _ := evidence.NewDirBackend(dir)
	vault, err := evidence.New(backend, keys, nil)
	if err != nil {
		panic(err)
	}
	defer vault.Close()

	ctx := context.Background()
	upload := []byte("bytes of the removed upload")
	item, err := vault.Put(ctx, bytes.NewReader(upload), evidence.PutOptions{
		RetainUntil: time.Now().AddDate(1, 0, 0), // US: one year after the CyberTipline report
		CaseIDs:     []string{"case-123"},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("addressed by SHA-256:", item.Digest == evidence.Sum(upload))

	// A legal hold blocks destruction until it is released.
	_ = vault.Hold(ctx, item.Digest, "2703f-0042", "government preservation request")
	err = vault.Destroy(ctx, item.Digest, "erasure request")
	fmt.Println("destroy while held:", errors.Is(err, evidence.ErrOnHold))
	// Output:
	// addressed by SHA-256: true
	// destroy while held: true
}
