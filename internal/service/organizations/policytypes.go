package organizations

import (
	"time"

	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file enables and disables policy types on the root. Enabling SCPs
// (or RCPs) attaches the AWS managed FullAWSAccess (RCPFullAWSAccess) to
// the root, every OU and every account, so that nothing changes until a
// restricting policy is attached; disabling a type detaches every policy
// of the type from every target, keeping the policies themselves.

func (s *Service) registerPolicyTypes(r *call.Registry) {
	r.Handle(api.Service, "EnablePolicyType", call.Typed(s.EnablePolicyType))
	r.Handle(api.Service, "DisablePolicyType", call.Typed(s.DisablePolicyType))
}

// EnablePolicyType enables a policy type on the root. Every type needs
// all features.
func (s *Service) EnablePolicyType(ctx context.Context, c *call.Call, in *api.EnablePolicyTypeInput) (*api.EnablePolicyTypeOutput, error) {
	policyType := string(in.PolicyType)
	var root api.Root
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if coreDeref(in.RootId) != org.RootID {
			return rootNotFound()
		}
		if err := policyTypeAvailable(org, policyType); err != nil {
			return err
		}
		if organizations.PolicyTypeEnabled(org, policyType) {
			return api.NewPolicyTypeAlreadyEnabledException("The specified policy type is already enabled.")
		}
		org.PolicyTypes = append(org.PolicyTypes, organizations.PolicyTypeStatus{Type: policyType, Status: "ENABLED"})
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		if err := attachManagedDefaults(tx, org, policyType, s.now()); err != nil {
			return err
		}
		coreResource(c, org, organizations.RootARN(org), "AWS::Organizations::Root")
		root = coreAPIRoot(org)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.EnablePolicyTypeOutput{Root: &root}, nil
}

// DisablePolicyType disables a policy type on the root and detaches every
// policy of the type from every target.
func (s *Service) DisablePolicyType(ctx context.Context, c *call.Call, in *api.DisablePolicyTypeInput) (*api.DisablePolicyTypeOutput, error) {
	policyType := string(in.PolicyType)
	var root api.Root
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if coreDeref(in.RootId) != org.RootID {
			return rootNotFound()
		}
		if !organizations.PolicyTypeEnabled(org, policyType) {
			return policyTypeNotEnabled()
		}
		kept := org.PolicyTypes[:0]
		for _, t := range org.PolicyTypes {
			if t.Type != policyType {
				kept = append(kept, t)
			}
		}
		org.PolicyTypes = kept
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		if err := detachPoliciesOfType(tx, org, policyType); err != nil {
			return err
		}
		coreResource(c, org, organizations.RootARN(org), "AWS::Organizations::Root")
		root = coreAPIRoot(org)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DisablePolicyTypeOutput{Root: &root}, nil
}

func rootNotFound() error {
	return api.NewRootNotFoundException("We can't find a root with the RootId that you specified.")
}

// policyTargetIDs returns every target of org: the root, its OUs and its
// accounts.
func policyTargetIDs(tx *organizations.Tx, org *organizations.Organization) ([]string, error) {
	ids := []string{org.RootID}
	ous, err := tx.OUs(org.ID)
	if err != nil {
		return nil, err
	}
	for _, ou := range ous {
		ids = append(ids, ou.ID)
	}
	members, err := tx.Members(org.ID)
	if err != nil {
		return nil, err
	}
	for _, m := range members {
		ids = append(ids, m.AccountID)
	}
	return ids, nil
}

// attachManagedDefaults attaches the AWS managed policy of policyType
// (FullAWSAccess for SCPs, RCPFullAWSAccess for RCPs) to every target;
// the management policy types have none.
func attachManagedDefaults(tx *organizations.Tx, org *organizations.Organization, policyType string, now time.Time) error {
	var managed *organizations.ManagedPolicy
	for _, mp := range organizations.ManagedPolicies {
		if mp.Type == policyType {
			managed = mp
		}
	}
	if managed == nil {
		return nil
	}
	ids, err := policyTargetIDs(tx, org)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := tx.Attach(org.ID, &organizations.Attachment{PolicyID: managed.ID, TargetID: id, AttachedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// detachPoliciesOfType removes every attachment of a policy of policyType.
func detachPoliciesOfType(tx *organizations.Tx, org *organizations.Organization, policyType string) error {
	var ids []string
	for _, mp := range organizations.ManagedPolicies {
		if mp.Type == policyType {
			ids = append(ids, mp.ID)
		}
	}
	ps, err := tx.Policies(org.ID)
	if err != nil {
		return err
	}
	for _, p := range ps {
		if p.Type == policyType {
			ids = append(ids, p.ID)
		}
	}
	for _, id := range ids {
		atts, err := tx.TargetsOf(org.ID, id)
		if err != nil {
			return err
		}
		for _, a := range atts {
			if err := tx.Detach(org.ID, id, a.TargetID); err != nil {
				return err
			}
		}
	}
	return nil
}
