package iam

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves service-specific credentials: a user name and password
// for CodeCommit (Git over HTTPS) or Amazon Keyspaces, or an API key for
// Amazon Bedrock, each usable with that one service only. The secret is
// shown once, when created or reset, and stored sealed.

// serviceCredsPerService is IAM's quota of credentials per user and service.
const serviceCredsPerService = 2

// serviceCredSealPurpose is the keyring purpose of the sealed secrets.
const serviceCredSealPurpose = "service-credential"

// serviceCredStyle is the form of a service's credentials.
type serviceCredStyle int

const (
	// styleUserPassword is ServiceUserName "<user>-at-<account id>" and a
	// generated ServicePassword.
	styleUserPassword serviceCredStyle = iota
	// styleAPIKey is an API key: a public ServiceCredentialAlias and a
	// ServiceCredentialSecret; it may be given an expiry. The alias is kept
	// in the record's ServiceUserName.
	styleAPIKey
)

// serviceCredServices are the services IAM issues credentials for.
var serviceCredServices = map[string]serviceCredStyle{
	"codecommit.amazonaws.com": styleUserPassword,
	"cassandra.amazonaws.com":  styleUserPassword,
	"bedrock.amazonaws.com":    styleAPIKey,
}

func (s *Service) registerServiceSpecificCredentials(r *call.Registry) {
	r.Handle(api.Service, "CreateServiceSpecificCredential", call.Typed(s.createServiceSpecificCredential))
	r.Handle(api.Service, "ResetServiceSpecificCredential", call.Typed(s.resetServiceSpecificCredential))
	r.Handle(api.Service, "UpdateServiceSpecificCredential", call.Typed(s.updateServiceSpecificCredential))
	r.Handle(api.Service, "DeleteServiceSpecificCredential", call.Typed(s.deleteServiceSpecificCredential))
	r.Handle(api.Service, "ListServiceSpecificCredentials", call.Typed(s.listServiceSpecificCredentials))
}

func errServiceNotSupported(service string) *protocol.Error {
	return api.NewServiceNotSupportedException("Service-specific credentials are not available for %s.", service)
}

func errNoSuchServiceCredential(id string) *protocol.Error {
	return api.NewNoSuchEntityException("The Service Specific Credential with id %s cannot be found.", id)
}

// newServiceSecret returns a fresh service password or API key secret for
// a credential: 32 random bytes in base64 (44 characters), and for an API
// key "ABSK" and the base64 of "<alias>:<that>", so that the key carries
// its public part as Bedrock's keys do.
func newServiceSecret(style serviceCredStyle, alias string) (string, error) {
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return "", fmt.Errorf("iam: generate service credential secret: %w", err)
	}
	secret := base64.StdEncoding.EncodeToString(raw)
	if style == styleAPIKey {
		return "ABSK" + base64.StdEncoding.EncodeToString([]byte(alias+":"+secret)), nil
	}
	return secret, nil
}

// credentialStatus is the status shown for a credential: Expired once its
// expiration date has passed, whatever it was set to.
func credentialStatus(cr *iam.ServiceSpecificCredential, now time.Time) api.StatusType {
	if !cr.ExpirationDate.IsZero() && !now.Before(cr.ExpirationDate) {
		return api.StatusTypeExpired
	}
	return api.StatusType(cr.Status)
}

// apiServiceCredential is a credential as Create and Reset return it, with
// its secret.
func apiServiceCredential(userName string, cr *iam.ServiceSpecificCredential, secret string, now time.Time) *api.ServiceSpecificCredential {
	out := &api.ServiceSpecificCredential{
		CreateDate: ptr(cr.CreateDate), ExpirationDate: timePtr(cr.ExpirationDate), ServiceName: ptr(cr.ServiceName),
		ServiceSpecificCredentialId: ptr(cr.ID), UserName: ptr(userName), Status: credentialStatus(cr, now),
	}
	if serviceCredServices[cr.ServiceName] == styleAPIKey {
		out.ServiceCredentialAlias, out.ServiceCredentialSecret = ptr(cr.ServiceUserName), ptr(secret)
	} else {
		out.ServiceUserName, out.ServicePassword = ptr(cr.ServiceUserName), ptr(secret)
	}
	return out
}

