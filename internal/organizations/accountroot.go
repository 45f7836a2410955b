package organizations

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file is what Organizations needs to know about gatehouse accounts
// and their root users: every account (to find one by email, as
// invitations and CreateAccount's email check do), whether a root user has
// credentials of its own (an account leaving its organization must), and
// the operator's way to give a member account's root user an access key
// (the counterpart of AWS's root password recovery).

// RootAccessKeysQuota is how many access keys a root user may have, as
// for every IAM user.
const RootAccessKeysQuota = 2

// ErrRootKeyQuota is returned by CreateRootAccessKey when the root user
// already has RootAccessKeysQuota keys.
var ErrRootKeyQuota = errors.New("organizations: the root user already has 2 access keys, the most it may have; delete one first")

// AccountByEmail returns the account whose root user has email (compared
// without regard to case, as email addresses are), or ErrNotFound.
func AccountByEmail(tx store.Tx, email string) (*account.Account, error) {
	all, err := account.List(tx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if strings.EqualFold(a.Email, email) {
			return a, nil
		}
	}
	return nil, ErrNotFound
}

// HasRootCredentials reports whether the root user of accountID can sign
// in on its own: it has a console password or an active access key. An
// account created by CreateAccount has neither until the operator runs
// `gatehouse account root-credentials`.
func HasRootCredentials(tx store.Tx, accountID string) (bool, error) {
	a, err := account.Get(tx, accountID)
	if err != nil {
		return false, err
	}
	if len(a.RootPasswordSealed) > 0 {
		return true, nil
	}
	keys, err := account.RootAccessKeys(tx, accountID)
	if err != nil {
		return false, err
	}
	for _, k := range keys {
		if k.Status == account.StatusActive {
			return true, nil
		}
	}
	return false, nil
}

// CreateRootAccessKey creates an access key for the root user of
// accountID and returns its id and secret (the only time the secret is
// visible). It fails with ErrNotFound for an unknown account and with
// ErrRootKeyQuota when the root user already has two keys.
func CreateRootAccessKey(ctx context.Context, st store.Store, creds *account.Credentials, accountID string, now time.Time) (id, secret string, err error) {
	id, secret, err = account.NewKeyPair("AKIA")
	if err != nil {
		return "", "", err
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		a, err := account.Get(tx, accountID)
		if err != nil {
			return err
		}
		keys, err := account.RootAccessKeys(tx, accountID)
		if err != nil {
			return err
		}
		if len(keys) >= RootAccessKeysQuota {
			return ErrRootKeyQuota
		}
		key := &account.AccessKey{
			ID: id, AccountID: accountID, PrincipalType: identity.Root, ARN: a.RootARN(),
			Status: account.StatusActive, CreatedAt: now,
		}
		return creds.PutAccessKey(tx, key, secret)
	})
	if err != nil {
		return "", "", err
	}
	creds.Invalidate(id)
	return id, secret, nil
}
