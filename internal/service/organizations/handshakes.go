package organizations

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves handshakes: invitations to join an organization
// (INVITE, sent by the management account to an account id or to the
// email of a gatehouse account, open for 15 days) and the approvals of
// all features (APPROVE_ALL_FEATURES, see EnableAllFeatures). The
// recipient accepts or declines, the sender cancels; a handshake past its
// expiry reads EXPIRED.

func (s *Service) registerHandshakes(r *call.Registry) {
	r.Handle(api.Service, "InviteAccountToOrganization", call.Typed(s.InviteAccountToOrganization))
	r.Handle(api.Service, "AcceptHandshake", call.Typed(s.AcceptHandshake))
	r.Handle(api.Service, "DeclineHandshake", call.Typed(s.DeclineHandshake))
	r.Handle(api.Service, "CancelHandshake", call.Typed(s.CancelHandshake))
	r.Handle(api.Service, "DescribeHandshake", call.Typed(s.DescribeHandshake))
	r.Handle(api.Service, "ListHandshakesForAccount", call.Typed(s.ListHandshakesForAccount))
	r.Handle(api.Service, "ListHandshakesForOrganization", call.Typed(s.ListHandshakesForOrganization))
}

// HandshakeHook handles one transition of a handshake whose action
// another resource family owns (TRANSFER_RESPONSIBILITY): it runs inside
// the transaction, after the generic checks (party, state, expiry) and
// before the new state is stored. A family registers its hooks from an
// init function in its own file.
type HandshakeHook func(s *Service, tx *organizations.Tx, c *call.Call, h *organizations.Handshake, now time.Time) error

// handshakeHooks maps an action to its accept, decline and cancel hooks.
var handshakeHooks = map[string]struct{ Accept, Decline, Cancel HandshakeHook }{}

// coreHandshakeConstraint is HandshakeConstraintViolationException with
// its Reason.
func coreHandshakeConstraint(reason api.HandshakeConstraintViolationExceptionReason, format string, args ...any) *protocol.Error {
	e := api.NewHandshakeConstraintViolationException(format, args...)
	e.Fields = map[string]any{"Reason": string(reason)}
	return e
}

// coreHandshakeOpen reports whether h still waits for an answer at now.
func coreHandshakeOpen(h *organizations.Handshake, now time.Time) bool {
	return (h.State == string(api.HandshakeStateRequested) || h.State == string(api.HandshakeStateOpen)) && now.Before(h.ExpiresAt)
}

// coreHandshakeView returns h as it reads at now: EXPIRED once past its
// expiry while unanswered.
func coreHandshakeView(h *organizations.Handshake, now time.Time) *organizations.Handshake {
	if (h.State == string(api.HandshakeStateRequested) || h.State == string(api.HandshakeStateOpen)) && !now.Before(h.ExpiresAt) {
		v := *h
		v.State = string(api.HandshakeStateExpired)
		return &v
	}
	return h
}

func coreHandshakeNotFound(id string) *protocol.Error {
	return api.NewHandshakeNotFoundException("We can't find a handshake with the HandshakeId %s.", id)
}

// coreHandshakeRecipient reports whether accountID (whose root email is
// email) is the party a handshake waits on: the ACCOUNT party that is not
// the sending organization's management account, or the EMAIL party.
func coreHandshakeRecipient(h *organizations.Handshake, accountID, email string) bool {
	for _, p := range h.Parties {
		switch p.Type {
		case string(api.HandshakePartyTypeAccount):
			if p.ID == accountID && accountID != h.ManagementAccountID {
				return true
			}
		case string(api.HandshakePartyTypeEmail):
			if email != "" && strings.EqualFold(p.ID, email) {
				return true
			}
		}
	}
	return false
}

