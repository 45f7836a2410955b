package iam

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// IAM quotas on users ("IAM and AWS STS quotas" in the IAM User Guide).
const (
	usersQuota         = 5000
	groupsPerUserQuota = 10
)

func (s *Service) registerUsers(r *call.Registry) {
	r.Handle(api.Service, "CreateUser", call.Typed(s.CreateUser))
	r.Handle(api.Service, "GetUser", call.Typed(s.GetUser))
	r.Handle(api.Service, "UpdateUser", call.Typed(s.UpdateUser))
	r.Handle(api.Service, "DeleteUser", call.Typed(s.DeleteUser))
	r.Handle(api.Service, "ListUsers", call.Typed(s.ListUsers))
	r.Handle(api.Service, "TagUser", call.Typed(s.TagUser))
	r.Handle(api.Service, "UntagUser", call.Typed(s.UntagUser))
	r.Handle(api.Service, "ListUserTags", call.Typed(s.ListUserTags))
	r.Handle(api.Service, "PutUserPermissionsBoundary", call.Typed(s.PutUserPermissionsBoundary))
	r.Handle(api.Service, "DeleteUserPermissionsBoundary", call.Typed(s.DeleteUserPermissionsBoundary))
}

// userResource is a user as its trail events name it.
func userResource(u *iam.User) call.Resource {
	return call.Resource{ARN: u.ARN(), AccountID: u.AccountID, Type: "AWS::IAM::User"}
}

// errNotUserCaller is AWS's answer to an operation whose UserName defaults
// to the caller, called without one by a principal that is not a user.
func errNotUserCaller() *protocol.Error {
	return protocol.Errorf(http.StatusBadRequest, "ValidationError", "Must specify userName when calling with non-User credentials")
}

// targetUser resolves the user an operation with an optional UserName acts
// on: the named user, or else the caller when it is an IAM user. It
// returns "" with no error for a root caller without a name, which some
// operations serve for the root user itself.
func targetUser(c *call.Call, name *string) (string, error) {
	if name != nil && *name != "" {
		return *name, nil
	}
	switch c.Principal.Type {
	case identity.IAMUser:
		return c.Principal.UserName, nil
	case identity.Root:
		return "", nil
	}
	return "", errNotUserCaller()
}

// CreateUser creates an IAM user, with an optional path, permissions
// boundary and tags.
func (s *Service) CreateUser(ctx context.Context, c *call.Call, in *api.CreateUserInput) (*api.CreateUserOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	u := &iam.User{
		AccountID: acct, Name: *in.UserName, Path: path, ID: iam.NewID(iam.PrefixUser),
		CreateDate: s.now(), Tags: tags, Boundary: deref(in.PermissionsBoundary),
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.User(acct, u.Name); err == nil {
			return alreadyExists("User", u.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindUser, acct)
		if err != nil {
			return err
		}
		if n >= usersQuota {
			return limitExceeded("UsersPerAccount", usersQuota)
		}
		if err := setUserBoundary(tx, acct, "", u.Boundary); err != nil {
			return err
		}
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	out := apiUser(u, true)
	return &api.CreateUserOutput{User: &out}, nil
}

// countAccountItems counts the items of kind in an account without decoding them.
func countAccountItems(tx *iam.Tx, kind, accountID string) (int, error) {
	items, err := tx.List(kind, accountID+"/", "", 0)
	return len(items), err
}

// GetUser returns a user, or without UserName the caller: an IAM user
// itself, or for the root user the root's own shape (the account id as its
// unique id, the root ARN, the account's creation date; no name or path).
func (s *Service) GetUser(ctx context.Context, c *call.Call, in *api.GetUserInput) (*api.GetUserOutput, error) {
	acct := c.Principal.AccountID
	name, err := targetUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if name == "" {
		var a *account.Account
		err := s.dir.View(ctx, func(tx *iam.Tx) error {
			var err error
			a, err = account.Get(tx, acct)
			return err
		})
		if err != nil {
			return nil, err
		}
		return &api.GetUserOutput{User: &api.User{UserId: ptr(a.ID), Arn: ptr(a.RootARN()), CreateDate: ptr(a.CreatedAt)}}, nil
	}
	var u *iam.User
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		u, err = tx.User(acct, name)
		return notFound(err, "user", name)
	})
	if err != nil {
		return nil, err
	}
	out := apiUser(u, true)
	return &api.GetUserOutput{User: &out}, nil
}

