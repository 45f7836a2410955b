package organizations

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves account creation. CreateAccount answers as AWS does,
// with a request IN_PROGRESS; the clients then poll
// DescribeCreateAccountStatus. gatehouse does the work in the same
// transaction (so a request never stays half done after a crash) and
// records its outcome, which the next read reports: SUCCEEDED with the new
// account id, or FAILED with its reason.

// defaultAccessRoleName is the role CreateAccount creates when RoleName is
// not given.
const defaultAccessRoleName = "OrganizationAccountAccessRole"

// accessRoleAdminPolicy is the inline policy, named AdministratorAccess,
// that the access role of a new account has: every action on every
// resource, as on AWS.
const accessRoleAdminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// accessRoleTrustPolicy is the access role's trust policy: the
// management account (and the principals it allows) may assume it.
func accessRoleTrustPolicy(managementID string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		managementID + `:root"},"Action":"sts:AssumeRole"}]}`
}

func (s *Service) registerAccountCreation(r *call.Registry) {
	r.Handle(api.Service, "CreateAccount", call.Typed(s.CreateAccount))
	r.Handle(api.Service, "DescribeCreateAccountStatus", call.Typed(s.DescribeCreateAccountStatus))
	r.Handle(api.Service, "ListCreateAccountStatus", call.Typed(s.ListCreateAccountStatus))
	r.Handle(api.Service, "CreateGovCloudAccount", call.Typed(s.CreateGovCloudAccount))
}

// CreateAccount creates a member account: a real gatehouse account whose
// root user has no credentials yet (the operator gives it some with
// `gatehouse account root-credentials`), in the organization's root, with
// the default policies attached, the given tags, and an IAM role (RoleName,
// default OrganizationAccountAccessRole) that the management account may
// assume, with full administrator access. IamUserAccessToBilling is
// accepted; gatehouse has no billing console for it to govern.
func (s *Service) CreateAccount(ctx context.Context, c *call.Call, in *api.CreateAccountInput) (*api.CreateAccountOutput, error) {
	tags, err := coreTags(in.Tags)
	if err != nil {
		return nil, err
	}
	roleName := defaultAccessRoleName
	if in.RoleName != nil && *in.RoleName != "" {
		roleName = *in.RoleName
	}
	now := s.now()
	st := &organizations.CreateAccountStatus{
		ID: organizations.NewID("car-", 8), AccountName: *in.AccountName,
		State: string(api.CreateAccountStateInProgress), RequestedAt: now,
	}
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		st.OrgID = org.ID
		coreResource(c, org, organizations.OrganizationARN(org), "AWS::Organizations::Organization")
		done := *st
		done.CompletedAt = &now
		reason, err := s.coreCreateMember(tx, org, in, roleName, tags, now, &done)
		if err != nil {
			return err
		}
		if reason != "" {
			done.State = string(api.CreateAccountStateFailed)
			done.FailureReason = string(reason)
		} else {
			done.State = string(api.CreateAccountStateSucceeded)
		}
		return tx.PutCreateAccountStatus(&done)
	})
	if err != nil {
		return nil, err
	}
	out := coreAPICreateAccountStatus(st)
	return &api.CreateAccountOutput{CreateAccountStatus: &out}, nil
}