// coreHandshakeVisible reports whether the caller's account may see h:
// its recipient, or the management account of the organization that sent
// it.
func coreHandshakeVisible(tx *organizations.Tx, h *organizations.Handshake, accountID string) (bool, error) {
	if accountID == h.ManagementAccountID {
		return true, nil
	}
	a, err := account.Get(tx, accountID)
	if err != nil {
		return false, err
	}
	return coreHandshakeRecipient(h, accountID, a.Email), nil
}

// InviteAccountToOrganization sends an invitation to an account,
// named by id or by the email of its root user. Only accounts of this
// gatehouse node can be invited.
func (s *Service) InviteAccountToOrganization(ctx context.Context, c *call.Call, in *api.InviteAccountToOrganizationInput) (*api.InviteAccountToOrganizationOutput, error) {
	tags, err := coreTags(in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out *organizations.Handshake
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if org.AllFeaturesHandshake != "" {
			if h, err := tx.Handshake(org.AllFeaturesHandshake); err == nil && coreHandshakeOpen(h, now) {
				return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonInviteDisabledDuringEnableAllFeatures,
					"You can't invite accounts while the organization is enabling all features.")
			}
		}
		target, party, err := coreInviteTarget(tx, in.Target)
		if err != nil {
			return err
		}
		if other, err := tx.OrganizationOfAccount(target.ID); err == nil {
			if other.ID == org.ID {
				return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization,
					"The account %s is already a member of this organization.", target.ID)
			}
		} else if !errors.Is(err, organizations.ErrNotFound) {
			return err
		}
		members, err := tx.Members(org.ID)
		if err != nil {
			return err
		}
		all, err := tx.HandshakesOfOrganization(org.ID)
		if err != nil {
			return err
		}
		pending, today := 0, 0
		for _, h := range all {
			if h.Action != string(api.ActionTypeInvite) {
				continue
			}
			if now.Sub(h.RequestedAt) < 24*time.Hour {
				today++
			}
			if !coreHandshakeOpen(h, now) {
				continue
			}
			pending++
			if coreHandshakeRecipient(h, target.ID, target.Email) {
				return api.NewDuplicateHandshakeException("An open invitation to account %s already exists (%s).", target.ID, h.ID)
			}
		}
		if today >= coreInvitationsPerDay {
			return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonHandshakeRateLimitExceeded,
				"You have sent too many invitations today; the limit is %d a day.", coreInvitationsPerDay)
		}
		if len(members)+pending >= coreMaxAccounts {
			return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonAccountNumberLimitExceeded,
				"The organization would exceed its limit of %d accounts, counting open invitations.", coreMaxAccounts)
		}
		mgmt, err := account.Get(tx, org.ManagementAccountID)
		if err != nil {
			return err
		}
		h := &organizations.Handshake{
			ID: organizations.NewID("h-", 8), OrgID: org.ID, ManagementAccountID: org.ManagementAccountID,
			Action: string(api.ActionTypeInvite), State: string(api.HandshakeStateRequested),
			Parties: []organizations.HandshakeParty{
				{ID: org.ID, Type: string(api.HandshakePartyTypeOrganization)},
				party,
			},
			Resources: []organizations.HandshakeResource{
				{Type: string(api.HandshakeResourceTypeOrganization), Value: org.ID, Resources: []organizations.HandshakeResource{
					{Type: string(api.HandshakeResourceTypeMasterEmail), Value: org.ManagementEmail},
					{Type: string(api.HandshakeResourceTypeMasterName), Value: mgmt.Name},
					{Type: string(api.HandshakeResourceTypeOrganizationFeatureSet), Value: org.FeatureSet},
				}},
				{Type: party.Type, Value: party.ID},
			},
			Notes:       coreDeref(in.Notes),
			RequestedAt: now, ExpiresAt: now.Add(coreInvitationLifetime),
		}
		if h.Notes != "" {
			h.Resources = append(h.Resources, organizations.HandshakeResource{Type: string(api.HandshakeResourceTypeNotes), Value: h.Notes})
		}
		if err := tx.PutHandshake(h); err != nil {
			return err
		}
		if party.Type == string(api.HandshakePartyTypeEmail) {
			// PutHandshake indexes ACCOUNT parties only; the invited
			// account must find an invitation sent to its email too.
			if err := tx.Put(organizations.KindHandshakeByAccount, target.ID+"/"+h.ID, []byte(h.ID)); err != nil {
				return err
			}
		}
		// The tags wait with the handshake and go to the account when it
		// joins.
		if err := tx.PutTags(org.ID, h.ID, tags); err != nil {
			return err
		}
		coreResource(c, org, organizations.HandshakeARN(h), "AWS::Organizations::Handshake")
		out = h
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.InviteAccountToOrganizationOutput{Handshake: coreAPIHandshake(out)}, nil
}

