package kms

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"hash"
)

// macHashes are the hash functions of the MAC algorithms.
var macHashes = map[string]func() hash.Hash{
	"HMAC_SHA_224": sha256.New224,
	"HMAC_SHA_256": sha256.New,
	"HMAC_SHA_384": sha512.New384,
	"HMAC_SHA_512": sha512.New,
}

// GenerateMac computes the HMAC (RFC 2104) of msg under the HMAC key k's
// current key material with alg, which must be the key spec's algorithm
// (HMAC_SHA_256 for HMAC_256 and so on).
func (s *Store) GenerateMac(k *Key, alg string, msg []byte) ([]byte, error) {
	if !algorithmAllowed(keySpecTable[k.KeySpec].Mac, alg) {
		return nil, ErrUnsupportedAlgorithm
	}
	e, _, err := s.currentEntry(k)
	if err != nil {
		return nil, err
	}
	m := hmac.New(macHashes[alg], e.raw)
	m.Write(msg)
	return m.Sum(nil), nil
}

// VerifyMac reports whether mac is the HMAC of msg under k with alg,
// comparing in constant time.
func (s *Store) VerifyMac(k *Key, alg string, msg, mac []byte) (bool, error) {
	want, err := s.GenerateMac(k, alg, msg)
	if err != nil {
		return false, err
	}
	return hmac.Equal(want, mac), nil
}
