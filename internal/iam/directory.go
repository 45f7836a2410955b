// Package iam holds the IAM entities of every account as gatehouse stores
// them (users, groups, roles, managed policies and their versions, instance
// profiles, MFA devices, identity providers, server certificates, account
// settings) and the reads the rest of gatehouse needs from them: a
// principal's policies for the authorizer, roles and providers for STS.
//
// internal/service/iam serves the IAM API over this package; internal/authz
// and internal/service/sts read through it. Every write goes through
// Directory.Update, which bumps a generation counter after the commit so
// that cached policy sets are rebuilt on their next use.
package iam

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Storage kinds. Keys are "<account>/<lower-cased name>" (IAM names are
// unique regardless of case) unless the kind says otherwise.
const (
	KindUser            = "iam/user"
	KindGroup           = "iam/group"
	KindRole            = "iam/role"
	KindPolicy          = "iam/policy" // customer managed policies
	KindInstanceProfile = "iam/instance-profile"
	// KindMFADevice is keyed by "<account>/<serial number>".
	KindMFADevice = "iam/mfa"
	// KindOIDCProvider and KindSAMLProvider are keyed by "<account>/<ARN>".
	KindOIDCProvider      = "iam/oidc"
	KindSAMLProvider      = "iam/saml"
	KindServerCertificate = "iam/server-certificate"
	// KindAccountSettings is keyed by the account id.
	KindAccountSettings = "iam/account"
	// KindAWSPolicyUsage is keyed by "<account>/<AWS managed policy name>"
	// and counts the account's attachments of an AWS managed policy.
	KindAWSPolicyUsage = "iam/aws-policy-usage"
)

// Key returns the storage key of a named entity of an account.
func Key(accountID, name string) string { return accountID + "/" + strings.ToLower(name) }

// ErrNoSuchEntity is returned by the getters when the entity does not exist.
var ErrNoSuchEntity = errors.New("iam: no such entity")

// AWSManagedPolicies serves the read-only AWS managed policies
// (arn:aws:iam::aws:policy/...).
type AWSManagedPolicies interface {
	// Get returns the policy with the given ARN, or nil.
	Get(arn string) *ManagedPolicy
	// All returns every AWS managed policy, sorted by name.
	All() []*ManagedPolicy
}

// Directory is the IAM entity store.
type Directory struct {
	st    store.Store
	kr    *keyring.Keyring
	creds *account.Credentials
	aws   AWSManagedPolicies

	// generation counts committed IAM writes; caches derived from IAM
	// entities compare it to know they are current.
	generation atomic.Uint64
	sets       sync.Map // principal cache key -> *cachedPermissions
	docs       docCache
	usage      usageTracker
}

// NewDirectory returns a directory over st. kr seals secrets; creds is the
// access key resolver whose cache IAM's key writes invalidate; aws serves
// the AWS managed policies (nil for none).
func NewDirectory(st store.Store, kr *keyring.Keyring, creds *account.Credentials, aws AWSManagedPolicies) *Directory {
	return &Directory{st: st, kr: kr, creds: creds, aws: aws}
}

// Store returns the underlying store.
func (d *Directory) Store() store.Store { return d.st }

// Keyring returns the keyring that seals IAM secrets.
func (d *Directory) Keyring() *keyring.Keyring { return d.kr }

// Credentials returns the access key resolver.
func (d *Directory) Credentials() *account.Credentials { return d.creds }

// AWSManaged returns the AWS managed policies.
func (d *Directory) AWSManaged() AWSManagedPolicies { return d.aws }

// Generation returns the number of IAM writes committed so far.
func (d *Directory) Generation() uint64 { return d.generation.Load() }

// Invalidate marks every cached view of IAM entities stale (after a store
// reset, or a write made outside Update).
func (d *Directory) Invalidate() {
	d.generation.Add(1)
	d.sets.Clear()
}

// Tx is a transaction over IAM entities.
type Tx struct {
	store.Tx
	d *Directory
	// afterCommit runs once the transaction has committed.
	afterCommit []func()
}

// AfterCommit registers fn to run after the transaction commits (not after
// a rollback): cache invalidations of things outside the directory.
func (tx *Tx) AfterCommit(fn func()) { tx.afterCommit = append(tx.afterCommit, fn) }

// Directory returns the directory the transaction belongs to.
func (tx *Tx) Directory() *Directory { return tx.d }

// Update runs fn in a read-write transaction. After the commit it bumps the
// generation, so caches of policy sets are rebuilt, and runs the
// transaction's AfterCommit functions.
func (d *Directory) Update(ctx context.Context, fn func(*Tx) error) error {
	var tx *Tx
	err := d.st.Update(ctx, func(stx store.Tx) error {
		tx = &Tx{Tx: stx, d: d}
		return fn(tx)
	})
	if err != nil {
		return err
	}
	d.generation.Add(1)
	for _, f := range tx.afterCommit {
		f()
	}
	return nil
}

// View runs fn in a read-only transaction.
func (d *Directory) View(ctx context.Context, fn func(*Tx) error) error {
	return d.st.View(ctx, func(stx store.Tx) error {
		return fn(&Tx{Tx: stx, d: d})
	})
}

// getJSON reads kind/key into v, mapping store.ErrNotFound to ErrNoSuchEntity.
func getJSON(tx store.Tx, kind, key string, v any) error {
	err := store.GetJSON(tx, kind, key, v)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSuchEntity
	}
	return err
}