// coreInviteTarget resolves an invitation's target to a gatehouse account
// and the party the handshake names.
func coreInviteTarget(tx *organizations.Tx, target *api.HandshakeParty) (*account.Account, organizations.HandshakeParty, error) {
	id := coreDeref(target.Id)
	switch target.Type {
	case api.HandshakePartyTypeAccount:
		if !account.ValidAccountID(id) {
			return nil, organizations.HandshakeParty{}, invalidInput(api.InvalidInputExceptionReasonInvalidPartyTypeTarget,
				"The invitation target %q is not a 12-digit account id.", id)
		}
		a, err := account.Get(tx, id)
		if errors.Is(err, organizations.ErrNotFound) {
			return nil, organizations.HandshakeParty{}, invalidInput(api.InvalidInputExceptionReasonInvalidPartyTypeTarget,
				"There is no account %s on this gatehouse node; only its accounts can be invited.", id)
		}
		if err != nil {
			return nil, organizations.HandshakeParty{}, err
		}
		return a, organizations.HandshakeParty{ID: a.ID, Type: string(api.HandshakePartyTypeAccount)}, nil
	case api.HandshakePartyTypeEmail:
		a, err := organizations.AccountByEmail(tx, id)
		if errors.Is(err, organizations.ErrNotFound) {
			return nil, organizations.HandshakeParty{}, invalidInput(api.InvalidInputExceptionReasonInvalidEmailAddressTarget,
				"No account of this gatehouse node has the email address %s.", id)
		}
		if err != nil {
			return nil, organizations.HandshakeParty{}, err
		}
		return a, organizations.HandshakeParty{ID: id, Type: string(api.HandshakePartyTypeEmail)}, nil
	}
	return nil, organizations.HandshakeParty{}, invalidInput(api.InvalidInputExceptionReasonInvalidPartyTypeTarget,
		"You can invite an account only by its ACCOUNT id or EMAIL address, not by %s.", target.Type)
}

// coreHandshakeForAnswer loads a handshake the caller answers (accept or
// decline): it must be its recipient and the handshake must be open.
func (s *Service) coreHandshakeForAnswer(tx *organizations.Tx, c *call.Call, id string, want api.HandshakeState, now time.Time) (*organizations.Handshake, *account.Account, error) {
	h, err := tx.Handshake(id)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, nil, coreHandshakeNotFound(id)
	}
	if err != nil {
		return nil, nil, err
	}
	me, err := account.Get(tx, c.Principal.AccountID)
	if err != nil {
		return nil, nil, err
	}
	if !coreHandshakeRecipient(h, me.ID, me.Email) {
		if me.ID == h.ManagementAccountID {
			return nil, nil, api.NewAccessDeniedException("Only the recipient of handshake %s can answer it; the sender can cancel it.", id)
		}
		return nil, nil, coreHandshakeNotFound(id)
	}
	if err := coreHandshakeTransition(coreHandshakeView(h, now), want); err != nil {
		return nil, nil, err
	}
	return h, me, nil
}

