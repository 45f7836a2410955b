package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
)

// A sealed blob, version 1:
//
//	offset  size  field
//	0       1     version, blobVersion
//	1       4     root key id (big-endian), see newRootKey
//	5       4     purpose tag: the first 4 bytes of SHA-256 of the purpose
//	9       12    GCM nonce, random
//	21      n+16  AES-256-GCM ciphertext of the n-byte plaintext, then the tag
//
// The GCM additional data is the 21-byte header followed by the caller's
// additional data, so the header is authenticated as well: no field can be
// changed without Open failing. The purpose tag lets Open reject a blob of
// another purpose before trying, and tells an operator what a blob is for
// without any key.
//
// Nonces are random. AES-GCM with random 96-bit nonces stays within its
// safety margin (collision probability below 2^-32) for 2^32 seals under one
// key; keys are per root key and purpose, and secrets are sealed when they
// are created or changed, far below that. Rotating the root key starts over.
const (
	blobVersion  = 1
	keyIDLen     = 4
	purposeTagSz = 4
	nonceSize    = 12
	tagSize      = 16
	headerSize   = 1 + keyIDLen + purposeTagSz + nonceSize
	// Overhead is how many bytes a sealed blob adds to its plaintext.
	Overhead = headerSize + tagSize
)

// Seal encrypts plaintext under the key for purpose, binding aad (the
// identity of the record the blob is stored in, such as its kind and key),
// and returns a self-describing blob of len(plaintext)+Overhead bytes. The
// same aad must be given to Open.
func (k *Keyring) Seal(purpose string, plaintext, aad []byte) ([]byte, error) {
	if k == nil || k.current == nil {
		return nil, errors.New("keyring: Seal on an uninitialised Keyring")
	}
	if err := validPurpose(purpose); err != nil {
		return nil, err
	}
	a, err := k.current.aead(purpose)
	if err != nil {
		return nil, err
	}
	blob := make([]byte, headerSize, headerSize+len(plaintext)+tagSize)
	blob[0] = blobVersion
	binary.BigEndian.PutUint32(blob[1:], k.current.id)
	tag := purposeTag(purpose)
	copy(blob[1+keyIDLen:], tag[:])
	nonce := blob[1+keyIDLen+purposeTagSz : headerSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("keyring: generate nonce: %w", err)
	}
	return a.Seal(blob, nonce, plaintext, additionalData(blob[:headerSize], aad)), nil
}

// Open decrypts a blob made by Seal with the same purpose and aad. It
// returns ErrDecrypt (possibly wrapped with the reason) for a blob that was
// altered, truncated, sealed for another purpose or aad, or under a root key
// this keyring does not hold.
func (k *Keyring) Open(purpose string, blob, aad []byte) ([]byte, error) {
	if k == nil || k.current == nil {
		return nil, errors.New("keyring: Open on an uninitialised Keyring")
	}
	if err := validPurpose(purpose); err != nil {
		return nil, err
	}
	if len(blob) < Overhead {
		return nil, fmt.Errorf("%w: %d bytes is too short for a sealed blob", ErrDecrypt, len(blob))
	}
	if blob[0] != blobVersion {
		return nil, fmt.Errorf("%w: unknown blob version %d", ErrDecrypt, blob[0])
	}
	id := binary.BigEndian.Uint32(blob[1:])
	rk, ok := k.byID[id]
	if !ok {
		return nil, fmt.Errorf("%w: sealed under root key %08x, which this keyring does not hold", ErrDecrypt, id)
	}
	if tag := purposeTag(purpose); [purposeTagSz]byte(blob[1+keyIDLen:1+keyIDLen+purposeTagSz]) != tag {
		return nil, fmt.Errorf("%w: sealed for another purpose", ErrDecrypt)
	}
	a, err := rk.aead(purpose)
	if err != nil {
		return nil, err
	}
	nonce := blob[1+keyIDLen+purposeTagSz : headerSize]
	plaintext, err := a.Open(nil, nonce, blob[headerSize:], additionalData(blob[:headerSize], aad))
	if err != nil {
		return nil, ErrDecrypt
	}
	if plaintext == nil {
		plaintext = []byte{}
	}
	return plaintext, nil
}

// NeedsReseal reports whether blob was sealed under a root key other than
// the current one, so that rotation can find what to re-seal. It does not
// authenticate the blob; Open does.
func (k *Keyring) NeedsReseal(blob []byte) bool {
	if k == nil || k.current == nil || len(blob) < 1+keyIDLen {
		return false
	}
	return binary.BigEndian.Uint32(blob[1:]) != k.current.id
}

// purposeTag is the blob's purpose field.
func purposeTag(purpose string) [purposeTagSz]byte {
	h := sha256.Sum256([]byte(purposeTagSalt + purpose))
	return [purposeTagSz]byte(h[:purposeTagSz])
}

// additionalData is the GCM additional data: the fixed-size header, then the
// caller's aad. The header's fixed size keeps the concatenation unambiguous.
func additionalData(header, aad []byte) []byte {
	ad := make([]byte, 0, len(header)+len(aad))
	ad = append(ad, header...)
	return append(ad, aad...)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyring: AES: %w", err)
	}
	a, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("keyring: GCM: %w", err)
	}
	return a, nil
}