// deleteKey removes kind/key, mapping store.ErrNotFound to ErrNoSuchEntity.
func deleteKey(tx store.Tx, kind, key string) error {
	err := tx.Delete(kind, key)
	if errors.Is(err, store.ErrNotFound) {
		return ErrNoSuchEntity
	}
	return err
}

// listJSON decodes every item of kind in an account, in key order.
func listJSON[T any](tx store.Tx, kind, accountID string) ([]*T, error) {
	return store.ListJSON[T](tx, kind, accountID+"/")
}

// User returns a user by name (any case).
func (tx *Tx) User(accountID, name string) (*User, error) {
	u := new(User)
	return u, getJSON(tx, KindUser, Key(accountID, name), u)
}

// PutUser stores u.
func (tx *Tx) PutUser(u *User) error { return store.PutJSON(tx, KindUser, Key(u.AccountID, u.Name), u) }

// DeleteUser removes the record of the named user.
func (tx *Tx) DeleteUser(accountID, name string) error {
	return deleteKey(tx, KindUser, Key(accountID, name))
}

// Users returns every user of the account, ordered by lower-cased name.
func (tx *Tx) Users(accountID string) ([]*User, error) {
	return listJSON[User](tx, KindUser, accountID)
}

// Group returns a group by name.
func (tx *Tx) Group(accountID, name string) (*Group, error) {
	g := new(Group)
	return g, getJSON(tx, KindGroup, Key(accountID, name), g)
}

// PutGroup stores g.
func (tx *Tx) PutGroup(g *Group) error {
	return store.PutJSON(tx, KindGroup, Key(g.AccountID, g.Name), g)
}

// DeleteGroup removes the record of the named group.
func (tx *Tx) DeleteGroup(accountID, name string) error {
	return deleteKey(tx, KindGroup, Key(accountID, name))
}

// Groups returns every group of the account.
func (tx *Tx) Groups(accountID string) ([]*Group, error) {
	return listJSON[Group](tx, KindGroup, accountID)
}

// Role returns a role by name.
func (tx *Tx) Role(accountID, name string) (*Role, error) {
	r := new(Role)
	return r, getJSON(tx, KindRole, Key(accountID, name), r)
}

// PutRole stores r.
func (tx *Tx) PutRole(r *Role) error { return store.PutJSON(tx, KindRole, Key(r.AccountID, r.Name), r) }

// DeleteRole removes the record of the named role.
func (tx *Tx) DeleteRole(accountID, name string) error {
	return deleteKey(tx, KindRole, Key(accountID, name))
}

// Roles returns every role of the account.
func (tx *Tx) Roles(accountID string) ([]*Role, error) {
	return listJSON[Role](tx, KindRole, accountID)
}

