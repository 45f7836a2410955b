package kms

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// MaterialPurpose is the keyring purpose that seals KMS key material.
const MaterialPurpose = "kms-key-material"

// Material states, as ListKeyRotations and DescribeKey name them.
const (
	MaterialCurrent         = "CURRENT"
	MaterialNonCurrent      = "NON_CURRENT"
	MaterialPendingRotation = "PENDING_ROTATION"
)

// ErrUnsupportedKeySpec is returned by NewMaterial for a key spec AWS has
// but gatehouse does not implement (SM2, which AWS offers in China Regions
// only, and ML-DSA, which Go's standard library does not provide yet). The
// API answers UnsupportedOperationException for it.
var ErrUnsupportedKeySpec = errors.New("kms: key spec not supported in gatehouse")

// NewMaterial generates a new version of key material for k.KeySpec and
// returns it sealed under the store's keyring, bound to the key's ARN and
// the new material id, in state CURRENT. The caller appends it to
// k.Materials (demoting the previous current one) and stores the key.
//
// The key material is: 32 random bytes for SYMMETRIC_DEFAULT (AES-256-GCM),
// a random key of the spec's size for HMAC_224..512, and a PKCS#8 DER
// private key for RSA, NIST and secp256k1 elliptic curve and Ed25519 keys
// (secp256k1, which Go's x509 cannot encode, in the same standard PKCS#8
// form with the secp256k1 curve OID).
func NewMaterial(s *Store, k *Key, now time.Time) (Material, error) {
	raw, err := generateKeyMaterial(k.KeySpec)
	if err != nil {
		return Material{}, err
	}
	defer wipe(raw)
	return sealMaterial(s, k, raw, now)
}

// sealMaterial seals raw key material for k under a new material id.
func sealMaterial(s *Store, k *Key, raw []byte, now time.Time) (Material, error) {
	id, err := newMaterialID()
	if err != nil {
		return Material{}, err
	}
	sealed, err := s.kr.Seal(MaterialPurpose, raw, materialAAD(k.ARN(), id))
	if err != nil {
		return Material{}, fmt.Errorf("kms: seal key material: %w", err)
	}
	return Material{ID: id, Sealed: sealed, CreatedAt: now.UTC(), State: MaterialCurrent}, nil
}

// newMaterialID returns 64 random lower-case hex characters.
func newMaterialID() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return hex.EncodeToString(b[:]), nil
}

// materialAAD binds sealed key material to its key and version: the key
// ARN, a NUL that cannot occur in an ARN, and the material id.
func materialAAD(keyARN, materialID string) []byte {
	b := make([]byte, 0, len(keyARN)+1+len(materialID))
	b = append(b, keyARN...)
	b = append(b, 0)
	return append(b, materialID...)
}

// hmacKeySizes are the sizes in bytes of the HMAC keys AWS generates: as
// many bits as the key spec names.
var hmacKeySizes = map[string]int{
	"HMAC_224": 28,
	"HMAC_256": 32,
	"HMAC_384": 48,
	"HMAC_512": 64,
}

// rsaKeyBits are the modulus sizes of the RSA key specs.
var rsaKeyBits = map[string]int{
	"RSA_2048": 2048,
	"RSA_3072": 3072,
	"RSA_4096": 4096,
}

// nistCurves are the NIST curves of the ECC_NIST key specs.
var nistCurves = map[string]elliptic.Curve{
	"ECC_NIST_P256": elliptic.P256(),
	"ECC_NIST_P384": elliptic.P384(),
	"ECC_NIST_P521": elliptic.P521(),
}