// UpdateUser changes a user's path and/or name. A rename moves the record
// to its new key and follows the name everywhere it is stored: the member
// lists of its groups, its access key records (whose cached credentials
// are dropped after the commit, so the new name and ARN authenticate at
// once) and its MFA devices.
func (s *Service) UpdateUser(ctx context.Context, c *call.Call, in *api.UpdateUserInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var newPath string
	if in.NewPath != nil {
		p, perr := validPath(in.NewPath)
		if perr != nil {
			return nil, perr
		}
		newPath = p
	}
	var changedKeys []string
	var u *iam.User
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		u, err = tx.User(acct, *in.UserName)
		if err != nil {
			return notFound(err, "user", *in.UserName)
		}
		oldName := u.Name
		newName := deref(in.NewUserName)
		renamed := newName != "" && newName != oldName
		if renamed && !strings.EqualFold(newName, oldName) {
			if _, err := tx.User(acct, newName); err == nil {
				return alreadyExists("User", newName)
			} else if !errors.Is(err, iam.ErrNoSuchEntity) {
				return err
			}
		}
		if !renamed && (newPath == "" || newPath == u.Path) {
			return nil
		}
		if renamed {
			if err := tx.DeleteUser(acct, oldName); err != nil {
				return err
			}
			u.Name = newName
			if err := renameGroupMember(tx, u.Groups, acct, oldName, newName); err != nil {
				return err
			}
			for _, serial := range u.MFADevices {
				m, err := tx.MFADevice(acct, serial)
				if errors.Is(err, iam.ErrNoSuchEntity) {
					continue
				}
				if err != nil {
					return err
				}
				m.UserName = newName
				if err := tx.PutMFADevice(m); err != nil {
					return err
				}
			}
		}
		if newPath != "" {
			u.Path = newPath
		}
		for _, id := range u.AccessKeys {
			k, err := account.GetAccessKey(tx, id)
			if errors.Is(err, account.ErrUnknownAccessKey) {
				continue
			}
			if err != nil {
				return err
			}
			k.UserName, k.ARN = u.Name, u.ARN()
			if err := account.UpdateAccessKey(tx, k); err != nil {
				return err
			}
			changedKeys = append(changedKeys, id)
		}
		tx.AfterCommit(func() {
			for _, id := range changedKeys {
				s.dir.Credentials().Invalidate(id)
			}
		})
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	return nil, nil
}

// renameGroupMember replaces oldName by newName in the member lists of
// the named groups.
func renameGroupMember(tx *iam.Tx, groups []string, acct, oldName, newName string) error {
	for _, gname := range groups {
		g, err := tx.Group(acct, gname)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return err
		}
		for i, m := range g.Members {
			if strings.EqualFold(m, oldName) {
				g.Members[i] = newName
			}
		}
		if err := tx.PutGroup(g); err != nil {
			return err
		}
	}
	return nil
}

// userDeleteConflict returns AWS's DeleteConflict for the first thing that
// still hangs off a user, or nil when it can be deleted.
func userDeleteConflict(u *iam.User) error {
	switch {
	case u.LoginProfile != nil:
		return deleteConflict("delete login profile")
	case len(u.AccessKeys) > 0:
		return deleteConflict("delete access keys")
	case len(u.SigningCerts) > 0:
		return deleteConflict("delete certificates")
	case len(u.MFADevices) > 0:
		return deleteConflict("delete MFA device")
	case len(u.SSHPublicKeys) > 0, len(u.ServiceCreds) > 0:
		return deleteConflict("remove referenced objects")
	case len(u.Inline) > 0:
		return deleteConflict("delete policies")
	case len(u.Attached) > 0:
		return deleteConflict("detach all policies")
	case len(u.Groups) > 0:
		return deleteConflict("remove users from group")
	}
	return nil
}

