package organizations

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves the organization itself: creating it (with its root
// and, with all features, the SCP type enabled and FullAWSAccess attached
// to the root and the management account), describing it, deleting it
// once it holds only its management account, moving it to all features
// through the ENABLE_ALL_FEATURES handshake, and listing its root.

func (s *Service) registerOrganization(r *call.Registry) {
	r.Handle(api.Service, "CreateOrganization", call.Typed(s.CreateOrganization))
	r.Handle(api.Service, "DescribeOrganization", call.Typed(s.DescribeOrganization))
	r.Handle(api.Service, "DeleteOrganization", call.Typed(s.DeleteOrganization))
	r.Handle(api.Service, "EnableAllFeatures", call.Typed(s.EnableAllFeatures))
	r.Handle(api.Service, "ListRoots", call.Typed(s.ListRoots))
}

// CreateOrganization makes the calling account the management account of
// a new organization. FeatureSet defaults to ALL.
func (s *Service) CreateOrganization(ctx context.Context, c *call.Call, in *api.CreateOrganizationInput) (*api.CreateOrganizationOutput, error) {
	featureSet := string(in.FeatureSet)
	if featureSet == "" {
		featureSet = organizations.FeatureSetAll
	}
	acct := c.Principal.AccountID
	now := s.now()
	var org *organizations.Organization
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		if _, err := tx.OrganizationOfAccount(acct); err == nil {
			return api.NewAlreadyInOrganizationException("The AWS account is already a member of an organization.")
		} else if !errors.Is(err, organizations.ErrNotFound) {
			return err
		}
		a, err := account.Get(tx, acct)
		if err != nil {
			return err
		}
		org = &organizations.Organization{
			ID:                  organizations.NewID("o-", 10),
			FeatureSet:          featureSet,
			ManagementAccountID: acct,
			ManagementEmail:     a.Email,
			CreatedAt:           now,
			RootID:              organizations.NewID("r-", 4),
			RootName:            "Root",
		}
		// The API enables no policy type: AWS's console enables SCPs
		// after creating an organization, and API clients such as
		// Terraform call EnablePolicyType themselves (and fail if the
		// type is already enabled). EnablePolicyType attaches
		// FullAWSAccess to the root, every OU and every account.
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		if err := tx.Put(organizations.KindManagementOrg, acct, []byte(org.ID)); err != nil {
			return err
		}
		// AWS lists the management account as having joined by
		// invitation, at the organization's creation.
		m := &organizations.Member{
			AccountID: acct, OrgID: org.ID, ParentID: org.RootID, Name: a.Name, Email: a.Email,
			Status: organizations.StatusActive, JoinedMethod: organizations.JoinedInvited, JoinedAt: now,
		}
		if err := tx.PutMember(m); err != nil {
			return err
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	coreResource(c, org, organizations.OrganizationARN(org), "AWS::Organizations::Organization")
	return &api.CreateOrganizationOutput{Organization: coreAPIOrganization(org)}, nil
}

// DescribeOrganization describes the caller's organization; any account
// of the organization may call it.
func (s *Service) DescribeOrganization(ctx context.Context, c *call.Call, _ *struct{}) (*api.DescribeOrganizationOutput, error) {
	var org *organizations.Organization
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		var err error
		org, err = callerOrganization(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeOrganizationOutput{Organization: coreAPIOrganization(org)}, nil
}

// DeleteOrganization deletes the caller's organization, with its OUs,
// policies, attachments, tags and handshakes. Only the management account
// may, and only once every member account has left or been removed.
func (s *Service) DeleteOrganization(ctx context.Context, c *call.Call, _ *struct{}) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		for _, m := range members {
			if m.AccountID != org.ManagementAccountID {
				return api.NewOrganizationNotEmptyException("The organization isn't empty. To delete an organization, you must first remove all member accounts except the management account.")
			}
		}
		coreResource(c, org, organizations.OrganizationARN(org), "AWS::Organizations::Organization")
		return tx.DeleteOrganizationState(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// EnableAllFeatures starts moving a consolidated-billing organization to
// all features: it opens an ENABLE_ALL_FEATURES handshake and sends an
// APPROVE_ALL_FEATURES handshake to every invited member account (accounts
// the organization created approve implicitly). The organization switches
// to ALL once every one of them has accepted; with none to ask, at once.
func (s *Service) EnableAllFeatures(ctx context.Context, c *call.Call, _ *api.EnableAllFeaturesInput) (*api.EnableAllFeaturesOutput, error) {
	now := s.now()
	var out *organizations.Handshake
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if org.FeatureSet == organizations.FeatureSetAll {
			return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonOrganizationAlreadyHasAllFeatures,
				"The organization already has all features enabled.")
		}
		if org.AllFeaturesHandshake != "" {
			if h, err := tx.Handshake(org.AllFeaturesHandshake); err == nil && coreHandshakeOpen(h, now) {
				return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonOrganizationIsAlreadyPendingAllFeaturesMigration,
					"The organization is already in the process of enabling all features.")
			}
		}
		parent := &organizations.Handshake{
			ID: organizations.NewID("h-", 8), OrgID: org.ID, ManagementAccountID: org.ManagementAccountID,
			Action: string(api.ActionTypeEnableAllFeatures), State: string(api.HandshakeStateOpen),
			Parties: []organizations.HandshakeParty{
				{ID: org.ID, Type: string(api.HandshakePartyTypeOrganization)},
				{ID: org.ManagementAccountID, Type: string(api.HandshakePartyTypeAccount)},
			},
			Resources:   []organizations.HandshakeResource{{Type: string(api.HandshakeResourceTypeOrganization), Value: org.ID}},
			RequestedAt: now, ExpiresAt: now.Add(coreAllFeaturesLifetime),
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		asked := 0
		for _, m := range members {
			if m.AccountID == org.ManagementAccountID || m.JoinedMethod != organizations.JoinedInvited {
				continue
			}
			child := &organizations.Handshake{
				ID: organizations.NewID("h-", 8), OrgID: org.ID, ManagementAccountID: org.ManagementAccountID,
				Action: string(api.ActionTypeApproveAllFeatures), State: string(api.HandshakeStateRequested),
				Parties: []organizations.HandshakeParty{
					{ID: org.ID, Type: string(api.HandshakePartyTypeOrganization)},
					{ID: m.AccountID, Type: string(api.HandshakePartyTypeAccount)},
				},
				Resources: []organizations.HandshakeResource{
					{Type: string(api.HandshakeResourceTypeOrganization), Value: org.ID},
					{Type: string(api.HandshakeResourceTypeParentHandshake), Value: parent.ID},
				},
				RequestedAt: now, ExpiresAt: parent.ExpiresAt, ParentHandshakeID: parent.ID,
			}
			if err := tx.PutHandshake(child); err != nil {
				return err
			}
			asked++
		}
		org.AllFeaturesHandshake = parent.ID
		if asked == 0 {
			parent.State = string(api.HandshakeStateAccepted)
			org.FeatureSet = organizations.FeatureSetAll
			org.AllFeaturesHandshake = ""
		}
		if err := tx.PutHandshake(parent); err != nil {
			return err
		}
		coreResource(c, org, organizations.OrganizationARN(org), "AWS::Organizations::Organization")
		out = parent
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &api.EnableAllFeaturesOutput{Handshake: coreAPIHandshake(out)}, nil
}

// ListRoots lists the organization's root (there is exactly one).
func (s *Service) ListRoots(ctx context.Context, c *call.Call, in *api.ListRootsInput) (*api.ListRootsOutput, error) {
	var org *organizations.Organization
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		var err error
		org, err = readerOrganization(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	roots, next, err := page([]api.Root{coreAPIRoot(org)}, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListRootsOutput{Roots: roots, NextToken: next}, nil
}
