package iam_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

func newDirectory(t *testing.T) *iam.Directory {
	t.Helper()
	dir := t.TempDir()
	st, err := sqlite.Open(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	kr, err := keyring.LoadOrCreate(filepath.Join(dir, "root.key"))
	if err != nil {
		t.Fatal(err)
	}
	return iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil)
}

func TestNamesAreCaseInsensitive(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	err := d.Update(ctx, func(tx *iam.Tx) error {
		return tx.PutUser(&iam.User{AccountID: "111122223333", Name: "Alice", Path: "/ops/", ID: iam.NewID(iam.PrefixUser)})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = d.View(ctx, func(tx *iam.Tx) error {
		u, err := tx.User("111122223333", "ALICE")
		if err != nil {
			return err
		}
		if u.Name != "Alice" || u.ARN() != "arn:aws:iam::111122223333:user/ops/Alice" {
			t.Errorf("user = %+v, ARN %s", u, u.ARN())
		}
		if _, err := tx.User("444455556666", "Alice"); !errors.Is(err, iam.ErrNoSuchEntity) {
			t.Errorf("other account: err = %v, want ErrNoSuchEntity", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestPermissionsFollowWrites: cached permissions are rebuilt after any
// IAM write, so a policy change applies to the next request.
func TestPermissionsFollowWrites(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	const acct = "111122223333"
	put := func(u *iam.User) {
		t.Helper()
		if err := d.Update(ctx, func(tx *iam.Tx) error { return tx.PutUser(u) }); err != nil {
			t.Fatal(err)
		}
	}
	u := &iam.User{AccountID: acct, Name: "bob", Path: "/", ID: iam.NewID(iam.PrefixUser)}
	put(u)
	p1, err := d.UserPermissions(ctx, acct, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(p1.Identity) != 0 {
		t.Fatalf("new user has %d policies", len(p1.Identity))
	}
	if p2, _ := d.UserPermissions(ctx, acct, "bob"); p2 != p1 {
		t.Fatal("second read without writes did not come from the cache")
	}
	u.Inline = []iam.InlinePolicy{{Name: "read", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}}`}}
	put(u)
	p3, err := d.UserPermissions(ctx, acct, "bob")
	if err != nil {
		t.Fatal(err)
	}
	if len(p3.Identity) != 1 || p3.Identity[0].Name != "read" {
		t.Fatalf("after the write: %+v", p3.Identity)
	}
	// A document stored URL-encoded (as IAM returns them) compiles too.
	u.Inline = []iam.InlinePolicy{{Name: "enc", Document: "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%2A%22%2C%22Resource%22%3A%22%2A%22%7D%7D"}}
	put(u)
	if p4, err := d.UserPermissions(ctx, acct, "bob"); err != nil || len(p4.Identity) != 1 {
		t.Fatalf("URL-encoded document: %v %+v", err, p4)
	}
}

func TestUsageIsReadBeforeAndAfterFlush(t *testing.T) {
	d := newDirectory(t)
	ctx := context.Background()
	if _, found, err := d.AccessKeyLastUsed(ctx, "AKIAEXAMPLE"); err != nil || found {
		t.Fatalf("unused key: found=%v err=%v", found, err)
	}
	when := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	d.NoteAccessKeyUse("AKIAEXAMPLE", "iam", "us-east-1", when)
	use, found, err := d.AccessKeyLastUsed(ctx, "AKIAEXAMPLE")
	if err != nil || !found || !use.Time.Equal(when) || use.Service != "iam" {
		t.Fatalf("before flush: %+v %v %v", use, found, err)
	}
	if err := d.Update(ctx, func(tx *iam.Tx) error {
		return tx.PutRole(&iam.Role{AccountID: "111122223333", Name: "app", Path: "/", ID: iam.NewID(iam.PrefixRole)})
	}); err != nil {
		t.Fatal(err)
	}
	d.NoteRoleUse("111122223333", "app", "eu-west-1", when)
	if err := d.FlushUsage(ctx); err != nil {
		t.Fatal(err)
	}
	use, found, err = d.AccessKeyLastUsed(ctx, "AKIAEXAMPLE")
	if err != nil || !found || !use.Time.Equal(when) || use.Region != "us-east-1" {
		t.Fatalf("after flush: %+v %v %v", use, found, err)
	}
	err = d.View(ctx, func(tx *iam.Tx) error {
		r, err := tx.Role("111122223333", "app")
		if err != nil {
			return err
		}
		if !r.LastUsedDate.Equal(when) || r.LastUsedRegion != "eu-west-1" {
			t.Errorf("role last used = %v %s", r.LastUsedDate, r.LastUsedRegion)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParsePolicyARN(t *testing.T) {
	for _, c := range []struct {
		arn, acct, path, name string
		ok                    bool
	}{
		{"arn:aws:iam::aws:policy/AdministratorAccess", "aws", "/", "AdministratorAccess", true},
		{"arn:aws:iam::111122223333:policy/team/a/Read", "111122223333", "/team/a/", "Read", true},
		{"arn:aws:iam::111122223333:policy/", "", "", "", false},
		{"arn:aws:iam::111122223333:role/x", "", "", "", false},
		{"arn:aws:s3:::bucket", "", "", "", false},
		{"not an arn", "", "", "", false},
	} {
		acct, path, name, ok := iam.ParsePolicyARN(c.arn)
		if ok != c.ok || acct != c.acct || path != c.path || name != c.name {
			t.Errorf("ParsePolicyARN(%q) = %q %q %q %v", c.arn, acct, path, name, ok)
		}
	}
}
