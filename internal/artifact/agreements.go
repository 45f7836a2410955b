package artifact

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store"
)

// AgreementPublication is an agreement to offer to accounts.
type AgreementPublication struct {
	// Name is up to 1024 characters without "<" or ">". Required.
	Name string
	// Description is optional, with the same rules as Name.
	Description string
	// Type is DEFAULT (the default), CUSTOM or MODIFIED.
	Type string
	// AcceptanceTerms are the statements an account agrees to when it
	// accepts; TerminateTerms those it agrees to when it terminates. Up to
	// 10 each, each up to 1024 characters without "<" or ">".
	AcceptanceTerms, TerminateTerms []string
}

// PublishAgreement stores a new agreement.
func (s *Store) PublishAgreement(ctx context.Context, p AgreementPublication) (*Agreement, error) {
	if p.Type == "" {
		p.Type = AgreementDefault
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	a := &Agreement{
		ID: "agreement-" + randomAlnum(16), Name: p.Name, Description: p.Description, Type: p.Type,
		AcceptanceTerms: p.AcceptanceTerms, TerminateTerms: p.TerminateTerms, CreatedAt: s.now().UTC(),
	}
	err := s.st.Update(ctx, func(tx store.Tx) error {
		raw, err := json.Marshal(a)
		if err != nil {
			return err
		}
		return tx.Insert(kindAgreement, a.ID, raw)
	})
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (p *AgreementPublication) validate() error {
	if err := checkText("name", p.Name, descriptionPattern, 1024, true); err != nil {
		return err
	}
	if err := checkText("description", p.Description, descriptionPattern, 1024, false); err != nil {
		return err
	}
	switch p.Type {
	case AgreementDefault, AgreementCustom, AgreementModified:
	default:
		return &InvalidPublicationError{"type", fmt.Sprintf("%q is not DEFAULT, CUSTOM or MODIFIED", p.Type)}
	}
	for _, list := range []struct {
		field string
		terms []string
	}{{"acceptance terms", p.AcceptanceTerms}, {"terminate terms", p.TerminateTerms}} {
		if len(list.terms) > maxAgreementTerms {
			return &InvalidPublicationError{list.field, fmt.Sprintf("%d terms is more than the %d allowed", len(list.terms), maxAgreementTerms)}
		}
		for _, t := range list.terms {
			if err := checkText(list.field, t, descriptionPattern, 1024, true); err != nil {
				return err
			}
		}
	}
	return nil
}

// Agreements returns every agreement, in id order.
func (s *Store) Agreements(ctx context.Context) ([]*Agreement, error) {
	var out []*Agreement
	err := s.st.View(ctx, func(tx store.Tx) error {
		items, err := tx.List(kindAgreement, "", "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			a := new(Agreement)
			if err := json.Unmarshal(it.Value, a); err != nil {
				return fmt.Errorf("artifact: decode agreement %s: %w", it.Key, err)
			}
			out = append(out, a)
		}
		return nil
	})
	return out, err
}

// AcceptAgreement records accountID's acceptance of an agreement. With
// forOrganization the acceptance is on behalf of the account's
// organization, which only its management account may give, and then
// applies to every account in the organization.
func (s *Store) AcceptAgreement(ctx context.Context, accountID, agreementID string, forOrganization bool) (*CustomerAgreement, error) {
	var ca *CustomerAgreement
	err := s.orgs.View(ctx, func(otx *organizations.Tx) error {
		ca = &CustomerAgreement{
			ID: "customer-agreement-" + randomAlnum(16), AgreementID: agreementID, AccountID: accountID,
			State: CustomerAgreementActive, EffectiveStart: s.now().UTC(),
		}
		if !forOrganization {
			return nil
		}
		org, err := otx.OrganizationOfAccount(accountID)
		if errors.Is(err, organizations.ErrNotFound) {
			return ErrNotInOrganization
		}
		if err != nil {
			return err
		}
		if org.ManagementAccountID != accountID {
			return ErrNotManagementAccount
		}
		if org.FeatureSet != organizations.FeatureSetAll {
			return ErrNotAllFeatures
		}
		ca.OrganizationID, ca.OrganizationARN = org.ID, organizations.OrganizationARN(org)
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = s.st.Update(ctx, func(tx store.Tx) error {
		if _, err := tx.Get(kindAgreement, agreementID); err != nil {
			return notFound(err, ErrAgreementNotFound)
		}
		existing, err := customerAgreementsOf(tx, ca.owner())
		if err != nil {
			return err
		}
		for _, e := range existing {
			if e.AgreementID == agreementID && e.State == CustomerAgreementActive {
				return fmt.Errorf("%w: %s", ErrAlreadyAccepted, e.ID)
			}
		}
		raw, err := json.Marshal(ca)
		if err != nil {
			return err
		}
		return tx.Insert(kindCustomerAgreement, ca.owner()+"/"+ca.ID, raw)
	})
	if err != nil {
		return nil, err
	}
	return ca, nil
}

// TerminateAgreement ends accountID's acceptance named by id: a customer
// agreement id, or the id of an agreement the account (or, from the
// management account, its organization) has accepted. An acceptance on
// behalf of an organization can only be ended by its management account.
func (s *Store) TerminateAgreement(ctx context.Context, accountID, id string) (*CustomerAgreement, error) {
	orgID, management := "", false
	err := s.orgs.View(ctx, func(otx *organizations.Tx) error {
		org, err := otx.OrganizationOfAccount(accountID)
		switch {
		case errors.Is(err, organizations.ErrNotFound):
			return nil
		case err != nil:
			return err
		}
		orgID, management = org.ID, org.ManagementAccountID == accountID
		return nil
	})
	if err != nil {
		return nil, err
	}
	var ca *CustomerAgreement
	err = s.st.Update(ctx, func(tx store.Tx) error {
		owners := []string{accountID}
		if orgID != "" {
			owners = append(owners, orgID)
		}
		var found *CustomerAgreement
		for _, owner := range owners {
			list, err := customerAgreementsOf(tx, owner)
			if err != nil {
				return err
			}
			for _, c := range list {
				if c.ID == id || (c.AgreementID == id && c.State == CustomerAgreementActive) {
					found = c
					break
				}
			}
			if found != nil {
				break
			}
		}
		switch {
		case found == nil:
			return ErrCustomerAgreementNotFound
		case found.OrganizationID != "" && !management:
			return ErrNotManagementAccount
		case found.State != CustomerAgreementActive:
			return ErrAlreadyTerminated
		}
		end := s.now().UTC()
		found.State, found.EffectiveEnd = CustomerAgreementTerminated, &end
		ca = found
		return store.PutJSON(tx, kindCustomerAgreement, found.owner()+"/"+found.ID, found)
	})
	if err != nil {
		return nil, err
	}
	return ca, nil
}

// ActiveAgreements returns the agreements in force for accountID: its own
// active acceptances and those of its organization, oldest first.
func (s *Store) ActiveAgreements(ctx context.Context, accountID string) ([]*AcceptedAgreement, error) {
	var out []*AcceptedAgreement
	err := s.orgs.View(ctx, func(otx *organizations.Tx) error {
		owners := []string{accountID}
		switch org, err := otx.OrganizationOfAccount(accountID); {
		case err == nil:
			owners = append(owners, org.ID)
		case !errors.Is(err, organizations.ErrNotFound):
			return err
		}
		for _, owner := range owners {
			list, err := customerAgreementsOf(otx.Tx, owner)
			if err != nil {
				return err
			}
			for _, c := range list {
				if c.State != CustomerAgreementActive {
					continue
				}
				a := new(Agreement)
				if err := store.GetJSON(otx.Tx, kindAgreement, c.AgreementID, a); err != nil {
					return notFound(err, ErrAgreementNotFound)
				}
				out = append(out, &AcceptedAgreement{CustomerAgreement: *c, Agreement: a})
			}
		}
		return nil
	})
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].EffectiveStart.Equal(out[j].EffectiveStart) {
			return out[i].EffectiveStart.Before(out[j].EffectiveStart)
		}
		return out[i].ID < out[j].ID
	})
	return out, err
}

func customerAgreementsOf(tx store.Tx, owner string) ([]*CustomerAgreement, error) {
	items, err := tx.List(kindCustomerAgreement, owner+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]*CustomerAgreement, 0, len(items))
	for _, it := range items {
		c := new(CustomerAgreement)
		if err := json.Unmarshal(it.Value, c); err != nil {
			return nil, fmt.Errorf("artifact: decode customer agreement %s: %w", it.Key, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// AccountSettings returns accountID's notification subscription status
// (NOT_SUBSCRIBED until the account changes it).
func (s *Store) AccountSettings(ctx context.Context, accountID string) (string, error) {
	st := accountSettings{NotificationSubscriptionStatus: NotificationNotSubscribed}
	err := s.st.View(ctx, func(tx store.Tx) error {
		err := store.GetJSON(tx, kindSettings, accountID, &st)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	})
	return st.NotificationSubscriptionStatus, err
}

// PutAccountSettings sets accountID's notification subscription status.
func (s *Store) PutAccountSettings(ctx context.Context, accountID, status string) error {
	if status != NotificationSubscribed && status != NotificationNotSubscribed {
		return fmt.Errorf("artifact: notification subscription status %q is neither SUBSCRIBED nor NOT_SUBSCRIBED", status)
	}
	return s.st.Update(ctx, func(tx store.Tx) error {
		return store.PutJSON(tx, kindSettings, accountID, accountSettings{NotificationSubscriptionStatus: status})
	})
}
