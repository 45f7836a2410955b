package kms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// Errors of the asymmetric operations; the API maps them to AWS's errors.
var (
	// ErrUnsupportedAlgorithm: the algorithm does not apply to the key.
	ErrUnsupportedAlgorithm = errors.New("kms: algorithm not supported by this key")
	// ErrDigestLength: a DIGEST message whose length is not the
	// algorithm's digest length.
	ErrDigestLength = errors.New("kms: digest length does not match the signing algorithm")
	// ErrMessageType: a message type the algorithm does not accept.
	ErrMessageType = errors.New("kms: message type not supported by the signing algorithm")
	// ErrPlaintextTooLong: the plaintext is longer than RSA OAEP can
	// encrypt under the key and algorithm.
	ErrPlaintextTooLong = errors.New("kms: plaintext too long for the key and algorithm")
	// ErrDecrypt: an RSA ciphertext that does not decrypt.
	ErrDecrypt = errors.New("kms: ciphertext does not decrypt")
	// ErrInvalidPublicKey: a peer public key that is not a DER
	// SubjectPublicKeyInfo on the key's curve.
	ErrInvalidPublicKey = errors.New("kms: invalid public key")
)

var (
	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}
)

// pkcs8 is PKCS#8's PrivateKeyInfo (RFC 5208).
type pkcs8 struct {
	Version    int
	Algo       pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// ecPrivateKey is SEC 1's ECPrivateKey (RFC 5915).
type ecPrivateKey struct {
	Version       int
	PrivateKey    []byte
	NamedCurveOID asn1.ObjectIdentifier `asn1:"optional,explicit,tag:0"`
	PublicKey     asn1.BitString        `asn1:"optional,explicit,tag:1"`
}

// spki is X.509's SubjectPublicKeyInfo.
type spki struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

func secp256k1AlgorithmIdentifier() pkix.AlgorithmIdentifier {
	params, _ := asn1.Marshal(oidSecp256k1)
	return pkix.AlgorithmIdentifier{Algorithm: oidECPublicKey, Parameters: asn1.RawValue{FullBytes: params}}
}

// marshalSecp256k1PKCS8 encodes a secp256k1 private key as PKCS#8 DER the
// way OpenSSL does for any named curve: an id-ecPublicKey algorithm with
// the secp256k1 OID, wrapping an RFC 5915 ECPrivateKey with the public
// key.
func marshalSecp256k1PKCS8(priv *secp256k1.PrivateKey) []byte {
	d := priv.Serialize()
	defer wipe(d)
	pub := priv.PubKey().SerializeUncompressed()
	inner, err := asn1.Marshal(ecPrivateKey{
		Version:    1,
		PrivateKey: d,
		PublicKey:  asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)},
	})
	if err != nil {
		panic("kms: encode secp256k1 key: " + err.Error()) // fixed shapes cannot fail
	}
	defer wipe(inner)
	der, err := asn1.Marshal(pkcs8{Algo: secp256k1AlgorithmIdentifier(), PrivateKey: inner})
	if err != nil {
		panic("kms: encode secp256k1 key: " + err.Error())
	}
	return der
}

// parseSecp256k1PKCS8 decodes what marshalSecp256k1PKCS8 (or OpenSSL)
// produces.
func parseSecp256k1PKCS8(der []byte) (*secp256k1.PrivateKey, error) {
	var p pkcs8
	rest, err := asn1.Unmarshal(der, &p)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("kms: malformed secp256k1 PKCS#8 key")
	}
	var curve asn1.ObjectIdentifier
	if !p.Algo.Algorithm.Equal(oidECPublicKey) {
		return nil, errors.New("kms: PKCS#8 key is not an EC key")
	}
	if _, err := asn1.Unmarshal(p.Algo.Parameters.FullBytes, &curve); err != nil || !curve.Equal(oidSecp256k1) {
		return nil, errors.New("kms: PKCS#8 key is not on secp256k1")
	}
	var ec ecPrivateKey
	rest, err = asn1.Unmarshal(p.PrivateKey, &ec)
	if err != nil || len(rest) != 0 || ec.Version != 1 || len(ec.PrivateKey) == 0 || len(ec.PrivateKey) > 32 {
		return nil, errors.New("kms: malformed secp256k1 private key")
	}
	var k secp256k1.ModNScalar
	var buf [32]byte
	copy(buf[32-len(ec.PrivateKey):], ec.PrivateKey)
	overflow := k.SetBytes(&buf)
	wipe(buf[:])
	if overflow != 0 || k.IsZero() {
		return nil, errors.New("kms: secp256k1 private key out of range")
	}
	return secp256k1.NewPrivateKey(&k), nil
}

