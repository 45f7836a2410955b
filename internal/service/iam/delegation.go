package iam

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store"
)

// This file serves IAM temporary delegation: a product provider (the
// requestor account) asks, with CreateDelegationRequest, for temporary
// permissions in a customer's account; the customer claims the request
// (AssociateDelegationRequest), forwards it to an administrator
// (UpdateDelegationRequest) or approves it (AcceptDelegationRequest), may
// reject it (RejectDelegationRequest), and finally releases the exchange
// token to the provider (SendDelegationToken).
//
// The states follow IAM's documented request lifecycle:
//
//	UNASSIGNED                          → ASSIGNED          AssociateDelegationRequest
//	ASSIGNED                            → PENDING_APPROVAL  UpdateDelegationRequest
//	ASSIGNED, PENDING_APPROVAL          → ACCEPTED          AcceptDelegationRequest
//	ACCEPTED                            → FINALIZED         SendDelegationToken
//	ASSIGNED, PENDING_APPROVAL, ACCEPTED → REJECTED         RejectDelegationRequest
//	any other state                     → EXPIRED           time, see below
//
// A request not acted on expires: an UNASSIGNED one a day after it was
// created, any other a week after it entered its state (REJECTED and
// FINALIZED requests too, which then stay EXPIRED until they are purged).
// Expiry is computed when a request is read, so no background job is
// needed.
//
// Who may act: an unowned request without an owner account is visible to
// every account; one with an owner account only to that account; once
// associated, to the owner's account (where IAM policies decide who may do
// what; the owner has default permissions the authorizer grants). Other
// callers get NoSuchEntity, as for a request that does not exist.
//
// Notifications: IAM publishes each state change, and the exchange token,
// to the request's SNS topic. gatehouse has no SNS yet, so they wait in the
// request's outbox (the exchange token sealed under the keyring) for the
// SNS service to deliver.

// Lifetimes of the states (IAM's request lifecycle).
const (
	unassignedLifetime = 24 * time.Hour
	stateLifetime      = 7 * 24 * time.Hour
	// delegationRetention is how long an expired request is kept before it
	// is purged; AWS deletes them "after the retention period" without
	// saying how long that is.
	delegationRetention = 30 * 24 * time.Hour
	// rootApprovalLimit is the longest session the root user may approve.
	rootApprovalLimit = 4 * 3600
	// purgePerCreate bounds the expired requests one create purges.
	purgePerCreate = 10
)

// delegationExpiry returns when the request leaves its current state by expiring;
// zero for an EXPIRED request.
func delegationExpiry(r *iam.DelegationRequest) time.Time {
	switch api.StateType(r.State) {
	case api.StateTypeExpired:
		return time.Time{}
	case api.StateTypeUnassigned:
		return r.StateSince.Add(unassignedLifetime)
	}
	return r.StateSince.Add(stateLifetime)
}

// settleDelegation moves an expired request to EXPIRED (as of its expiry time) and
// reports whether it changed.
func settleDelegation(r *iam.DelegationRequest, now time.Time) bool {
	exp := delegationExpiry(r)
	if exp.IsZero() || now.Before(exp) {
		return false
	}
	r.State, r.StateSince, r.Updated = string(api.StateTypeExpired), exp, exp
	notifyDelegation(r, exp)
	return true
}

// delegationPurgeable reports whether the request expired longer ago than the
// retention period.
func delegationPurgeable(r *iam.DelegationRequest, now time.Time) bool {
	return api.StateType(r.State) == api.StateTypeExpired && now.Sub(r.StateSince) >= delegationRetention
}

// transitionDelegation moves the request to state at now, with its notification.
func transitionDelegation(r *iam.DelegationRequest, state api.StateType, now time.Time) {
	r.State, r.StateSince, r.Updated = string(state), now, now
	notifyDelegation(r, now)
}

// notifyDelegation queues the StateChange notification of the current state.
func notifyDelegation(r *iam.DelegationRequest, t time.Time) {
	msg, _ := json.Marshal(map[string]string{
		"Type": "StateChange", "RequestId": r.ID, "RequestorWorkflowId": r.WorkflowID,
		"State": string(r.State), "OwnerAccountId": r.OwnerAccountID, "UpdatedAt": t.UTC().Format(time.RFC3339Nano),
	})
	r.Outbox = append(r.Outbox, iam.DelegationNotice{Type: "StateChange", Time: t, Message: string(msg)})
}

