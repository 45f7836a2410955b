package account_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func TestIAMKeyRecords(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	creds := account.NewCredentials(st, kr)
	now := time.Now().UTC()
	keys := []*account.AccessKey{
		{ID: "AKIAROOTKEYAAAAAAAAA", AccountID: "111111111111", PrincipalType: identity.Root, ARN: "arn:aws:iam::111111111111:root", Status: account.StatusActive, CreatedAt: now},
		{ID: "AKIAROOTKEYBBBBBBBBB", AccountID: "222222222222", PrincipalType: identity.Root, ARN: "arn:aws:iam::222222222222:root", Status: account.StatusActive, CreatedAt: now},
		{ID: "AKIAUSERKEYAAAAAAAAA", AccountID: "111111111111", PrincipalType: identity.IAMUser, UserName: "bob", UserID: "AIDABOB",
			ARN: "arn:aws:iam::111111111111:user/bob", Status: account.StatusActive, CreatedAt: now},
	}
	err = st.Update(ctx, func(tx store.Tx) error {
		for _, k := range keys {
			if err := creds.PutAccessKey(tx, k, "secret-of-"+k.ID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	err = st.Update(ctx, func(tx store.Tx) error {
		roots, err := account.RootAccessKeys(tx, "111111111111")
		if err != nil {
			return err
		}
		if len(roots) != 1 || roots[0].ID != "AKIAROOTKEYAAAAAAAAA" {
			t.Errorf("root keys of 111111111111 = %+v", roots)
		}
		k, err := account.GetAccessKey(tx, "AKIAUSERKEYAAAAAAAAA")
		if err != nil {
			return err
		}
		k.Status, k.UserName, k.ARN = account.StatusInactive, "robert", "arn:aws:iam::111111111111:user/robert"
		if err := account.UpdateAccessKey(tx, k); err != nil {
			return err
		}
		ghost := &account.AccessKey{ID: "AKIANOSUCHKEYAAAAAAA"}
		if err := account.UpdateAccessKey(tx, ghost); !errors.Is(err, account.ErrUnknownAccessKey) {
			t.Errorf("UpdateAccessKey of an unknown key: %v", err)
		}
		if _, err := account.GetAccessKey(tx, ghost.ID); !errors.Is(err, account.ErrUnknownAccessKey) {
			t.Errorf("GetAccessKey of an unknown key: %v", err)
		}
		if err := account.DeleteAccessKey(tx, "AKIAROOTKEYBBBBBBBBB"); err != nil {
			return err
		}
		if err := account.DeleteAccessKey(tx, "AKIAROOTKEYBBBBBBBBB"); !errors.Is(err, account.ErrUnknownAccessKey) {
			t.Errorf("second DeleteAccessKey: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// The rewritten record keeps its sealed secret and carries the changes.
	creds.Invalidate("AKIAUSERKEYAAAAAAAAA")
	cred, err := creds.Lookup(ctx, "AKIAUSERKEYAAAAAAAAA")
	if err != nil {
		t.Fatal(err)
	}
	if string(cred.Secret) != "secret-of-AKIAUSERKEYAAAAAAAAA" || cred.Active || cred.Principal.UserName != "robert" ||
		cred.Principal.ARN != "arn:aws:iam::111111111111:user/robert" {
		t.Errorf("credential after update = active %v, principal %+v", cred.Active, cred.Principal)
	}
	if _, err := creds.Lookup(ctx, "AKIAROOTKEYBBBBBBBBB"); !errors.Is(err, account.ErrUnknownAccessKey) {
		t.Errorf("deleted key still resolves: %v", err)
	}
}
