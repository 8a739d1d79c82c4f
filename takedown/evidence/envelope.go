package evidence

import (
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
)

// Every stored object (blob or manifest) is an envelope:
//
//	offset  size  field
//	0       4     magic "MNRE"
//	4       1     format version (1)
//	5       1     kind: 'b' blob, 'm' manifest
//	6       1     key ID length n (1..64)
//	7       n     key ID (ASCII)
//	7+n     8     key check value (HKDF of the key; tells a wrong key from tampering)
//	15+n    12    random GCM nonce
//	27+n    ...   AES-256-GCM ciphertext, 16-byte tag last
//
// The whole header is additional authenticated data, followed by a binding: the
// plaintext digest for a blob, the storage name for a manifest. A header edited
// in any byte, or an object moved to another item's name, fails authentication.
const (
	envMagic       = "MNRE"
	envVersion     = 1
	kindBlob       = 'b'
	kindManifest   = 'm'
	nonceLen       = 12
	tagLen         = 16
	fixedHeaderLen = 4 + 3 + checkLen + nonceLen // magic, version, kind, ID length
	// maxHeaderLen is the largest header, with a key ID of MaxKeyIDLen.
	maxHeaderLen = fixedHeaderLen + MaxKeyIDLen
	minEnvelope  = fixedHeaderLen + 1 + tagLen
)

type header struct {
	kind  byte
	keyID string
	check [checkLen]byte
	nonce [nonceLen]byte
}

func headerLen(keyID string) int { return fixedHeaderLen + len(keyID) }

// newEnvelope returns a buffer holding a fresh header for key k with a random
// nonce, with room for extra more bytes. Append the plaintext, then call seal.
func newEnvelope(kind byte, k *sealKey, extra int) []byte {
	buf := make([]byte, 0, headerLen(k.id)+extra+tagLen)
	buf = append(buf, envMagic...)
	buf = append(buf, envVersion, kind, byte(len(k.id)))
	buf = append(buf, k.id...)
	buf = append(buf, k.check[:]...)
	var nonce [nonceLen]byte
	_, _ = rand.Read(nonce[:]) // crypto/rand.Read never fails (Go 1.24+)
	return append(buf, nonce[:]...)
}

// seal encrypts, in place, the plaintext that follows the header in buf, which
// must come from newEnvelope with the same key.
func seal(buf []byte, k *sealKey, bind []byte) []byte {
	hl := headerLen(k.id)
	nonce := buf[hl-nonceLen : hl]
	aad := make([]byte, 0, hl+len(bind))
	aad = append(append(aad, buf[:hl]...), bind...)
	return k.aead.Seal(buf[:hl], nonce, buf[hl:], aad)
}

// parseHeader decodes an envelope header. It checks structure only.
func parseHeader(data []byte) (header, int, error) {
	var h header
	if len(data) < fixedHeaderLen {
		return h, 0, fmt.Errorf("%w: %d bytes, shorter than any header", ErrCorrupt, len(data))
	}
	if string(data[:4]) != envMagic {
		return h, 0, fmt.Errorf("%w: bad magic", ErrCorrupt)
	}
	if data[4] != envVersion {
		return h, 0, fmt.Errorf("%w: unsupported format version %d", ErrCorrupt, data[4])
	}
	h.kind = data[5]
	if h.kind != kindBlob && h.kind != kindManifest {
		return h, 0, fmt.Errorf("%w: unknown object kind %#x", ErrCorrupt, h.kind)
	}
	n := int(data[6])
	if n == 0 || n > MaxKeyIDLen {
		return h, 0, fmt.Errorf("%w: key ID length %d out of range", ErrCorrupt, n)
	}
	hl := fixedHeaderLen + n
	if len(data) < hl {
		return h, 0, fmt.Errorf("%w: header cut short", ErrCorrupt)
	}
	id := data[7 : 7+n]
	for _, c := range id {
		if !keyIDByte(c) {
			return h, 0, fmt.Errorf("%w: key ID has invalid characters", ErrCorrupt)
		}
	}
	h.keyID = string(id)
	copy(h.check[:], data[7+n:])
	copy(h.nonce[:], data[7+n+checkLen:])
	return h, hl, nil
}

// openEnvelope authenticates and decrypts an envelope of the given kind in place
// (data is overwritten). It returns the plaintext and the key ID of the header.
// Errors wrap ErrCorrupt, ErrUnknownKey, ErrWrongKey or ErrTampered.
func (k *Keyring) openEnvelope(data []byte, kind byte, bind []byte) ([]byte, string, error) {
	h, hl, err := parseHeader(data)
	if err != nil {
		return nil, "", err
	}
	if h.kind != kind {
		return nil, h.keyID, fmt.Errorf("%w: object kind %q where %q was expected", ErrTampered, h.kind, kind)
	}
	sk, ok := k.keys[h.keyID]
	if !ok {
		return nil, h.keyID, ErrUnknownKey
	}
	if subtle.ConstantTimeCompare(sk.check[:], h.check[:]) != 1 {
		return nil, h.keyID, ErrWrongKey
	}
	if len(data)-hl < tagLen {
		return nil, h.keyID, fmt.Errorf("%w: ciphertext shorter than its tag", ErrTampered)
	}
	aad := make([]byte, 0, hl+len(bind))
	aad = append(append(aad, data[:hl]...), bind...)
	ct := data[hl:]
	plain, err := sk.aead.Open(ct[:0], h.nonce[:], ct, aad)
	if err != nil {
		return nil, h.keyID, ErrTampered
	}
	return plain, h.keyID, nil
}

// integrity wraps an envelope error as an *IntegrityError; other errors pass.
func integrity(err error, ref, object, keyID string) error {
	if err == nil {
		return nil
	}
	for _, s := range []error{ErrTampered, ErrWrongKey, ErrUnknownKey, ErrCorrupt} {
		if errors.Is(err, s) {
			return &IntegrityError{Ref: ref, Object: object, KeyID: keyID, Err: err}
		}
	}
	return err
}
