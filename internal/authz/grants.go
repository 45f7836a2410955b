package authz

import (
	"context"
	"reflect"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file lets a service's grants allow what the policies alone do
// not: AWS KMS grants ("Grants in AWS KMS"). A grant can allow but never
// deny, so it is consulted only after the policy engine answered an
// implicit deny that the caller's SCPs did not cause (an explicit deny in
// any policy, an RCP included, still wins, and SCPs bound every
// permission, a grant's too). The common path, where a policy allows,
// never reaches here.

// ResourceCondition is a service condition key whose value comes from the
// resource rather than the request (kms:KeySpec, kms:ResourceAliases).
// Values are built once, when the resolver caches the resource.
type ResourceCondition struct {
	Key    string
	Values []policy.Value
}

// GrantRequest is a request the policies did not allow, as a grant sees it.
type GrantRequest struct {
	Call *call.Call
	// Action is the IAM action ("kms:Decrypt"); Operation the grant
	// operation it is ("Decrypt", "ReEncryptFrom").
	Action, Operation string
	// Resource is the resource's ARN as resolved ("" when the request
	// names none, as a RetireGrant by grant token).
	Resource string
	// RoleARN is a role session's role ARN, "" for other callers.
	RoleARN string
	// EncryptionContext is the request's encryption context for the
	// action (ReEncryptFrom: the source's), nil if none.
	EncryptionContext map[string]string
	// GrantTokens are the request's grant tokens.
	GrantTokens []string
	// Input is the decoded input.
	Input any
	// IdentityAllows reports whether the caller's own IAM policies (with
	// its boundary, session policies and SCPs) allow the action on the
	// resource, as if the resource had no resource-based policy: a grant
	// whose grantee is an account delegates to its IAM policies.
	IdentityAllows func() bool
}

// GrantResolver is implemented by a ResourceResolver whose resources
// carry grants.
type GrantResolver interface {
	// AllowedByGrant reports whether a grant allows the request. It may
	// return an AWS error (an invalid grant token).
	AllowedByGrant(ctx context.Context, r *GrantRequest) (bool, error)
}

// ImpliedResourceResolver is implemented by a ResourceResolver whose
// requests may name a resource only implicitly: a KMS Decrypt without a
// KeyId acts on the key its ciphertext blob names, and that key's policy
// must allow it.
type ImpliedResourceResolver interface {
	// ImpliedResource returns the ARN of the resource in (the decoded
	// input) acts on for action, "" if none.
	ImpliedResource(c *call.Call, action string, in any) string
}

// grantFields are the input members a grant reads, located once per
// action: the encryption context its constraints match and the grant
// tokens.
type grantFields struct {
	context, tokens *field
}

// kmsGrantContextMember names the member that holds the encryption
// context of each KMS action whose input calls it something else.
var kmsGrantContextMember = map[string]string{
	"kms:ReEncryptFrom": "SourceEncryptionContext",
	"kms:ReEncryptTo":   "DestinationEncryptionContext",
}

// planGrantFields locates the members a grant reads.
func planGrantFields(action string, fs *inputFields) grantFields {
	name := "EncryptionContext"
	if n, ok := kmsGrantContextMember[action]; ok {
		name = n
	}
	var g grantFields
	if f := fs.lookup(name); f.valid() && f.kind == fkStringMap {
		g.context = f
	}
	if f := fs.lookup("GrantTokens"); f.valid() && f.kind == fkStrings {
		g.tokens = f
	}
	return g
}

// allowedByGrant asks the service's grant resolver, if it has one,
// whether a grant allows a request the policies left implicitly denied.
func (a *Authorizer) allowedByGrant(ctx context.Context, c *call.Call, chk *actionCheck, in reflect.Value, ev *evaluation, r resolvedResource) (bool, error) {
	gr, ok := a.resolvers[chk.info.Service].(GrantResolver)
	if !ok {
		return false, nil
	}
	req := &GrantRequest{
		Call:      c,
		Action:    chk.action,
		Operation: chk.info.Name,
		Resource:  r.arn,
		RoleARN:   ev.caller.principal.RoleARN,
	}
	if in.IsValid() {
		req.Input = in.Addr().Interface()
	}
	if f := chk.grant.context; f != nil && f.count(in) > 0 {
		req.EncryptionContext = map[string]string{}
		f.pairs(in, func(k, v string) { req.EncryptionContext[k] = v })
	}
	if f := chk.grant.tokens; f != nil {
		f.each(in, func(t string) { req.GrantTokens = append(req.GrantTokens, t) })
	}
	req.IdentityAllows = func() bool {
		set := ev.set
		set.Resource, set.ResourceMustAllow, set.RCPs = nil, false, nil
		q := ev.req
		q.ResourceAccount = "" // decided as within the caller's account
		d := policy.Evaluate(&q, &set)
		return d.Effect == policy.Allow
	}
	return gr.AllowedByGrant(ctx, req)
}