// marshalSecp256k1SPKI encodes a secp256k1 public key as a DER
// SubjectPublicKeyInfo with the uncompressed point, as AWS's GetPublicKey
// returns it.
func marshalSecp256k1SPKI(pub *secp256k1.PublicKey) []byte {
	pt := pub.SerializeUncompressed()
	der, err := asn1.Marshal(spki{
		Algorithm: secp256k1AlgorithmIdentifier(),
		PublicKey: asn1.BitString{Bytes: pt, BitLength: 8 * len(pt)},
	})
	if err != nil {
		panic("kms: encode secp256k1 public key: " + err.Error())
	}
	return der
}

// ParseSecp256k1PublicKey decodes a DER SubjectPublicKeyInfo holding a
// secp256k1 public key (Go's x509 does not know the curve).
func ParseSecp256k1PublicKey(der []byte) (*secp256k1.PublicKey, error) {
	var s spki
	rest, err := asn1.Unmarshal(der, &s)
	if err != nil || len(rest) != 0 || !s.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return nil, ErrInvalidPublicKey
	}
	var curve asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(s.Algorithm.Parameters.FullBytes, &curve); err != nil || !curve.Equal(oidSecp256k1) {
		return nil, ErrInvalidPublicKey
	}
	pub, err := secp256k1.ParsePubKey(s.PublicKey.RightAlign())
	if err != nil {
		return nil, ErrInvalidPublicKey
	}
	return pub, nil
}

// publicKeyDER returns the DER SubjectPublicKeyInfo of a private key.
func publicKeyDER(priv any) ([]byte, error) {
	switch p := priv.(type) {
	case *secp256k1.PrivateKey:
		return marshalSecp256k1SPKI(p.PubKey()), nil
	case crypto.Signer:
		return x509.MarshalPKIXPublicKey(p.Public())
	}
	return nil, fmt.Errorf("kms: no public key for %T", priv)
}

// PublicKey returns the DER SubjectPublicKeyInfo of an asymmetric key's
// current key material.
func (s *Store) PublicKey(k *Key) ([]byte, error) {
	e, _, err := s.currentEntry(k)
	if err != nil {
		return nil, err
	}
	if e.priv == nil {
		return nil, ErrUnsupportedAlgorithm
	}
	return publicKeyDER(e.priv)
}

// signingHash is the hash function of each signing algorithm (0 for
// ED25519_SHA_512, which signs the message itself).
var signingHash = map[string]crypto.Hash{
	"RSASSA_PSS_SHA_256":        crypto.SHA256,
	"RSASSA_PSS_SHA_384":        crypto.SHA384,
	"RSASSA_PSS_SHA_512":        crypto.SHA512,
	"RSASSA_PKCS1_V1_5_SHA_256": crypto.SHA256,
	"RSASSA_PKCS1_V1_5_SHA_384": crypto.SHA384,
	"RSASSA_PKCS1_V1_5_SHA_512": crypto.SHA512,
	"ECDSA_SHA_256":             crypto.SHA256,
	"ECDSA_SHA_384":             crypto.SHA384,
	"ECDSA_SHA_512":             crypto.SHA512,
	"ED25519_SHA_512":           0,
	"ED25519_PH_SHA_512":        crypto.SHA512,
}

func hashOf(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	case crypto.SHA512:
		d := sha512.Sum512(msg)
		return d[:]
	}
	panic("kms: unexpected hash")
}

// algorithmAllowed reports whether alg is in list.
func algorithmAllowed(list []string, alg string) bool {
	for _, a := range list {
		if a == alg {
			return true
		}
	}
	return false
}

