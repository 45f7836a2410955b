package organizations

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves delegated administrators: member accounts the
// management account lets administer an AWS service's Organizations
// features (RegisterDelegatedAdministrator,
// DeregisterDelegatedAdministrator, ListDelegatedAdministrators,
// ListDelegatedServicesForAccount). A delegated administrator may call
// Organizations' read operations. Registration needs all features,
// trusted access for the service, and a member account that is neither
// the management account nor closed.

// maxDelegatedAdminsPerService bounds the delegated administrators of one
// service. AWS sets it per service, most allow one account; gatehouse
// allows a few so that one organization can try several layouts.
const maxDelegatedAdminsPerService = 5

func (s *Service) registerDelegatedAdministrators(r *call.Registry) {
	r.Handle(api.Service, "RegisterDelegatedAdministrator", call.Typed(s.RegisterDelegatedAdministrator))
	r.Handle(api.Service, "DeregisterDelegatedAdministrator", call.Typed(s.DeregisterDelegatedAdministrator))
	r.Handle(api.Service, "ListDelegatedAdministrators", call.Typed(s.ListDelegatedAdministrators))
	r.Handle(api.Service, "ListDelegatedServicesForAccount", call.Typed(s.ListDelegatedServicesForAccount))
}

// delegationMember returns the membership of accountID in org, or
// AccountNotFoundException.
func delegationMember(tx *organizations.Tx, org *organizations.Organization, accountID string) (*organizations.Member, error) {
	m, err := tx.Member(org.ID, accountID)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, api.NewAccountNotFoundException("You specified an account that doesn't exist.")
	}
	return m, err
}

