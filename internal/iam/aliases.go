package iam

import (
	"errors"

	"github.com/gatehouse/gatehouse/internal/store"
)

// KindAccountAlias is the global index of account aliases, keyed by the
// alias, whose value is the owning account id. Aliases are unique across
// all accounts (they name a sign-in URL), so the index is not per account;
// AccountSettings.Alias holds an account's own alias.
const KindAccountAlias = "iam/account-alias"

// AliasOwner returns the account that holds alias, or ErrNoSuchEntity.
func (tx *Tx) AliasOwner(alias string) (string, error) {
	raw, err := tx.Get(KindAccountAlias, alias)
	if errors.Is(err, store.ErrNotFound) {
		return "", ErrNoSuchEntity
	}
	if err != nil {
		return "", err
	}
	return string(raw), nil
}

// PutAlias records that accountID holds alias.
func (tx *Tx) PutAlias(alias, accountID string) error {
	return tx.Put(KindAccountAlias, alias, []byte(accountID))
}

// DeleteAlias removes alias from the index.
func (tx *Tx) DeleteAlias(alias string) error {
	return deleteKey(tx, KindAccountAlias, alias)
}
