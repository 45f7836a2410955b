package account

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Access key statuses, as IAM spells them.
const (
	StatusActive   = "Active"
	StatusInactive = "Inactive"
)

// sealPurpose is the keyring purpose of secret access keys.
const sealPurpose = "access-key-secret"

// ErrUnknownAccessKey is returned by Credentials.Lookup for a key id that
// does not exist.
var ErrUnknownAccessKey = errors.New("account: unknown access key")

// AccessKey is a stored long-term access key of a root or IAM user.
type AccessKey struct {
	ID            string        `json:"id"`
	AccountID     string        `json:"accountId"`
	PrincipalType identity.Type `json:"principalType"`
	// UserName and UserID identify the IAM user (empty for root).
	UserName string `json:"userName,omitempty"`
	UserID   string `json:"userId,omitempty"`
	// ARN is the owning principal's ARN.
	ARN string `json:"arn"`
	// SecretSealed is the secret access key sealed under the keyring,
	// bound to the key id.
	SecretSealed []byte    `json:"secretSealed"`
	Status       string    `json:"status"`
	CreatedAt    time.Time `json:"createdAt"`
}

// principal returns the identity that this key authenticates.
func (k *AccessKey) principal() identity.Principal {
	p := identity.Principal{
		Type:        k.PrincipalType,
		AccountID:   k.AccountID,
		ARN:         k.ARN,
		AccessKeyID: k.ID,
		UserName:    k.UserName,
		PrincipalID: k.UserID,
	}
	if k.PrincipalType == identity.Root {
		p.PrincipalID = k.AccountID
	}
	return p
}

// NewKeyPair generates a new access key id with the given four-letter
// prefix (AKIA for long-term keys, ASIA for temporary ones) and a 40-character
// secret access key, both in the alphabets AWS uses.
func NewKeyPair(prefix string) (id, secret string, err error) {
	const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	const secretAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	idPart, err := randomString(idAlphabet, 16)
	if err != nil {
		return "", "", err
	}
	secret, err = randomString(secretAlphabet, 40)
	if err != nil {
		return "", "", err
	}
	return prefix + idPart, secret, nil
}

// randomString draws n characters uniformly from alphabet, whose length
// must divide 256 so that no character is favoured.
func randomString(alphabet string, n int) (string, error) {
	if 256%len(alphabet) != 0 {
		return "", fmt.Errorf("account: alphabet of %d characters would bias", len(alphabet))
	}
	buf := make([]byte, n)
	if _, err := rand.Read(buf); err != nil {
		return "", err
	}
	for i, b := range buf {
		buf[i] = alphabet[int(b)%len(alphabet)]
	}
	return string(buf), nil
}

// Credentials resolves access key ids to their secret and principal. It is
// on every request's path, so it serves from memory after the first lookup
// of a key and is invalidated by the writers of access keys.
type Credentials struct {
	st    store.Store
	kr    *keyring.Keyring
	cache sync.Map // access key id -> *Credential

	// unknown remembers key ids that do not exist, so that a client
	// retrying with a bad key (or any key, in dev mode) does not cost a
	// store read per request. It is bounded: past maxUnknown entries it
	// is emptied, so random key ids cannot grow memory.
	unknown      sync.Map // access key id -> struct{}
	unknownCount atomic.Int64
}

// maxUnknown bounds the negative cache of Credentials.
const maxUnknown = 4096

// Credential is a resolved access key.
type Credential struct {
	// Secret is the secret access key, decrypted once and kept in memory.
	Secret    []byte
	Principal identity.Principal
	Active    bool
}

// NewCredentials returns a resolver over st whose secrets are sealed by kr.
func NewCredentials(st store.Store, kr *keyring.Keyring) *Credentials {
	return &Credentials{st: st, kr: kr}
}

// Lookup returns the credential of an access key id, or ErrUnknownAccessKey.
func (c *Credentials) Lookup(ctx context.Context, accessKeyID string) (*Credential, error) {
	if v, ok := c.cache.Load(accessKeyID); ok {
		return v.(*Credential), nil
	}
	if _, ok := c.unknown.Load(accessKeyID); ok {
		return nil, ErrUnknownAccessKey
	}
	var key AccessKey
	err := c.st.View(ctx, func(tx store.Tx) error {
		raw, err := tx.Get(kindAccessKey, accessKeyID)
		if err != nil {
			return err
		}
		return json.Unmarshal(raw, &key)
	})
	if errors.Is(err, store.ErrNotFound) {
		c.rememberUnknown(accessKeyID)
		return nil, ErrUnknownAccessKey
	}
	if err != nil {
		return nil, fmt.Errorf("account: look up access key: %w", err)
	}
	secret, err := c.kr.Open(sealPurpose, key.SecretSealed, []byte(key.ID))
	if err != nil {
		return nil, fmt.Errorf("account: unseal secret of access key %s: %w", key.ID, err)
	}
	cred := &Credential{Secret: secret, Principal: key.principal(), Active: key.Status == StatusActive}
	actual, _ := c.cache.LoadOrStore(accessKeyID, cred)
	return actual.(*Credential), nil
}

func (c *Credentials) rememberUnknown(accessKeyID string) {
	if c.unknownCount.Add(1) > maxUnknown {
		c.unknown.Clear()
		c.unknownCount.Store(1)
	}
	c.unknown.Store(accessKeyID, struct{}{})
}

// Invalidate drops what is cached about a key, known or unknown; writers of
// access keys call it after their transaction commits.
func (c *Credentials) Invalidate(accessKeyID string) {
	c.cache.Delete(accessKeyID)
	c.unknown.Delete(accessKeyID)
}

// InvalidateAll drops every cached key (after a store reset).
func (c *Credentials) InvalidateAll() {
	c.cache.Clear()
	c.unknown.Clear()
	c.unknownCount.Store(0)
}

// PutAccessKey seals secret and stores the key record in tx. The caller
// calls Invalidate with the key id once the transaction has committed.
func (c *Credentials) PutAccessKey(tx store.Tx, key *AccessKey, secret string) error {
	sealed, err := c.kr.Seal(sealPurpose, []byte(secret), []byte(key.ID))
	if err != nil {
		return fmt.Errorf("account: seal secret of access key %s: %w", key.ID, err)
	}
	key.SecretSealed = sealed
	raw, err := json.Marshal(key)
	if err != nil {
		return err
	}
	return tx.Insert(kindAccessKey, key.ID, raw)
}