// DeleteUser deletes a user that has nothing left attached: AWS refuses
// (DeleteConflict) while it has a password, access keys, certificates, MFA
// devices, SSH keys, service-specific credentials, policies or groups. Its
// permissions boundary, if any, is released.
func (s *Service) DeleteUser(ctx context.Context, c *call.Call, in *api.DeleteUserInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var u *iam.User
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		u, err = tx.User(acct, *in.UserName)
		if err != nil {
			return notFound(err, "user", *in.UserName)
		}
		if err := userDeleteConflict(u); err != nil {
			return err
		}
		if u.Boundary != "" {
			if err := attachBoundary(tx, acct, u.Boundary, ""); err != nil {
				return err
			}
		}
		return tx.DeleteUser(acct, u.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	return nil, nil
}

// ListUsers lists the account's users under a path prefix, by name.
func (s *Service) ListUsers(ctx context.Context, c *call.Call, in *api.ListUsersInput) (*api.ListUsersOutput, error) {
	acct := c.Principal.AccountID
	var users []*iam.User
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.Users(acct)
		for _, u := range all {
			if pathMatches(u.Path, in.PathPrefix) {
				users = append(users, u)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, truncated, marker, err := page(users, userSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListUsersOutput{Users: make([]api.User, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, u := range pg {
		out.Users = append(out.Users, apiUser(u, false))
	}
	return out, nil
}

func userSortKey(u *iam.User) string { return strings.ToLower(u.Name) }

// updateUser runs fn on the named user in a write transaction and stores
// the user afterwards.
func (s *Service) updateUser(ctx context.Context, c *call.Call, name string, fn func(tx *iam.Tx, u *iam.User) error) error {
	acct := c.Principal.AccountID
	var u *iam.User
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		u, err = tx.User(acct, name)
		if err != nil {
			return notFound(err, "user", name)
		}
		if err := fn(tx, u); err != nil {
			return err
		}
		return tx.PutUser(u)
	})
	if err == nil {
		c.AddResource(userResource(u))
	}
	return err
}

// TagUser adds tags to a user, replacing the values of keys it has.
func (s *Service) TagUser(ctx context.Context, c *call.Call, in *api.TagUserInput) (*struct{}, error) {
	return nil, s.updateUser(ctx, c, *in.UserName, func(_ *iam.Tx, u *iam.User) error {
		tags, err := addTags(u.Tags, in.Tags)
		u.Tags = tags
		return err
	})
}

// UntagUser removes tags from a user; keys it does not have are ignored.
func (s *Service) UntagUser(ctx context.Context, c *call.Call, in *api.UntagUserInput) (*struct{}, error) {
	return nil, s.updateUser(ctx, c, *in.UserName, func(_ *iam.Tx, u *iam.User) error {
		u.Tags = removeTags(u.Tags, in.TagKeys)
		return nil
	})
}

// ListUserTags lists a user's tags in the order they were added.
func (s *Service) ListUserTags(ctx context.Context, c *call.Call, in *api.ListUserTagsInput) (*api.ListUserTagsOutput, error) {
	var u *iam.User
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		u, err = tx.User(c.Principal.AccountID, *in.UserName)
		return notFound(err, "user", *in.UserName)
	})
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(u.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListUserTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}

// setUserBoundary moves a user's permissions boundary from oldARN to newARN
// with the policies' usage counts (attachBoundary), answering a boundary
// policy that does not exist as IAM does for boundaries: "Scope ARN: ...".
func setUserBoundary(tx *iam.Tx, accountID, oldARN, newARN string) error {
	err := attachBoundary(tx, accountID, oldARN, newARN)
	if pe, ok := protocol.AsError(err); ok && pe.Code == "NoSuchEntity" && newARN != "" {
		return api.NewNoSuchEntityException("Scope ARN: %s does not exist or is not attachable.", newARN)
	}
	return err
}

// PutUserPermissionsBoundary sets or replaces a user's permissions
// boundary, which must be an existing managed policy.
func (s *Service) PutUserPermissionsBoundary(ctx context.Context, c *call.Call, in *api.PutUserPermissionsBoundaryInput) (*struct{}, error) {
	return nil, s.updateUser(ctx, c, *in.UserName, func(tx *iam.Tx, u *iam.User) error {
		if err := setUserBoundary(tx, u.AccountID, u.Boundary, *in.PermissionsBoundary); err != nil {
			return err
		}
		u.Boundary = *in.PermissionsBoundary
		return nil
	})
}

// DeleteUserPermissionsBoundary removes a user's permissions boundary; a
// user without one is left as it is.
func (s *Service) DeleteUserPermissionsBoundary(ctx context.Context, c *call.Call, in *api.DeleteUserPermissionsBoundaryInput) (*struct{}, error) {
	return nil, s.updateUser(ctx, c, *in.UserName, func(tx *iam.Tx, u *iam.User) error {
		if err := attachBoundary(tx, u.AccountID, u.Boundary, ""); err != nil {
			return err
		}
		u.Boundary = ""
		return nil
	})
}
