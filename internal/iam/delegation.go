package iam

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// This file stores IAM temporary delegation requests. internal/service/iam
// runs their lifecycle (create, associate, accept, reject, send the
// exchange token); STS GetDelegatedAccessToken redeems the exchange token
// through DelegationByToken.

// Storage kinds of delegation requests.
const (
	// KindDelegationRequest holds requests by id ("dr-" and a version 7
	// UUID, so key order is creation order).
	KindDelegationRequest = "iam/delegation-request"
	// KindDelegationWorkflow maps "<requestor account>/<workflow id>" to a
	// request id: a requestor's workflow id names one request.
	KindDelegationWorkflow = "iam/delegation-workflow"
	// KindDelegationOwned indexes associated requests by
	// "<owner account>/<request id>".
	KindDelegationOwned = "iam/delegation-owned"
)

// DelegationRequest is a stored delegation request. State is one of the
// API's states (UNASSIGNED, ASSIGNED, PENDING_APPROVAL, ACCEPTED,
// FINALIZED, REJECTED, EXPIRED); expiry is applied by the IAM service when
// it reads a request, so a stored state may be one that has since expired.
type DelegationRequest struct {
	ID               string `json:"id"`
	RequestorAccount string `json:"requestor"`
	RequestorName    string `json:"requestorName,omitempty"`
	OwnerAccountID   string `json:"ownerAccount,omitempty"`
	// OwnerID is the ARN of the identity that associated the request;
	// ApproverID of the one that accepted it, whom the delegated
	// credentials act for.
	OwnerID        string                `json:"owner,omitempty"`
	ApproverID     string                `json:"approver,omitempty"`
	Description    string                `json:"desc"`
	RequestMessage string                `json:"message,omitempty"`
	TemplateARN    string                `json:"template"`
	Parameters     []DelegationParameter `json:"params,omitempty"`
	// PermissionPolicy is the policy rendered from the template: what the
	// delegated credentials may do.
	PermissionPolicy string `json:"policy"`
	// BoundaryARNs are the permissions boundaries roles created with the
	// access must carry.
	BoundaryARNs        []string  `json:"boundaries,omitempty"`
	WorkflowID          string    `json:"workflow"`
	RedirectURL         string    `json:"redirect,omitempty"`
	NotificationChannel string    `json:"channel"`
	SessionDuration     int32     `json:"duration"`
	OnlySendByOwner     bool      `json:"onlyOwnerSends,omitempty"`
	State               string    `json:"state"`
	StateSince          time.Time `json:"since"`
	Notes               string    `json:"notes,omitempty"`
	RejectionReason     string    `json:"rejection,omitempty"`
	Created             time.Time `json:"created"`
	Updated             time.Time `json:"updated"`
	// TokenHash is the SHA-256 of the exchange token once it is released;
	// AccessExpires is when the delegated access ends.
	TokenHash     []byte    `json:"tokenHash,omitempty"`
	AccessExpires time.Time `json:"accessExpires,omitzero"`
	// Outbox holds the notifications for the request's SNS topic, oldest
	// first, until an SNS service delivers them.
	Outbox []DelegationNotice `json:"outbox,omitempty"`
}

// DelegationParameter is one parameter of a request's policy template.
type DelegationParameter struct {
	Name   string   `json:"name"`
	Type   string   `json:"type"`
	Values []string `json:"values,omitempty"`
}

// DelegationNotice is one notification for a request's SNS topic: a
// StateChange message in clear, or an ExchangeToken message sealed under
// the keyring (purpose DelegationTokenSealPurpose, the request id as
// additional data) because it carries the token.
type DelegationNotice struct {
	Type    string    `json:"type"`
	Time    time.Time `json:"time"`
	Message string    `json:"message,omitempty"`
	Sealed  []byte    `json:"sealed,omitempty"`
}

// DelegationTokenSealPurpose is the keyring purpose of sealed ExchangeToken
// notifications.
const DelegationTokenSealPurpose = "delegation-token"

// DelegationRequest returns a request by id.
func (tx *Tx) DelegationRequest(id string) (*DelegationRequest, error) {
	r := new(DelegationRequest)
	return r, getJSON(tx, KindDelegationRequest, id, r)
}

// PutDelegationRequest stores r.
func (tx *Tx) PutDelegationRequest(r *DelegationRequest) error {
	return store.PutJSON(tx, KindDelegationRequest, r.ID, r)
}

// ErrDelegationTokenInvalid is returned by DelegationByToken for a token
// that names no request or does not match it.
var ErrDelegationTokenInvalid = errors.New("iam: invalid delegation exchange token")

// DelegationByToken returns the FINALIZED request an exchange token was
// released for. Tokens are "<request id>.<secret>"; the request stores only
// the token's hash. Whether the access is still current (AccessExpires) is
// for the caller to check against its clock.
func (tx *Tx) DelegationByToken(token string) (*DelegationRequest, error) {
	id, _, ok := strings.Cut(token, ".")
	if !ok || id == "" {
		return nil, ErrDelegationTokenInvalid
	}
	r, err := tx.DelegationRequest(id)
	if errors.Is(err, ErrNoSuchEntity) || errors.Is(err, store.ErrNotFound) {
		return nil, ErrDelegationTokenInvalid
	}
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256([]byte(token))
	if len(r.TokenHash) != len(sum) || subtle.ConstantTimeCompare(r.TokenHash, sum[:]) != 1 {
		return nil, ErrDelegationTokenInvalid
	}
	return r, nil
}