// Policy returns a managed policy by ARN: a customer managed policy of
// accountID (the ARN's account must match it) or an AWS managed policy.
func (tx *Tx) Policy(accountID, arn string) (*ManagedPolicy, error) {
	acct, path, name, ok := ParsePolicyARN(arn)
	if !ok {
		return nil, ErrNoSuchEntity
	}
	if acct == "aws" {
		if tx.d.aws != nil {
			if p := tx.d.aws.Get(arn); p != nil {
				return p, nil
			}
		}
		return nil, ErrNoSuchEntity
	}
	if acct != accountID {
		return nil, ErrNoSuchEntity
	}
	p := new(ManagedPolicy)
	if err := getJSON(tx, KindPolicy, Key(acct, name), p); err != nil {
		return nil, err
	}
	if p.Path != path || p.Name != name {
		return nil, ErrNoSuchEntity
	}
	return p, nil
}

// PolicyByName returns the account's customer managed policy of that name.
func (tx *Tx) PolicyByName(accountID, name string) (*ManagedPolicy, error) {
	p := new(ManagedPolicy)
	return p, getJSON(tx, KindPolicy, Key(accountID, name), p)
}

// PutPolicy stores a customer managed policy.
func (tx *Tx) PutPolicy(p *ManagedPolicy) error {
	if p.AccountID == "aws" {
		return fmt.Errorf("iam: AWS managed policy %s is read-only", p.Name)
	}
	return store.PutJSON(tx, KindPolicy, Key(p.AccountID, p.Name), p)
}

// DeletePolicy removes a customer managed policy.
func (tx *Tx) DeletePolicy(accountID, name string) error {
	return deleteKey(tx, KindPolicy, Key(accountID, name))
}

// Policies returns every customer managed policy of the account.
func (tx *Tx) Policies(accountID string) ([]*ManagedPolicy, error) {
	return listJSON[ManagedPolicy](tx, KindPolicy, accountID)
}

// InstanceProfile returns an instance profile by name.
func (tx *Tx) InstanceProfile(accountID, name string) (*InstanceProfile, error) {
	p := new(InstanceProfile)
	return p, getJSON(tx, KindInstanceProfile, Key(accountID, name), p)
}

// PutInstanceProfile stores p.
func (tx *Tx) PutInstanceProfile(p *InstanceProfile) error {
	return store.PutJSON(tx, KindInstanceProfile, Key(p.AccountID, p.Name), p)
}

// DeleteInstanceProfile removes the named instance profile.
func (tx *Tx) DeleteInstanceProfile(accountID, name string) error {
	return deleteKey(tx, KindInstanceProfile, Key(accountID, name))
}

// InstanceProfiles returns every instance profile of the account.
func (tx *Tx) InstanceProfiles(accountID string) ([]*InstanceProfile, error) {
	return listJSON[InstanceProfile](tx, KindInstanceProfile, accountID)
}

// MFADevice returns a virtual MFA device by serial number (its ARN).
func (tx *Tx) MFADevice(accountID, serial string) (*MFADevice, error) {
	m := new(MFADevice)
	return m, getJSON(tx, KindMFADevice, accountID+"/"+serial, m)
}

// PutMFADevice stores m.
func (tx *Tx) PutMFADevice(m *MFADevice) error {
	return store.PutJSON(tx, KindMFADevice, m.AccountID+"/"+m.SerialNumber, m)
}

// DeleteMFADevice removes a virtual MFA device.
func (tx *Tx) DeleteMFADevice(accountID, serial string) error {
	return deleteKey(tx, KindMFADevice, accountID+"/"+serial)
}

// MFADevices returns every virtual MFA device of the account.
func (tx *Tx) MFADevices(accountID string) ([]*MFADevice, error) {
	return listJSON[MFADevice](tx, KindMFADevice, accountID)
}

// OIDCProvider returns an OpenID Connect provider by ARN.
func (tx *Tx) OIDCProvider(accountID, arn string) (*OIDCProvider, error) {
	p := new(OIDCProvider)
	return p, getJSON(tx, KindOIDCProvider, accountID+"/"+arn, p)
}

// PutOIDCProvider stores p.
func (tx *Tx) PutOIDCProvider(p *OIDCProvider) error {
	return store.PutJSON(tx, KindOIDCProvider, p.AccountID+"/"+p.ARN, p)
}

