package organizations

import (
	"context"
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves the accounts of an organization: describing and
// listing them, moving them between the root and OUs, removing them,
// letting a member leave, and closing them. Creating accounts is in
// accounts_create.go.

func (s *Service) registerAccounts(r *call.Registry) {
	r.Handle(api.Service, "DescribeAccount", call.Typed(s.DescribeAccount))
	r.Handle(api.Service, "ListAccounts", call.Typed(s.ListAccounts))
	r.Handle(api.Service, "ListAccountsForParent", call.Typed(s.ListAccountsForParent))
	r.Handle(api.Service, "MoveAccount", call.Typed(s.MoveAccount))
	r.Handle(api.Service, "RemoveAccountFromOrganization", call.Typed(s.RemoveAccountFromOrganization))
	r.Handle(api.Service, "LeaveOrganization", call.Typed(s.LeaveOrganization))
	r.Handle(api.Service, "CloseAccount", call.Typed(s.CloseAccount))
	s.registerAccountCreation(r)
}

func coreAccountNotFound(id string) error {
	return api.NewAccountNotFoundException("We can't find an account with the AccountId %s in this organization.", id)
}

// coreLoadMember reads a member of org, or AccountNotFoundException.
func coreLoadMember(tx *organizations.Tx, org *organizations.Organization, id string) (*organizations.Member, error) {
	m, err := tx.Member(org.ID, id)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, coreAccountNotFound(id)
	}
	return m, err
}

