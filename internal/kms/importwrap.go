package kms

import (
	"crypto/aes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"time"
)

// ImportWrappingPurpose is the keyring purpose that seals the wrapping
// private keys of GetParametersForImport.
const ImportWrappingPurpose = "kms-import-wrapping-key"

// ImportTokenValidity is how long GetParametersForImport's wrapping key and
// import token can be used: 24 hours, as in AWS.
const ImportTokenValidity = 24 * time.Hour

// Errors of importing key material; the API maps them to AWS's errors.
var (
	// ErrInvalidImportToken: the token is not the one GetParametersForImport
	// returned for the key (or there is none).
	ErrInvalidImportToken = errors.New("kms: invalid import token")
	// ErrExpiredImportToken: the import parameters are more than 24 hours
	// old.
	ErrExpiredImportToken = errors.New("kms: import token expired")
	// ErrIncorrectKeyMaterial: the encrypted key material does not unwrap,
	// or is not valid key material for the key spec.
	ErrIncorrectKeyMaterial = errors.New("kms: incorrect key material")
)

// wrappingKeyBits are the sizes of the import wrapping keys.
var wrappingKeyBits = map[string]int{"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}

// NewImportParameters makes the parameters of GetParametersForImport for
// k: an RSA wrapping key pair of wrappingSpec (RSA_2048, RSA_3072 or
// RSA_4096) whose private key is sealed into the returned record, and a
// random import token of which only the hash is kept. It returns the
// record to store, the public key (DER SubjectPublicKeyInfo) and the
// token to hand out; both are valid for ImportTokenValidity.
func NewImportParameters(s *Store, k *Key, wrappingAlg, wrappingSpec string, now time.Time) (*ImportParameters, []byte, []byte, error) {
	bits, ok := wrappingKeyBits[wrappingSpec]
	if !ok {
		return nil, nil, nil, fmt.Errorf("%w: wrapping key spec %s", ErrUnsupportedKeySpec, wrappingSpec)
	}
	if _, _, ok := importWrapHash(wrappingAlg); !ok {
		return nil, nil, nil, fmt.Errorf("%w: wrapping algorithm %s", ErrUnsupportedAlgorithm, wrappingAlg)
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, nil, nil, err
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, nil, err
	}
	defer wipe(der)
	pub, err := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	if err != nil {
		return nil, nil, nil, err
	}
	sealed, err := s.kr.Seal(ImportWrappingPurpose, der, []byte(k.ARN()))
	if err != nil {
		return nil, nil, nil, err
	}
	token, err := randomBytes(48)
	if err != nil {
		return nil, nil, nil, err
	}
	sum := sha256.Sum256(token)
	p := &ImportParameters{
		KeyID:             k.ID,
		WrappingAlgorithm: wrappingAlg,
		WrappingKeySpec:   wrappingSpec,
		SealedPrivateKey:  sealed,
		TokenHash:         sum[:],
		ExpiresAt:         now.UTC().Add(ImportTokenValidity),
	}
	return p, pub, token, nil
}

// importWrapHash returns the OAEP hash of a wrapping algorithm and whether
// it wraps with AES key wrap (RSA_AES_KEY_WRAP_*).
func importWrapHash(alg string) (func() hash.Hash, bool, bool) {
	switch alg {
	case "RSAES_OAEP_SHA_1":
		return sha1.New, false, true
	case "RSAES_OAEP_SHA_256":
		return sha256.New, false, true
	case "RSA_AES_KEY_WRAP_SHA_1":
		return sha1.New, true, true
	case "RSA_AES_KEY_WRAP_SHA_256":
		return sha256.New, true, true
	}
	return nil, false, false
}

// UnwrapImportedMaterial checks the import token against p (the key's
// open import parameters) and unwraps the encrypted key material with the
// wrapping private key: RSAES-OAEP directly, or for RSA_AES_KEY_WRAP_*
// an RSAES-OAEP-wrapped AES key (the first modulus-size bytes) followed by
// the key material under AES key wrap with padding (RFC 5649). It then
// checks that the material is key material of k's key spec.
func (s *Store) UnwrapImportedMaterial(k *Key, p *ImportParameters, token, encrypted []byte, now time.Time) ([]byte, error) {
	if p == nil {
		return nil, ErrInvalidImportToken
	}
	sum := sha256.Sum256(token)
	if subtle.ConstantTimeCompare(sum[:], p.TokenHash) != 1 {
		return nil, ErrInvalidImportToken
	}
	if !now.Before(p.ExpiresAt) {
		return nil, ErrExpiredImportToken
	}
	der, err := s.kr.Open(ImportWrappingPurpose, p.SealedPrivateKey, []byte(k.ARN()))
	if err != nil {
		return nil, fmt.Errorf("kms: open wrapping key: %w", err)
	}
	defer wipe(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("kms: wrapping key is not RSA")
	}
	newHash, aesWrap, ok := importWrapHash(p.WrappingAlgorithm)
	if !ok {
		return nil, ErrUnsupportedAlgorithm
	}
	var raw []byte
	if !aesWrap {
		raw, err = rsa.DecryptOAEP(newHash(), nil, priv, encrypted, nil)
		if err != nil {
			return nil, ErrIncorrectKeyMaterial
		}
	} else {
		n := priv.Size()
		if len(encrypted) <= n {
			return nil, ErrIncorrectKeyMaterial
		}
		kek, err := rsa.DecryptOAEP(newHash(), nil, priv, encrypted[:n], nil)
		if err != nil {
			return nil, ErrIncorrectKeyMaterial
		}
		defer wipe(kek)
		raw, err = unwrapKWP(kek, encrypted[n:])
		if err != nil {
			return nil, ErrIncorrectKeyMaterial
		}
	}
	if err := checkImportedMaterial(k.KeySpec, raw); err != nil {
		wipe(raw)
		return nil, err
	}
	return raw, nil
}

// importedHMACSizes are the key lengths AWS accepts for imported HMAC key
// material, in bytes.
var importedHMACSizes = map[string][2]int{
	"HMAC_224": {28, 64},
	"HMAC_256": {32, 64},
	"HMAC_384": {48, 128},
	"HMAC_512": {64, 128},
}

// checkImportedMaterial checks that raw is key material for spec: 32
// bytes for SYMMETRIC_DEFAULT, an HMAC key of an accepted length, or a
// PKCS#8 private key of the spec's type and size.
func checkImportedMaterial(spec string, raw []byte) error {
	bad := func(why string) error { return fmt.Errorf("%w: %s", ErrIncorrectKeyMaterial, why) }
	switch spec {
	case "SYMMETRIC_DEFAULT":
		if len(raw) != 32 {
			return bad("symmetric key material must be 256 bits")
		}
		return nil
	case "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512":
		r := importedHMACSizes[spec]
		if len(raw) < r[0] || len(raw) > r[1] {
			return bad("HMAC key material has the wrong length")
		}
		return nil
	case "ECC_SECG_P256K1":
		if _, err := parseSecp256k1PKCS8(raw); err != nil {
			return bad("not a secp256k1 PKCS#8 private key")
		}
		return nil
	}
	priv, err := x509.ParsePKCS8PrivateKey(raw)
	if err != nil {
		return bad("not a PKCS#8 private key")
	}
	switch p := priv.(type) {
	case *rsa.PrivateKey:
		if bits, ok := rsaKeyBits[spec]; ok && p.N.BitLen() == bits {
			return nil
		}
	case *ecdsa.PrivateKey:
		if c, ok := nistCurves[spec]; ok && p.Curve == c {
			return nil
		}
	case ed25519.PrivateKey:
		if spec == "ECC_NIST_EDWARDS25519" {
			return nil
		}
	}
	return bad("private key does not match the key spec")
}

// ImportedMaterialID is the key material id of imported key material: it
// depends only on the key id and the material, so that re-importing the
// same material into the key (or into a replica of a multi-Region key)
// yields the same id, and different material a different one.
func ImportedMaterialID(keyID string, raw []byte) string {
	h := sha256.New()
	h.Write([]byte("gatehouse kms imported key material v1\x00"))
	h.Write([]byte(keyID))
	h.Write([]byte{0})
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

// SealImportedMaterial seals imported key material for k under its
// ImportedMaterialID, as a Material in state CURRENT with import state
// IMPORTED; the caller sets the state, expiry and description.
func SealImportedMaterial(s *Store, k *Key, raw []byte, now time.Time) (Material, error) {
	id := ImportedMaterialID(k.ID, raw)
	sealed, err := s.kr.Seal(MaterialPurpose, raw, materialAAD(k.ARN(), id))
	if err != nil {
		return Material{}, err
	}
	return Material{ID: id, Sealed: sealed, CreatedAt: now.UTC(), State: MaterialCurrent, ImportState: "IMPORTED"}, nil
}

// kwpIV is RFC 5649's alternative initial value prefix.
const kwpIV = 0xA65959A6

// wrapKWP wraps plaintext under kek with AES key wrap with padding (RFC
// 5649). Gatehouse only unwraps; wrapping serves tests and tools that
// prepare key material the way AWS's documentation describes.
func wrapKWP(kek, plaintext []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	if len(plaintext) == 0 || uint64(len(plaintext)) > 0xFFFFFFFF {
		return nil, errors.New("kms: key wrap input length")
	}
	padded := make([]byte, (len(plaintext)+7)/8*8)
	copy(padded, plaintext)
	var a [8]byte
	binary.BigEndian.PutUint32(a[:4], kwpIV)
	binary.BigEndian.PutUint32(a[4:], uint32(len(plaintext)))
	n := len(padded) / 8
	if n == 1 {
		out := make([]byte, 16)
		copy(out, a[:])
		copy(out[8:], padded)
		block.Encrypt(out, out)
		return out, nil
	}
	out := make([]byte, 8+len(padded))
	copy(out[8:], padded)
	var b [16]byte
	for j := 0; j < 6; j++ {
		for i := 1; i <= n; i++ {
			copy(b[:8], a[:])
			copy(b[8:], out[8*i:8*i+8])
			block.Encrypt(b[:], b[:])
			t := uint64(n*j + i)
			binary.BigEndian.PutUint64(a[:], binary.BigEndian.Uint64(b[:8])^t)
			copy(out[8*i:], b[8:])
		}
	}
	copy(out, a[:])
	return out, nil
}

// unwrapKWP reverses wrapKWP, checking the integrity value, the length
// and the zero padding.
func unwrapKWP(kek, wrapped []byte) ([]byte, error) {
	block, err := aes.NewCipher(kek)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < 16 || len(wrapped)%8 != 0 {
		return nil, errors.New("kms: key wrap length")
	}
	n := len(wrapped)/8 - 1
	var a [8]byte
	out := make([]byte, len(wrapped)-8)
	if n == 1 {
		var b [16]byte
		block.Decrypt(b[:], wrapped)
		copy(a[:], b[:8])
		copy(out, b[8:])
	} else {
		copy(a[:], wrapped[:8])
		copy(out, wrapped[8:])
		var b [16]byte
		for j := 5; j >= 0; j-- {
			for i := n; i >= 1; i-- {
				t := uint64(n*j + i)
				binary.BigEndian.PutUint64(b[:8], binary.BigEndian.Uint64(a[:])^t)
				copy(b[8:], out[8*(i-1):8*i])
				block.Decrypt(b[:], b[:])
				copy(a[:], b[:8])
				copy(out[8*(i-1):], b[8:])
			}
		}
	}
	if binary.BigEndian.Uint32(a[:4]) != kwpIV {
		return nil, errors.New("kms: key wrap integrity check failed")
	}
	mli := int(binary.BigEndian.Uint32(a[4:]))
	if mli <= 8*(n-1) || mli > 8*n {
		return nil, errors.New("kms: key wrap length indicator")
	}
	for _, c := range out[mli:] {
		if c != 0 {
			return nil, errors.New("kms: key wrap padding")
		}
	}
	return out[:mli], nil
}
