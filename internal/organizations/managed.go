package organizations

import "time"

// AWS managed policies of Organizations. They exist in every organization
// without being stored; their ARNs name the "aws" account.
const (
	// FullAWSAccessID is the SCP attached to every root, OU and account
	// while SCPs are enabled, so that removing it is what restricts.
	FullAWSAccessID = "p-FullAWSAccess"
	// RCPFullAWSAccessID is its counterpart for RCPs.
	RCPFullAWSAccessID = "p-RCPFullAWSAccess"
)

// ManagedPolicy is an AWS managed Organizations policy.
type ManagedPolicy struct {
	ID          string
	Name        string
	Description string
	Type        string
	Content     string
}

// ARN is arn:aws:organizations::aws:policy/<type>/<id>.
func (p *ManagedPolicy) ARN() string {
	return "arn:aws:organizations::aws:policy/" + lowerType(p.Type) + "/" + p.ID
}

func lowerType(t string) string {
	b := []byte(t)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// ManagedPolicies are the AWS managed policies, in ListPolicies order.
var ManagedPolicies = []*ManagedPolicy{
	{
		ID:          FullAWSAccessID,
		Name:        "FullAWSAccess",
		Description: "Allows access to every operation",
		Type:        TypeSCP,
		Content:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`,
	},
	{
		ID:          RCPFullAWSAccessID,
		Name:        "RCPFullAWSAccess",
		Description: "Allows access to every operation",
		Type:        TypeRCP,
		Content:     `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Resource":"*"}]}`,
	},
}

// Managed returns the AWS managed policy with the given id, or nil.
func Managed(id string) *ManagedPolicy {
	for _, p := range ManagedPolicies {
		if p.ID == id {
			return p
		}
	}
	return nil
}

// PolicyTypeEnabled reports whether policyType is enabled on org's root.
func PolicyTypeEnabled(org *Organization, policyType string) bool {
	for _, t := range org.PolicyTypes {
		if t.Type == policyType && t.Status == "ENABLED" {
			return true
		}
	}
	return false
}

// AttachDefaults attaches the AWS managed default policies of the enabled
// policy types (FullAWSAccess for SCPs, RCPFullAWSAccess for RCPs) to a
// new target: the root when its type is enabled, a new OU, or an account
// that joins. AWS does the same so that a target is never left with no
// SCP.
func AttachDefaults(tx *Tx, org *Organization, targetID string, now time.Time) error {
	for _, p := range ManagedPolicies {
		if !PolicyTypeEnabled(org, p.Type) {
			continue
		}
		if err := tx.Attach(org.ID, &Attachment{PolicyID: p.ID, TargetID: targetID, AttachedAt: now}); err != nil {
			return err
		}
	}
	return nil
}

// DetachAll removes every policy attachment of a target that leaves the
// organization or is deleted, and its tags.
func DetachAll(tx *Tx, orgID, targetID string) error {
	atts, err := tx.AttachmentsOf(orgID, targetID)
	if err != nil {
		return err
	}
	for _, a := range atts {
		if err := tx.Detach(orgID, a.PolicyID, targetID); err != nil {
			return err
		}
	}
	return tx.PutTags(orgID, targetID, nil)
}