// generateKeyMaterial returns fresh key material for spec in its storage
// encoding (see NewMaterial). It also serves GenerateDataKeyPair, whose
// private keys are the same PKCS#8 documents.
func generateKeyMaterial(spec string) ([]byte, error) {
	switch spec {
	case "SYMMETRIC_DEFAULT":
		return randomBytes(32)
	case "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512":
		return randomBytes(hmacKeySizes[spec])
	case "RSA_2048", "RSA_3072", "RSA_4096":
		priv, err := rsa.GenerateKey(rand.Reader, rsaKeyBits[spec])
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(priv)
	case "ECC_NIST_P256", "ECC_NIST_P384", "ECC_NIST_P521":
		priv, err := ecdsa.GenerateKey(nistCurves[spec], rand.Reader)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(priv)
	case "ECC_SECG_P256K1":
		priv, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			return nil, err
		}
		defer priv.Zero()
		return marshalSecp256k1PKCS8(priv), nil
	case "ECC_NIST_EDWARDS25519":
		_, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(priv)
	case "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87":
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedKeySpec, spec)
	}
	return nil, fmt.Errorf("kms: unknown key spec %q", spec)
}

func randomBytes(n int) ([]byte, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	return b, nil
}

// wipe overwrites a secret that is no longer needed. Go's garbage collector
// may have copied it; this is hygiene, not a guarantee.
func wipe(b []byte) {
	for i := range b {
		b[i] = 0
	}
}

// MaterialBytes returns the unsealed key material of one version of k. It
// is kept in memory after the first use (key material never changes under
// its id), so repeated calls cost a map lookup. The returned slice is
// shared: callers must not modify it, and must never log it or return it
// in a response.
func (s *Store) MaterialBytes(k *Key, materialID string) ([]byte, error) {
	e, err := s.material(k, materialID)
	if err != nil {
		return nil, err
	}
	return e.raw, nil
}

// FindMaterial returns the version of k's key material with the given id.
func (k *Key) FindMaterial(materialID string) (*Material, bool) {
	for i := range k.Materials {
		if k.Materials[i].ID == materialID {
			return &k.Materials[i], true
		}
	}
	return nil, false
}

// CurrentMaterial returns the version of k's key material that encrypts
// and signs: the last one in state CURRENT.
func (k *Key) CurrentMaterial() (*Material, bool) {
	for i := len(k.Materials) - 1; i >= 0; i-- {
		if k.Materials[i].State == MaterialCurrent {
			return &k.Materials[i], true
		}
	}
	return nil, false
}

// KeySpecSupported reports whether gatehouse can create keys of spec: every
// spec of KeySpecInfo except SM2 and the ML-DSA specs.
func KeySpecSupported(spec string) bool {
	switch spec {
	case "SM2", "ML_DSA_44", "ML_DSA_65", "ML_DSA_87":
		return false
	}
	_, ok := keySpecTable[spec]
	return ok
}

// KeySpecAlgorithms are the algorithms a key spec supports, per key usage.
type KeySpecAlgorithms struct {
	// Usages are the KeyUsage values the spec may be created with, the
	// first being the default when CreateKey omits KeyUsage (only
	// SYMMETRIC_DEFAULT has a default in AWS; for the others KeyUsage is
	// required, which CreateKey checks).
	Usages []string
	// The algorithms for each usage: EncryptionAlgorithms when used for
	// ENCRYPT_DECRYPT, SigningAlgorithms for SIGN_VERIFY, MacAlgorithms for
	// GENERATE_VERIFY_MAC, KeyAgreementAlgorithms for KEY_AGREEMENT.
	Encryption, Signing, Mac, KeyAgreement []string
}

var (
	rsaEncryption = []string{"RSAES_OAEP_SHA_1", "RSAES_OAEP_SHA_256"}
	rsaSigning    = []string{
		"RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_384", "RSASSA_PSS_SHA_512",
		"RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PKCS1_V1_5_SHA_384", "RSASSA_PKCS1_V1_5_SHA_512",
	}
	ecdh = []string{"ECDH"}
)

