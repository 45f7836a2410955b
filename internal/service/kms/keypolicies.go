package kms

import (
	"context"
	"errors"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// kmMaxKeyPolicyBytes is AWS's key policy size quota: 32 KB.
const kmMaxKeyPolicyBytes = 32 * 1024

// kmDefaultPolicyName is the name of a key's one key policy.
const kmDefaultPolicyName = "default"

func (s *Service) registerKeyPolicies(r *call.Registry) {
	r.Handle(api.Service, "GetKeyPolicy", call.Typed(s.getKeyPolicy))
	r.Handle(api.Service, "PutKeyPolicy", call.Typed(s.putKeyPolicy))
	r.Handle(api.Service, "ListKeyPolicies", call.Typed(s.listKeyPolicies))
}

func (s *Service) getKeyPolicy(ctx context.Context, c *call.Call, in *api.GetKeyPolicyInput) (*api.GetKeyPolicyOutput, error) {
	if in.PolicyName != nil && *in.PolicyName != kmDefaultPolicyName {
		return nil, api.NewNotFoundException("No such policy exists")
	}
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "GetKeyPolicy"); err != nil {
		return nil, err
	}
	return &api.GetKeyPolicyOutput{Policy: kmStr(k.Policy), PolicyName: kmStr(kmDefaultPolicyName)}, nil
}

func (s *Service) putKeyPolicy(ctx context.Context, c *call.Call, in *api.PutKeyPolicyInput) (*struct{}, error) {
	if in.PolicyName != nil && *in.PolicyName != kmDefaultPolicyName {
		return nil, api.NewNotFoundException("No such policy exists")
	}
	cached, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	doc := ""
	if in.Policy != nil {
		doc = *in.Policy
	}
	bypass := in.BypassPolicyLockoutSafetyCheck != nil && *in.BypassPolicyLockoutSafetyCheck
	if err := kmCheckKeyPolicy(doc, c.Principal, cached.ARN(), bypass); err != nil {
		return nil, err
	}
	_, err = s.kmUpdateKey(ctx, c, *in.KeyId, "PutKeyPolicy", func(_ *kms.Tx, k *kms.Key) error {
		k.Policy = doc
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listKeyPolicies(ctx context.Context, c *call.Call, in *api.ListKeyPoliciesInput) (*api.ListKeyPoliciesOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "ListKeyPolicies"); err != nil {
		return nil, err
	}
	return &api.ListKeyPoliciesOutput{PolicyNames: []string{kmDefaultPolicyName}, Truncated: kmBool(false)}, nil
}

// kmLockoutAllowAll stands in for the caller's IAM permissions in the
// lockout safety check: the check asks whether the key policy itself
// would let the caller manage the key's policy, either by naming the
// caller or by delegating to the caller's account (whose IAM policies
// then decide).
var kmLockoutAllowAll = policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindManaged)

// kmCheckKeyPolicy validates a key policy document for CreateKey,
// PutKeyPolicy and ReplicateKey: its size (32 KB), its grammar as a
// resource-based policy, and, unless bypass is set, AWS's policy lockout
// safety check: the new policy must allow the principal making the
// request to call PutKeyPolicy on the key afterwards. Failures are
// MalformedPolicyDocumentException (LimitExceededException for size).
func kmCheckKeyPolicy(doc string, caller *identity.Principal, keyARN string, bypass bool) error {
	if len(doc) > kmMaxKeyPolicyBytes {
		return api.NewLimitExceededException("Policy exceeds the maximum size of %d bytes for a key policy.", kmMaxKeyPolicyBytes)
	}
	p, err := policy.Parse([]byte(doc), policy.KindResource)
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return api.NewMalformedPolicyDocumentException("%s", me.Reason)
		}
		return api.NewMalformedPolicyDocumentException("The key policy is not a valid policy document.")
	}
	if bypass {
		return nil
	}
	if !kmPolicyAllowsPutKeyPolicy(p, caller, keyARN) {
		return api.NewMalformedPolicyDocumentException("The new key policy will not allow you to update the key policy in the future.")
	}
	return nil
}

// kmPolicyAllowsPutKeyPolicy evaluates p as the key policy of keyARN for a
// kms:PutKeyPolicy request by caller, with the caller's identity-based
// policies taken as allowing everything (so a statement that names the
// caller's account counts, as it delegates to IAM).
func kmPolicyAllowsPutKeyPolicy(p *policy.Policy, caller *identity.Principal, keyARN string) bool {
	req := &policy.Request{
		Principal: kmPolicyPrincipal(caller),
		Action:    "kms:PutKeyPolicy",
		Resource:  keyARN,
	}
	set := &policy.PolicySet{
		Identity:          []policy.Attached{{Name: "iam", Policy: kmLockoutAllowAll}},
		Resource:          &policy.Attached{Name: keyARN, Policy: p},
		ResourceMustAllow: true,
	}
	d := policy.Evaluate(req, set)
	return d.Effect == policy.Allow
}

// kmPolicyPrincipal is the caller as the policy language sees it.
func kmPolicyPrincipal(p *identity.Principal) policy.Principal {
	out := policy.Principal{ARN: p.ARN, Account: p.AccountID}
	switch p.Type {
	case identity.Root:
		out.Type = policy.PrincipalRoot
	case identity.IAMUser:
		out.Type = policy.PrincipalUser
	case identity.AssumedRole:
		out.Type = policy.PrincipalRoleSession
		if p.Session != nil {
			out.RoleARN = p.Session.IssuerARN
		}
	case identity.FederatedUser:
		out.Type = policy.PrincipalFederatedUser
		if p.Session != nil {
			out.UserARN = p.Session.IssuerARN
		}
	default:
		out.Type = policy.PrincipalAnonymous
	}
	return out
}
