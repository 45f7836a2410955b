package account

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file gives the IAM service what it needs to manage access key
// records inside its own transactions: read one, rewrite one (status, or the
// owner's name and ARN after a rename), delete one, and find an account's
// root keys. Callers invalidate Credentials' cache of a changed key after
// their transaction commits.

// GetAccessKey returns the access key record with the given id, or
// ErrUnknownAccessKey.
func GetAccessKey(tx store.Tx, id string) (*AccessKey, error) {
	raw, err := tx.Get(kindAccessKey, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, ErrUnknownAccessKey
	}
	if err != nil {
		return nil, err
	}
	k := new(AccessKey)
	if err := json.Unmarshal(raw, k); err != nil {
		return nil, fmt.Errorf("account: decode access key %s: %w", id, err)
	}
	return k, nil
}

// UpdateAccessKey rewrites an existing key record, keeping its sealed
// secret as it is. It returns ErrUnknownAccessKey if the key does not exist.
func UpdateAccessKey(tx store.Tx, k *AccessKey) error {
	if _, err := tx.Get(kindAccessKey, k.ID); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return ErrUnknownAccessKey
		}
		return err
	}
	raw, err := json.Marshal(k)
	if err != nil {
		return err
	}
	return tx.Put(kindAccessKey, k.ID, raw)
}

// DeleteAccessKey removes a key record, or returns ErrUnknownAccessKey.
func DeleteAccessKey(tx store.Tx, id string) error {
	err := tx.Delete(kindAccessKey, id)
	if errors.Is(err, store.ErrNotFound) {
		return ErrUnknownAccessKey
	}
	return err
}

// RootAccessKeys returns the access keys of an account's root user, in key
// id order. Key records are keyed by id alone, so this scans them; it
// serves rare administrative calls (creating a root key, the credential
// report), never authentication.
func RootAccessKeys(tx store.Tx, accountID string) ([]*AccessKey, error) {
	items, err := tx.List(kindAccessKey, "", "", 0)
	if err != nil {
		return nil, err
	}
	var out []*AccessKey
	for _, it := range items {
		k := new(AccessKey)
		if err := json.Unmarshal(it.Value, k); err != nil {
			return nil, fmt.Errorf("account: decode access key %s: %w", it.Key, err)
		}
		if k.AccountID == accountID && k.PrincipalType == identity.Root {
			out = append(out, k)
		}
	}
	return out, nil
}