// keySpecTable is AWS's key spec reference: the usages of each key spec and
// the algorithms of each usage.
var keySpecTable = map[string]KeySpecAlgorithms{
	"SYMMETRIC_DEFAULT": {Usages: []string{"ENCRYPT_DECRYPT"}, Encryption: []string{"SYMMETRIC_DEFAULT"}},
	"RSA_2048":          {Usages: []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}, Encryption: rsaEncryption, Signing: rsaSigning},
	"RSA_3072":          {Usages: []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}, Encryption: rsaEncryption, Signing: rsaSigning},
	"RSA_4096":          {Usages: []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY"}, Encryption: rsaEncryption, Signing: rsaSigning},
	"ECC_NIST_P256":     {Usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}, Signing: []string{"ECDSA_SHA_256"}, KeyAgreement: ecdh},
	"ECC_NIST_P384":     {Usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}, Signing: []string{"ECDSA_SHA_384"}, KeyAgreement: ecdh},
	"ECC_NIST_P521":     {Usages: []string{"SIGN_VERIFY", "KEY_AGREEMENT"}, Signing: []string{"ECDSA_SHA_512"}, KeyAgreement: ecdh},
	"ECC_SECG_P256K1":   {Usages: []string{"SIGN_VERIFY"}, Signing: []string{"ECDSA_SHA_256"}},
	"ECC_NIST_EDWARDS25519": {Usages: []string{"SIGN_VERIFY"},
		Signing: []string{"ED25519_SHA_512", "ED25519_PH_SHA_512"}},
	"HMAC_224": {Usages: []string{"GENERATE_VERIFY_MAC"}, Mac: []string{"HMAC_SHA_224"}},
	"HMAC_256": {Usages: []string{"GENERATE_VERIFY_MAC"}, Mac: []string{"HMAC_SHA_256"}},
	"HMAC_384": {Usages: []string{"GENERATE_VERIFY_MAC"}, Mac: []string{"HMAC_SHA_384"}},
	"HMAC_512": {Usages: []string{"GENERATE_VERIFY_MAC"}, Mac: []string{"HMAC_SHA_512"}},
	"SM2": {Usages: []string{"ENCRYPT_DECRYPT", "SIGN_VERIFY", "KEY_AGREEMENT"},
		Encryption: []string{"SM2PKE"}, Signing: []string{"SM2DSA"}, KeyAgreement: ecdh},
	"ML_DSA_44": {Usages: []string{"SIGN_VERIFY"}, Signing: []string{"ML_DSA_SHAKE_256"}},
	"ML_DSA_65": {Usages: []string{"SIGN_VERIFY"}, Signing: []string{"ML_DSA_SHAKE_256"}},
	"ML_DSA_87": {Usages: []string{"SIGN_VERIFY"}, Signing: []string{"ML_DSA_SHAKE_256"}},
}

// KeySpecInfo returns the key usages spec may be created with and the
// algorithms of each usage (see KeySpecAlgorithms); ok is false for a key
// spec AWS does not have. The slices are shared: do not modify them.
func KeySpecInfo(spec string) (usages []string, encryption, signing, mac, agreement []string, ok bool) {
	a, ok := keySpecTable[spec]
	return a.Usages, a.Encryption, a.Signing, a.Mac, a.KeyAgreement, ok
}

// KeyAlgorithms returns the algorithms DescribeKey and GetPublicKey list
// for a key of spec used for usage: only the list of that usage is set.
func KeyAlgorithms(spec, usage string) KeySpecAlgorithms {
	a := keySpecTable[spec]
	out := KeySpecAlgorithms{Usages: []string{usage}}
	switch usage {
	case "ENCRYPT_DECRYPT":
		out.Encryption = a.Encryption
	case "SIGN_VERIFY":
		out.Signing = a.Signing
	case "GENERATE_VERIFY_MAC":
		out.Mac = a.Mac
	case "KEY_AGREEMENT":
		out.KeyAgreement = a.KeyAgreement
	}
	return out
}

// KeySpecAllowsUsage reports whether a key of spec may have usage.
func KeySpecAllowsUsage(spec, usage string) bool {
	for _, u := range keySpecTable[spec].Usages {
		if u == usage {
			return true
		}
	}
	return false
}
