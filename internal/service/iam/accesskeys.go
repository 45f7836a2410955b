package iam

import (
	"context"
	"errors"
	"slices"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// accessKeysPerUserQuota is how many access keys a user (or the root user)
// may have, active or not.
const accessKeysPerUserQuota = 2

func (s *Service) registerAccessKeys(r *call.Registry) {
	r.Handle(api.Service, "CreateAccessKey", call.Typed(s.CreateAccessKey))
	r.Handle(api.Service, "UpdateAccessKey", call.Typed(s.UpdateAccessKey))
	r.Handle(api.Service, "DeleteAccessKey", call.Typed(s.DeleteAccessKey))
	r.Handle(api.Service, "ListAccessKeys", call.Typed(s.ListAccessKeys))
	r.Handle(api.Service, "GetAccessKeyLastUsed", call.Typed(s.GetAccessKeyLastUsed))
}

// noSuchAccessKey is AWS's NoSuchEntity for an access key id.
func noSuchAccessKey(id string) error {
	return api.NewNoSuchEntityException("The Access Key with id %s cannot be found", id)
}

// keyOwner is whose access keys an operation manages: an IAM user, or
// (user nil) the account's root user.
type keyOwner struct {
	accountID string
	user      *iam.User
}

// resolveKeyOwner loads the owner an access key operation acts on: the
// named user, the calling IAM user, or the root user when root calls
// without a UserName.
func resolveKeyOwner(tx *iam.Tx, c *call.Call, userName *string) (keyOwner, error) {
	acct := c.Principal.AccountID
	name, err := targetUser(c, userName)
	if err != nil {
		return keyOwner{}, err
	}
	if name == "" {
		return keyOwner{accountID: acct}, nil
	}
	u, err := tx.User(acct, name)
	if err != nil {
		return keyOwner{}, notFound(err, "user", name)
	}
	return keyOwner{accountID: acct, user: u}, nil
}

// keys returns the owner's access keys, oldest first.
func (o keyOwner) keys(tx *iam.Tx) ([]*account.AccessKey, error) {
	if o.user == nil {
		keys, err := account.RootAccessKeys(tx, o.accountID)
		slices.SortStableFunc(keys, func(a, b *account.AccessKey) int { return a.CreatedAt.Compare(b.CreatedAt) })
		return keys, err
	}
	var keys []*account.AccessKey
	for _, id := range o.user.AccessKeys {
		k, err := account.GetAccessKey(tx, id)
		if errors.Is(err, account.ErrUnknownAccessKey) {
			continue
		}
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// key returns the owner's access key with the given id, or NoSuchEntity
// when it does not exist or belongs to someone else.
func (o keyOwner) key(tx *iam.Tx, id string) (*account.AccessKey, error) {
	k, err := account.GetAccessKey(tx, id)
	if errors.Is(err, account.ErrUnknownAccessKey) {
		return nil, noSuchAccessKey(id)
	}
	if err != nil {
		return nil, err
	}
	if k.AccountID != o.accountID {
		return nil, noSuchAccessKey(id)
	}
	if o.user == nil {
		if k.PrincipalType != identity.Root {
			return nil, noSuchAccessKey(id)
		}
	} else if k.PrincipalType != identity.IAMUser || k.UserID != o.user.ID {
		return nil, noSuchAccessKey(id)
	}
	return k, nil
}

// userName is the owner's user name as access key shapes carry it ("" for
// root, whose keys carry none).
func (o keyOwner) userName() string {
	if o.user == nil {
		return ""
	}
	return o.user.Name
}

// stringOrNil is s as an optional member: nil when empty.
func stringOrNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// CreateAccessKey creates an access key (AKIA...) for a user, the calling
// user, or the root user; the secret is returned this once and stored only
// sealed. Each owner has at most two keys.
func (s *Service) CreateAccessKey(ctx context.Context, c *call.Call, in *api.CreateAccessKeyInput) (*api.CreateAccessKeyOutput, error) {
	id, secret, err := account.NewKeyPair("AKIA")
	if err != nil {
		return nil, err
	}
	now := s.now()
	var owner keyOwner
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		if owner, err = resolveKeyOwner(tx, c, in.UserName); err != nil {
			return err
		}
		existing, err := owner.keys(tx)
		if err != nil {
			return err
		}
		if len(existing) >= accessKeysPerUserQuota {
			return limitExceeded("AccessKeysPerUser", accessKeysPerUserQuota)
		}
		key := &account.AccessKey{ID: id, AccountID: owner.accountID, Status: account.StatusActive, CreatedAt: now}
		if owner.user == nil {
			key.PrincipalType, key.ARN = identity.Root, "arn:aws:iam::"+owner.accountID+":root"
		} else {
			u := owner.user
			key.PrincipalType, key.UserName, key.UserID, key.ARN = identity.IAMUser, u.Name, u.ID, u.ARN()
			u.AccessKeys = append(u.AccessKeys, id)
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		if err := s.dir.Credentials().PutAccessKey(tx, key, secret); err != nil {
			return err
		}
		// The id may be in the resolver's cache of unknown keys.
		tx.AfterCommit(func() { s.dir.Credentials().Invalidate(id) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	if owner.user != nil {
		c.AddResource(userResource(owner.user))
	}
	return &api.CreateAccessKeyOutput{AccessKey: &api.AccessKey{
		UserName: stringOrNil(owner.userName()), AccessKeyId: ptr(id), Status: api.StatusTypeActive,
		SecretAccessKey: ptr(secret), CreateDate: ptr(now),
	}}, nil
}

// UpdateAccessKey makes a key Active or Inactive. Authentication refuses
// an inactive key from the moment this returns.
func (s *Service) UpdateAccessKey(ctx context.Context, c *call.Call, in *api.UpdateAccessKeyInput) (*struct{}, error) {
	var status string
	switch in.Status {
	case api.StatusTypeActive:
		status = account.StatusActive
	case api.StatusTypeInactive:
		status = account.StatusInactive
	default:
		return nil, invalidInput("The specified value for status is invalid. Valid values are Active and Inactive.")
	}
	id := *in.AccessKeyId
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		owner, err := resolveKeyOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		k, err := owner.key(tx, id)
		if err != nil {
			return err
		}
		if k.Status == status {
			return nil
		}
		k.Status = status
		if err := account.UpdateAccessKey(tx, k); err != nil {
			return err
		}
		tx.AfterCommit(func() { s.dir.Credentials().Invalidate(id) })
		return nil
	})
	return nil, err
}

// DeleteAccessKey deletes a key; it stops authenticating at once.
func (s *Service) DeleteAccessKey(ctx context.Context, c *call.Call, in *api.DeleteAccessKeyInput) (*struct{}, error) {
	id := *in.AccessKeyId
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		owner, err := resolveKeyOwner(tx, c, in.UserName)
		if err != nil {
			return err
		}
		if _, err := owner.key(tx, id); err != nil {
			return err
		}
		if err := account.DeleteAccessKey(tx, id); err != nil {
			return err
		}
		if u := owner.user; u != nil {
			u.AccessKeys = slices.DeleteFunc(u.AccessKeys, func(k string) bool { return k == id })
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		tx.AfterCommit(func() { s.dir.Credentials().Invalidate(id) })
		return nil
	})
	return nil, err
}

// ListAccessKeys lists the metadata (never the secrets) of the keys of a
// user, the calling user, or the root user.
func (s *Service) ListAccessKeys(ctx context.Context, c *call.Call, in *api.ListAccessKeysInput) (*api.ListAccessKeysOutput, error) {
	var owner keyOwner
	var keys []*account.AccessKey
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		if owner, err = resolveKeyOwner(tx, c, in.UserName); err != nil {
			return err
		}
		keys, err = owner.keys(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, truncated, marker, err := pageByPosition(keys, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListAccessKeysOutput{AccessKeyMetadata: make([]api.AccessKeyMetadata, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, x := range pg {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, api.AccessKeyMetadata{
			UserName: stringOrNil(owner.userName()), AccessKeyId: ptr(x.ID),
			Status: api.StatusType(x.Status), CreateDate: ptr(x.CreatedAt),
		})
	}
	return out, nil
}

// GetAccessKeyLastUsed reports when, where and with which service a key of
// the caller's account was last used; "N/A" and no date for a key never
// used.
func (s *Service) GetAccessKeyLastUsed(ctx context.Context, c *call.Call, in *api.GetAccessKeyLastUsedInput) (*api.GetAccessKeyLastUsedOutput, error) {
	id := *in.AccessKeyId
	var k *account.AccessKey
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		k, err = account.GetAccessKey(tx, id)
		if errors.Is(err, account.ErrUnknownAccessKey) || (err == nil && k.AccountID != c.Principal.AccountID) {
			return noSuchAccessKey(id)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	use, found, err := s.dir.AccessKeyLastUsed(ctx, id)
	if err != nil {
		return nil, err
	}
	last := &api.AccessKeyLastUsed{ServiceName: ptr("N/A"), Region: ptr("N/A")}
	if found {
		last.LastUsedDate = ptr(use.Time.UTC())
		if use.Service != "" {
			last.ServiceName = ptr(use.Service)
		}
		if use.Region != "" {
			last.Region = ptr(use.Region)
		}
	}
	return &api.GetAccessKeyLastUsedOutput{UserName: stringOrNil(k.UserName), AccessKeyLastUsed: last}, nil
}
