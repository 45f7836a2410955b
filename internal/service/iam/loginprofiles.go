package iam

import (
	"bytes"
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Console passwords of IAM users. The Password members are sensitive:
// nothing here logs them or puts them in an error; they are hashed with
// argon2id (outside store transactions, since hashing is slow on purpose)
// and stored only sealed.

func (s *Service) registerLoginProfiles(r *call.Registry) {
	r.Handle(api.Service, "CreateLoginProfile", call.Typed(s.CreateLoginProfile))
	r.Handle(api.Service, "GetLoginProfile", call.Typed(s.GetLoginProfile))
	r.Handle(api.Service, "UpdateLoginProfile", call.Typed(s.UpdateLoginProfile))
	r.Handle(api.Service, "DeleteLoginProfile", call.Typed(s.DeleteLoginProfile))
	r.Handle(api.Service, "ChangePassword", call.Typed(s.ChangePassword))
}

// noSuchLoginProfile is AWS's NoSuchEntity for a user without a password.
func noSuchLoginProfile(user string) error {
	return api.NewNoSuchEntityException("Login Profile for User %s cannot be found.", user)
}

// errPasswordPolicy is AWS's answer to a password the policy refuses.
func errPasswordPolicy() error {
	return api.NewPasswordPolicyViolationException("Password does not conform to the account password policy.")
}

// profileUser resolves the user of a login profile operation whose
// UserName defaults to the caller; a root caller must name a user.
func profileUser(c *call.Call, name *string) (string, error) {
	user, err := targetUser(c, name)
	if err == nil && user == "" {
		err = errNotUserCaller()
	}
	return user, err
}

// passwordContext is what checking a new password of a user needs.
type passwordContext struct {
	user   *iam.User
	policy *iam.PasswordPolicy
	acct   *account.Account
}

// loadPasswordContext reads a user, its account and the account password
// policy.
func (s *Service) loadPasswordContext(ctx context.Context, accountID, userName string) (*passwordContext, error) {
	pc := &passwordContext{}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		if pc.user, err = tx.User(accountID, userName); err != nil {
			return notFound(err, "user", userName)
		}
		settings, err := tx.Settings(accountID)
		if err != nil {
			return err
		}
		pc.policy = settings.PasswordPolicy
		pc.acct, err = account.Get(tx, accountID)
		return err
	})
	return pc, err
}

// sealNewPassword checks a new password of pc.user against the password
// policy and (when reuse is true) the user's password history, then
// hashes and seals it.
func (s *Service) sealNewPassword(pc *passwordContext, password string, reuse bool) ([]byte, error) {
	if err := iam.CheckPasswordPolicy(pc.policy, password, pc.acct.Name, pc.acct.Email); err != nil {
		return nil, errPasswordPolicy()
	}
	if reuse && pc.policy != nil && s.dir.PasswordReused(pc.user, password, pc.policy.PasswordReusePrevention) {
		return nil, errPasswordPolicy()
	}
	return s.dir.SealPassword(pc.user.AccountID, pc.user.ID, password)
}

func apiLoginProfile(u *iam.User) *api.LoginProfile {
	return &api.LoginProfile{UserName: ptr(u.Name), CreateDate: ptr(u.LoginProfile.CreateDate), PasswordResetRequired: ptr(u.LoginProfile.ResetRequired)}
}