// delegationVisibleTo reports whether the caller's account may see the request.
func delegationVisibleTo(r *iam.DelegationRequest, accountID string) bool {
	return r.OwnerAccountID == "" || r.OwnerAccountID == accountID
}

// apiDelegation converts the record to the model shape.
func apiDelegation(r *iam.DelegationRequest) *api.DelegationRequest {
	out := &api.DelegationRequest{
		DelegationRequestId: ptr(r.ID), Description: ptr(r.Description),
		RequestMessage: accessOptional(r.RequestMessage), OwnerAccountId: accessOptional(r.OwnerAccountID),
		OwnerId: accessOptional(r.OwnerID), ApproverId: accessOptional(r.ApproverID),
		PermissionPolicy: ptr(r.PermissionPolicy), RolePermissionRestrictionArns: r.BoundaryARNs,
		State: api.StateType(r.State), ExpirationTime: timePtr(delegationExpiry(r)), RequestorId: ptr(r.RequestorAccount),
		RequestorName: accessOptional(r.RequestorName), CreateDate: ptr(r.Created), SessionDuration: ptr(r.SessionDuration),
		RedirectUrl: accessOptional(r.RedirectURL), Notes: accessOptional(r.Notes), RejectionReason: accessOptional(r.RejectionReason),
		OnlySendByOwner: ptr(r.OnlySendByOwner), UpdatedTime: ptr(r.Updated),
		Permissions: &api.DelegationPermission{PolicyTemplateArn: ptr(r.TemplateARN)},
	}
	if api.StateType(r.State) == api.StateTypeExpired {
		out.ExpirationTime = ptr(r.StateSince)
	}
	for _, p := range r.Parameters {
		out.Permissions.Parameters = append(out.Permissions.Parameters, api.PolicyParameter{
			Name: ptr(p.Name), Values: p.Values, Type: api.PolicyParameterTypeEnum(p.Type),
		})
	}
	return out
}

func (s *Service) registerDelegation(r *call.Registry) {
	r.Handle(api.Service, "CreateDelegationRequest", call.Typed(s.CreateDelegationRequest))
	r.Handle(api.Service, "GetDelegationRequest", call.Typed(s.GetDelegationRequest))
	r.Handle(api.Service, "ListDelegationRequests", call.Typed(s.ListDelegationRequests))
	r.Handle(api.Service, "AssociateDelegationRequest", call.Typed(s.AssociateDelegationRequest))
	r.Handle(api.Service, "UpdateDelegationRequest", call.Typed(s.UpdateDelegationRequest))
	r.Handle(api.Service, "AcceptDelegationRequest", call.Typed(s.AcceptDelegationRequest))
	r.Handle(api.Service, "RejectDelegationRequest", call.Typed(s.RejectDelegationRequest))
	r.Handle(api.Service, "SendDelegationToken", call.Typed(s.SendDelegationToken))
	r.Handle(api.Service, "GetHumanReadableSummary", call.Typed(s.GetHumanReadableSummary))
}

