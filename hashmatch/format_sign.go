package hashmatch

import (
	"bufio"
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// Signatures are detached Ed25519ph signatures (RFC 8032: Ed25519 over the
// SHA-512 of the message, with a context string) over the exact bytes of a
// list file, in any format. A signature file holds one line per signature:
//
//	mnr-sig-v1 ed25519ph KEYID SIGNATURE
//
// where KEYID is KeyID of the signing key and SIGNATURE the 64-byte
// signature in standard base64. Blank lines and lines starting with '#' are
// ignored; a list verifies when any line verifies under a trusted key.
//
// Key files are text: blank lines and '#' comments are ignored, and each
// other line is one key in hex or standard base64. A public key file holds
// one or more 32-byte public keys; a private key file holds one 32-byte
// seed (or a 64-byte Ed25519 private key).
const (
	sigContext     = "mnr hash list v1"
	sigPrefix      = "mnr-sig-v1"
	sigAlgorithm   = "ed25519ph"
	maxSigLines    = 16
	maxKeysPerFile = 64
)

// KeyID returns a short identifier of a public key: the first 8 bytes of
// its SHA-256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	s := sha256.Sum256(pub)
	return hex.EncodeToString(s[:8])
}

// Sign reads r to its end and returns a signature file (one line) for its
// bytes under key.
func Sign(r io.Reader, key ed25519.PrivateKey) ([]byte, error) {
	if len(key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("%w: bad signing key", ErrBadList)
	}
	d := sha512.New()
	if _, err := io.Copy(d, r); err != nil {
		return nil, err
	}
	return signDigest(d.Sum(nil), key)
}

func signDigest(digest []byte, key ed25519.PrivateKey) ([]byte, error) {
	sig, err := key.Sign(nil, digest, &ed25519.Options{Hash: crypto.SHA512, Context: sigContext})
	if err != nil {
		return nil, err
	}
	pub := key.Public().(ed25519.PublicKey)
	return fmt.Appendf(nil, "%s %s %s %s\n", sigPrefix, sigAlgorithm, KeyID(pub), base64.StdEncoding.EncodeToString(sig)), nil
}

// Verify reads r to its end and checks the signature file sig against the
// trusted keys. It returns the key ID of the key that verified, or an error
// wrapping ErrUntrusted.
func Verify(r io.Reader, sig []byte, trusted []ed25519.PublicKey) (string, error) {
	if len(trusted) == 0 {
		return "", fmt.Errorf("%w: no trusted keys", ErrUntrusted)
	}
	d := sha512.New()
	if _, err := io.Copy(d, r); err != nil {
		return "", err
	}
	id, _, err := verifyDigest(d.Sum(nil), sig, trusted)
	return id, err
}

func verifyDigest(digest, sig []byte, trusted []ed25519.PublicKey) (string, ed25519.PublicKey, error) {
	if len(sig) == 0 {
		return "", nil, fmt.Errorf("%w: the list is not signed", ErrUntrusted)
	}
	if len(sig) > MaxSignatureBytes {
		return "", nil, fmt.Errorf("%w: signature file too large", ErrUntrusted)
	}
	lines := 0
	sc := bufio.NewScanner(bytes.NewReader(sig))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if lines++; lines > maxSigLines {
			break
		}
		f := strings.Fields(line)
		if len(f) != 4 || f[0] != sigPrefix || f[1] != sigAlgorithm {
			return "", nil, fmt.Errorf("%w: malformed signature line", ErrUntrusted)
		}
		s, err := base64.StdEncoding.DecodeString(f[3])
		if err != nil || len(s) != ed25519.SignatureSize {
			return "", nil, fmt.Errorf("%w: malformed signature", ErrUntrusted)
		}
		for _, k := range trusted {
			if len(k) != ed25519.PublicKeySize || KeyID(k) != f[2] {
				continue
			}
			if ed25519.VerifyWithOptions(k, digest, s, &ed25519.Options{Hash: crypto.SHA512, Context: sigContext}) == nil {
				return f[2], k, nil
			}
		}
	}
	if lines == 0 {
		return "", nil, fmt.Errorf("%w: the list is not signed", ErrUntrusted)
	}
	return "", nil, fmt.Errorf("%w: no signature verifies under a trusted key", ErrUntrusted)
}

// ParsePublicKeys parses a public key file (see Sign for the format).
func ParsePublicKeys(data []byte) ([]ed25519.PublicKey, error) {
	var keys []ed25519.PublicKey
	for line := range keyLines(data) {
		b, err := decodeKey(line, ed25519.PublicKeySize)
		if err != nil {
			return nil, err
		}
		if len(keys) == maxKeysPerFile {
			return nil, fmt.Errorf("%w: more than %d keys", ErrTooLarge, maxKeysPerFile)
		}
		keys = append(keys, ed25519.PublicKey(b))
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("hashmatch: no public key found")
	}
	return keys, nil
}

// ParsePrivateKey parses a private key file (see Sign for the format).
func ParsePrivateKey(data []byte) (ed25519.PrivateKey, error) {
	for line := range keyLines(data) {
		b, err := decodeKey(line, ed25519.SeedSize, ed25519.PrivateKeySize)
		if err != nil {
			return nil, err
		}
		if len(b) == ed25519.SeedSize {
			return ed25519.NewKeyFromSeed(b), nil
		}
		k := ed25519.NewKeyFromSeed(b[:ed25519.SeedSize])
		if !bytes.Equal(k, b) {
			return nil, fmt.Errorf("hashmatch: inconsistent private key")
		}
		return k, nil
	}
	return nil, fmt.Errorf("hashmatch: no private key found")
}

// MarshalPublicKey returns a public key file holding pub.
func MarshalPublicKey(pub ed25519.PublicKey) []byte {
	return fmt.Appendf(nil, "# mnr hash list signing key (ed25519 public key), key ID %s\n%s\n",
		KeyID(pub), base64.StdEncoding.EncodeToString(pub))
}

// MarshalPrivateKey returns a private key file holding key's seed. Keep it
// secret.
func MarshalPrivateKey(key ed25519.PrivateKey) []byte {
	return fmt.Appendf(nil, "# mnr hash list signing key (ed25519 seed), key ID %s. Keep this file secret.\n%s\n",
		KeyID(key.Public().(ed25519.PublicKey)), base64.StdEncoding.EncodeToString(key.Seed()))
}

// keyLines yields the key lines of a key file (bounded to 1 MiB).
func keyLines(data []byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		if len(data) > 1<<20 {
			data = data[:1<<20]
		}
		for _, l := range strings.Split(string(data), "\n") {
			l = strings.TrimSpace(l)
			if l == "" || l[0] == '#' {
				continue
			}
			if !yield(l) {
				return
			}
		}
	}
}

// decodeKey decodes a hex or base64 key of one of the given sizes.
func decodeKey(s string, sizes ...int) ([]byte, error) {
	for _, n := range sizes {
		if len(s) == 2*n {
			if b, err := hex.DecodeString(s); err == nil {
				return b, nil
			}
		}
		if b, err := base64.StdEncoding.DecodeString(s); err == nil && len(b) == n {
			return b, nil
		}
	}
	return nil, fmt.Errorf("hashmatch: a key line is neither hex nor base64 of the expected size")
}
