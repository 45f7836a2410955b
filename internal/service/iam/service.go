// Package iam serves the AWS Identity and Access Management API over the
// entities of internal/iam. Handlers follow AWS's semantics and errors
// (NoSuchEntity, EntityAlreadyExists, DeleteConflict, LimitExceeded,
// MalformedPolicyDocument, ...). One file holds one resource family.
package iam

import (
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
)

// Service is the IAM implementation.
type Service struct {
	dir *iam.Directory
	log *slog.Logger
	// now is the clock; tests replace it to move time (MFA codes, password age).
	now func() time.Time
}

// New returns the IAM service over dir.
func New(dir *iam.Directory, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{dir: dir, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Register adds the IAM handlers to r.
func (s *Service) Register(r *call.Registry) {
	for _, register := range []func(*call.Registry){
		s.registerUsers,
		s.registerGroups,
		s.registerAccessKeys,
		s.registerLoginProfiles,
		s.registerAccount,
		s.registerMFA,
		s.registerUserCredentials,
		s.registerPolicies,
		s.registerInlinePolicies,
		s.registerRoles,
		s.registerInstanceProfiles,
		s.registerProviders,
		s.registerServerCertificates,
		s.registerSimulator,
		s.registerLastAccessed,
		s.registerDelegation,
		s.registerOutboundFederation,
		s.registerOrganizationsFeatures,
	} {
		register(r)
	}
}
