package organizations

import (
	"context"
	"crypto/rand"
	"errors"
	"strings"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/store"
)

// ErrNotFound is returned by the Tx getters when the item is absent.
var ErrNotFound = store.ErrNotFound

// Store is the Organizations state over the node's store.
type Store struct {
	dir *iam.Directory
	// generation counts committed writes; the chain cache compares it.
	generation atomic.Uint64
	chains     chainCache
}

// New returns the Organizations state kept in dir's store. Writes run in
// IAM directory transactions, so they can create IAM entities (the
// OrganizationAccountAccessRole of a new account) atomically.
func New(dir *iam.Directory) *Store {
	s := &Store{dir: dir}
	s.chains.s = s
	return s
}

// Directory returns the IAM directory the store writes through.
func (s *Store) Directory() *iam.Directory { return s.dir }

// Generation returns the number of committed writes.
func (s *Store) Generation() uint64 { return s.generation.Load() }

// Invalidate marks every cached view stale (after a store reset).
func (s *Store) Invalidate() { s.generation.Add(1) }

// Tx is a transaction over Organizations state. IAM is the IAM
// transaction it runs in, for writes of IAM entities.
type Tx struct {
	store.Tx
	IAM *iam.Tx
}

// Update runs fn in a read-write transaction and, once it has committed,
// invalidates the cached policy chains.
func (s *Store) Update(ctx context.Context, fn func(*Tx) error) error {
	err := s.dir.Update(ctx, func(itx *iam.Tx) error {
		return fn(&Tx{Tx: itx.Tx, IAM: itx})
	})
	if err == nil {
		s.generation.Add(1)
	}
	return err
}

// View runs fn in a read-only transaction.
func (s *Store) View(ctx context.Context, fn func(*Tx) error) error {
	return s.dir.View(ctx, func(itx *iam.Tx) error {
		return fn(&Tx{Tx: itx.Tx, IAM: itx})
	})
}

// Organization returns the organization with the given id.
func (tx *Tx) Organization(orgID string) (*Organization, error) {
	o := new(Organization)
	return o, store.GetJSON(tx, KindOrganization, orgID, o)
}

// PutOrganization stores o.
func (tx *Tx) PutOrganization(o *Organization) error {
	return store.PutJSON(tx, KindOrganization, o.ID, o)
}