func apiServiceCredentialMetadata(userName string, cr *iam.ServiceSpecificCredential, now time.Time) api.ServiceSpecificCredentialMetadata {
	out := api.ServiceSpecificCredentialMetadata{
		UserName: ptr(userName), Status: credentialStatus(cr, now), CreateDate: ptr(cr.CreateDate),
		ExpirationDate: timePtr(cr.ExpirationDate), ServiceSpecificCredentialId: ptr(cr.ID), ServiceName: ptr(cr.ServiceName),
	}
	if serviceCredServices[cr.ServiceName] == styleAPIKey {
		out.ServiceCredentialAlias = ptr(cr.ServiceUserName)
	} else {
		out.ServiceUserName = ptr(cr.ServiceUserName)
	}
	return out
}

func (s *Service) sealServiceSecret(id, secret string) ([]byte, error) {
	return s.dir.Keyring().Seal(serviceCredSealPurpose, []byte(secret), []byte(id))
}

func (s *Service) createServiceSpecificCredential(ctx context.Context, c *call.Call, in *api.CreateServiceSpecificCredentialInput) (*api.CreateServiceSpecificCredentialOutput, error) {
	acct, name, service := c.Principal.AccountID, deref(in.UserName), deref(in.ServiceName)
	style, ok := serviceCredServices[service]
	if !ok {
		return nil, errServiceNotSupported(service)
	}
	if in.CredentialAgeDays != nil && style != styleAPIKey {
		return nil, invalidInput("CredentialAgeDays can be set only for API keys (bedrock.amazonaws.com), not for %s.", service)
	}
	now := s.now()
	var out *api.ServiceSpecificCredential
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, err := credentialUser(tx, acct, name)
		if err != nil {
			return err
		}
		n := 0
		for _, cr := range u.ServiceCreds {
			if cr.ServiceName == service {
				n++
			}
		}
		if n >= serviceCredsPerService {
			return limitExceeded("ServiceSpecificCredentialsPerUserPerService", serviceCredsPerService)
		}
		cr := iam.ServiceSpecificCredential{
			ID: iam.NewID(iam.PrefixServiceCredential), ServiceName: service,
			Status: string(api.StatusTypeActive), CreateDate: now,
		}
		cr.ServiceUserName = u.Name + "-at-" + acct
		if style == styleAPIKey {
			// The alias carries the user name and a version and creation
			// suffix, as AWS's Bedrock API keys do.
			cr.ServiceUserName = u.Name + "-at-" + acct + "-v1-" + strconv.FormatInt(now.Unix(), 10)
			if in.CredentialAgeDays != nil {
				cr.ExpirationDate = now.AddDate(0, 0, int(*in.CredentialAgeDays))
			}
		}
		secret, err := newServiceSecret(style, cr.ServiceUserName)
		if err != nil {
			return err
		}
		if cr.PasswordSealed, err = s.sealServiceSecret(cr.ID, secret); err != nil {
			return err
		}
		u.ServiceCreds = append(u.ServiceCreds, cr)
		out = apiServiceCredential(u.Name, &cr, secret, now)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateServiceSpecificCredentialOutput{ServiceSpecificCredential: out}, nil
}

// serviceCredentialOf loads the user an operation names (or the caller)
// and finds the credential id among theirs. The root user has none.
func serviceCredentialOf(tx *iam.Tx, c *call.Call, userName *string, id string) (*iam.User, int, error) {
	name, root, err := credentialOwner(c, userName)
	if err != nil {
		return nil, 0, err
	}
	if root {
		return nil, 0, errNoSuchServiceCredential(id)
	}
	u, err := credentialUser(tx, c.Principal.AccountID, name)
	if err != nil {
		return nil, 0, err
	}
	i := slices.IndexFunc(u.ServiceCreds, func(cr iam.ServiceSpecificCredential) bool { return cr.ID == id })
	if i < 0 {
		return nil, 0, errNoSuchServiceCredential(id)
	}
	return u, i, nil
}