// coreHandshakeTransition checks that h, as it reads now, may move to
// want.
func coreHandshakeTransition(h *organizations.Handshake, want api.HandshakeState) error {
	switch h.State {
	case string(api.HandshakeStateRequested), string(api.HandshakeStateOpen):
		return nil
	case string(want):
		return api.NewHandshakeAlreadyInStateException("The handshake %s is already %s.", h.ID, h.State)
	}
	return api.NewInvalidHandshakeTransitionException("The handshake %s is %s and can't become %s.", h.ID, h.State, want)
}

// AcceptHandshake accepts a handshake: an invitation makes the caller's
// account a member of the inviting organization, under its root, with the
// default policies attached and the invitation's tags; an approval of all
// features counts toward the organization's move to all features.
func (s *Service) AcceptHandshake(ctx context.Context, c *call.Call, in *api.AcceptHandshakeInput) (*api.AcceptHandshakeOutput, error) {
	now := s.now()
	var out *organizations.Handshake
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		h, me, err := s.coreHandshakeForAnswer(tx, c, *in.HandshakeId, api.HandshakeStateAccepted, now)
		if err != nil {
			return err
		}
		org, err := tx.Organization(h.OrgID)
		if errors.Is(err, organizations.ErrNotFound) {
			return coreHandshakeNotFound(h.ID)
		}
		if err != nil {
			return err
		}
		switch h.Action {
		case string(api.ActionTypeInvite):
			if err := s.coreJoin(tx, org, me, h, now); err != nil {
				return err
			}
		case string(api.ActionTypeApproveAllFeatures):
			h.State = string(api.HandshakeStateAccepted)
			if err := tx.PutHandshake(h); err != nil {
				return err
			}
			if err := coreFinishAllFeatures(tx, org, h.ParentHandshakeID); err != nil {
				return err
			}
		default:
			if hook := handshakeHooks[h.Action].Accept; hook != nil {
				if err := hook(s, tx, c, h, now); err != nil {
					return err
				}
			}
		}
		h.State = string(api.HandshakeStateAccepted)
		coreResource(c, org, organizations.HandshakeARN(h), "AWS::Organizations::Handshake")
		out = h
		return tx.PutHandshake(h)
	})
	if err != nil {
		return nil, err
	}
	return &api.AcceptHandshakeOutput{Handshake: coreAPIHandshake(out)}, nil
}

// coreJoin makes account me a member of org by invitation h.
func (s *Service) coreJoin(tx *organizations.Tx, org *organizations.Organization, me *account.Account, h *organizations.Handshake, now time.Time) error {
	if _, err := tx.OrganizationOfAccount(me.ID); err == nil {
		return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonAlreadyInAnOrganization,
			"The account %s is already a member of an organization; it must leave it first.", me.ID)
	} else if !errors.Is(err, organizations.ErrNotFound) {
		return err
	}
	members, err := tx.Members(org.ID)
	if err != nil {
		return err
	}
	if len(members) >= coreMaxAccounts {
		return coreHandshakeConstraint(api.HandshakeConstraintViolationExceptionReasonAccountNumberLimitExceeded,
			"The organization has reached its limit of %d accounts.", coreMaxAccounts)
	}
	m := &organizations.Member{
		AccountID: me.ID, OrgID: org.ID, ParentID: org.RootID, Name: me.Name, Email: me.Email,
		Status: organizations.StatusActive, JoinedMethod: organizations.JoinedInvited, JoinedAt: now,
	}
	if err := tx.PutMember(m); err != nil {
		return err
	}
	if err := organizations.AttachDefaults(tx, org, me.ID, now); err != nil {
		return err
	}
	tags, err := tx.Tags(org.ID, h.ID)
	if err != nil {
		return err
	}
	if err := tx.PutTags(org.ID, h.ID, nil); err != nil {
		return err
	}
	return tx.PutTags(org.ID, me.ID, tags)
}

