package kms

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"sync"
)

// ErrMaterialNotFound is returned when a key has no key material version
// with the requested id (a ciphertext made under material that was
// deleted, such as deleted imported material).
var ErrMaterialNotFound = errors.New("kms: key material not found")

// materialCacheKey names one version of one key's material. Keys are
// regional, so the Region is part of it; a replica of a multi-Region key
// has its own entry.
type materialCacheKey struct {
	account, region, keyID, materialID string
}

// materialEntry is unsealed key material with what the operations build
// from it, made once: the AES-256-GCM AEAD of a symmetric key (safe for
// concurrent use) or the parsed private key of an asymmetric one.
type materialEntry struct {
	raw  []byte
	aead cipher.AEAD
	// priv is *rsa.PrivateKey, *ecdsa.PrivateKey, *secp256k1.PrivateKey or
	// ed25519.PrivateKey for asymmetric keys.
	priv any
}

// materialCache maps materialCacheKey → *materialEntry. A plain map under
// a read-write lock: lookups with a struct key do not allocate.
type materialCache struct {
	mu sync.RWMutex
	m  map[materialCacheKey]*materialEntry
}

func (c *materialCache) get(k materialCacheKey) *materialEntry {
	c.mu.RLock()
	e := c.m[k]
	c.mu.RUnlock()
	return e
}

func (c *materialCache) put(k materialCacheKey, e *materialEntry) *materialEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[k]; ok {
		return old
	}
	if c.m == nil {
		c.m = make(map[materialCacheKey]*materialEntry)
	}
	c.m[k] = e
	return e
}

// forget drops the cached material of a key (after its imported material
// was deleted, so a later import under the same id is read afresh).
func (c *materialCache) forget(account, region, keyID string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := range c.m {
		if k.account == account && k.region == region && k.keyID == keyID {
			delete(c.m, k)
		}
	}
}

// ForgetMaterial drops the unsealed key material of k from memory. Call it
// when key material is deleted (DeleteImportedKeyMaterial, key deletion).
func (s *Store) ForgetMaterial(k *Key) { s.materials.forget(k.AccountID, k.Region, k.ID) }

// material returns the cached, unsealed version materialID of k's key
// material, unsealing and parsing it on first use.
func (s *Store) material(k *Key, materialID string) (*materialEntry, error) {
	// The key record decides whether the version exists (deleted imported
	// material has no sealed bytes); the cache only saves the unsealing.
	m, ok := k.FindMaterial(materialID)
	if !ok || len(m.Sealed) == 0 {
		return nil, ErrMaterialNotFound
	}
	ck := materialCacheKey{k.AccountID, k.Region, k.ID, materialID}
	if e := s.materials.get(ck); e != nil {
		return e, nil
	}
	raw, err := s.kr.Open(MaterialPurpose, m.Sealed, materialAAD(k.ARN(), m.ID))
	if err != nil {
		return nil, fmt.Errorf("kms: open key material of %s: %w", k.ARN(), err)
	}
	e, err := newMaterialEntry(k.KeySpec, raw)
	if err != nil {
		return nil, err
	}
	return s.materials.put(ck, e), nil
}

// newMaterialEntry parses raw key material of spec.
func newMaterialEntry(spec string, raw []byte) (*materialEntry, error) {
	e := &materialEntry{raw: raw}
	switch spec {
	case "SYMMETRIC_DEFAULT":
		block, err := aes.NewCipher(raw)
		if err != nil {
			return nil, fmt.Errorf("kms: symmetric key material: %w", err)
		}
		e.aead, err = cipher.NewGCM(block)
		if err != nil {
			return nil, err
		}
	case "HMAC_224", "HMAC_256", "HMAC_384", "HMAC_512":
	case "ECC_SECG_P256K1":
		priv, err := parseSecp256k1PKCS8(raw)
		if err != nil {
			return nil, err
		}
		e.priv = priv
	default:
		priv, err := x509.ParsePKCS8PrivateKey(raw)
		if err != nil {
			return nil, fmt.Errorf("kms: private key material: %w", err)
		}
		switch priv.(type) {
		case *rsa.PrivateKey, *ecdsa.PrivateKey, ed25519.PrivateKey:
		default:
			return nil, fmt.Errorf("kms: unexpected private key type %T", priv)
		}
		e.priv = priv
	}
	return e, nil
}

// ResealMaterial seals a copy of version m of from's key material for the
// key to (the replica of a multi-Region key, whose ARN differs), under the
// same material id, so ciphertexts of either decrypt with both.
func ResealMaterial(s *Store, from *Key, m Material, to *Key) (Material, error) {
	raw, err := s.kr.Open(MaterialPurpose, m.Sealed, materialAAD(from.ARN(), m.ID))
	if err != nil {
		return Material{}, fmt.Errorf("kms: open key material of %s: %w", from.ARN(), err)
	}
	defer wipe(raw)
	sealed, err := s.kr.Seal(MaterialPurpose, raw, materialAAD(to.ARN(), m.ID))
	if err != nil {
		return Material{}, fmt.Errorf("kms: seal key material: %w", err)
	}
	out := m
	out.Sealed = sealed
	return out, nil
}

// privateKey returns the parsed private key of version materialID of k.
func (s *Store) privateKey(k *Key, materialID string) (any, error) {
	e, err := s.material(k, materialID)
	if err != nil {
		return nil, err
	}
	if e.priv == nil {
		return nil, fmt.Errorf("kms: key %s has no private key", k.ARN())
	}
	return e.priv, nil
}

// currentEntry returns the material entry of k's current key material.
func (s *Store) currentEntry(k *Key) (*materialEntry, *Material, error) {
	m, ok := k.CurrentMaterial()
	if !ok {
		return nil, nil, ErrMaterialNotFound
	}
	e, err := s.material(k, m.ID)
	if err != nil {
		return nil, nil, err
	}
	return e, m, nil
}