// coreCreateMember creates the account of a CreateAccount request and
// sets done.AccountID, or returns the reason the request fails.
func (s *Service) coreCreateMember(tx *organizations.Tx, org *organizations.Organization, in *api.CreateAccountInput, roleName string, tags []organizations.Tag, now time.Time, done *organizations.CreateAccountStatus) (api.CreateAccountFailureReason, error) {
	members, err := tx.Members(org.ID)
	if err != nil {
		return "", err
	}
	if len(members) >= coreMaxAccounts {
		return api.CreateAccountFailureReasonAccountLimitExceeded, nil
	}
	if _, err := organizations.AccountByEmail(tx, *in.Email); err == nil {
		return api.CreateAccountFailureReasonEmailAlreadyExists, nil
	} else if !errors.Is(err, organizations.ErrNotFound) {
		return "", err
	}
	var id string
	for {
		if id, err = account.NewAccountID(); err != nil {
			return "", err
		}
		if _, err := account.Get(tx, id); errors.Is(err, organizations.ErrNotFound) {
			break
		} else if err != nil {
			return "", err
		}
	}
	a := &account.Account{ID: id, Name: *in.AccountName, Email: *in.Email, CreatedAt: now}
	if err := account.Put(tx, a); err != nil {
		return "", err
	}
	m := &organizations.Member{
		AccountID: id, OrgID: org.ID, ParentID: org.RootID, Name: a.Name, Email: a.Email,
		Status: organizations.StatusActive, JoinedMethod: organizations.JoinedCreated, JoinedAt: now,
	}
	if err := tx.PutMember(m); err != nil {
		return "", err
	}
	if err := organizations.AttachDefaults(tx, org, id, now); err != nil {
		return "", err
	}
	if err := tx.PutTags(org.ID, id, tags); err != nil {
		return "", err
	}
	role := &iam.Role{
		AccountID: id, Name: roleName, Path: "/", ID: iam.NewID(iam.PrefixRole), CreateDate: now,
		TrustPolicy:        accessRoleTrustPolicy(org.ManagementAccountID),
		MaxSessionDuration: 3600,
		Inline:             []iam.InlinePolicy{{Name: "AdministratorAccess", Document: accessRoleAdminPolicy}},
	}
	if err := tx.IAM.PutRole(role); err != nil {
		return "", err
	}
	done.AccountID = id
	return "", nil
}

func coreCreateStatusNotFound(id string) error {
	return api.NewCreateAccountStatusNotFoundException("We can't find a create account request with the CreateAccountRequestId %s.", id)
}

// DescribeCreateAccountStatus reports a CreateAccount request's state.
func (s *Service) DescribeCreateAccountStatus(ctx context.Context, c *call.Call, in *api.DescribeCreateAccountStatusInput) (*api.DescribeCreateAccountStatusOutput, error) {
	var out api.CreateAccountStatus
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		st, err := tx.CreateAccountStatus(org.ID, *in.CreateAccountRequestId)
		if errors.Is(err, organizations.ErrNotFound) {
			return coreCreateStatusNotFound(*in.CreateAccountRequestId)
		}
		if err != nil {
			return err
		}
		out = coreAPICreateAccountStatus(st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeCreateAccountStatusOutput{CreateAccountStatus: &out}, nil
}

// ListCreateAccountStatus lists the organization's CreateAccount
// requests, oldest first, optionally only those in the given states.
func (s *Service) ListCreateAccountStatus(ctx context.Context, c *call.Call, in *api.ListCreateAccountStatusInput) (*api.ListCreateAccountStatusOutput, error) {
	var items []api.CreateAccountStatus
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		all, err := tx.CreateAccountStatuses(org.ID)
		if err != nil {
			return err
		}
		slices.SortFunc(all, func(a, b *organizations.CreateAccountStatus) int { return a.RequestedAt.Compare(b.RequestedAt) })
		for _, st := range all {
			if len(in.States) > 0 && !slices.Contains(in.States, api.CreateAccountState(st.State)) {
				continue
			}
			items = append(items, coreAPICreateAccountStatus(st))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListCreateAccountStatusOutput{CreateAccountStatuses: pg, NextToken: next}, nil
}

// CreateGovCloudAccount needs a management account with a twin in the
// AWS GovCloud (US) partition, which gatehouse does not have: it answers
// AWS's error for a management account not enabled for GovCloud.
func (s *Service) CreateGovCloudAccount(ctx context.Context, c *call.Call, in *api.CreateGovCloudAccountInput) (*api.CreateGovCloudAccountOutput, error) {
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		_, err := managementOrganization(tx, c)
		return err
	})
	if err != nil {
		return nil, err
	}
	return nil, constraintViolation(api.ConstraintViolationExceptionReasonMasterAccountNotGovcloudEnabled,
		"The management account isn't enabled for AWS GovCloud (US): gatehouse serves only the aws partition and has no GovCloud accounts.")
}