// CreateLoginProfile gives a user a console password, which must satisfy
// the account password policy (or AWS's default one).
func (s *Service) CreateLoginProfile(ctx context.Context, c *call.Call, in *api.CreateLoginProfileInput) (*api.CreateLoginProfileOutput, error) {
	acct := c.Principal.AccountID
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	if in.Password == nil {
		return nil, protocol.Errorf(http.StatusBadRequest, "ValidationError", "1 validation error detected: Value null at 'password' failed to satisfy constraint: Member must not be null")
	}
	pc, err := s.loadPasswordContext(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	if pc.user.LoginProfile != nil {
		return nil, api.NewEntityAlreadyExistsException("Login Profile for user %s already exists.", pc.user.Name)
	}
	sealed, err := s.sealNewPassword(pc, *in.Password, false)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var u *iam.User
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		if u, err = tx.User(acct, name); err != nil {
			return notFound(err, "user", name)
		}
		if u.ID != pc.user.ID {
			// Deleted and recreated meanwhile: the hash is bound to the old id.
			return api.NewEntityTemporarilyUnmodifiableException("The user %s was changed while its password was being set; try again.", u.Name)
		}
		if u.LoginProfile != nil {
			return api.NewEntityAlreadyExistsException("Login Profile for user %s already exists.", u.Name)
		}
		u.LoginProfile = &iam.LoginProfile{CreateDate: now, ResetRequired: deref(in.PasswordResetRequired)}
		u.LoginProfile.SetPassword(sealed, now)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	return &api.CreateLoginProfileOutput{LoginProfile: apiLoginProfile(u)}, nil
}

// GetLoginProfile returns when a user's password was created and whether
// it must be reset; NoSuchEntity for a user without one.
func (s *Service) GetLoginProfile(ctx context.Context, c *call.Call, in *api.GetLoginProfileInput) (*api.GetLoginProfileOutput, error) {
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	var u *iam.User
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		if u, err = tx.User(c.Principal.AccountID, name); err != nil {
			return notFound(err, "user", name)
		}
		if u.LoginProfile == nil {
			return noSuchLoginProfile(u.Name)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GetLoginProfileOutput{LoginProfile: apiLoginProfile(u)}, nil
}

// UpdateLoginProfile sets a user's password (checked against the policy,
// including reuse prevention) and/or whether it must be reset at the next
// sign-in.
func (s *Service) UpdateLoginProfile(ctx context.Context, c *call.Call, in *api.UpdateLoginProfileInput) (*struct{}, error) {
	acct, name := c.Principal.AccountID, *in.UserName
	pc, err := s.loadPasswordContext(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	if pc.user.LoginProfile == nil {
		return nil, noSuchLoginProfile(pc.user.Name)
	}
	var sealed []byte
	if in.Password != nil {
		if sealed, err = s.sealNewPassword(pc, *in.Password, true); err != nil {
			return nil, err
		}
	}
	now := s.now()
	var u *iam.User
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		if u, err = tx.User(acct, name); err != nil {
			return notFound(err, "user", name)
		}
		if u.LoginProfile == nil || u.ID != pc.user.ID {
			return noSuchLoginProfile(u.Name)
		}
		if sealed != nil {
			u.LoginProfile.SetPassword(sealed, now)
		}
		if in.PasswordResetRequired != nil {
			u.LoginProfile.ResetRequired = *in.PasswordResetRequired
		}
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	return nil, nil
}

// DeleteLoginProfile removes a user's password: the user can no longer
// sign in to the console. Access keys are not affected.
func (s *Service) DeleteLoginProfile(ctx context.Context, c *call.Call, in *api.DeleteLoginProfileInput) (*struct{}, error) {
	name, err := profileUser(c, in.UserName)
	if err != nil {
		return nil, err
	}
	return nil, s.updateUser(ctx, c, name, func(_ *iam.Tx, u *iam.User) error {
		if u.LoginProfile == nil {
			return noSuchLoginProfile(u.Name)
		}
		u.LoginProfile = nil
		return nil
	})
}

// ChangePassword changes the calling IAM user's own password: the old
// password must match, the new one must satisfy the password policy
// (including reuse prevention), and a password past its maximum age cannot
// be changed by its user when the policy sets HardExpiry. Whether the user
// may call it at all (the policy's AllowUsersToChangePassword, or an
// iam:ChangePassword permission) is the authorizer's decision.
func (s *Service) ChangePassword(ctx context.Context, c *call.Call, in *api.ChangePasswordInput) (*struct{}, error) {
	if c.Principal.Type != identity.IAMUser {
		return nil, api.NewInvalidUserTypeException("Only IAM users can change their password with ChangePassword.")
	}
	acct, name := c.Principal.AccountID, c.Principal.UserName
	pc, err := s.loadPasswordContext(ctx, acct, name)
	if err != nil {
		return nil, err
	}
	u := pc.user
	if u.LoginProfile == nil {
		return nil, noSuchLoginProfile(u.Name)
	}
	now := s.now()
	if p := pc.policy; p != nil && p.HardExpiry && iam.PasswordExpired(p, u.LoginProfile, now) {
		return nil, api.NewPasswordPolicyViolationException("The password has expired and the account password policy does not let users change an expired password; an administrator must reset it.")
	}
	if !s.dir.PasswordMatches(acct, u.ID, u.LoginProfile.PasswordSealed, *in.OldPassword) {
		return nil, api.NewInvalidUserTypeException("The old password is incorrect.")
	}
	sealed, err := s.sealNewPassword(pc, *in.NewPassword, true)
	if err != nil {
		return nil, err
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		cur, err := tx.User(acct, name)
		if err != nil {
			return notFound(err, "user", name)
		}
		if cur.LoginProfile == nil || cur.ID != u.ID {
			return noSuchLoginProfile(cur.Name)
		}
		if !bytes.Equal(cur.LoginProfile.PasswordSealed, u.LoginProfile.PasswordSealed) {
			// Changed meanwhile: the old password checked is no longer current.
			return api.NewEntityTemporarilyUnmodifiableException("The password of user %s was changed by another request; try again.", cur.Name)
		}
		cur.LoginProfile.SetPassword(sealed, now)
		cur.LoginProfile.ResetRequired = false
		u = cur
		return tx.PutUser(cur)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(userResource(u))
	return nil, nil
}
