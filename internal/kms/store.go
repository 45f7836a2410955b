package kms

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ErrNotFound is returned by the Tx getters when the item is absent.
var ErrNotFound = store.ErrNotFound

// Store is KMS's state over the node's store, with the keys that requests
// use served from memory.
type Store struct {
	st store.Store
	kr *keyring.Keyring
	// generation counts committed writes; cached keys compare it.
	generation atomic.Uint64
	keys       sync.Map // "account/region/id" → *cachedKey
	aliases    sync.Map // "account/region/alias/name" → *cachedAlias
	usage      usageTracker
	// materials holds unsealed key material and the ciphers made from it
	// (see crypto.go); key material is immutable, so it is never stale.
	materials materialCache
	// grants holds the grants of keys as of a generation (grant.go).
	grants grantCache
}

// Generation counts the committed writes to KMS state: anything cached
// from it (the authorizer's view of keys, aliases and grants) is current
// while the generation has not moved.
func (s *Store) Generation() uint64 { return s.generation.Load() }

// cachedKey is a key record as of a generation.
type cachedKey struct {
	gen uint64
	key *Key // nil: the key does not exist
}

// New returns KMS's state in st; kr seals key material.
func New(st store.Store, kr *keyring.Keyring) *Store {
	s := &Store{st: st, kr: kr}
	s.usage.since = time.Now().UTC().Truncate(time.Second)
	return s
}

// Keyring returns the keyring that seals key material.
func (s *Store) Keyring() *keyring.Keyring { return s.kr }

// Invalidate drops every cached key (after a store reset).
func (s *Store) Invalidate() {
	s.generation.Add(1)
	s.keys.Clear()
	s.aliases.Clear()
}

// Tx is a transaction over KMS state.
type Tx struct {
	store.Tx
}

// Update runs fn in a read-write transaction; once it has committed, the
// cached keys are stale.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	err := s.st.Update(ctx, func(stx store.Tx) error { return fn(&Tx{Tx: stx}) })
	if err == nil {
		s.generation.Add(1)
	}
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(*Tx) error) error {
	return s.st.View(ctx, func(stx store.Tx) error { return fn(&Tx{Tx: stx}) })
}

// CachedKey returns the key from memory when no write has happened since
// it was read, from the store otherwise; ErrNotFound if it does not
// exist. The returned Key is shared: callers must not modify it (copy it
// inside an Update to change it).
func (s *Store) CachedKey(ctx context.Context, account, region, id string) (*Key, error) {
	k := keyKey(account, region, id)
	gen := s.generation.Load()
	if v, ok := s.keys.Load(k); ok {
		c := v.(*cachedKey)
		if c.gen == gen {
			if c.key == nil {
				return nil, ErrNotFound
			}
			return c.key, nil
		}
	}
	var key *Key
	err := s.View(ctx, func(tx *Tx) error {
		var err error
		key, err = tx.Key(account, region, id)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		key = nil // tx.Key returns an empty Key with ErrNotFound
	} else if err != nil {
		return nil, err
	}
	s.keys.Store(k, &cachedKey{gen: gen, key: key})
	if key == nil {
		return nil, ErrNotFound
	}
	return key, nil
}

func keyKey(account, region, id string) string { return account + "/" + region + "/" + id }

// Key returns a key.
func (tx *Tx) Key(account, region, id string) (*Key, error) {
	k := new(Key)
	return k, store.GetJSON(tx, KindKey, keyKey(account, region, id), k)
}

// PutKey stores a key.
func (tx *Tx) PutKey(k *Key) error {
	return store.PutJSON(tx, KindKey, keyKey(k.AccountID, k.Region, k.ID), k)
}

// DeleteKey removes a key record (when its deletion is due).
func (tx *Tx) DeleteKey(account, region, id string) error {
	return tx.Delete(KindKey, keyKey(account, region, id))
}

// Keys returns every key of an account in a Region, in id order.
func (tx *Tx) Keys(account, region string) ([]*Key, error) {
	return store.ListJSON[Key](tx, KindKey, account+"/"+region+"/")
}

// Alias returns an alias by name ("alias/...").
func (tx *Tx) Alias(account, region, name string) (*Alias, error) {
	a := new(Alias)
	return a, store.GetJSON(tx, KindAlias, keyKey(account, region, name), a)
}

// PutAlias stores an alias.
func (tx *Tx) PutAlias(a *Alias) error {
	return store.PutJSON(tx, KindAlias, keyKey(a.AccountID, a.Region, a.Name), a)
}

// DeleteAlias removes an alias.
func (tx *Tx) DeleteAlias(account, region, name string) error {
	return tx.Delete(KindAlias, keyKey(account, region, name))
}

// Aliases returns every alias of an account in a Region, in name order.
func (tx *Tx) Aliases(account, region string) ([]*Alias, error) {
	return store.ListJSON[Alias](tx, KindAlias, account+"/"+region+"/")
}

// Grant returns one grant of a key.
func (tx *Tx) Grant(account, region, keyID, grantID string) (*Grant, error) {
	g := new(Grant)
	return g, store.GetJSON(tx, KindGrant, keyKey(account, region, keyID)+"/"+grantID, g)
}

// PutGrant stores a grant.
func (tx *Tx) PutGrant(g *Grant) error {
	return store.PutJSON(tx, KindGrant, keyKey(g.AccountID, g.Region, g.KeyID)+"/"+g.ID, g)
}

// DeleteGrant removes a grant.
func (tx *Tx) DeleteGrant(account, region, keyID, grantID string) error {
	return tx.Delete(KindGrant, keyKey(account, region, keyID)+"/"+grantID)
}

// Grants returns the grants of a key.
func (tx *Tx) Grants(account, region, keyID string) ([]*Grant, error) {
	return store.ListJSON[Grant](tx, KindGrant, keyKey(account, region, keyID)+"/")
}

// AllGrants returns every grant of an account in a Region.
func (tx *Tx) AllGrants(account, region string) ([]*Grant, error) {
	return store.ListJSON[Grant](tx, KindGrant, account+"/"+region+"/")
}

// Import returns the open import parameters of a key.
func (tx *Tx) Import(account, region, keyID string) (*ImportParameters, error) {
	p := new(ImportParameters)
	return p, store.GetJSON(tx, KindImport, keyKey(account, region, keyID), p)
}

// PutImport stores the open import parameters of a key.
func (tx *Tx) PutImport(account, region string, p *ImportParameters) error {
	return store.PutJSON(tx, KindImport, keyKey(account, region, p.KeyID), p)
}

// DeleteImport removes the import parameters of a key.
func (tx *Tx) DeleteImport(account, region, keyID string) error {
	return tx.Delete(KindImport, keyKey(account, region, keyID))
}

// AccountKeys returns every key of an account in every Region (for the
// compliance audit), read in the caller's transaction.
func AccountKeys(tx store.Tx, account string) ([]*Key, error) {
	return store.ListJSON[Key](tx, KindKey, account+"/")
}
