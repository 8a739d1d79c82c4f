package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/mnr-sdk/mnr/hashmatch"
)

func cmdKeygen(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("keygen", "-out NAME", "Creates an Ed25519 key pair for signing lists: NAME.key (the secret seed, mode 0600)\n"+
		"and NAME.pub (the public key to give to those who verify). Existing files are not overwritten.", stderr)
	out := fs.String("out", "", "base name of the key files (required)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return exitUsage
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist keygen: %v\n", err)
		return exitUsage
	}
	if err := writeNew(*out+".key", hashmatch.MarshalPrivateKey(priv), 0o600); err != nil {
		fmt.Fprintf(stderr, "hashlist keygen: %v\n", err)
		return exitUsage
	}
	if err := writeNew(*out+".pub", hashmatch.MarshalPublicKey(pub), 0o644); err != nil {
		os.Remove(*out + ".key")
		fmt.Fprintf(stderr, "hashlist keygen: %v\n", err)
		return exitUsage
	}
	fmt.Fprintf(stdout, "%s.key\t%s.pub\tkey ID %s\n", *out, *out, hashmatch.KeyID(pub))
	return exitOK
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func cmdSign(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("sign", "-key KEYFILE LIST...", "Writes LIST.sig, a detached signature over the exact bytes of each list file\n"+
		"(any format), replacing an existing one.", stderr)
	keyFile := fs.String("key", "", "private key file (required)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if *keyFile == "" || fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	key, err := loadPrivateKey(*keyFile)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist sign: %v\n", err)
		return exitUsage
	}
	id := hashmatch.KeyID(key.Public().(ed25519.PublicKey))
	code := exitOK
	for _, path := range fs.Args() {
		if err := signFile(path, key); err != nil {
			fmt.Fprintf(stderr, "hashlist sign: %v\n", err)
			code = exitFailed
			continue
		}
		fmt.Fprintf(stdout, "%s.sig\t%s\n", path, id)
	}
	return code
}

func signFile(path string, key ed25519.PrivateKey) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	sig, err := hashmatch.Sign(f, key)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return os.WriteFile(path+".sig", sig, 0o644)
}

func cmdVerify(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlags("verify", "-keys PUBFILE [-keys PUBFILE...] LIST...", "Checks each list file's detached signature (LIST.sig) against the trusted public keys.\n"+
		"Prints LIST<TAB>OK<TAB>KEYID or LIST<TAB>FAIL<TAB>reason. It checks the signature only;\n"+
		"inspect also checks the list's structure.", stderr)
	var keyFiles listFlag
	fs.Var(&keyFiles, "keys", "public key file (repeatable, required)")
	if code, ok := parseFlags(fs, args); !ok {
		return code
	}
	if len(keyFiles) == 0 || fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	keys, err := loadPublicKeys(keyFiles)
	if err != nil {
		fmt.Fprintf(stderr, "hashlist verify: %v\n", err)
		return exitUsage
	}
	code := exitOK
	for _, path := range fs.Args() {
		id, err := verifyFile(path, keys)
		if err != nil {
			reason := err.Error()
			if errors.Is(err, hashmatch.ErrUntrusted) {
				reason = "untrusted: " + reason
			}
			fmt.Fprintf(stdout, "%s\tFAIL\t%s\n", path, reason)
			code = exitFailed
			continue
		}
		fmt.Fprintf(stdout, "%s\tOK\t%s\n", path, id)
	}
	return code
}

func verifyFile(path string, keys []ed25519.PublicKey) (string, error) {
	sig, err := readFileMax(path+".sig", hashmatch.MaxSignatureBytes)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("%w: no %s.sig", hashmatch.ErrUntrusted, path)
	}
	if err != nil {
		return "", err
	}
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return hashmatch.Verify(f, sig, keys)
}