// coreFinishAllFeatures switches org to all features once every
// APPROVE_ALL_FEATURES handshake of the ENABLE_ALL_FEATURES handshake
// parentID has been accepted.
func coreFinishAllFeatures(tx *organizations.Tx, org *organizations.Organization, parentID string) error {
	all, err := tx.HandshakesOfOrganization(org.ID)
	if err != nil {
		return err
	}
	for _, h := range all {
		if h.ParentHandshakeID == parentID && h.State != string(api.HandshakeStateAccepted) {
			return nil
		}
	}
	parent, err := tx.Handshake(parentID)
	if err != nil {
		return err
	}
	parent.State = string(api.HandshakeStateAccepted)
	if err := tx.PutHandshake(parent); err != nil {
		return err
	}
	org.FeatureSet = organizations.FeatureSetAll
	org.AllFeaturesHandshake = ""
	return tx.PutOrganization(org)
}

// DeclineHandshake declines a handshake sent to the caller's account.
func (s *Service) DeclineHandshake(ctx context.Context, c *call.Call, in *api.DeclineHandshakeInput) (*api.DeclineHandshakeOutput, error) {
	now := s.now()
	var out *organizations.Handshake
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		h, _, err := s.coreHandshakeForAnswer(tx, c, *in.HandshakeId, api.HandshakeStateDeclined, now)
		if err != nil {
			return err
		}
		if hook := handshakeHooks[h.Action].Decline; hook != nil {
			if err := hook(s, tx, c, h, now); err != nil {
				return err
			}
		}
		return s.coreCloseHandshake(tx, c, h, api.HandshakeStateDeclined, &out)
	})
	if err != nil {
		return nil, err
	}
	return &api.DeclineHandshakeOutput{Handshake: coreAPIHandshake(out)}, nil
}

// CancelHandshake cancels a handshake the caller's organization sent;
// only its management account may.
func (s *Service) CancelHandshake(ctx context.Context, c *call.Call, in *api.CancelHandshakeInput) (*api.CancelHandshakeOutput, error) {
	now := s.now()
	var out *organizations.Handshake
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		h, err := tx.Handshake(*in.HandshakeId)
		if errors.Is(err, organizations.ErrNotFound) {
			return coreHandshakeNotFound(*in.HandshakeId)
		}
		if err != nil {
			return err
		}
		if h.ManagementAccountID != c.Principal.AccountID {
			visible, err := coreHandshakeVisible(tx, h, c.Principal.AccountID)
			if err != nil {
				return err
			}
			if !visible {
				return coreHandshakeNotFound(h.ID)
			}
			return api.NewAccessDeniedException("Only the management account of the organization that sent handshake %s can cancel it.", h.ID)
		}
		if err := coreHandshakeTransition(coreHandshakeView(h, now), api.HandshakeStateCanceled); err != nil {
			return err
		}
		if hook := handshakeHooks[h.Action].Cancel; hook != nil {
			if err := hook(s, tx, c, h, now); err != nil {
				return err
			}
		}
		return s.coreCloseHandshake(tx, c, h, api.HandshakeStateCanceled, &out)
	})
	if err != nil {
		return nil, err
	}
	return &api.CancelHandshakeOutput{Handshake: coreAPIHandshake(out)}, nil
}

// coreCloseHandshake ends h in state (DECLINED or CANCELED). Ending an
// ENABLE_ALL_FEATURES handshake or one of its approvals ends the whole
// migration, as one refusal stops it.
func (s *Service) coreCloseHandshake(tx *organizations.Tx, c *call.Call, h *organizations.Handshake, state api.HandshakeState, out **organizations.Handshake) error {
	h.State = string(state)
	if err := tx.PutHandshake(h); err != nil {
		return err
	}
	org, err := tx.Organization(h.OrgID)
	if errors.Is(err, organizations.ErrNotFound) {
		*out = h
		return nil
	}
	if err != nil {
		return err
	}
	coreResource(c, org, organizations.HandshakeARN(h), "AWS::Organizations::Handshake")
	*out = h
	switch h.Action {
	case string(api.ActionTypeInvite):
		return tx.PutTags(org.ID, h.ID, nil)
	case string(api.ActionTypeEnableAllFeatures), string(api.ActionTypeApproveAllFeatures):
		parentID := h.ID
		if h.ParentHandshakeID != "" {
			parentID = h.ParentHandshakeID
		}
		all, err := tx.HandshakesOfOrganization(org.ID)
		if err != nil {
			return err
		}
		for _, o := range all {
			if (o.ID == parentID || o.ParentHandshakeID == parentID) && o.ID != h.ID && coreHandshakeOpen(o, s.now()) {
				o.State = string(api.HandshakeStateCanceled)
				if err := tx.PutHandshake(o); err != nil {
					return err
				}
			}
		}
		if org.AllFeaturesHandshake == parentID {
			org.AllFeaturesHandshake = ""
			return tx.PutOrganization(org)
		}
	}
	return nil
}

