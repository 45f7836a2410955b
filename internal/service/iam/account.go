package iam

import (
	"context"
	"errors"
	"net/http"
	"regexp"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves the account-wide IAM settings: the password policy, the
// account alias, the account summary and the STS token preference. The
// authorization details report is in accountdetails.go and the credential
// report in accountreport.go.

func (s *Service) registerAccount(r *call.Registry) {
	r.Handle(api.Service, "UpdateAccountPasswordPolicy", call.Typed(s.UpdateAccountPasswordPolicy))
	r.Handle(api.Service, "GetAccountPasswordPolicy", call.Typed(s.GetAccountPasswordPolicy))
	r.Handle(api.Service, "DeleteAccountPasswordPolicy", call.Typed(s.DeleteAccountPasswordPolicy))
	r.Handle(api.Service, "CreateAccountAlias", call.Typed(s.CreateAccountAlias))
	r.Handle(api.Service, "DeleteAccountAlias", call.Typed(s.DeleteAccountAlias))
	r.Handle(api.Service, "ListAccountAliases", call.Typed(s.ListAccountAliases))
	r.Handle(api.Service, "GetAccountSummary", call.Typed(s.GetAccountSummary))
	r.Handle(api.Service, "GetAccountAuthorizationDetails", call.Typed(s.GetAccountAuthorizationDetails))
	r.Handle(api.Service, "GenerateCredentialReport", call.Typed(s.GenerateCredentialReport))
	r.Handle(api.Service, "GetCredentialReport", call.Typed(s.GetCredentialReport))
	r.Handle(api.Service, "SetSecurityTokenServicePreferences", call.Typed(s.SetSecurityTokenServicePreferences))
}

// updateSettings runs fn on the account's IAM settings in a write
// transaction and stores them afterwards.
func (s *Service) updateSettings(ctx context.Context, accountID string, fn func(tx *iam.Tx, st *iam.AccountSettings) error) error {
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		st, err := tx.Settings(accountID)
		if err != nil {
			return err
		}
		if err := fn(tx, st); err != nil {
			return err
		}
		return tx.PutSettings(st)
	})
}

// viewSettings reads the account's IAM settings.
func (s *Service) viewSettings(ctx context.Context, accountID string) (*iam.AccountSettings, error) {
	var st *iam.AccountSettings
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		st, err = tx.Settings(accountID)
		return err
	})
	return st, err
}

// UpdateAccountPasswordPolicy replaces the account password policy. As on
// AWS, every parameter left out takes its default (not its current value):
// minimum length 6, no character classes required, users may not change
// their own passwords, passwords never expire, reuse is not prevented.
func (s *Service) UpdateAccountPasswordPolicy(ctx context.Context, c *call.Call, in *api.UpdateAccountPasswordPolicyInput) (*struct{}, error) {
	p := &iam.PasswordPolicy{
		MinimumPasswordLength:      6,
		RequireSymbols:             deref(in.RequireSymbols),
		RequireNumbers:             deref(in.RequireNumbers),
		RequireUppercaseCharacters: deref(in.RequireUppercaseCharacters),
		RequireLowercaseCharacters: deref(in.RequireLowercaseCharacters),
		AllowUsersToChangePassword: deref(in.AllowUsersToChangePassword),
		MaxPasswordAge:             deref(in.MaxPasswordAge),
		PasswordReusePrevention:    deref(in.PasswordReusePrevention),
		HardExpiry:                 deref(in.HardExpiry),
	}
	if in.MinimumPasswordLength != nil {
		p.MinimumPasswordLength = *in.MinimumPasswordLength
	}
	return nil, s.updateSettings(ctx, c.Principal.AccountID, func(_ *iam.Tx, st *iam.AccountSettings) error {
		st.PasswordPolicy = p
		return nil
	})
}

// noPasswordPolicy is AWS's NoSuchEntity for an account without a
// password policy.
func noPasswordPolicy(accountID string) error {
	return api.NewNoSuchEntityException("The Password Policy with domain name %s cannot be found.", accountID)
}

