// Package keyring encrypts gatehouse's secrets at rest: secret access keys,
// console password hashes, TOTP seeds and KMS key material are stored only
// as blobs sealed under a 256-bit root key that never enters the database.
// Whoever copies the data directory without the root key gets ciphertext.
//
// Each use of a secret has a purpose (a short label such as
// "iam/access-key-secret"); the root key is never used directly, only through
// a per-purpose key derived from it with HKDF-SHA256, so a blob sealed for
// one purpose cannot be opened as another. Seal binds additional data, the
// identity of the record holding the blob, so a blob copied into another
// record does not open there either.
//
// A blob names the root key it was sealed under. A Keyring holds a current
// root key, which seals, and may hold retired ones, which still open: the
// root key can be rotated by starting with the new key current and the old
// one retired, re-sealing what NeedsReseal reports, then dropping the old
// key.
package keyring

import (
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"sync"
)

// RootKeySize is the size of a root key in bytes (AES-256).
const RootKeySize = 32

// ErrDecrypt is returned by Open for every blob it cannot open: altered or
// truncated, sealed under a root key the keyring does not hold, for another
// purpose, or with other additional data. It says nothing about the secret.
var ErrDecrypt = errors.New("keyring: cannot open sealed blob")

// Domain separation for the HKDF derivations. Changing them changes every
// derived key, so they are fixed for blob version 1.
const (
	purposeKeySalt = "gatehouse keyring v1 purpose key"
	keyIDSalt      = "gatehouse keyring v1 key id"
	purposeTagSalt = "gatehouse keyring v1 purpose tag\x00"
)

// Keyring seals and opens secrets. It is safe for concurrent use. Its String,
// GoString and LogValue methods never reveal key material, so a Keyring that
// ends up in a log line or an error message leaks nothing.
type Keyring struct {
	current *rootKey
	byID    map[uint32]*rootKey
}

// rootKey is one root key with the AEADs derived from it, one per purpose,
// created on first use and cached.
type rootKey struct {
	id     uint32
	secret []byte
	aeads  sync.Map // purpose string -> cipher.AEAD
}

// New returns a keyring that seals under root and opens blobs sealed under
// root or any of the retired keys. Every key must be RootKeySize bytes and
// not all zero. The keyring keeps its own copies of the keys.
func New(root []byte, retired ...[]byte) (*Keyring, error) {
	cur, err := newRootKey(root)
	if err != nil {
		return nil, err
	}
	k := &Keyring{current: cur, byID: map[uint32]*rootKey{cur.id: cur}}
	for i, r := range retired {
		rk, err := newRootKey(r)
		if err != nil {
			return nil, fmt.Errorf("retired key %d: %w", i, err)
		}
		if prev, dup := k.byID[rk.id]; dup {
			if subtle.ConstantTimeCompare(prev.secret, rk.secret) == 1 {
				continue // the same key twice
			}
			return nil, fmt.Errorf("keyring: retired key %d has the same key id as another key; generate a new root key", i)
		}
		k.byID[rk.id] = rk
	}
	return k, nil
}

func newRootKey(secret []byte) (*rootKey, error) {
	if len(secret) != RootKeySize {
		return nil, fmt.Errorf("keyring: root key is %d bytes, want %d", len(secret), RootKeySize)
	}
	if isZero(secret) {
		return nil, errors.New("keyring: root key is all zero bytes")
	}
	idBytes, err := hkdf.Key(sha256.New, secret, []byte(keyIDSalt), "", 4)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive key id: %w", err)
	}
	return &rootKey{
		id:     uint32(idBytes[0])<<24 | uint32(idBytes[1])<<16 | uint32(idBytes[2])<<8 | uint32(idBytes[3]),
		secret: append([]byte(nil), secret...),
	}, nil
}

func isZero(b []byte) bool {
	var acc byte
	for _, c := range b {
		acc |= c
	}
	return acc == 0
}

// aead returns the cached AES-256-GCM instance for purpose, deriving its key
// on first use.
func (r *rootKey) aead(purpose string) (cipher.AEAD, error) {
	if a, ok := r.aeads.Load(purpose); ok {
		return a.(cipher.AEAD), nil
	}
	key, err := hkdf.Key(sha256.New, r.secret, []byte(purposeKeySalt), purpose, 32)
	if err != nil {
		return nil, fmt.Errorf("keyring: derive key for purpose %q: %w", purpose, err)
	}
	a, err := newGCM(key)
	clear(key)
	if err != nil {
		return nil, err
	}
	actual, _ := r.aeads.LoadOrStore(purpose, a)
	return actual.(cipher.AEAD), nil
}

// String describes the keyring without revealing any key.
func (k *Keyring) String() string {
	if k == nil || k.current == nil {
		return "keyring.Keyring(empty)"
	}
	return fmt.Sprintf("keyring.Keyring(current key %08x, %d retired, key material redacted)", k.current.id, len(k.byID)-1)
}

// GoString is String, so that %#v does not print the key bytes either.
func (k *Keyring) GoString() string { return k.String() }

// LogValue is String, for log/slog.
func (k *Keyring) LogValue() slog.Value { return slog.StringValue(k.String()) }

// validPurpose reports whether purpose is a usable label: 1 to 255 bytes of
// printable ASCII. Purposes are fixed strings in code; the check catches an
// empty or garbled one before it derives a key nobody can reproduce.
func validPurpose(purpose string) error {
	if len(purpose) == 0 || len(purpose) > 255 {
		return fmt.Errorf("keyring: purpose must be 1 to 255 bytes, not %d", len(purpose))
	}
	for i := 0; i < len(purpose); i++ {
		if c := purpose[i]; c < 0x21 || c > 0x7e {
			return fmt.Errorf("keyring: purpose %q contains a character other than printable ASCII", purpose)
		}
	}
	return nil
}