// CreateDelegationRequest files a request from the caller's account (the
// requestor). The permission policy is rendered from the template and
// parameters now, so the customer reviews exactly what it would grant.
func (s *Service) CreateDelegationRequest(ctx context.Context, c *call.Call, in *api.CreateDelegationRequestInput) (*api.CreateDelegationRequestOutput, error) {
	requestor := c.Principal.AccountID
	perm := in.Permissions
	if perm == nil || deref(perm.PolicyTemplateArn) == "" {
		return nil, invalidInput("Permissions.PolicyTemplateArn is required: it names the policy template of the requested permissions.")
	}
	params, err := delegationParameters(perm.Parameters)
	if err != nil {
		return nil, err
	}
	now := s.now()
	rec := &iam.DelegationRequest{
		ID: "dr-" + audit.NewEventID(), RequestorAccount: requestor, OwnerAccountID: deref(in.OwnerAccountId),
		Description: deref(in.Description), RequestMessage: deref(in.RequestMessage),
		TemplateARN: deref(perm.PolicyTemplateArn), Parameters: params, WorkflowID: deref(in.RequestorWorkflowId),
		RedirectURL: deref(in.RedirectUrl), NotificationChannel: deref(in.NotificationChannel),
		SessionDuration: deref(in.SessionDuration), OnlySendByOwner: deref(in.OnlySendByOwner),
		State: string(api.StateTypeUnassigned), StateSince: now, Created: now, Updated: now,
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if err := purgeDelegations(tx, now); err != nil {
			return err
		}
		tmpl, err := tx.Policy(requestor, rec.TemplateARN)
		if errors.Is(err, iam.ErrNoSuchEntity) || err == nil && tmpl.Default() == nil {
			return invalidInput("The policy template %s does not exist.", rec.TemplateARN)
		}
		if err != nil {
			return err
		}
		rendered, err := renderPolicyTemplate(iam.DecodeDocument(tmpl.Default().Document), params)
		if err != nil {
			return invalidInput("The policy template %s cannot be rendered: %v.", rec.TemplateARN, err)
		}
		compiled, err := policy.Parse([]byte(rendered), policy.KindManaged)
		if err != nil {
			var me *policy.MalformedError
			if errors.As(err, &me) {
				return invalidInput("The permission policy rendered from %s is not valid: %s", rec.TemplateARN, me.Reason)
			}
			return err
		}
		rec.PermissionPolicy, rec.BoundaryARNs = rendered, boundaryRestrictions(compiled)
		if st, err := tx.Settings(requestor); err == nil && len(st.Alias) <= 30 {
			rec.RequestorName = st.Alias
		}
		err = tx.Insert(iam.KindDelegationWorkflow, requestor+"/"+rec.WorkflowID, []byte(rec.ID))
		if errors.Is(err, store.ErrExists) {
			return api.NewEntityAlreadyExistsException("A delegation request with workflow id %s already exists.", rec.WorkflowID)
		}
		if err != nil {
			return err
		}
		return tx.PutDelegationRequest(rec)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateDelegationRequestOutput{DelegationRequestId: ptr(rec.ID)}, nil
}

// GetDelegationRequest returns a request visible to the caller; with
// DelegationPermissionCheck it also says whether the caller's own
// permissions cover the request's.
func (s *Service) GetDelegationRequest(ctx context.Context, c *call.Call, in *api.GetDelegationRequestInput) (*api.GetDelegationRequestOutput, error) {
	rec, err := s.viewDelegation(ctx, c, deref(in.DelegationRequestId))
	if err != nil {
		return nil, err
	}
	out := &api.GetDelegationRequestOutput{DelegationRequest: apiDelegation(rec)}
	if deref(in.DelegationPermissionCheck) {
		status, result := s.checkDelegationPermissions(ctx, c, rec)
		out.PermissionCheckStatus, out.PermissionCheckResult = status, result
	}
	return out, nil
}

// ListDelegationRequests lists the associated requests of the caller's
// account (unassociated ones are not listed, even when addressed to the
// account), optionally only those of one owner, oldest first.
func (s *Service) ListDelegationRequests(ctx context.Context, c *call.Call, in *api.ListDelegationRequestsInput) (*api.ListDelegationRequestsOutput, error) {
	acct := c.Principal.AccountID
	now := s.now()
	var recs []*iam.DelegationRequest
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		items, err := tx.List(iam.KindDelegationOwned, acct+"/", "", 0)
		if err != nil {
			return err
		}
		for _, it := range items {
			rec, err := tx.DelegationRequest(strings.TrimPrefix(it.Key, acct+"/"))
			if errors.Is(err, iam.ErrNoSuchEntity) {
				continue
			}
			if err != nil {
				return err
			}
			settleDelegation(rec, now)
			if rec.OwnerAccountID != acct || delegationPurgeable(rec, now) || in.OwnerId != nil && rec.OwnerID != *in.OwnerId {
				continue
			}
			recs = append(recs, rec)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	// Request ids are "dr-" and a version 7 UUID: key order is creation order.
	items, truncated, next, err := page(recs, func(r *iam.DelegationRequest) string { return r.ID }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListDelegationRequestsOutput{DelegationRequests: make([]api.DelegationRequest, 0, len(items)), IsTruncated: ptr(truncated), Marker: next}
	for _, r := range items {
		out.DelegationRequests = append(out.DelegationRequests, *apiDelegation(r))
	}
	return out, nil
}

// AssociateDelegationRequest makes the caller the owner of an UNASSIGNED
// request (and its account the owner account, when the requestor named
// none).
func (s *Service) AssociateDelegationRequest(ctx context.Context, c *call.Call, in *api.AssociateDelegationRequestInput) (*struct{}, error) {
	return nil, s.changeDelegation(ctx, c, deref(in.DelegationRequestId), func(tx *iam.Tx, rec *iam.DelegationRequest, now time.Time) error {
		if api.StateType(rec.State) != api.StateTypeUnassigned {
			return wrongDelegationState(rec, "associated", api.StateTypeUnassigned)
		}
		rec.OwnerAccountID, rec.OwnerID = c.Principal.AccountID, c.Principal.ARN
		transitionDelegation(rec, api.StateTypeAssigned, now)
		return tx.Put(iam.KindDelegationOwned, rec.OwnerAccountID+"/"+rec.ID, []byte(rec.ID))
	})
}

// UpdateDelegationRequest forwards an associated request to an
// administrator for approval, with optional notes: the request becomes
// PENDING_APPROVAL.
func (s *Service) UpdateDelegationRequest(ctx context.Context, c *call.Call, in *api.UpdateDelegationRequestInput) (*struct{}, error) {
	return nil, s.changeDelegation(ctx, c, deref(in.DelegationRequestId), func(_ *iam.Tx, rec *iam.DelegationRequest, now time.Time) error {
		switch api.StateType(rec.State) {
		case api.StateTypeAssigned:
			transitionDelegation(rec, api.StateTypePendingApproval, now)
		case api.StateTypePendingApproval:
			rec.Updated = now // still pending: new notes only
		default:
			return wrongDelegationState(rec, "updated", api.StateTypeAssigned, api.StateTypePendingApproval)
		}
		if in.Notes != nil {
			rec.Notes = *in.Notes
		}
		return nil
	})
}

// AcceptDelegationRequest approves an associated request; the caller
// becomes its approver, the identity the delegated credentials act for.
// The root user may approve at most four hours of access.
func (s *Service) AcceptDelegationRequest(ctx context.Context, c *call.Call, in *api.AcceptDelegationRequestInput) (*struct{}, error) {
	return nil, s.changeDelegation(ctx, c, deref(in.DelegationRequestId), func(_ *iam.Tx, rec *iam.DelegationRequest, now time.Time) error {
		if api.StateType(rec.State) != api.StateTypeAssigned && api.StateType(rec.State) != api.StateTypePendingApproval {
			// AcceptDelegationRequest declares no InvalidInput: a request
			// that left the approvable states changed under the caller.
			return api.NewConcurrentModificationException("Delegation request %s is %s and can no longer be accepted.", rec.ID, rec.State)
		}
		if c.Principal.Type == identity.Root && rec.SessionDuration > rootApprovalLimit {
			return protocol.Errorf(403, "AccessDenied", "The root user can approve delegation requests of at most %d seconds; delegation request %s asks for %d. Approve it with an IAM identity.", rootApprovalLimit, rec.ID, rec.SessionDuration)
		}
		rec.ApproverID = c.Principal.ARN
		transitionDelegation(rec, api.StateTypeAccepted, now)
		return nil
	})
}

// RejectDelegationRequest refuses an associated request that has not
// released its token, with optional notes as the reason.
func (s *Service) RejectDelegationRequest(ctx context.Context, c *call.Call, in *api.RejectDelegationRequestInput) (*struct{}, error) {
	return nil, s.changeDelegation(ctx, c, deref(in.DelegationRequestId), func(_ *iam.Tx, rec *iam.DelegationRequest, now time.Time) error {
		switch api.StateType(rec.State) {
		case api.StateTypeAssigned, api.StateTypePendingApproval, api.StateTypeAccepted:
		default:
			return wrongDelegationState(rec, "rejected", api.StateTypeAssigned, api.StateTypePendingApproval, api.StateTypeAccepted)
		}
		rec.RejectionReason = deref(in.Notes)
		transitionDelegation(rec, api.StateTypeRejected, now)
		return nil
	})
}

// SendDelegationToken releases the exchange token of an ACCEPTED request
// to the requestor: the request becomes FINALIZED and the delegated access
// runs from now for the request's session duration. A request made with
// OnlySendByOwner accepts this only from its owner.
func (s *Service) SendDelegationToken(ctx context.Context, c *call.Call, in *api.SendDelegationTokenInput) (*struct{}, error) {
	kr := s.dir.Keyring()
	return nil, s.changeDelegation(ctx, c, deref(in.DelegationRequestId), func(_ *iam.Tx, rec *iam.DelegationRequest, now time.Time) error {
		if api.StateType(rec.State) != api.StateTypeAccepted {
			return wrongDelegationState(rec, "sent", api.StateTypeAccepted)
		}
		if rec.OnlySendByOwner && c.Principal.ARN != rec.OwnerID {
			return protocol.Errorf(403, "AccessDenied", "Only the owner of delegation request %s (%s) may send its token.", rec.ID, rec.OwnerID)
		}
		var secret [32]byte
		if _, err := rand.Read(secret[:]); err != nil {
			return err
		}
		token := rec.ID + "." + base64.RawURLEncoding.EncodeToString(secret[:])
		sum := sha256.Sum256([]byte(token))
		rec.TokenHash, rec.AccessExpires = sum[:], now.Add(time.Duration(rec.SessionDuration)*time.Second)
		transitionDelegation(rec, api.StateTypeFinalized, now)
		msg, err := json.Marshal(map[string]string{
			"Type": "ExchangeToken", "RequestId": rec.ID, "RequestorWorkflowId": rec.WorkflowID, "State": string(rec.State),
			"OwnerAccountId": rec.OwnerAccountID, "ExchangeToken": token,
			"ExpiresAt": rec.AccessExpires.UTC().Format(time.RFC3339Nano), "UpdatedAt": now.UTC().Format(time.RFC3339Nano),
		})
		if err != nil {
			return err
		}
		sealed, err := kr.Seal(iam.DelegationTokenSealPurpose, msg, []byte(rec.ID))
		if err != nil {
			return err
		}
		rec.Outbox = append(rec.Outbox, iam.DelegationNotice{Type: "ExchangeToken", Time: now, Sealed: sealed})
		return nil
	})
}

// viewDelegation reads a request the caller may see, settled to now.
func (s *Service) viewDelegation(ctx context.Context, c *call.Call, id string) (*iam.DelegationRequest, error) {
	var rec *iam.DelegationRequest
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		rec, err = tx.DelegationRequest(id)
		return err
	})
	now := s.now()
	if err == nil {
		settleDelegation(rec, now)
		if !delegationVisibleTo(rec, c.Principal.AccountID) || delegationPurgeable(rec, now) {
			err = iam.ErrNoSuchEntity
		}
	}
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, noSuchDelegation(id)
	}
	return rec, err
}