// DescribeHandshake describes a handshake the caller's account is a
// party to.
func (s *Service) DescribeHandshake(ctx context.Context, c *call.Call, in *api.DescribeHandshakeInput) (*api.DescribeHandshakeOutput, error) {
	var out *organizations.Handshake
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		h, err := tx.Handshake(*in.HandshakeId)
		if errors.Is(err, organizations.ErrNotFound) {
			return coreHandshakeNotFound(*in.HandshakeId)
		}
		if err != nil {
			return err
		}
		visible, err := coreHandshakeVisible(tx, h, c.Principal.AccountID)
		if err != nil {
			return err
		}
		if !visible {
			return coreHandshakeNotFound(h.ID)
		}
		out = coreHandshakeView(h, s.now())
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeHandshakeOutput{Handshake: coreAPIHandshake(out)}, nil
}

// coreFilterHandshakes applies a HandshakeFilter (one of its members at
// most) and converts the handshakes as they read now.
func coreFilterHandshakes(hs []*organizations.Handshake, f *api.HandshakeFilter, now time.Time) ([]api.Handshake, error) {
	if f != nil && f.ActionType != "" && f.ParentHandshakeId != nil {
		return nil, invalidInput(api.InvalidInputExceptionReasonMaxLimitExceededFilter,
			"You can specify only one filter parameter: ActionType or ParentHandshakeId.")
	}
	slices.SortFunc(hs, func(a, b *organizations.Handshake) int { return a.RequestedAt.Compare(b.RequestedAt) })
	out := make([]api.Handshake, 0, len(hs))
	for _, h := range hs {
		if f != nil && f.ActionType != "" && h.Action != string(f.ActionType) {
			continue
		}
		if f != nil && f.ParentHandshakeId != nil && h.ParentHandshakeID != *f.ParentHandshakeId {
			continue
		}
		out = append(out, *coreAPIHandshake(coreHandshakeView(h, now)))
	}
	return out, nil
}

// ListHandshakesForAccount lists the handshakes sent to the caller's
// account. An account in no organization may call it (to see its
// invitations).
func (s *Service) ListHandshakesForAccount(ctx context.Context, c *call.Call, in *api.ListHandshakesForAccountInput) (*api.ListHandshakesForAccountOutput, error) {
	var items []api.Handshake
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		hs, err := tx.HandshakesOfAccount(c.Principal.AccountID)
		if err != nil {
			return err
		}
		items, err = coreFilterHandshakes(hs, in.Filter, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListHandshakesForAccountOutput{Handshakes: pg, NextToken: next}, nil
}

// ListHandshakesForOrganization lists the handshakes the caller's
// organization sent.
func (s *Service) ListHandshakesForOrganization(ctx context.Context, c *call.Call, in *api.ListHandshakesForOrganizationInput) (*api.ListHandshakesForOrganizationOutput, error) {
	var items []api.Handshake
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		hs, err := tx.HandshakesOfOrganization(org.ID)
		if err != nil {
			return err
		}
		items, err = coreFilterHandshakes(hs, in.Filter, s.now())
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListHandshakesForOrganizationOutput{Handshakes: pg, NextToken: next}, nil
}
