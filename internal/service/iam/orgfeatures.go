package iam

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file serves centralized root access for member accounts
// (ListOrganizationsFeatures, Enable/DisableOrganizationsRootCredentialsManagement,
// Enable/DisableOrganizationsRootSessions) and holds what IAM needs to know
// of AWS Organizations. These features belong to an organization: they need
// the account to be in one, in all-features mode, with trusted access for
// IAM enabled, and the caller to be its management account (or, except for
// enabling, IAM's delegated administrator). Until the Organizations service
// installs its Organizations implementation (SetOrganizations), no account
// is in an organization and every call answers OrganizationNotFound, as AWS
// does for a standalone account.

// Organizations tells IAM about the organization an account belongs to.
// The Organizations service implements it and installs it with
// Service.SetOrganizations; IAM never writes Organizations' data.
type Organizations interface {
	// AccountOrganization returns the organization of accountID; ok is
	// false when the account is in none.
	AccountOrganization(ctx context.Context, accountID string) (org OrganizationInfo, ok bool, err error)
}

// OrganizationInfo is what IAM needs of an organization.
type OrganizationInfo struct {
	// ID is the organization id, o-....
	ID string
	// ManagementAccountID is the organization's management account.
	ManagementAccountID string
	// AllFeatures is true when the organization has all features enabled
	// (not only consolidated billing).
	AllFeatures bool
	// IAMTrustedAccess is true when trusted access is enabled for IAM
	// (service principal iam.amazonaws.com).
	IAMTrustedAccess bool
	// IAMDelegatedAdministrators lists the member accounts registered as
	// delegated administrators for IAM.
	IAMDelegatedAdministrators []string
}

// organizationsOf holds the Organizations each Service was given. The
// Service struct (service.go) is not this file's to extend, so the hook
// lives beside it, keyed by the Service; nil (absent) means no account is
// in an organization.
var organizationsOf sync.Map // *Service -> Organizations

// SetOrganizations installs the source of organization facts (nil removes
// it). The node calls it once the Organizations service exists, before it
// serves requests.
func (s *Service) SetOrganizations(o Organizations) {
	if o == nil {
		organizationsOf.Delete(s)
		return
	}
	organizationsOf.Store(s, o)
}

// organization returns the caller account's organization; ok is false when
// it is in none (always, while no Organizations is installed).
func (s *Service) organization(ctx context.Context, accountID string) (OrganizationInfo, bool, error) {
	v, ok := organizationsOf.Load(s)
	if !ok {
		return OrganizationInfo{}, false, nil
	}
	return v.(Organizations).AccountOrganization(ctx, accountID)
}

// kindOrgFeatures holds, per organization id, the centralized root access
// features enabled.
const kindOrgFeatures = "iam/org-features"

type orgFeatures struct {
	Enabled []api.FeatureType `json:"enabled,omitempty"`
}

func (s *Service) registerOrganizationsFeatures(r *call.Registry) {
	r.Handle(api.Service, "ListOrganizationsFeatures", call.Typed(s.ListOrganizationsFeatures))
	r.Handle(api.Service, "EnableOrganizationsRootCredentialsManagement", call.Typed(s.EnableOrganizationsRootCredentialsManagement))
	r.Handle(api.Service, "DisableOrganizationsRootCredentialsManagement", call.Typed(s.DisableOrganizationsRootCredentialsManagement))
	r.Handle(api.Service, "EnableOrganizationsRootSessions", call.Typed(s.EnableOrganizationsRootSessions))
	r.Handle(api.Service, "DisableOrganizationsRootSessions", call.Typed(s.DisableOrganizationsRootSessions))
}

