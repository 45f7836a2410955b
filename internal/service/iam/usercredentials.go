package iam

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file and the usercredentials_*.go files serve a user's credentials
// other than passwords and access keys: SSH public keys (for CodeCommit),
// X.509 signing certificates and service-specific credentials. They live
// in the User record (User.SSHPublicKeys, SigningCerts, ServiceCreds), so a
// change and its quota check are one write of one item.

// sshPublicKeysPerUser is IAM's quota of SSH public keys per user.
const sshPublicKeysPerUser = 5

func (s *Service) registerUserCredentials(r *call.Registry) {
	r.Handle(api.Service, "UploadSSHPublicKey", call.Typed(s.uploadSSHPublicKey))
	r.Handle(api.Service, "GetSSHPublicKey", call.Typed(s.getSSHPublicKey))
	r.Handle(api.Service, "UpdateSSHPublicKey", call.Typed(s.updateSSHPublicKey))
	r.Handle(api.Service, "DeleteSSHPublicKey", call.Typed(s.deleteSSHPublicKey))
	r.Handle(api.Service, "ListSSHPublicKeys", call.Typed(s.listSSHPublicKeys))
	s.registerSigningCertificates(r)
	s.registerServiceSpecificCredentials(r)
}

// credentialOwner resolves whose credentials an operation acts on: the
// user named by userName, or, without one, the caller itself, which is an
// IAM user (name) or the root user (root). Other callers (role sessions,
// federated users) must name the user, as in AWS.
func credentialOwner(c *call.Call, userName *string) (name string, root bool, err error) {
	if n := deref(userName); n != "" {
		return n, false, nil
	}
	switch c.Principal.Type {
	case identity.Root:
		return "", true, nil
	case identity.IAMUser:
		return c.Principal.UserName, false, nil
	}
	return "", false, protocol.Errorf(http.StatusBadRequest, "ValidationError", "Must specify userName when calling with non-User credentials")
}

// credentialUser loads the user an operation on credentials acts on.
func credentialUser(tx *iam.Tx, accountID, name string) (*iam.User, error) {
	u, err := tx.User(accountID, name)
	if err != nil {
		return nil, notFound(err, "user", name)
	}
	return u, nil
}

func errNoSuchSSHPublicKey(id string) *protocol.Error {
	return api.NewNoSuchEntityException("The Public Key with id %s cannot be found.", id)
}

// findSSHPublicKey returns the index of the user's key with id, or -1.
func findSSHPublicKey(u *iam.User, id string) int {
	return slices.IndexFunc(u.SSHPublicKeys, func(k iam.SSHPublicKey) bool { return k.ID == id })
}