// signingInput returns what the algorithm signs: the digest of msg (RAW)
// or msg itself (DIGEST, checked for length); for ED25519_SHA_512 the
// message.
func signingInput(k *Key, alg string, msg []byte, digest bool) ([]byte, crypto.Hash, error) {
	if !algorithmAllowed(keySpecTable[k.KeySpec].Signing, alg) {
		return nil, 0, ErrUnsupportedAlgorithm
	}
	h := signingHash[alg]
	if h == 0 {
		if digest {
			return nil, 0, ErrMessageType
		}
		return msg, 0, nil
	}
	if digest {
		if len(msg) != h.Size() {
			return nil, 0, ErrDigestLength
		}
		return msg, h, nil
	}
	return hashOf(h, msg), h, nil
}

// Sign signs msg (a message, or with digest its digest) with k's private
// key and the signing algorithm alg, which must be one of the key spec's.
// ECDSA signatures are DER, as AWS returns them; RSASSA-PSS uses a salt as
// long as the digest.
func (s *Store) Sign(k *Key, alg string, msg []byte, digest bool) ([]byte, error) {
	in, h, err := signingInput(k, alg, msg, digest)
	if err != nil {
		return nil, err
	}
	e, _, err := s.currentEntry(k)
	if err != nil {
		return nil, err
	}
	switch p := e.priv.(type) {
	case *rsa.PrivateKey:
		if isPSS(alg) {
			return rsa.SignPSS(rand.Reader, p, h, in, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		}
		return rsa.SignPKCS1v15(rand.Reader, p, h, in)
	case *ecdsa.PrivateKey:
		return ecdsa.SignASN1(rand.Reader, p, in)
	case *secp256k1.PrivateKey:
		return secpecdsa.Sign(p, in).Serialize(), nil
	case ed25519.PrivateKey:
		return p.Sign(rand.Reader, in, &ed25519.Options{Hash: h})
	}
	return nil, ErrUnsupportedAlgorithm
}

// Verify reports whether sig is a valid signature of msg (or, with
// digest, of the digest msg) under k's public key and alg. A malformed
// signature is an invalid one.
func (s *Store) Verify(k *Key, alg string, msg []byte, digest bool, sig []byte) (bool, error) {
	in, h, err := signingInput(k, alg, msg, digest)
	if err != nil {
		return false, err
	}
	e, _, err := s.currentEntry(k)
	if err != nil {
		return false, err
	}
	switch p := e.priv.(type) {
	case *rsa.PrivateKey:
		if isPSS(alg) {
			return rsa.VerifyPSS(&p.PublicKey, h, in, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash}) == nil, nil
		}
		return rsa.VerifyPKCS1v15(&p.PublicKey, h, in, sig) == nil, nil
	case *ecdsa.PrivateKey:
		return ecdsa.VerifyASN1(&p.PublicKey, in, sig), nil
	case *secp256k1.PrivateKey:
		parsed, err := secpecdsa.ParseDERSignature(sig)
		if err != nil {
			return false, nil
		}
		return parsed.Verify(in, p.PubKey()), nil
	case ed25519.PrivateKey:
		pub := p.Public().(ed25519.PublicKey)
		return ed25519.VerifyWithOptions(pub, in, sig, &ed25519.Options{Hash: h}) == nil, nil
	}
	return false, ErrUnsupportedAlgorithm
}

func isPSS(alg string) bool { return len(alg) > 10 && alg[:10] == "RSASSA_PSS" }

// oaepHash returns the OAEP hash of an RSA encryption algorithm.
func oaepHash(alg string) (hash.Hash, bool) {
	switch alg {
	case "RSAES_OAEP_SHA_1":
		return sha1.New(), true
	case "RSAES_OAEP_SHA_256":
		return sha256.New(), true
	}
	return nil, false
}

// RSAMaxPlaintext returns the longest plaintext RSAES-OAEP can encrypt
// with a modulus of modulusBytes and alg's hash (k - 2·hLen - 2): 214,
// 342, 470 bytes with SHA-1 and 190, 318, 446 with SHA-256 for RSA 2048,
// 3072, 4096, the limits AWS documents.
func RSAMaxPlaintext(modulusBytes int, alg string) int {
	h, ok := oaepHash(alg)
	if !ok {
		return 0
	}
	return modulusBytes - 2*h.Size() - 2
}