// RegisterDelegatedAdministrator makes a member account a delegated
// administrator of a service.
func (s *Service) RegisterDelegatedAdministrator(ctx context.Context, c *call.Call, in *api.RegisterDelegatedAdministratorInput) (*struct{}, error) {
	accountID, principal := strOrEmpty(in.AccountId), strOrEmpty(in.ServicePrincipal)
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if err := checkServicePrincipal(principal); err != nil {
			return err
		}
		m, err := delegationMember(tx, org, accountID)
		if err != nil {
			return err
		}
		if accountID == org.ManagementAccountID {
			return constraintViolation(api.ConstraintViolationExceptionReasonCannotRegisterMasterAsDelegatedAdministrator,
				"You can't register the management account of the organization as a delegated administrator for an AWS service.")
		}
		if status, _ := organizations.EffectiveStatus(m, s.now()); status != organizations.StatusActive {
			return constraintViolation(api.ConstraintViolationExceptionReasonCannotRegisterSuspendedAccountAsDelegatedAdministrator,
				"You can't register a suspended or closing account as a delegated administrator.")
		}
		if !slices.ContainsFunc(org.TrustedServices, func(t organizations.TrustedService) bool { return t.Principal == principal }) {
			return constraintViolation(api.ConstraintViolationExceptionReasonServiceAccessNotEnabled,
				"You must enable trusted access for %s (EnableAWSServiceAccess) before you register a delegated administrator for it.", principal)
		}
		n := 0
		for _, d := range org.DelegatedAdmins {
			if d.ServicePrincipal != principal {
				continue
			}
			if d.AccountID == accountID {
				return api.NewAccountAlreadyRegisteredException("The provided account is already a delegated administrator for your organization.")
			}
			n++
		}
		if n >= maxDelegatedAdminsPerService {
			return constraintViolation(api.ConstraintViolationExceptionReasonMaxDelegatedAdministratorsForServiceLimitExceeded,
				"You have reached the maximum number of delegated administrators (%d) for %s.", maxDelegatedAdminsPerService, principal)
		}
		org.DelegatedAdmins = append(org.DelegatedAdmins, organizations.Delegation{AccountID: accountID, ServicePrincipal: principal, EnabledAt: s.now()})
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DeregisterDelegatedAdministrator removes an account's delegation for a
// service.
func (s *Service) DeregisterDelegatedAdministrator(ctx context.Context, c *call.Call, in *api.DeregisterDelegatedAdministratorInput) (*struct{}, error) {
	accountID, principal := strOrEmpty(in.AccountId), strOrEmpty(in.ServicePrincipal)
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if err := checkServicePrincipal(principal); err != nil {
			return err
		}
		if _, err := delegationMember(tx, org, accountID); err != nil {
			return err
		}
		n := len(org.DelegatedAdmins)
		org.DelegatedAdmins = slices.DeleteFunc(org.DelegatedAdmins, func(d organizations.Delegation) bool {
			return d.AccountID == accountID && d.ServicePrincipal == principal
		})
		if len(org.DelegatedAdmins) == n {
			return api.NewAccountNotRegisteredException("The provided account is not a delegated administrator for %s.", principal)
		}
		return tx.PutOrganization(org)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListDelegatedAdministrators lists the delegated administrator accounts,
// of one service or of any, each once.
func (s *Service) ListDelegatedAdministrators(ctx context.Context, c *call.Call, in *api.ListDelegatedAdministratorsInput) (*api.ListDelegatedAdministratorsOutput, error) {
	filter := strOrEmpty(in.ServicePrincipal)
	var all []api.DelegatedAdministrator
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if filter != "" {
			if err := checkServicePrincipal(filter); err != nil {
				return err
			}
		}
		first := map[string]organizations.Delegation{} // account → earliest delegation
		var order []string
		for _, d := range org.DelegatedAdmins {
			if filter != "" && d.ServicePrincipal != filter {
				continue
			}
			prev, seen := first[d.AccountID]
			if !seen {
				order = append(order, d.AccountID)
			}
			if !seen || d.EnabledAt.Before(prev.EnabledAt) {
				first[d.AccountID] = d
			}
		}
		slices.Sort(order)
		for _, id := range order {
			m, err := tx.Member(org.ID, id)
			if errors.Is(err, organizations.ErrNotFound) {
				continue // removed from the organization
			}
			if err != nil {
				return err
			}
			status, state := organizations.EffectiveStatus(m, s.now())
			all = append(all, api.DelegatedAdministrator{
				Id: ptr(id), Arn: ptr(organizations.AccountARN(org, id)), Email: ptr(m.Email), Name: ptr(m.Name),
				Status: api.AccountStatus(status), State: api.AccountState(state),
				JoinedMethod: api.AccountJoinedMethod(m.JoinedMethod), JoinedTimestamp: ptr(m.JoinedAt),
				DelegationEnabledDate: ptr(first[id].EnabledAt),
			})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListDelegatedAdministratorsOutput{DelegatedAdministrators: emptyIfNil(items), NextToken: next}, nil
}

// ListDelegatedServicesForAccount lists the services an account is a
// delegated administrator for.
func (s *Service) ListDelegatedServicesForAccount(ctx context.Context, c *call.Call, in *api.ListDelegatedServicesForAccountInput) (*api.ListDelegatedServicesForAccountOutput, error) {
	accountID := strOrEmpty(in.AccountId)
	var all []api.DelegatedService
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := requireAllFeatures(org); err != nil {
			return err
		}
		if _, err := delegationMember(tx, org, accountID); err != nil {
			return err
		}
		for _, d := range org.DelegatedAdmins {
			if d.AccountID == accountID {
				all = append(all, api.DelegatedService{ServicePrincipal: ptr(d.ServicePrincipal), DelegationEnabledDate: ptr(d.EnabledAt)})
			}
		}
		if len(all) == 0 {
			return api.NewAccountNotRegisteredException("The provided account is not a delegated administrator for any service.")
		}
		slices.SortFunc(all, func(a, b api.DelegatedService) int { return strings.Compare(*a.ServicePrincipal, *b.ServicePrincipal) })
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListDelegatedServicesForAccountOutput{DelegatedServices: items, NextToken: next}, nil
}