// DeleteOIDCProvider removes an OpenID Connect provider.
func (tx *Tx) DeleteOIDCProvider(accountID, arn string) error {
	return deleteKey(tx, KindOIDCProvider, accountID+"/"+arn)
}

// OIDCProviders returns every OpenID Connect provider of the account.
func (tx *Tx) OIDCProviders(accountID string) ([]*OIDCProvider, error) {
	return listJSON[OIDCProvider](tx, KindOIDCProvider, accountID)
}

// SAMLProvider returns a SAML provider by ARN.
func (tx *Tx) SAMLProvider(accountID, arn string) (*SAMLProvider, error) {
	p := new(SAMLProvider)
	return p, getJSON(tx, KindSAMLProvider, accountID+"/"+arn, p)
}

// PutSAMLProvider stores p.
func (tx *Tx) PutSAMLProvider(p *SAMLProvider) error {
	return store.PutJSON(tx, KindSAMLProvider, p.AccountID+"/"+p.ARN, p)
}

// DeleteSAMLProvider removes a SAML provider.
func (tx *Tx) DeleteSAMLProvider(accountID, arn string) error {
	return deleteKey(tx, KindSAMLProvider, accountID+"/"+arn)
}

// SAMLProviders returns every SAML provider of the account.
func (tx *Tx) SAMLProviders(accountID string) ([]*SAMLProvider, error) {
	return listJSON[SAMLProvider](tx, KindSAMLProvider, accountID)
}

// ServerCertificate returns a server certificate by name.
func (tx *Tx) ServerCertificate(accountID, name string) (*ServerCertificate, error) {
	c := new(ServerCertificate)
	return c, getJSON(tx, KindServerCertificate, Key(accountID, name), c)
}

// PutServerCertificate stores c.
func (tx *Tx) PutServerCertificate(c *ServerCertificate) error {
	return store.PutJSON(tx, KindServerCertificate, Key(c.AccountID, c.Name), c)
}

// DeleteServerCertificate removes a server certificate.
func (tx *Tx) DeleteServerCertificate(accountID, name string) error {
	return deleteKey(tx, KindServerCertificate, Key(accountID, name))
}

// ServerCertificates returns every server certificate of the account.
func (tx *Tx) ServerCertificates(accountID string) ([]*ServerCertificate, error) {
	return listJSON[ServerCertificate](tx, KindServerCertificate, accountID)
}

// Settings returns the account's IAM settings; a fresh record when none is stored.
func (tx *Tx) Settings(accountID string) (*AccountSettings, error) {
	s := &AccountSettings{AccountID: accountID}
	err := getJSON(tx, KindAccountSettings, accountID, s)
	if errors.Is(err, ErrNoSuchEntity) {
		return s, nil
	}
	return s, err
}

// PutSettings stores the account's IAM settings.
func (tx *Tx) PutSettings(s *AccountSettings) error {
	return store.PutJSON(tx, KindAccountSettings, s.AccountID, s)
}

// AWSPolicyUsage returns how many of the account's entities have the AWS
// managed policy attached, and use it as a permissions boundary.
func (tx *Tx) AWSPolicyUsage(accountID, name string) (attachments, boundaries int, err error) {
	var u struct{ A, B int }
	err = getJSON(tx, KindAWSPolicyUsage, accountID+"/"+name, &u)
	if errors.Is(err, ErrNoSuchEntity) {
		return 0, 0, nil
	}
	return u.A, u.B, err
}

// AddAWSPolicyUsage adds to the account's counts of an AWS managed policy.
func (tx *Tx) AddAWSPolicyUsage(accountID, name string, attachments, boundaries int) error {
	a, b, err := tx.AWSPolicyUsage(accountID, name)
	if err != nil {
		return err
	}
	a, b = max(0, a+attachments), max(0, b+boundaries)
	if a == 0 && b == 0 {
		if err := tx.Delete(KindAWSPolicyUsage, accountID+"/"+name); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		return nil
	}
	return store.PutJSON(tx, KindAWSPolicyUsage, accountID+"/"+name, struct{ A, B int }{a, b})
}
