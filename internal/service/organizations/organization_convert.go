package organizations

import (
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file converts the organization core's records (organization,
// root, accounts, OUs, handshakes, account creation requests) to their
// API shapes, and holds the checks the core operations share.

// Quotas of AWS Organizations that the core enforces ("Quotas for AWS
// Organizations" in the Organizations User Guide).
const (
	// coreMaxAccounts is the default number of accounts in an
	// organization, the management account included.
	coreMaxAccounts = 10
	// coreMaxOUs is the number of OUs in an organization.
	coreMaxOUs = 1000
	// coreMaxTags is the number of tags on one resource.
	coreMaxTags = 50
	// coreInvitationLifetime is how long an INVITE handshake stays open.
	coreInvitationLifetime = 15 * 24 * time.Hour
	// coreAllFeaturesLifetime is how long an ENABLE_ALL_FEATURES handshake
	// and its APPROVE_ALL_FEATURES handshakes stay open.
	coreAllFeaturesLifetime = 90 * 24 * time.Hour
	// coreInvitationsPerDay is the number of invitations an organization may
	// send in a day.
	coreInvitationsPerDay = 20
	// coreCloseWindow is the rolling period of CloseAccount's quota.
	coreCloseWindow = 30 * 24 * time.Hour
)

// coreAPIPolicyTypes converts the root's policy types.
func coreAPIPolicyTypes(org *organizations.Organization) []api.PolicyTypeSummary {
	out := make([]api.PolicyTypeSummary, 0, len(org.PolicyTypes))
	for _, t := range org.PolicyTypes {
		out = append(out, api.PolicyTypeSummary{Type: api.PolicyType(t.Type), Status: api.PolicyTypeStatus(t.Status)})
	}
	return out
}

// coreAPIOrganization is the Organization shape. AvailablePolicyTypes lists
// the types enabled on the root, as AWS's deprecated member still does.
func coreAPIOrganization(org *organizations.Organization) *api.Organization {
	return &api.Organization{
		Id:                   ptr(org.ID),
		Arn:                  ptr(organizations.OrganizationARN(org)),
		FeatureSet:           api.OrganizationFeatureSet(org.FeatureSet),
		MasterAccountArn:     ptr(organizations.AccountARN(org, org.ManagementAccountID)),
		MasterAccountId:      ptr(org.ManagementAccountID),
		MasterAccountEmail:   ptr(org.ManagementEmail),
		AvailablePolicyTypes: coreAPIPolicyTypes(org),
	}
}

// coreAPIRoot is the Root shape of org's only root.
func coreAPIRoot(org *organizations.Organization) api.Root {
	return api.Root{
		Id:          ptr(org.RootID),
		Arn:         ptr(organizations.RootARN(org)),
		Name:        ptr(org.RootName),
		PolicyTypes: coreAPIPolicyTypes(org),
	}
}

// coreAPIAccount is the Account shape of a member, with its path.
func (s *Service) coreAPIAccount(tx *organizations.Tx, org *organizations.Organization, m *organizations.Member) (api.Account, error) {
	status, state := organizations.EffectiveStatus(m, s.now())
	a := api.Account{
		Id:              ptr(m.AccountID),
		Arn:             ptr(organizations.AccountARN(org, m.AccountID)),
		Email:           ptr(m.Email),
		Name:            ptr(m.Name),
		Status:          api.AccountStatus(status),
		State:           api.AccountState(state),
		JoinedMethod:    api.AccountJoinedMethod(m.JoinedMethod),
		JoinedTimestamp: ptr(m.JoinedAt),
	}
	chain, err := tx.ParentChain(org, m.AccountID)
	if err != nil {
		return a, err
	}
	a.Paths = []string{organizations.EntityPath(org, chain)}
	return a, nil
}

// coreAPIOU is the OrganizationalUnit shape, with its path.
func coreAPIOU(tx *organizations.Tx, org *organizations.Organization, ou *organizations.OU) (api.OrganizationalUnit, error) {
	out := api.OrganizationalUnit{Id: ptr(ou.ID), Arn: ptr(organizations.OUARN(org, ou.ID)), Name: ptr(ou.Name)}
	chain, err := tx.OUChain(org, ou.ID)
	if err != nil {
		return out, err
	}
	out.Path = ptr(organizations.EntityPath(org, chain))
	return out, nil
}

// coreAPICreateAccountStatus is the CreateAccountStatus shape.
func coreAPICreateAccountStatus(st *organizations.CreateAccountStatus) api.CreateAccountStatus {
	out := api.CreateAccountStatus{
		Id:                 ptr(st.ID),
		AccountName:        ptr(st.AccountName),
		State:              api.CreateAccountState(st.State),
		RequestedTimestamp: ptr(st.RequestedAt),
		CompletedTimestamp: st.CompletedAt,
		FailureReason:      api.CreateAccountFailureReason(st.FailureReason),
	}
	if st.AccountID != "" {
		out.AccountId = ptr(st.AccountID)
	}
	return out
}

// coreAPIHandshakeResources converts a handshake's nested resources.
func coreAPIHandshakeResources(rs []organizations.HandshakeResource) []api.HandshakeResource {
	if len(rs) == 0 {
		return nil
	}
	out := make([]api.HandshakeResource, 0, len(rs))
	for _, r := range rs {
		out = append(out, api.HandshakeResource{
			Type: api.HandshakeResourceType(r.Type), Value: ptr(r.Value), Resources: coreAPIHandshakeResources(r.Resources),
		})
	}
	return out
}

// coreAPIHandshake is the Handshake shape.
func coreAPIHandshake(h *organizations.Handshake) *api.Handshake {
	parties := make([]api.HandshakeParty, 0, len(h.Parties))
	for _, p := range h.Parties {
		parties = append(parties, api.HandshakeParty{Id: ptr(p.ID), Type: api.HandshakePartyType(p.Type)})
	}
	return &api.Handshake{
		Id:                  ptr(h.ID),
		Arn:                 ptr(organizations.HandshakeARN(h)),
		Parties:             parties,
		State:               api.HandshakeState(h.State),
		RequestedTimestamp:  ptr(h.RequestedAt),
		ExpirationTimestamp: ptr(h.ExpiresAt),
		Action:              api.ActionType(h.Action),
		Resources:           coreAPIHandshakeResources(h.Resources),
	}
}

// coreTags validates the tags given to a create or invite operation and
// converts them: at most 50, no duplicate keys, no keys in the reserved
// aws: namespace.
func coreTags(in []api.Tag) ([]organizations.Tag, error) {
	if len(in) > coreMaxTags {
		return nil, constraintViolation(api.ConstraintViolationExceptionReasonMaxTagLimitExceeded,
			"You have exceeded the allowed number of tags for a resource (%d).", coreMaxTags)
	}
	seen := make(map[string]bool, len(in))
	out := make([]organizations.Tag, 0, len(in))
	for _, t := range in {
		k, v := coreDeref(t.Key), coreDeref(t.Value)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalidInput(api.InvalidInputExceptionReasonInvalidSystemTagsParameter,
				"Tag keys beginning with \"aws:\" are reserved for AWS use.")
		}
		if seen[k] {
			return nil, invalidInput(api.InvalidInputExceptionReasonDuplicateTagKey,
				"You can't have duplicate keys in a list of tags: %s.", k)
		}
		seen[k] = true
		out = append(out, organizations.Tag{Key: k, Value: v})
	}
	return out, nil
}

func coreDeref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// orgResource records an Organizations resource for the call's trail
// event.
func coreResource(c *call.Call, org *organizations.Organization, arn, typ string) {
	c.AddResource(call.Resource{ARN: arn, AccountID: org.ManagementAccountID, Type: typ})
}

// containerExists reports whether id is org's root or one of its OUs.
func coreContainerExists(tx *organizations.Tx, org *organizations.Organization, id string) (bool, error) {
	if id == org.RootID {
		return true, nil
	}
	if !strings.HasPrefix(id, "ou-") {
		return false, nil
	}
	_, err := tx.OU(org.ID, id)
	if errors.Is(err, organizations.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