func (s *Service) uploadSSHPublicKey(ctx context.Context, c *call.Call, in *api.UploadSSHPublicKeyInput) (*api.UploadSSHPublicKeyOutput, error) {
	acct, name := c.Principal.AccountID, deref(in.UserName)
	key, perr := parseSSHPublicKey(deref(in.SSHPublicKeyBody))
	if perr != nil {
		return nil, perr
	}
	rec := iam.SSHPublicKey{
		ID:          iam.NewID(iam.PrefixSSHPublicKey),
		Body:        strings.TrimSpace(deref(in.SSHPublicKeyBody)),
		Fingerprint: key.fingerprint(),
		Status:      string(api.StatusTypeActive),
		UploadDate:  s.now(),
	}
	var u *iam.User
	err := s.dir.Update(ctx, func(tx *iam.Tx) (err error) {
		if u, err = credentialUser(tx, acct, name); err != nil {
			return err
		}
		for _, k := range u.SSHPublicKeys {
			if k.Fingerprint == rec.Fingerprint {
				return api.NewDuplicateSSHPublicKeyException("The SSH public key is already associated with user %s.", u.Name)
			}
		}
		if len(u.SSHPublicKeys) >= sshPublicKeysPerUser {
			return limitExceeded("SSHPublicKeysPerUser", sshPublicKeysPerUser)
		}
		u.SSHPublicKeys = append(u.SSHPublicKeys, rec)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	out := apiSSHPublicKey(u.Name, &rec, rec.Body)
	return &api.UploadSSHPublicKeyOutput{SSHPublicKey: &out}, nil
}

func apiSSHPublicKey(userName string, k *iam.SSHPublicKey, body string) api.SSHPublicKey {
	return api.SSHPublicKey{
		UserName: ptr(userName), SSHPublicKeyId: ptr(k.ID), Fingerprint: ptr(k.Fingerprint),
		SSHPublicKeyBody: ptr(body), Status: api.StatusType(k.Status), UploadDate: timePtr(k.UploadDate),
	}
}

func (s *Service) getSSHPublicKey(ctx context.Context, c *call.Call, in *api.GetSSHPublicKeyInput) (*api.GetSSHPublicKeyOutput, error) {
	acct, name, id := c.Principal.AccountID, deref(in.UserName), deref(in.SSHPublicKeyId)
	var u *iam.User
	err := s.dir.View(ctx, func(tx *iam.Tx) (err error) {
		u, err = credentialUser(tx, acct, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	i := findSSHPublicKey(u, id)
	if i < 0 {
		return nil, errNoSuchSSHPublicKey(id)
	}
	rec := &u.SSHPublicKeys[i]
	key, perr := parseSSHPublicKey(rec.Body)
	if perr != nil {
		return nil, fmt.Errorf("iam: stored SSH public key %s no longer parses: %v", rec.ID, perr)
	}
	body := rec.Body
	switch {
	case in.Encoding == api.EncodingTypeSsh && key.encoding != sshEncodingSSH:
		body = key.sshText()
	case in.Encoding == api.EncodingTypePem && key.encoding != sshEncodingPEM:
		if body, err = key.pemText(); err != nil {
			return nil, err
		}
	}
	out := apiSSHPublicKey(u.Name, rec, body)
	return &api.GetSSHPublicKeyOutput{SSHPublicKey: &out}, nil
}

func (s *Service) updateSSHPublicKey(ctx context.Context, c *call.Call, in *api.UpdateSSHPublicKeyInput) (*struct{}, error) {
	acct, name, id := c.Principal.AccountID, deref(in.UserName), deref(in.SSHPublicKeyId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, err := credentialUser(tx, acct, name)
		if err != nil {
			return err
		}
		i := findSSHPublicKey(u, id)
		if i < 0 {
			return errNoSuchSSHPublicKey(id)
		}
		u.SSHPublicKeys[i].Status = string(in.Status)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) deleteSSHPublicKey(ctx context.Context, c *call.Call, in *api.DeleteSSHPublicKeyInput) (*struct{}, error) {
	acct, name, id := c.Principal.AccountID, deref(in.UserName), deref(in.SSHPublicKeyId)
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		u, err := credentialUser(tx, acct, name)
		if err != nil {
			return err
		}
		i := findSSHPublicKey(u, id)
		if i < 0 {
			return errNoSuchSSHPublicKey(id)
		}
		u.SSHPublicKeys = slices.Delete(u.SSHPublicKeys, i, i+1)
		return tx.PutUser(u)
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listSSHPublicKeys(ctx context.Context, c *call.Call, in *api.ListSSHPublicKeysInput) (*api.ListSSHPublicKeysOutput, error) {
	acct := c.Principal.AccountID
	name, root, err := credentialOwner(c, in.UserName)
	if err != nil {
		return nil, err
	}
	var keys []iam.SSHPublicKey
	if !root { // the root user has no SSH public keys
		err = s.dir.View(ctx, func(tx *iam.Tx) error {
			u, err := credentialUser(tx, acct, name)
			if err != nil {
				return err
			}
			name, keys = u.Name, u.SSHPublicKeys
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	items, truncated, next, err := pageByPosition(keys, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListSSHPublicKeysOutput{SSHPublicKeys: []api.SSHPublicKeyMetadata{}, IsTruncated: ptr(truncated), Marker: next}
	for _, p := range items {
		out.SSHPublicKeys = append(out.SSHPublicKeys, api.SSHPublicKeyMetadata{
			UserName: ptr(name), SSHPublicKeyId: ptr(p.ID), Status: api.StatusType(p.Status), UploadDate: timePtr(p.UploadDate),
		})
	}
	return out, nil
}
