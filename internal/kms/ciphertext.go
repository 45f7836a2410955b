package kms

import (
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"slices"
)

// A symmetric ciphertext blob, version 1, names the key and key material
// that made it, so Decrypt needs no KeyId:
//
//	offset  size  field
//	0       1     version, ciphertextVersion
//	1       12    account id of the key (ASCII digits)
//	13      1     length r of the Region
//	14      r     Region
//	14+r    1     length i of the key id
//	15+r    i     key id
//	15+r+i  32    key material id (the 64 hex characters, decoded)
//	47+r+i  12    AES-GCM nonce, random
//	59+r+i  n+16  AES-256-GCM ciphertext of the n-byte plaintext and tag
//
// The GCM additional data is the header (every byte before the nonce)
// followed by the canonical encryption context (see appendContext), so
// any change to the header, the nonce, the ciphertext or the encryption
// context makes decryption fail.
const (
	ciphertextVersion = 1
	accountIDLen      = 12
	materialIDLen     = 32
	gcmNonceLen       = 12
	gcmTagLen         = 16
	// minCiphertext is the shortest well-formed blob: one-byte Region and
	// key id, empty plaintext.
	minCiphertext = 1 + accountIDLen + 1 + 1 + 1 + 1 + materialIDLen + gcmNonceLen + gcmTagLen
)

// ErrInvalidCiphertext is returned for a ciphertext blob that is not one
// of gatehouse's, was changed, or was made with another encryption
// context: the API's InvalidCiphertextException.
var ErrInvalidCiphertext = errors.New("kms: invalid ciphertext")

// CiphertextHeader is the key and key material a symmetric ciphertext
// blob names.
type CiphertextHeader struct {
	Account, Region, KeyID string
	// MaterialID is the key material version, 64 hex characters.
	MaterialID string
	// headerLen is the number of header bytes (before the nonce).
	headerLen int
}

// Key returns the key the blob names.
func (h CiphertextHeader) Key() KeyRef {
	return KeyRef{Account: h.Account, Region: h.Region, ID: h.KeyID}
}

// ParseCiphertext reads the header of a symmetric ciphertext blob without
// decrypting it: Decrypt uses it to find the key, and the authorizer to
// know which key's policy applies. It checks only the structure;
// DecryptSymmetric authenticates the whole blob.
func ParseCiphertext(blob []byte) (CiphertextHeader, error) {
	if len(blob) < minCiphertext || blob[0] != ciphertextVersion {
		return CiphertextHeader{}, ErrInvalidCiphertext
	}
	p := 1
	account := blob[p : p+accountIDLen]
	for _, c := range account {
		if c < '0' || c > '9' {
			return CiphertextHeader{}, ErrInvalidCiphertext
		}
	}
	p += accountIDLen
	region, p, ok := lengthPrefixed(blob, p)
	if !ok || !printableID(region) {
		return CiphertextHeader{}, ErrInvalidCiphertext
	}
	keyID, p, ok := lengthPrefixed(blob, p)
	if !ok || !printableID(keyID) {
		return CiphertextHeader{}, ErrInvalidCiphertext
	}
	if len(blob)-p < materialIDLen+gcmNonceLen+gcmTagLen {
		return CiphertextHeader{}, ErrInvalidCiphertext
	}
	h := CiphertextHeader{
		Account:    string(account),
		Region:     string(region),
		KeyID:      string(keyID),
		MaterialID: hex.EncodeToString(blob[p : p+materialIDLen]),
		headerLen:  p + materialIDLen,
	}
	return h, nil
}

// lengthPrefixed reads a one-byte length and that many bytes at p; the
// field must not be empty.
func lengthPrefixed(b []byte, p int) ([]byte, int, bool) {
	if p >= len(b) {
		return nil, p, false
	}
	n := int(b[p])
	p++
	if n == 0 || len(b)-p < n {
		return nil, p, false
	}
	return b[p : p+n], p + n, true
}