// GetAccountPasswordPolicy returns the account password policy, or
// NoSuchEntity while the account uses AWS's default one.
func (s *Service) GetAccountPasswordPolicy(ctx context.Context, c *call.Call, _ *struct{}) (*api.GetAccountPasswordPolicyOutput, error) {
	st, err := s.viewSettings(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	p := st.PasswordPolicy
	if p == nil {
		return nil, noPasswordPolicy(c.Principal.AccountID)
	}
	out := &api.PasswordPolicy{
		MinimumPasswordLength:      ptr(p.MinimumPasswordLength),
		RequireSymbols:             ptr(p.RequireSymbols),
		RequireNumbers:             ptr(p.RequireNumbers),
		RequireUppercaseCharacters: ptr(p.RequireUppercaseCharacters),
		RequireLowercaseCharacters: ptr(p.RequireLowercaseCharacters),
		AllowUsersToChangePassword: ptr(p.AllowUsersToChangePassword),
		ExpirePasswords:            ptr(p.MaxPasswordAge > 0),
	}
	if p.MaxPasswordAge > 0 {
		out.MaxPasswordAge = ptr(p.MaxPasswordAge)
	}
	if p.PasswordReusePrevention > 0 {
		out.PasswordReusePrevention = ptr(p.PasswordReusePrevention)
	}
	if p.MaxPasswordAge > 0 || p.HardExpiry {
		out.HardExpiry = ptr(p.HardExpiry)
	}
	return &api.GetAccountPasswordPolicyOutput{PasswordPolicy: out}, nil
}

// DeleteAccountPasswordPolicy removes the password policy: AWS's default
// policy applies again.
func (s *Service) DeleteAccountPasswordPolicy(ctx context.Context, c *call.Call, _ *struct{}) (*struct{}, error) {
	acct := c.Principal.AccountID
	return nil, s.updateSettings(ctx, acct, func(_ *iam.Tx, st *iam.AccountSettings) error {
		if st.PasswordPolicy == nil {
			return noPasswordPolicy(acct)
		}
		st.PasswordPolicy = nil
		return nil
	})
}

// accountAliasPattern is the model's pattern for aliases, which RE2 cannot
// express as written (it uses a negative lookahead to forbid "--"):
// lower-case letters, digits and single dashes, not first or last.
var accountAliasPattern = regexp.MustCompile(`^[a-z0-9](?:[a-z0-9]|-[a-z0-9])*$`)

// accountAliasModelPattern is the pattern as AWS quotes it in errors.
const accountAliasModelPattern = `^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$`

// validAccountAlias checks an alias against the model's pattern (its
// length, 3 to 63, is checked by the model already).
func validAccountAlias(alias string) error {
	if accountAliasPattern.MatchString(alias) {
		return nil
	}
	return protocol.Errorf(http.StatusBadRequest, "ValidationError",
		"1 validation error detected: Value '%s' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: %s",
		alias, accountAliasModelPattern)
}

// CreateAccountAlias gives the account its alias, replacing the one it had
// (an account has at most one). Aliases are unique across all accounts.
func (s *Service) CreateAccountAlias(ctx context.Context, c *call.Call, in *api.CreateAccountAliasInput) (*struct{}, error) {
	alias, acct := *in.AccountAlias, c.Principal.AccountID
	if err := validAccountAlias(alias); err != nil {
		return nil, err
	}
	return nil, s.updateSettings(ctx, acct, func(tx *iam.Tx, st *iam.AccountSettings) error {
		owner, err := tx.AliasOwner(alias)
		switch {
		case err == nil && owner != acct:
			return api.NewEntityAlreadyExistsException("The account alias %s already exists.", alias)
		case err == nil:
			st.Alias = alias
			return nil
		case !errors.Is(err, iam.ErrNoSuchEntity):
			return err
		}
		if st.Alias != "" {
			if err := tx.DeleteAlias(st.Alias); err != nil && !errors.Is(err, iam.ErrNoSuchEntity) {
				return err
			}
		}
		st.Alias = alias
		return tx.PutAlias(alias, acct)
	})
}

// DeleteAccountAlias removes the account's alias.
func (s *Service) DeleteAccountAlias(ctx context.Context, c *call.Call, in *api.DeleteAccountAliasInput) (*struct{}, error) {
	alias, acct := *in.AccountAlias, c.Principal.AccountID
	return nil, s.updateSettings(ctx, acct, func(tx *iam.Tx, st *iam.AccountSettings) error {
		if st.Alias != alias {
			return api.NewNoSuchEntityException("The account alias %s cannot be found.", alias)
		}
		st.Alias = ""
		if err := tx.DeleteAlias(alias); err != nil && !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		return nil
	})
}

// ListAccountAliases lists the account's alias (none or one).
func (s *Service) ListAccountAliases(ctx context.Context, c *call.Call, in *api.ListAccountAliasesInput) (*api.ListAccountAliasesOutput, error) {
	st, err := s.viewSettings(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	var aliases []string
	if st.Alias != "" {
		aliases = []string{st.Alias}
	}
	pg, truncated, marker, err := page(aliases, func(a string) string { return a }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListAccountAliasesOutput{AccountAliases: append([]string{}, pg...), IsTruncated: ptr(truncated), Marker: marker}, nil
}

// SetSecurityTokenServicePreferences records which version of session
// tokens the global STS endpoint issues (GetAccountSummary reports it).
func (s *Service) SetSecurityTokenServicePreferences(ctx context.Context, c *call.Call, in *api.SetSecurityTokenServicePreferencesInput) (*struct{}, error) {
	return nil, s.updateSettings(ctx, c.Principal.AccountID, func(_ *iam.Tx, st *iam.AccountSettings) error {
		st.GlobalEndpointTokenVersion = string(in.GlobalEndpointTokenVersion)
		return nil
	})
}

// IAM's default quotas as GetAccountSummary reports them ("IAM and AWS STS
// quotas" in the IAM User Guide). Sizes are in characters.
var summaryQuotas = map[string]int32{
	"UsersQuota":                      usersQuota,
	"GroupsQuota":                     groupsQuota,
	"RolesQuota":                      1000,
	"PoliciesQuota":                   1500,
	"InstanceProfilesQuota":           1000,
	"ServerCertificatesQuota":         20,
	"UserPolicySizeQuota":             2048,
	"GroupPolicySizeQuota":            5120,
	"RolePolicySizeQuota":             10240,
	"PolicySizeQuota":                 6144,
	"AssumeRolePolicySizeQuota":       2048,
	"GroupsPerUserQuota":              groupsPerUserQuota,
	"SigningCertificatesPerUserQuota": 2,
	"AccessKeysPerUserQuota":          accessKeysPerUserQuota,
	"AttachedPoliciesPerUserQuota":    10,
	"AttachedPoliciesPerGroupQuota":   10,
	"AttachedPoliciesPerRoleQuota":    10,
	"PolicyVersionsInUseQuota":        10000,
	"VersionsPerPolicyQuota":          5,
}

// GetAccountSummary counts the account's IAM entities and reports its
// quotas, with the keys AWS uses.
func (s *Service) GetAccountSummary(ctx context.Context, c *call.Call, _ *struct{}) (*api.GetAccountSummaryOutput, error) {
	acct := c.Principal.AccountID
	m := make(map[string]int32, len(summaryQuotas)+16)
	for k, v := range summaryQuotas {
		m[k] = v
	}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		users, err := tx.Users(acct)
		if err != nil {
			return err
		}
		groups, err := tx.Groups(acct)
		if err != nil {
			return err
		}
		roles, err := tx.Roles(acct)
		if err != nil {
			return err
		}
		attachments := 0
		for _, u := range users {
			attachments += len(u.Attached)
		}
		for _, g := range groups {
			attachments += len(g.Attached)
		}
		for _, r := range roles {
			attachments += len(r.Attached)
		}
		counts := []struct {
			key  string
			kind string
		}{
			{"Policies", iam.KindPolicy},
			{"InstanceProfiles", iam.KindInstanceProfile},
			{"ServerCertificates", iam.KindServerCertificate},
			{"Providers", iam.KindOIDCProvider},
		}
		for _, cnt := range counts {
			n, err := countAccountItems(tx, cnt.kind, acct)
			if err != nil {
				return err
			}
			m[cnt.key] += int32(n)
		}
		saml, err := countAccountItems(tx, iam.KindSAMLProvider, acct)
		if err != nil {
			return err
		}
		m["Providers"] += int32(saml)
		devices, err := tx.MFADevices(acct)
		if err != nil {
			return err
		}
		var inUse, rootMFA int32
		for _, d := range devices {
			if d.UserName != "" {
				inUse++
			}
			if d.UserName == iam.RootMFAUser {
				rootMFA = 1
			}
		}
		rootKeys, err := account.RootAccessKeys(tx, acct)
		if err != nil {
			return err
		}
		a, err := account.Get(tx, acct)
		if err != nil {
			return err
		}
		settings, err := tx.Settings(acct)
		if err != nil {
			return err
		}
		m["Users"] = int32(len(users))
		m["Groups"] = int32(len(groups))
		m["Roles"] = int32(len(roles))
		m["PolicyVersionsInUse"] = int32(attachments)
		m["MFADevices"] = int32(len(devices))
		m["MFADevicesInUse"] = inUse
		m["AccountMFAEnabled"] = rootMFA
		m["AccountAccessKeysPresent"] = boolCount(len(rootKeys) > 0)
		m["AccountPasswordPresent"] = boolCount(len(a.RootPasswordSealed) > 0)
		m["AccountSigningCertificatesPresent"] = 0
		m["GlobalEndpointTokenVersion"] = 1
		if settings.GlobalEndpointTokenVersion == string(api.GlobalEndpointTokenVersionV2Token) {
			m["GlobalEndpointTokenVersion"] = 2
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.GetAccountSummaryOutput{SummaryMap: m}, nil
}

// boolCount is 1 for true and 0 for false, as the summary map counts flags.
func boolCount(b bool) int32 {
	if b {
		return 1
	}
	return 0
}
