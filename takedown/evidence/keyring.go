package evidence

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"sort"
)

// KeySize is the length in bytes of every secret a [Keyring] takes: the
// AES-256-GCM keys and the naming key.
const KeySize = 32

// MaxKeyIDLen bounds a key ID. Key IDs are 1 to 64 characters of A–Z, a–z,
// 0–9, '.', '_', ':' and '-'.
const MaxKeyIDLen = 64

const checkLen = 8 // bytes of key check value in each object header

// Key is one encryption key: a key ID that is recorded in every object sealed
// with it, and its 32-byte secret.
type Key struct {
	ID     string
	Secret []byte
}

// Keyring holds the vault's keys: one active key that seals new objects, older
// keys that still open objects sealed before a rotation, and the naming key that
// turns a digest into a storage name.
//
// The application supplies the secrets (from a KMS, an HSM-wrapped file, a secret
// manager); the vault never stores them. Secrets are not used directly: an
// AES-256 key and an 8-byte key check value are derived from each one with HKDF-
// SHA-256, so the check value stored in object headers reveals nothing usable
// about the key.
//
// The naming key cannot be rotated: storage names derive from it. Keep it as
// carefully as the encryption keys; without it, no item can be found.
//
// A Keyring is immutable and safe for concurrent use. To rotate, build a new
// Keyring whose active key is the new one and whose older keys include the old
// one, open the vault with it and call [Vault.Rewrap]; then the old key may be
// dropped. Its String method never prints secrets.
type Keyring struct {
	active string
	keys   map[string]*sealKey
	naming []byte
}

type sealKey struct {
	id    string
	aead  cipher.AEAD
	check [checkLen]byte
}

// NewKeyring builds a keyring. namingKey and every Secret must be [KeySize] bytes;
// key IDs must be valid (see [MaxKeyIDLen]) and distinct. The secrets are copied
// into derived keys, so the caller may wipe its slices afterwards.
func NewKeyring(namingKey []byte, active Key, older ...Key) (*Keyring, error) {
	if len(namingKey) != KeySize {
		return nil, invalidf("naming key must be %d bytes, got %d", KeySize, len(namingKey))
	}
	kr := &Keyring{
		active: active.ID,
		keys:   make(map[string]*sealKey, 1+len(older)),
	}
	var err error
	if kr.naming, err = deriveKey(namingKey, "mnr/evidence/v1 naming", KeySize); err != nil {
		return nil, err
	}
	for _, k := range append([]Key{active}, older...) {
		if err := validKeyID(k.ID); err != nil {
			return nil, err
		}
		if _, dup := kr.keys[k.ID]; dup {
			return nil, invalidf("key ID %q appears twice", k.ID)
		}
		if len(k.Secret) != KeySize {
			return nil, invalidf("key %q must be %d bytes, got %d", k.ID, KeySize, len(k.Secret))
		}
		if subtle.ConstantTimeCompare(k.Secret, namingKey) == 1 {
			return nil, invalidf("key %q reuses the naming key", k.ID)
		}
		sk, err := newSealKey(k)
		if err != nil {
			return nil, err
		}
		kr.keys[k.ID] = sk
	}
	return kr, nil
}

func newSealKey(k Key) (*sealKey, error) {
	enc, err := deriveKey(k.Secret, "mnr/evidence/v1 aes-256-gcm", KeySize)
	if err != nil {
		return nil, err
	}
	check, err := deriveKey(k.Secret, "mnr/evidence/v1 key check", checkLen)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(enc)
	if err != nil {
		return nil, fmt.Errorf("evidence: key %q: %w", k.ID, err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("evidence: key %q: %w", k.ID, err)
	}
	sk := &sealKey{id: k.ID, aead: aead}
	copy(sk.check[:], check)
	return sk, nil
}

func deriveKey(secret []byte, info string, n int) ([]byte, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, info, n)
	if err != nil {
		return nil, fmt.Errorf("evidence: deriving key: %w", err)
	}
	return k, nil
}

// ActiveID returns the ID of the key that seals new objects.
func (k *Keyring) ActiveID() string { return k.active }

// IDs returns every key ID in the keyring, sorted.
func (k *Keyring) IDs() []string {
	ids := make([]string, 0, len(k.keys))
	for id := range k.keys {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// String describes the keyring without its secrets.
func (k *Keyring) String() string {
	return fmt.Sprintf("evidence.Keyring{active: %q, keys: %d}", k.active, len(k.keys))
}

// GoString is String, so %#v cannot print secrets either.
func (k *Keyring) GoString() string { return k.String() }

func (k *Keyring) activeKey() *sealKey { return k.keys[k.active] }

// name returns the storage name of a digest: HMAC-SHA256 under the naming key.
func (k *Keyring) name(d Digest) [32]byte {
	m := hmac.New(sha256.New, k.naming)
	m.Write(d[:])
	var out [32]byte
	m.Sum(out[:0])
	return out
}

func (k *Keyring) ref(d Digest) string {
	n := k.name(d)
	return hex.EncodeToString(n[:])
}

func validKeyID(id string) error {
	if id == "" || len(id) > MaxKeyIDLen {
		return invalidf("key ID must be 1 to %d characters, got %d", MaxKeyIDLen, len(id))
	}
	for i := 0; i < len(id); i++ {
		if !keyIDByte(id[i]) {
			return invalidf("key ID %q has a character outside A-Z a-z 0-9 . _ : -", id)
		}
	}
	return nil
}

func keyIDByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '.' || c == '_' || c == ':' || c == '-'
}
