// Package account keeps gatehouse's accounts, their root users and the access
// keys that authenticate requests. It owns the one credential lookup every
// request goes through (root keys now; IAM user keys and STS session keys
// are added by the IAM and STS services through the same records), and the
// first-start bootstrap of the management account.
package account

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Storage kinds owned by this package.
const (
	kindAccount   = "account"
	kindAccessKey = "accesskey"
)

// Account is one gatehouse account, with its root user.
type Account struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	CreatedAt time.Time `json:"createdAt"`
	// RootPasswordSealed is the root user's console password hash
	// (argon2id, PHC string), sealed under the keyring.
	RootPasswordSealed []byte `json:"rootPasswordSealed,omitempty"`
}

// RootARN is the ARN of the account's root user.
func (a *Account) RootARN() string { return "arn:aws:iam::" + a.ID + ":root" }

// Get returns the account with the given id.
func Get(tx store.Tx, id string) (*Account, error) {
	raw, err := tx.Get(kindAccount, id)
	if err != nil {
		return nil, err
	}
	var a Account
	if err := json.Unmarshal(raw, &a); err != nil {
		return nil, fmt.Errorf("account: decode %s: %w", id, err)
	}
	return &a, nil
}

// Put stores an account, replacing any previous version.
func Put(tx store.Tx, a *Account) error {
	raw, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return tx.Put(kindAccount, a.ID, raw)
}

// Exists reports whether the account exists.
func Exists(ctx context.Context, st store.Store, id string) (bool, error) {
	var found bool
	err := st.View(ctx, func(tx store.Tx) error {
		_, err := tx.Get(kindAccount, id)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		found = err == nil
		return err
	})
	return found, err
}

// NewAccountID returns a random 12-digit account id that does not start
// with 0 (so it never collides with the dev-mode default 000000000000).
func NewAccountID() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(9e11))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%012d", n.Int64()+1e11), nil
}

// ValidAccountID reports whether id is a 12-digit account id.
func ValidAccountID(id string) bool {
	if len(id) != 12 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if id[i] < '0' || id[i] > '9' {
			return false
		}
	}
	return true
}

// List returns every account, in account id order.
func List(tx store.Tx) ([]*Account, error) {
	items, err := tx.List(kindAccount, "", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]*Account, 0, len(items))
	for _, it := range items {
		a := new(Account)
		if err := json.Unmarshal(it.Value, a); err != nil {
			return nil, fmt.Errorf("account: decode %s: %w", it.Key, err)
		}
		out = append(out, a)
	}
	return out, nil
}