// ListOrganizationsFeatures returns the centralized root access features
// enabled for the caller's organization.
func (s *Service) ListOrganizationsFeatures(ctx context.Context, c *call.Call, _ *api.ListOrganizationsFeaturesInput) (*api.ListOrganizationsFeaturesOutput, error) {
	org, err := s.rootAccessOrganization(ctx, c, false)
	if err != nil {
		return nil, err
	}
	var f orgFeatures
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		f, err = loadOrgFeatures(tx, org.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.ListOrganizationsFeaturesOutput{OrganizationId: ptr(org.ID), EnabledFeatures: f.Enabled}, nil
}

// EnableOrganizationsRootCredentialsManagement lets the management account
// and IAM's delegated administrator manage member accounts' root
// credentials.
func (s *Service) EnableOrganizationsRootCredentialsManagement(ctx context.Context, c *call.Call, _ *api.EnableOrganizationsRootCredentialsManagementInput) (*api.EnableOrganizationsRootCredentialsManagementOutput, error) {
	id, enabled, err := s.setOrgFeature(ctx, c, api.FeatureTypeRootCredentialsManagement, true)
	if err != nil {
		return nil, err
	}
	return &api.EnableOrganizationsRootCredentialsManagementOutput{OrganizationId: ptr(id), EnabledFeatures: enabled}, nil
}

// DisableOrganizationsRootCredentialsManagement turns root credentials
// management off.
func (s *Service) DisableOrganizationsRootCredentialsManagement(ctx context.Context, c *call.Call, _ *api.DisableOrganizationsRootCredentialsManagementInput) (*api.DisableOrganizationsRootCredentialsManagementOutput, error) {
	id, enabled, err := s.setOrgFeature(ctx, c, api.FeatureTypeRootCredentialsManagement, false)
	if err != nil {
		return nil, err
	}
	return &api.DisableOrganizationsRootCredentialsManagementOutput{OrganizationId: ptr(id), EnabledFeatures: enabled}, nil
}

// EnableOrganizationsRootSessions lets the management account and IAM's
// delegated administrator take privileged root sessions in member accounts.
func (s *Service) EnableOrganizationsRootSessions(ctx context.Context, c *call.Call, _ *api.EnableOrganizationsRootSessionsInput) (*api.EnableOrganizationsRootSessionsOutput, error) {
	id, enabled, err := s.setOrgFeature(ctx, c, api.FeatureTypeRootSessions, true)
	if err != nil {
		return nil, err
	}
	return &api.EnableOrganizationsRootSessionsOutput{OrganizationId: ptr(id), EnabledFeatures: enabled}, nil
}

// DisableOrganizationsRootSessions turns root sessions off.
func (s *Service) DisableOrganizationsRootSessions(ctx context.Context, c *call.Call, _ *api.DisableOrganizationsRootSessionsInput) (*api.DisableOrganizationsRootSessionsOutput, error) {
	id, enabled, err := s.setOrgFeature(ctx, c, api.FeatureTypeRootSessions, false)
	if err != nil {
		return nil, err
	}
	return &api.DisableOrganizationsRootSessionsOutput{OrganizationId: ptr(id), EnabledFeatures: enabled}, nil
}

// setOrgFeature enables or disables one feature (enabling twice, or
// disabling what is off, changes nothing) and returns the organization id
// and the features now enabled.
func (s *Service) setOrgFeature(ctx context.Context, c *call.Call, feature api.FeatureType, enable bool) (string, []api.FeatureType, error) {
	org, err := s.rootAccessOrganization(ctx, c, enable)
	if err != nil {
		return "", nil, err
	}
	var f orgFeatures
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		if f, err = loadOrgFeatures(tx, org.ID); err != nil {
			return err
		}
		has := slices.Contains(f.Enabled, feature)
		switch {
		case enable && !has:
			f.Enabled = append(f.Enabled, feature)
			slices.Sort(f.Enabled)
		case !enable && has:
			f.Enabled = slices.DeleteFunc(f.Enabled, func(x api.FeatureType) bool { return x == feature })
		default:
			return nil
		}
		raw, err := json.Marshal(f)
		if err != nil {
			return err
		}
		return tx.Put(kindOrgFeatures, org.ID, raw)
	})
	if err != nil {
		return "", nil, err
	}
	return org.ID, f.Enabled, nil
}

func loadOrgFeatures(tx *iam.Tx, orgID string) (orgFeatures, error) {
	var f orgFeatures
	raw, err := tx.Get(kindOrgFeatures, orgID)
	if errors.Is(err, store.ErrNotFound) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	return f, json.Unmarshal(raw, &f)
}

// rootAccessOrganization checks, in AWS's order, that the caller may manage
// centralized root access: its account is in an organization, the
// organization has all features, trusted access for IAM is on, and the
// caller is the management account or (unless managementOnly, as for
// enabling a feature) IAM's delegated administrator.
func (s *Service) rootAccessOrganization(ctx context.Context, c *call.Call, managementOnly bool) (OrganizationInfo, error) {
	acct := c.Principal.AccountID
	org, ok, err := s.organization(ctx, acct)
	if err != nil {
		return org, err
	}
	if !ok {
		return org, organizationNotFound(acct)
	}
	if !org.AllFeatures {
		return org, api.NewOrganizationNotInAllFeaturesModeException("The organization %s does not have all features enabled; centralized root access needs them.", org.ID)
	}
	if !org.IAMTrustedAccess {
		return org, api.NewServiceAccessNotEnabledException("Trusted access for IAM (iam.amazonaws.com) is not enabled in the organization %s.", org.ID)
	}
	if acct == org.ManagementAccountID {
		return org, nil
	}
	if managementOnly {
		return org, api.NewCallerIsNotManagementAccountException("Account %s is not the management account of the organization %s.", acct, org.ID)
	}
	if !slices.Contains(org.IAMDelegatedAdministrators, acct) {
		return org, api.NewAccountNotManagementOrDelegatedAdministratorException("Account %s is neither the management account of the organization %s nor a delegated administrator for IAM.", acct, org.ID)
	}
	return org, nil
}

// organizationNotFound is AWS's answer for an account outside any
// organization.
func organizationNotFound(acct string) error {
	return api.NewOrganizationNotFoundException("No organization is associated with account %s.", acct)
}

// OrganizationFeatureEnabled reports whether a centralized root access
// feature ("RootCredentialsManagement" or "RootSessions") is enabled for
// the organization orgID. STS's AssumeRoot reads it: root sessions need
// the RootSessions feature.
func OrganizationFeatureEnabled(ctx context.Context, dir *iam.Directory, orgID, feature string) (bool, error) {
	var on bool
	err := dir.View(ctx, func(tx *iam.Tx) error {
		f, err := loadOrgFeatures(tx, orgID)
		on = slices.Contains(f.Enabled, api.FeatureType(feature))
		return err
	})
	return on, err
}