// changeDelegation applies change to a request the caller may act on, in
// one transaction, after settling its expiry. Acting needs the request to
// be visible to the caller's account; every change but Associate needs it
// associated, which makes it visible only to the owner's account.
func (s *Service) changeDelegation(ctx context.Context, c *call.Call, id string, change func(*iam.Tx, *iam.DelegationRequest, time.Time) error) error {
	now := s.now()
	return s.dir.Update(ctx, func(tx *iam.Tx) error {
		rec, err := tx.DelegationRequest(id)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			return noSuchDelegation(id)
		}
		if err != nil {
			return err
		}
		// An expiry noticed here is written with the change; a refused
		// change rolls it back, which loses nothing: expiry is recomputed
		// on every read.
		settleDelegation(rec, now)
		if !delegationVisibleTo(rec, c.Principal.AccountID) || delegationPurgeable(rec, now) {
			return noSuchDelegation(id)
		}
		if err := change(tx, rec, now); err != nil {
			return err
		}
		return tx.PutDelegationRequest(rec)
	})
}

// wrongDelegationState is AWS's InvalidInput for an action the request's
// state does not allow.
func wrongDelegationState(rec *iam.DelegationRequest, action string, want ...api.StateType) error {
	names := make([]string, len(want))
	for i, w := range want {
		names[i] = string(w)
	}
	return invalidInput("Delegation request %s is %s; it can be %s only when it is %s.", rec.ID, rec.State, action, strings.Join(names, " or "))
}

