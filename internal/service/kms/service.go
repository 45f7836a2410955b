// Package kms serves the AWS Key Management Service API over the keys,
// aliases and grants of internal/kms. Key material never leaves
// internal/kms except where AWS returns it (GetPublicKey, the plaintext of
// data keys). One file holds one family of operations.
package kms

import (
	"log/slog"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
)

// Service is the KMS implementation.
type Service struct {
	keys *kms.Store
	log  *slog.Logger
	// now is the clock; tests replace it to make deletions and rotations
	// due.
	now func() time.Time
}

// New returns the KMS service over keys.
func New(keys *kms.Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{keys: keys, log: log, now: func() time.Time { return time.Now().UTC() }}
}

// Register adds the KMS handlers to r. Operations a register function does
// not list answer NotImplemented, naming the operation.
func (s *Service) Register(r *call.Registry) {
	for _, register := range []func(*call.Registry){
		s.registerKeys,
		s.registerKeyPolicies,
		s.registerAliases,
		s.registerTags,
		s.registerRotation,
		s.registerMultiRegion,
		s.registerCustomKeyStores,
		s.registerImport,
		s.registerCrypto,
		s.registerDataKeys,
		s.registerSigning,
		s.registerMac,
		s.registerGrants,
		s.registerKeyLastUsage,
	} {
		register(r)
	}
}
