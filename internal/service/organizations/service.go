// Package organizations serves the AWS Organizations API over the state of
// internal/organizations: organizations with their root, organizational
// units, member accounts (created as real gatehouse accounts, or invited),
// policies of every type the model names, delegated administrators,
// trusted service access, the organization's resource policy and tags.
// One file holds one resource family.
package organizations

import (
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// Service is the Organizations implementation.
type Service struct {
	orgs  *organizations.Store
	creds *account.Credentials
	log   *slog.Logger
	// now is the clock; tests replace it to expire handshakes and finish
	// account closures.
	now func() time.Time
}

// New returns the Organizations service over orgs. creds creates the root
// users of new accounts.
func New(orgs *organizations.Store, creds *account.Credentials, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{orgs: orgs, creds: creds, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Register adds the Organizations handlers to r. Operations a register
// function does not list answer NotImplemented, naming the operation.
func (s *Service) Register(r *call.Registry) {
	for _, register := range []func(*call.Registry){
		s.registerOrganization,
		s.registerAccounts,
		s.registerOUs,
		s.registerHandshakes,
		s.registerPolicies,
		s.registerPolicyTypes,
		s.registerEffectivePolicies,
		s.registerDelegatedAdministrators,
		s.registerServiceAccess,
		s.registerResourcePolicy,
		s.registerTags,
		s.registerResponsibilityTransfers,
	} {
		register(r)
	}
}