// DescribeAccount describes an account of the organization.
func (s *Service) DescribeAccount(ctx context.Context, c *call.Call, in *api.DescribeAccountInput) (*api.DescribeAccountOutput, error) {
	var out api.Account
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		m, err := coreLoadMember(tx, org, *in.AccountId)
		if err != nil {
			return err
		}
		out, err = s.coreAPIAccount(tx, org, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeAccountOutput{Account: &out}, nil
}

// coreListMembers converts members to the Account shape.
func (s *Service) coreListMembers(tx *organizations.Tx, org *organizations.Organization, members []*organizations.Member) ([]api.Account, error) {
	out := make([]api.Account, 0, len(members))
	for _, m := range members {
		a, err := s.coreAPIAccount(tx, org, m)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// ListAccounts lists every account of the organization, the management
// account included.
func (s *Service) ListAccounts(ctx context.Context, c *call.Call, in *api.ListAccountsInput) (*api.ListAccountsOutput, error) {
	var items []api.Account
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		items, err = s.coreListMembers(tx, org, members)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListAccountsOutput{Accounts: pg, NextToken: next}, nil
}

// ListAccountsForParent lists the accounts directly under a root or OU.
func (s *Service) ListAccountsForParent(ctx context.Context, c *call.Call, in *api.ListAccountsForParentInput) (*api.ListAccountsForParentOutput, error) {
	var items []api.Account
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := coreRequireParent(tx, org, *in.ParentId); err != nil {
			return err
		}
		members, err := tx.ChildAccounts(org.ID, *in.ParentId)
		if err != nil {
			return err
		}
		items, err = s.coreListMembers(tx, org, members)
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListAccountsForParentOutput{Accounts: pg, NextToken: next}, nil
}

// MoveAccount moves an account from its parent to another root or OU.
func (s *Service) MoveAccount(ctx context.Context, c *call.Call, in *api.MoveAccountInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if ok, err := coreContainerExists(tx, org, *in.SourceParentId); err != nil {
			return err
		} else if !ok {
			return api.NewSourceParentNotFoundException("We can't find a source root or OU with the ParentId %s.", *in.SourceParentId)
		}
		if ok, err := coreContainerExists(tx, org, *in.DestinationParentId); err != nil {
			return err
		} else if !ok {
			return api.NewDestinationParentNotFoundException("We can't find a destination root or OU with the ParentId %s.", *in.DestinationParentId)
		}
		m, err := coreLoadMember(tx, org, *in.AccountId)
		if err != nil {
			return err
		}
		if m.ParentID != *in.SourceParentId {
			if m.ParentID == *in.DestinationParentId {
				return api.NewDuplicateAccountException("The account %s is already in %s.", m.AccountID, m.ParentID)
			}
			return api.NewAccountNotFoundException("We can't find the account %s in the source parent %s.", m.AccountID, *in.SourceParentId)
		}
		if m.ParentID == *in.DestinationParentId {
			return api.NewDuplicateAccountException("The account %s is already in %s.", m.AccountID, m.ParentID)
		}
		m.ParentID = *in.DestinationParentId
		coreResource(c, org, organizations.AccountARN(org, m.AccountID), "AWS::Organizations::Account")
		return tx.PutMember(m)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// coreRemoveMember takes a member account out of org: it must be able to
// stand alone (its root user has a password or an access key of its own)
// and must not be a delegated administrator. Its policies are detached
// and its tags dropped.
func coreRemoveMember(tx *organizations.Tx, org *organizations.Organization, m *organizations.Member) error {
	standalone, err := organizations.HasRootCredentials(tx, m.AccountID)
	if err != nil && !errors.Is(err, organizations.ErrNotFound) {
		return err
	}
	if !standalone {
		return constraintViolation(api.ConstraintViolationExceptionReasonAccountCannotLeaveWithoutEula,
			"The account %s can't leave the organization yet: its root user has no credentials of its own to operate it as a standalone account. "+
				"The operator can create them with `gatehouse account root-credentials --account %s`.", m.AccountID, m.AccountID)
	}
	if isDelegatedAdministrator(org, m.AccountID) {
		return constraintViolation(api.ConstraintViolationExceptionReasonCannotRemoveDelegatedAdministratorFromOrg,
			"The account %s is a delegated administrator; deregister it before it leaves the organization.", m.AccountID)
	}
	if err := organizations.DetachAll(tx, org.ID, m.AccountID); err != nil {
		return err
	}
	return tx.DeleteMember(org.ID, m.AccountID)
}

// RemoveAccountFromOrganization removes a member account; only the
// management account may, and never itself.
func (s *Service) RemoveAccountFromOrganization(ctx context.Context, c *call.Call, in *api.RemoveAccountFromOrganizationInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if *in.AccountId == org.ManagementAccountID {
			return api.NewMasterCannotLeaveOrganizationException("You can't remove the management account from its organization; delete the organization instead.")
		}
		m, err := coreLoadMember(tx, org, *in.AccountId)
		if err != nil {
			return err
		}
		coreResource(c, org, organizations.AccountARN(org, m.AccountID), "AWS::Organizations::Account")
		return coreRemoveMember(tx, org, m)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// LeaveOrganization takes the calling member account out of its
// organization. The management account can't leave.
func (s *Service) LeaveOrganization(ctx context.Context, c *call.Call, _ *struct{}) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := callerOrganization(tx, c)
		if err != nil {
			return err
		}
		if c.Principal.AccountID == org.ManagementAccountID {
			return api.NewMasterCannotLeaveOrganizationException("The management account can't leave its organization; delete the organization instead.")
		}
		m, err := coreLoadMember(tx, org, c.Principal.AccountID)
		if err != nil {
			return err
		}
		coreResource(c, org, organizations.AccountARN(org, m.AccountID), "AWS::Organizations::Account")
		return coreRemoveMember(tx, org, m)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// coreCloseQuota is how many accounts an organization of n members may
// close in a rolling 30 days: 10% of them, at least 10, at most 1,000.
func coreCloseQuota(n int) int {
	return min(max(n/10, 10), 1000)
}

// CloseAccount closes a member account: it shows PENDING_CLOSURE, then
// SUSPENDED, and stays in the organization (its State reads CLOSED after
// 90 days), as on AWS.
func (s *Service) CloseAccount(ctx context.Context, c *call.Call, in *api.CloseAccountInput) (*struct{}, error) {
	now := s.now()
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		m, err := coreLoadMember(tx, org, *in.AccountId)
		if err != nil {
			return err
		}
		if m.AccountID == org.ManagementAccountID {
			return constraintViolation(api.ConstraintViolationExceptionReasonCannotCloseManagementAccount,
				"You can't close the management account of an organization with CloseAccount.")
		}
		if status, _ := organizations.EffectiveStatus(m, now); status != organizations.StatusActive {
			return api.NewAccountAlreadyClosedException("The account %s is already closed or being closed.", m.AccountID)
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		recent := 0
		for _, o := range members {
			if o.ClosedAt != nil && now.Sub(*o.ClosedAt) < coreCloseWindow {
				recent++
			}
		}
		if recent >= coreCloseQuota(len(members)) {
			return constraintViolation(api.ConstraintViolationExceptionReasonCloseAccountQuotaExceeded,
				"You have closed %d accounts in the last 30 days, the most this organization may.", recent)
		}
		closedAt := now.Truncate(time.Millisecond)
		m.Status = organizations.StatusPendingClosure
		m.ClosedAt = &closedAt
		coreResource(c, org, organizations.AccountARN(org, m.AccountID), "AWS::Organizations::Account")
		return tx.PutMember(m)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}