// RSAEncrypt encrypts plaintext under k's RSA public key with RSAES-OAEP
// (alg RSAES_OAEP_SHA_1 or RSAES_OAEP_SHA_256, no label), returning the
// raw OAEP output as AWS does.
func (s *Store) RSAEncrypt(k *Key, alg string, plaintext []byte) ([]byte, error) {
	p, err := s.rsaKey(k, alg)
	if err != nil {
		return nil, err
	}
	if len(plaintext) > RSAMaxPlaintext(p.Size(), alg) {
		return nil, ErrPlaintextTooLong
	}
	h, _ := oaepHash(alg)
	return rsa.EncryptOAEP(h, rand.Reader, &p.PublicKey, plaintext, nil)
}

// RSADecrypt decrypts an RSAES-OAEP ciphertext under k's private key.
func (s *Store) RSADecrypt(k *Key, alg string, ciphertext []byte) ([]byte, error) {
	p, err := s.rsaKey(k, alg)
	if err != nil {
		return nil, err
	}
	h, _ := oaepHash(alg)
	out, err := rsa.DecryptOAEP(h, nil, p, ciphertext, nil)
	if err != nil {
		return nil, ErrDecrypt
	}
	return out, nil
}

func (s *Store) rsaKey(k *Key, alg string) (*rsa.PrivateKey, error) {
	if !algorithmAllowed(keySpecTable[k.KeySpec].Encryption, alg) {
		return nil, ErrUnsupportedAlgorithm
	}
	if _, ok := oaepHash(alg); !ok {
		return nil, ErrUnsupportedAlgorithm
	}
	priv, err := s.privateKey(k, mustCurrentID(k))
	if err != nil {
		return nil, err
	}
	p, ok := priv.(*rsa.PrivateKey)
	if !ok {
		return nil, ErrUnsupportedAlgorithm
	}
	return p, nil
}

func mustCurrentID(k *Key) string {
	if m, ok := k.CurrentMaterial(); ok {
		return m.ID
	}
	return ""
}

// DeriveSharedSecret runs ECDH between k's private key (a NIST curve key)
// and the peer's public key, a DER SubjectPublicKeyInfo on the same curve,
// and returns the raw shared secret (the x coordinate), as AWS does.
func (s *Store) DeriveSharedSecret(k *Key, peerDER []byte) ([]byte, error) {
	priv, err := s.privateKey(k, mustCurrentID(k))
	if err != nil {
		return nil, err
	}
	p, ok := priv.(*ecdsa.PrivateKey)
	if !ok {
		return nil, ErrUnsupportedAlgorithm
	}
	parsed, err := x509.ParsePKIXPublicKey(peerDER)
	if err != nil {
		return nil, ErrInvalidPublicKey
	}
	peer, ok := parsed.(*ecdsa.PublicKey)
	if !ok || peer.Curve != p.Curve {
		return nil, ErrInvalidPublicKey
	}
	mine, err := p.ECDH()
	if err != nil {
		return nil, err
	}
	theirs, err := peer.ECDH()
	if err != nil {
		return nil, ErrInvalidPublicKey
	}
	secret, err := mine.ECDH(theirs)
	if err != nil {
		return nil, ErrInvalidPublicKey
	}
	return secret, nil
}

// GenerateKeyPair makes a data key pair of spec (RSA_2048..4096,
// ECC_NIST_P256..P521, ECC_SECG_P256K1, ECC_NIST_EDWARDS25519): the
// private key as PKCS#8 DER and the public key as a DER
// SubjectPublicKeyInfo.
func GenerateKeyPair(spec string) (privateDER, publicDER []byte, err error) {
	switch spec {
	case "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512", "SYMMETRIC_DEFAULT":
		return nil, nil, fmt.Errorf("kms: %s is not a key pair spec", spec)
	}
	privateDER, err = generateKeyMaterial(spec)
	if err != nil {
		return nil, nil, err
	}
	var priv any
	if spec == "ECC_SECG_P256K1" {
		priv, err = parseSecp256k1PKCS8(privateDER)
	} else {
		priv, err = x509.ParsePKCS8PrivateKey(privateDER)
	}
	if err != nil {
		return nil, nil, err
	}
	publicDER, err = publicKeyDER(priv)
	return privateDER, publicDER, err
}
