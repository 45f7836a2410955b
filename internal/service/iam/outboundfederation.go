package iam

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// This file serves outbound web identity federation: the per-account switch
// that lets IAM principals obtain JSON Web Tokens from STS
// GetWebIdentityToken, and the account's issuer URL those tokens carry. The
// setting lives in the account's iam.AccountSettings; STS reads it through
// iam.Tx.OutboundFederation.

func (s *Service) registerOutboundFederation(r *call.Registry) {
	r.Handle(api.Service, "EnableOutboundWebIdentityFederation", call.Typed(s.EnableOutboundWebIdentityFederation))
	r.Handle(api.Service, "DisableOutboundWebIdentityFederation", call.Typed(s.DisableOutboundWebIdentityFederation))
	r.Handle(api.Service, "GetOutboundWebIdentityFederationInfo", call.Typed(s.GetOutboundWebIdentityFederationInfo))
}

// EnableOutboundWebIdentityFederation turns the feature on for the caller's
// account. The first enabling gives the account its unique issuer URL,
// which later enablings reuse; enabling twice in a row is FeatureEnabled.
func (s *Service) EnableOutboundWebIdentityFederation(ctx context.Context, c *call.Call, _ *struct{}) (*api.EnableOutboundWebIdentityFederationOutput, error) {
	acct := c.Principal.AccountID
	var issuer string
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		st, err := tx.Settings(acct)
		if err != nil {
			return err
		}
		if st.OutboundFederationEnabled {
			return api.NewFeatureEnabledException("Outbound web identity federation is already enabled for account %s. Call GetOutboundWebIdentityFederationInfo for its issuer URL.", acct)
		}
		if st.OutboundIssuer == "" {
			st.OutboundIssuer = iam.NewOutboundIssuer()
		}
		st.OutboundFederationEnabled = true
		issuer = st.OutboundIssuer
		return tx.PutSettings(st)
	})
	if err != nil {
		return nil, err
	}
	return &api.EnableOutboundWebIdentityFederationOutput{IssuerIdentifier: ptr(issuer)}, nil
}

// DisableOutboundWebIdentityFederation turns the feature off; tokens issued
// before stay valid until they expire. Disabling a disabled account is
// FeatureDisabled.
func (s *Service) DisableOutboundWebIdentityFederation(ctx context.Context, c *call.Call, _ *struct{}) (*struct{}, error) {
	acct := c.Principal.AccountID
	return nil, s.dir.Update(ctx, func(tx *iam.Tx) error {
		st, err := tx.Settings(acct)
		if err != nil {
			return err
		}
		if !st.OutboundFederationEnabled {
			return featureDisabled(acct)
		}
		st.OutboundFederationEnabled = false
		return tx.PutSettings(st)
	})
}

// GetOutboundWebIdentityFederationInfo returns the account's issuer URL and
// whether token vending is on. An account that never enabled the feature
// has no issuer: FeatureDisabled, as AWS answers it.
func (s *Service) GetOutboundWebIdentityFederationInfo(ctx context.Context, c *call.Call, _ *struct{}) (*api.GetOutboundWebIdentityFederationInfoOutput, error) {
	acct := c.Principal.AccountID
	var (
		enabled bool
		issuer  string
	)
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		enabled, issuer, err = tx.OutboundFederation(acct)
		return err
	})
	if err != nil {
		return nil, err
	}
	if issuer == "" {
		return nil, featureDisabled(acct)
	}
	return &api.GetOutboundWebIdentityFederationInfoOutput{IssuerIdentifier: ptr(issuer), JwtVendingEnabled: ptr(enabled)}, nil
}

func featureDisabled(acct string) error {
	return api.NewFeatureDisabledException("Outbound web identity federation is not enabled for account %s.", acct)
}