func (s *Service) resetServiceSpecificCredential(ctx context.Context, c *call.Call, in *api.ResetServiceSpecificCredentialInput) (*api.ResetServiceSpecificCredentialOutput, error) {
	id := deref(in.ServiceSpecificCredentialId)
	now := s.now()
	var out *api.ServiceSpecificCredential
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, i, err := serviceCredentialOf(tx, c, in.UserName, id)
		if err != nil {
			return err
		}
		cr := &u.ServiceCreds[i]
		secret, err := newServiceSecret(serviceCredServices[cr.ServiceName], cr.ServiceUserName)
		if err != nil {
			return err
		}
		if cr.PasswordSealed, err = s.sealServiceSecret(cr.ID, secret); err != nil {
			return err
		}
		out = apiServiceCredential(u.Name, cr, secret, now)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return &api.ResetServiceSpecificCredentialOutput{ServiceSpecificCredential: out}, nil
}

func (s *Service) updateServiceSpecificCredential(ctx context.Context, c *call.Call, in *api.UpdateServiceSpecificCredentialInput) (*struct{}, error) {
	id := deref(in.ServiceSpecificCredentialId)
	if in.Status == api.StatusTypeExpired {
		return nil, invalidInput("The status of a service-specific credential can be set to Active or Inactive only.")
	}
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, i, err := serviceCredentialOf(tx, c, in.UserName, id)
		if err != nil {
			return err
		}
		u.ServiceCreds[i].Status = string(in.Status)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deleteServiceSpecificCredential(ctx context.Context, c *call.Call, in *api.DeleteServiceSpecificCredentialInput) (*struct{}, error) {
	id := deref(in.ServiceSpecificCredentialId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, i, err := serviceCredentialOf(tx, c, in.UserName, id)
		if err != nil {
			return err
		}
		u.ServiceCreds = slices.Delete(u.ServiceCreds, i, i+1)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

// userServiceCred is one listed credential with its user's name and a
// sort key (lower-cased user name, then position).
type userServiceCred struct {
	key  string
	user string
	cred *iam.ServiceSpecificCredential
}

func (s *Service) listServiceSpecificCredentials(ctx context.Context, c *call.Call, in *api.ListServiceSpecificCredentialsInput) (*api.ListServiceSpecificCredentialsOutput, error) {
	acct, service, all := c.Principal.AccountID, deref(in.ServiceName), deref(in.AllUsers)
	if service != "" {
		if _, ok := serviceCredServices[service]; !ok {
			return nil, errServiceNotSupported(service)
		}
	}
	if all && deref(in.UserName) != "" {
		return nil, invalidInput("AllUsers and UserName cannot be given together.")
	}
	var users []*iam.User
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		if all {
			var err error
			users, err = tx.Users(acct)
			return err
		}
		name, root, err := credentialOwner(c, in.UserName)
		if err != nil || root { // the root user has no service-specific credentials
			return err
		}
		u, err := credentialUser(tx, acct, name)
		if err != nil {
			return err
		}
		users = []*iam.User{u}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var creds []userServiceCred
	for _, u := range users {
		for i := range u.ServiceCreds {
			cr := &u.ServiceCreds[i]
			if service != "" && cr.ServiceName != service {
				continue
			}
			creds = append(creds, userServiceCred{key: fmt.Sprintf("%s/%08d", strings.ToLower(u.Name), i), user: u.Name, cred: cr})
		}
	}
	items, truncated, next, err := page(creds, func(x userServiceCred) string { return x.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	now := s.now()
	out := &api.ListServiceSpecificCredentialsOutput{ServiceSpecificCredentials: []api.ServiceSpecificCredentialMetadata{}, IsTruncated: ptr(truncated), Marker: next}
	for _, x := range items {
		out.ServiceSpecificCredentials = append(out.ServiceSpecificCredentials, apiServiceCredentialMetadata(x.user, x.cred, now))
	}
	return out, nil
}