// printableID accepts the characters of Regions and key ids.
func printableID(b []byte) bool {
	for _, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// appendContext appends the canonical form of an encryption context to
// b: the number of pairs, then each pair in key order as length-prefixed
// key and value (unsigned varints), so that two contexts have the same
// form exactly when they have the same pairs.
func appendContext(b []byte, ctx map[string]string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ctx)))
	if len(ctx) == 0 {
		return b
	}
	var stack [16]string
	keys := stack[:0]
	for k := range ctx {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		v := ctx[k]
		b = binary.AppendUvarint(b, uint64(len(k)))
		b = append(b, k...)
		b = binary.AppendUvarint(b, uint64(len(v)))
		b = append(b, v...)
	}
	return b
}

// appendHeader appends the blob header for k's material m.
func appendHeader(b []byte, k *Key, materialID string) ([]byte, error) {
	if len(k.AccountID) != accountIDLen || len(k.Region) == 0 || len(k.Region) > 255 ||
		len(k.ID) == 0 || len(k.ID) > 255 || len(materialID) != 2*materialIDLen {
		return nil, errors.New("kms: key cannot be named in a ciphertext")
	}
	b = append(b, ciphertextVersion)
	b = append(b, k.AccountID...)
	b = append(b, byte(len(k.Region)))
	b = append(b, k.Region...)
	b = append(b, byte(len(k.ID)))
	b = append(b, k.ID...)
	var mid [materialIDLen]byte
	if _, err := hex.Decode(mid[:], []byte(materialID)); err != nil {
		return nil, errors.New("kms: malformed key material id")
	}
	return append(b, mid[:]...), nil
}

// EncryptSymmetric encrypts plaintext under the current key material of
// the symmetric key k, binding the encryption context, and returns the
// self-describing ciphertext blob.
func (s *Store) EncryptSymmetric(k *Key, plaintext []byte, ctx map[string]string) ([]byte, error) {
	e, m, err := s.currentEntry(k)
	if err != nil {
		return nil, err
	}
	if e.aead == nil {
		return nil, ErrUnsupportedAlgorithm
	}
	hlen := 1 + accountIDLen + 1 + len(k.Region) + 1 + len(k.ID) + materialIDLen
	out := make([]byte, 0, hlen+gcmNonceLen+len(plaintext)+gcmTagLen)
	out, err = appendHeader(out, k, m.ID)
	if err != nil {
		return nil, err
	}
	nonce := out[len(out) : len(out)+gcmNonceLen]
	if _, err := rand.Read(nonce); err != nil {
		return nil, err
	}
	out = out[:len(out)+gcmNonceLen]
	var adBuf [256]byte
	ad := appendContext(append(adBuf[:0], out[:len(out)-gcmNonceLen]...), ctx)
	return e.aead.Seal(out, nonce, plaintext, ad), nil
}

// DecryptSymmetric decrypts a blob made by EncryptSymmetric with the key k
// the blob's header h names (the caller resolved it, possibly to the
// replica of a multi-Region key in another Region) and the same
// encryption context. It returns ErrInvalidCiphertext for a changed blob
// or another context, and ErrMaterialNotFound when the key material
// version is gone.
func (s *Store) DecryptSymmetric(k *Key, h CiphertextHeader, blob []byte, ctx map[string]string) ([]byte, error) {
	if h.headerLen == 0 || h.headerLen+gcmNonceLen+gcmTagLen > len(blob) {
		return nil, ErrInvalidCiphertext
	}
	e, err := s.material(k, h.MaterialID)
	if err != nil {
		return nil, err
	}
	if e.aead == nil {
		return nil, ErrInvalidCiphertext
	}
	var adBuf [256]byte
	ad := appendContext(append(adBuf[:0], blob[:h.headerLen]...), ctx)
	nonce := blob[h.headerLen : h.headerLen+gcmNonceLen]
	out, err := e.aead.Open(nil, nonce, blob[h.headerLen+gcmNonceLen:], ad)
	if err != nil {
		return nil, ErrInvalidCiphertext
	}
	return out, nil
}