// DeleteOrganization removes the organization record and its management
// index. The caller removes its members, OUs and policies first.
func (tx *Tx) DeleteOrganization(o *Organization) error {
	if err := tx.Delete(KindOrganization, o.ID); err != nil {
		return err
	}
	if err := tx.Delete(KindManagementOrg, o.ManagementAccountID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// OrganizationOfAccount returns the organization accountID belongs to, as
// member or management account; ErrNotFound when it is in none.
func (tx *Tx) OrganizationOfAccount(accountID string) (*Organization, error) {
	raw, err := tx.Get(KindAccountOrg, accountID)
	if err != nil {
		return nil, err
	}
	return tx.Organization(string(raw))
}

// Member returns accountID's membership of orgID.
func (tx *Tx) Member(orgID, accountID string) (*Member, error) {
	m := new(Member)
	return m, store.GetJSON(tx, KindMember, orgID+"/"+accountID, m)
}

// PutMember stores m and the account → organization index.
func (tx *Tx) PutMember(m *Member) error {
	if err := store.PutJSON(tx, KindMember, m.OrgID+"/"+m.AccountID, m); err != nil {
		return err
	}
	return tx.Put(KindAccountOrg, m.AccountID, []byte(m.OrgID))
}

// DeleteMember removes the membership and its index.
func (tx *Tx) DeleteMember(orgID, accountID string) error {
	if err := tx.Delete(KindMember, orgID+"/"+accountID); err != nil {
		return err
	}
	if err := tx.Delete(KindAccountOrg, accountID); err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	return nil
}

// Members returns every account of orgID, the management account
// included, in account id order.
func (tx *Tx) Members(orgID string) ([]*Member, error) {
	return store.ListJSON[Member](tx, KindMember, orgID+"/")
}

// OU returns an organizational unit.
func (tx *Tx) OU(orgID, ouID string) (*OU, error) {
	o := new(OU)
	return o, store.GetJSON(tx, KindOU, orgID+"/"+ouID, o)
}

// PutOU stores an organizational unit.
func (tx *Tx) PutOU(o *OU) error { return store.PutJSON(tx, KindOU, o.OrgID+"/"+o.ID, o) }

// DeleteOU removes an organizational unit.
func (tx *Tx) DeleteOU(orgID, ouID string) error { return tx.Delete(KindOU, orgID+"/"+ouID) }

// OUs returns every organizational unit of orgID.
func (tx *Tx) OUs(orgID string) ([]*OU, error) { return store.ListJSON[OU](tx, KindOU, orgID+"/") }

// Policy returns a customer managed policy.
func (tx *Tx) Policy(orgID, policyID string) (*Policy, error) {
	p := new(Policy)
	return p, store.GetJSON(tx, KindPolicy, orgID+"/"+policyID, p)
}

// PutPolicy stores a customer managed policy.
func (tx *Tx) PutPolicy(p *Policy) error { return store.PutJSON(tx, KindPolicy, p.OrgID+"/"+p.ID, p) }

// DeletePolicy removes a customer managed policy.
func (tx *Tx) DeletePolicy(orgID, policyID string) error {
	return tx.Delete(KindPolicy, orgID+"/"+policyID)
}

// Policies returns every customer managed policy of orgID.
func (tx *Tx) Policies(orgID string) ([]*Policy, error) {
	return store.ListJSON[Policy](tx, KindPolicy, orgID+"/")
}

// Attach records that policyID is attached to targetID.
func (tx *Tx) Attach(orgID string, a *Attachment) error {
	if err := store.PutJSON(tx, KindAttachment, orgID+"/"+a.TargetID+"/"+a.PolicyID, a); err != nil {
		return err
	}
	return store.PutJSON(tx, KindAttachmentByPolicy, orgID+"/"+a.PolicyID+"/"+a.TargetID, a)
}

// Detach removes an attachment; ErrNotFound if there is none.
func (tx *Tx) Detach(orgID, policyID, targetID string) error {
	if err := tx.Delete(KindAttachment, orgID+"/"+targetID+"/"+policyID); err != nil {
		return err
	}
	return tx.Delete(KindAttachmentByPolicy, orgID+"/"+policyID+"/"+targetID)
}

// AttachmentsOf returns the policies attached to targetID, of every type.
func (tx *Tx) AttachmentsOf(orgID, targetID string) ([]*Attachment, error) {
	return store.ListJSON[Attachment](tx, KindAttachment, orgID+"/"+targetID+"/")
}

// TargetsOf returns the targets policyID is attached to.
func (tx *Tx) TargetsOf(orgID, policyID string) ([]*Attachment, error) {
	return store.ListJSON[Attachment](tx, KindAttachmentByPolicy, orgID+"/"+policyID+"/")
}

// Tags returns the tags of a resource (account, OU, root, policy) of
// orgID, nil when it has none.
func (tx *Tx) Tags(orgID, resourceID string) ([]Tag, error) {
	var tags []Tag
	err := store.GetJSON(tx, KindTags, orgID+"/"+resourceID, &tags)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return tags, err
}

// PutTags replaces the tags of a resource; no tags removes the record.
func (tx *Tx) PutTags(orgID, resourceID string, tags []Tag) error {
	if len(tags) == 0 {
		err := tx.Delete(KindTags, orgID+"/"+resourceID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	return store.PutJSON(tx, KindTags, orgID+"/"+resourceID, tags)
}

// Handshake returns a handshake.
func (tx *Tx) Handshake(id string) (*Handshake, error) {
	h := new(Handshake)
	return h, store.GetJSON(tx, KindHandshake, id, h)
}

// PutHandshake stores h and indexes it under each ACCOUNT party.
func (tx *Tx) PutHandshake(h *Handshake) error {
	if err := store.PutJSON(tx, KindHandshake, h.ID, h); err != nil {
		return err
	}
	for _, p := range h.Parties {
		if p.Type == "ACCOUNT" {
			if err := tx.Put(KindHandshakeByAccount, p.ID+"/"+h.ID, []byte(h.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// HandshakesOfAccount returns the handshakes accountID is a party to.
func (tx *Tx) HandshakesOfAccount(accountID string) ([]*Handshake, error) {
	items, err := tx.List(KindHandshakeByAccount, accountID+"/", "", 0)
	if err != nil {
		return nil, err
	}
	out := make([]*Handshake, 0, len(items))
	for _, it := range items {
		h, err := tx.Handshake(string(it.Value))
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, nil
}

// CreateAccountStatus returns one CreateAccount request's status.
func (tx *Tx) CreateAccountStatus(orgID, id string) (*CreateAccountStatus, error) {
	c := new(CreateAccountStatus)
	return c, store.GetJSON(tx, KindCreateAccountStatus, orgID+"/"+id, c)
}

// PutCreateAccountStatus stores a CreateAccount request's status.
func (tx *Tx) PutCreateAccountStatus(c *CreateAccountStatus) error {
	return store.PutJSON(tx, KindCreateAccountStatus, c.OrgID+"/"+c.ID, c)
}

// CreateAccountStatuses returns every CreateAccount request of orgID.
func (tx *Tx) CreateAccountStatuses(orgID string) ([]*CreateAccountStatus, error) {
	return store.ListJSON[CreateAccountStatus](tx, KindCreateAccountStatus, orgID+"/")
}

// NewID returns prefix followed by n random characters of [0-9a-z]:
// o- (10), r- (4), ou-<root suffix>- (8), p- (8), h- (8), car- (8), rt- (8).
func NewID(prefix string, n int) string {
	const alphabet = "0123456789abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("organizations: no randomness: " + err.Error())
	}
	var sb strings.Builder
	sb.WriteString(prefix)
	for _, c := range b {
		sb.WriteByte(alphabet[int(c)%len(alphabet)])
	}
	return sb.String()
}

// ARNs of Organizations resources; they name the management account.

// OrganizationARN is arn:aws:organizations::<mgmt>:organization/<org>.
func OrganizationARN(o *Organization) string {
	return "arn:aws:organizations::" + o.ManagementAccountID + ":organization/" + o.ID
}

// RootARN is arn:aws:organizations::<mgmt>:root/<org>/<root>.
func RootARN(o *Organization) string {
	return "arn:aws:organizations::" + o.ManagementAccountID + ":root/" + o.ID + "/" + o.RootID
}

// AccountARN is arn:aws:organizations::<mgmt>:account/<org>/<account>.
func AccountARN(o *Organization, accountID string) string {
	return "arn:aws:organizations::" + o.ManagementAccountID + ":account/" + o.ID + "/" + accountID
}

// OUARN is arn:aws:organizations::<mgmt>:ou/<org>/<ou>.
func OUARN(o *Organization, ouID string) string {
	return "arn:aws:organizations::" + o.ManagementAccountID + ":ou/" + o.ID + "/" + ouID
}

// PolicyARN is the ARN of a customer managed policy of type policyType
// (its lower-case name: service_control_policy, tag_policy, ...).
func PolicyARN(o *Organization, policyType, policyID string) string {
	return "arn:aws:organizations::" + o.ManagementAccountID + ":policy/" + o.ID + "/" + strings.ToLower(policyType) + "/" + policyID
}

// HandshakeARN is arn:aws:organizations::<mgmt>:handshake/<org>/<action>/<id>.
func HandshakeARN(h *Handshake) string {
	return "arn:aws:organizations::" + h.ManagementAccountID + ":handshake/" + h.OrgID + "/" + strings.ToLower(h.Action) + "/" + h.ID
}