func noSuchDelegation(id string) error {
	return api.NewNoSuchEntityException("The delegation request with id %s cannot be found.", id)
}

// purgeDelegations deletes up to purgePerCreate of the oldest requests
// when they expired longer ago than the retention period, with their
// index entries. Request ids are time-ordered, so the oldest come first;
// the scan stops at the first request still kept.
func purgeDelegations(tx *iam.Tx, now time.Time) error {
	items, err := tx.List(iam.KindDelegationRequest, "", "", purgePerCreate)
	if err != nil {
		return err
	}
	for _, it := range items {
		var rec iam.DelegationRequest
		if err := json.Unmarshal(it.Value, &rec); err != nil {
			return fmt.Errorf("iam: decode delegation request %s: %w", it.Key, err)
		}
		settleDelegation(&rec, now)
		if !delegationPurgeable(&rec, now) {
			return nil
		}
		for _, k := range [][2]string{
			{iam.KindDelegationRequest, rec.ID},
			{iam.KindDelegationWorkflow, rec.RequestorAccount + "/" + rec.WorkflowID},
			{iam.KindDelegationOwned, rec.OwnerAccountID + "/" + rec.ID},
		} {
			if err := tx.Delete(k[0], k[1]); err != nil && !errors.Is(err, store.ErrNotFound) {
				return err
			}
		}
	}
	return nil
}
