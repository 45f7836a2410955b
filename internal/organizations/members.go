package organizations

import (
	"errors"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// This file answers the questions the Organizations API and the admin
// commands ask about an organization's members and children: who sits
// under a parent, what state an account is in after CloseAccount, and
// which handshakes belong to an organization.

// ClosureDelay is how long an account closed with CloseAccount stays
// PENDING_CLOSURE before it shows as SUSPENDED. AWS takes minutes; a
// short delay keeps the two states observable.
const ClosureDelay = 2 * time.Second

// ClosedRetention is how long a suspended account stays in its
// organization before AWS closes it for good (its State turns CLOSED).
const ClosedRetention = 90 * 24 * time.Hour

// EffectiveStatus returns the Status and State an account shows at now:
// a closure started by CloseAccount moves from PENDING_CLOSURE to
// SUSPENDED after ClosureDelay, and the State reads CLOSED once the
// account has been suspended for ClosedRetention.
func EffectiveStatus(m *Member, now time.Time) (status, state string) {
	status = m.Status
	if status == "" {
		status = StatusActive
	}
	if m.ClosedAt == nil || status == StatusActive {
		return status, status
	}
	closedFor := now.Sub(*m.ClosedAt)
	if status == StatusPendingClosure && closedFor >= ClosureDelay {
		status = StatusSuspended
	}
	state = status
	if status == StatusSuspended && closedFor >= ClosedRetention {
		state = "CLOSED"
	}
	return status, state
}

// ChildOUs returns the OUs directly under parentID (the root or an OU).
func (tx *Tx) ChildOUs(orgID, parentID string) ([]*OU, error) {
	all, err := tx.OUs(orgID)
	if err != nil {
		return nil, err
	}
	var out []*OU
	for _, o := range all {
		if o.ParentID == parentID {
			out = append(out, o)
		}
	}
	return out, nil
}

// ChildAccounts returns the members directly under parentID, in account
// id order.
func (tx *Tx) ChildAccounts(orgID, parentID string) ([]*Member, error) {
	all, err := tx.Members(orgID)
	if err != nil {
		return nil, err
	}
	var out []*Member
	for _, m := range all {
		if m.ParentID == parentID {
			out = append(out, m)
		}
	}
	return out, nil
}

// HandshakesOfOrganization returns every handshake orgID sent or
// received, in handshake id order. Handshakes are keyed by id alone, so
// this scans them; it serves listing calls, never authorization.
func (tx *Tx) HandshakesOfOrganization(orgID string) ([]*Handshake, error) {
	all, err := store.ListJSON[Handshake](tx, KindHandshake, "")
	if err != nil {
		return nil, err
	}
	var out []*Handshake
	for _, h := range all {
		if h.OrgID == orgID {
			out = append(out, h)
		}
	}
	return out, nil
}

// DeleteHandshake removes a handshake and its per-account index entries.
func (tx *Tx) DeleteHandshake(h *Handshake) error {
	if err := tx.Delete(KindHandshake, h.ID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	for _, p := range h.Parties {
		if p.Type != "ACCOUNT" {
			continue
		}
		if err := tx.Delete(KindHandshakeByAccount, p.ID+"/"+h.ID); err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return nil
}

// DeleteOrganizationState removes everything stored under orgID (members
// and their index, OUs, policies, attachments, tags, account creation
// requests, responsibility transfers, handshakes) and then the
// organization record itself. DeleteOrganization calls it once the
// organization holds only its management account.
func (tx *Tx) DeleteOrganizationState(org *Organization) error {
	members, err := tx.Members(org.ID)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := tx.DeleteMember(org.ID, m.AccountID); err != nil {
			return err
		}
	}
	for _, kind := range []string{KindOU, KindPolicy, KindAttachment, KindAttachmentByPolicy, KindTags, KindCreateAccountStatus, KindResponsibilityTransfer} {
		items, err := tx.List(kind, org.ID+"/", "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			if err := tx.Delete(kind, it.Key); err != nil && !errors.Is(err, ErrNotFound) {
				return err
			}
		}
	}
	hs, err := tx.HandshakesOfOrganization(org.ID)
	if err != nil {
		return err
	}
	for _, h := range hs {
		if err := tx.DeleteHandshake(h); err != nil {
			return err
		}
	}
	return tx.DeleteOrganization(org)
}
