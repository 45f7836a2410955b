package kms

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/authz"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// Resolver tells the authorizer what it needs to know of KMS resources
// (authz.ResourceResolver): the key an alias names, the key's account,
// tags, key policy (a resource-based policy that must itself allow every
// request) and the condition keys the key supplies (kms:KeySpec,
// kms:KeyUsage, kms:KeyOrigin, kms:MultiRegion, kms:MultiRegionKeyType,
// kms:ResourceAliases). It also lets grants allow what policies do not
// (authz.GrantResolver).
//
// Everything is cached per ARN as of the store's generation, so that a
// request on a key nobody changed costs two map lookups and no
// allocation; parsed key policies are cached by text, so a write that
// leaves the policy alone does not parse it again.
type Resolver struct {
	keys *Store
	// byARN maps an ARN as the request names it to what it resolved to.
	// (A map under a read lock rather than a sync.Map, whose string keys
	// would be boxed, allocating, on every lookup.)
	mu       sync.RWMutex
	byARN    map[string]*resolvedKey
	policies sync.Map // policy text → *policy.Attached
	nPol     atomic.Int64
}

// resolvedKey is what the authorizer is told of an ARN as of a
// generation.
type resolvedKey struct {
	gen uint64
	res authz.Resource
}

// maxResolverEntries bounds each of the resolver's caches; past it, a
// cache starts over.
const maxResolverEntries = 50000

// NewResolver returns the authorizer's view of the keys in s.
func NewResolver(s *Store) *Resolver {
	return &Resolver{keys: s, byARN: map[string]*resolvedKey{}}
}

// aliasOperations are the operations that accept an alias (name or ARN)
// as their KeyId: the cryptographic operations, DescribeKey and
// GetPublicKey ("Key identifiers (KeyId)"). Key management operations
// take key ids and key ARNs only.
var aliasOperations = map[string]bool{
	"Encrypt": true, "Decrypt": true, "ReEncrypt": true, "GenerateDataKey": true,
	"GenerateDataKeyWithoutPlaintext": true, "GenerateDataKeyPair": true,
	"GenerateDataKeyPairWithoutPlaintext": true, "Sign": true, "Verify": true,
	"GenerateMac": true, "VerifyMac": true, "GetPublicKey": true, "DescribeKey": true,
	"DeriveSharedSecret": true,
}

// aliasIsResource are the operations whose alias ARN is the alias itself
// (kms:CreateAlias on an alias resource), not the key it names.
var aliasIsResource = map[string]bool{"CreateAlias": true, "UpdateAlias": true, "DeleteAlias": true}

// ResolveResource implements authz.ResourceResolver.
func (r *Resolver) ResolveResource(ctx context.Context, c *call.Call, arn string) (authz.Resource, error) {
	region, account, res, ok := splitKMSARN(arn)
	if !ok {
		return authz.Resource{}, nil
	}
	alias := ""
	switch {
	case strings.HasPrefix(res, "key/alias/"):
		// The table built a key ARN from an alias name given as KeyId.
		alias = res[len("key/"):]
	case strings.HasPrefix(res, "alias/"):
		if aliasIsResource[c.Operation.Name] {
			return authz.Resource{}, nil
		}
		alias = res
	case strings.HasPrefix(res, "key/"):
	default:
		return authz.Resource{}, nil
	}
	if alias != "" && !aliasOperations[c.Operation.Name] {
		// The handler refuses an alias here (NotFound or InvalidArn).
		return authz.Resource{Skip: true}, nil
	}
	gen := r.keys.Generation()
	r.mu.RLock()
	e := r.byARN[arn]
	r.mu.RUnlock()
	if e != nil && e.gen == gen {
		return e.res, nil
	}
	out, err := r.resolve(ctx, region, account, res, alias)
	if err != nil {
		return authz.Resource{}, err
	}
	r.mu.Lock()
	if len(r.byARN) >= maxResolverEntries {
		clear(r.byARN)
	}
	r.byARN[arn] = &resolvedKey{gen: gen, res: out}
	r.mu.Unlock()
	return out, nil
}

// resolve reads what the authorizer is told of one key (through its
// alias, if alias is set).
func (r *Resolver) resolve(ctx context.Context, region, account, res, alias string) (authz.Resource, error) {
	id := strings.TrimPrefix(res, "key/")
	if alias != "" {
		ref, err := r.keys.aliasTarget(ctx, account, region, alias)
		if errors.Is(err, ErrAliasNotFound) {
			// The handler answers NotFound; the policies decide on
			// the alias's ARN meanwhile.
			return authz.Resource{Account: account}, nil
		}
		if err != nil {
			return authz.Resource{}, err
		}
		id = ref.ID
	}
	k, err := r.keys.CachedKey(ctx, account, region, id)
	if errors.Is(err, ErrNotFound) {
		return authz.Resource{ARN: KeyARN(account, region, id), Account: account}, nil
	}
	if err != nil {
		return authz.Resource{}, err
	}
	out := authz.Resource{ARN: k.ARN(), Account: k.AccountID, PolicyMustAllow: true, Tags: []iam.Tag{}}
	for _, t := range k.Tags {
		out.Tags = append(out.Tags, iam.Tag{Key: t.Key, Value: t.Value})
	}
	if k.Policy != "" {
		out.Policy = r.parsedPolicy(k.ARN(), k.Policy)
	}
	var aliases []string
	err = r.keys.View(ctx, func(tx *Tx) error {
		all, err := tx.Aliases(k.AccountID, k.Region)
		for _, a := range all {
			if a.KeyID == k.ID {
				aliases = append(aliases, a.Name)
			}
		}
		return err
	})
	if err != nil {
		return authz.Resource{}, err
	}
	out.Conditions = keyConditions(k, aliases)
	return out, nil
}

// parsedPolicy returns a key policy compiled, from the cache when its
// text was seen before. A policy that no longer parses (it was stored by
// an earlier version, say) allows nothing rather than everything.
func (r *Resolver) parsedPolicy(keyARN, text string) *policy.Attached {
	if v, ok := r.policies.Load(text); ok {
		return v.(*policy.Attached)
	}
	p, err := policy.Parse([]byte(text), policy.KindResource)
	if err != nil {
		p = policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"*","Resource":"*"}]}`, policy.KindResource)
	}
	a := &policy.Attached{Name: keyARN, Policy: p}
	if r.nPol.Add(1) > maxResolverEntries {
		r.policies.Clear()
		r.nPol.Store(0)
	}
	r.policies.Store(text, a)
	return a
}

// keyConditions are the condition keys a key supplies to every request
// on it.
func keyConditions(k *Key, aliases []string) []authz.ResourceCondition {
	str := func(key, v string) authz.ResourceCondition {
		return authz.ResourceCondition{Key: key, Values: []policy.Value{policy.String(v)}}
	}
	out := []authz.ResourceCondition{
		str("kms:KeySpec", k.KeySpec),
		str("kms:KeyUsage", k.KeyUsage),
		str("kms:KeyOrigin", k.Origin),
		str("kms:CustomerMasterKeySpec", k.KeySpec),
		str("kms:CustomerMasterKeyUsage", k.KeyUsage),
		{Key: "kms:MultiRegion", Values: []policy.Value{policy.Bool(k.MultiRegion)}},
	}
	if k.MultiRegion && k.MultiRegionType != "" {
		out = append(out, str("kms:MultiRegionKeyType", k.MultiRegionType))
	}
	if len(aliases) > 0 {
		vals := make([]policy.Value, len(aliases))
		for i, a := range aliases {
			vals[i] = policy.String(a)
		}
		out = append(out, authz.ResourceCondition{Key: "kms:ResourceAliases", Values: vals})
	}
	return out
}

// splitKMSARN splits arn:aws:kms:<region>:<account>:<resource>.
func splitKMSARN(arn string) (region, account, res string, ok bool) {
	const prefix = "arn:aws:kms:"
	if !strings.HasPrefix(arn, prefix) {
		return "", "", "", false
	}
	rest := arn[len(prefix):]
	i := strings.IndexByte(rest, ':')
	if i <= 0 {
		return "", "", "", false
	}
	region, rest = rest[:i], rest[i+1:]
	i = strings.IndexByte(rest, ':')
	if i != 12 {
		return "", "", "", false
	}
	return region, rest[:i], rest[i+1:], true
}

// AllowedByGrant implements authz.GrantResolver: a grant on the key lets
// the caller perform the operation when it names the caller as grantee
// (or, for RetireGrant, as retiring principal) and its constraints match
// the request's encryption context. Grants are visible as soon as they
// are created, so a grant token adds nothing but must be valid: one that
// gatehouse did not issue answers InvalidGrantTokenException, as AWS
// does.
func (r *Resolver) AllowedByGrant(ctx context.Context, req *authz.GrantRequest) (bool, error) {
	for _, t := range req.GrantTokens {
		if _, _, _, _, err := r.keys.ParseGrantToken(t); err != nil {
			return false, api.NewInvalidGrantTokenException("Grant token is invalid or expired.")
		}
	}
	p := principalRef(req)
	if req.Operation == "RetireGrant" {
		return r.mayRetire(ctx, req, p)
	}
	region, account, res, ok := splitKMSARN(req.Resource)
	if !ok || !strings.HasPrefix(res, "key/") {
		return false, nil
	}
	grants, err := r.keys.CachedGrants(ctx, account, region, res[len("key/"):])
	if err != nil {
		return false, err
	}
	var create *api.CreateGrantInput
	if req.Operation == "CreateGrant" {
		create, _ = req.Input.(*api.CreateGrantInput)
	}
	for _, g := range grants {
		if !g.Permits(req.Operation) || !g.ConstraintsAllow(req.Operation, req.EncryptionContext) {
			continue
		}
		if create != nil && !childGrantAllowed(g, create) {
			continue
		}
		exact, acct := NamesPrincipal(g.GranteePrincipal, p)
		if exact || acct && req.IdentityAllows() {
			return true, nil
		}
	}
	return false, nil
}

// childGrantAllowed reports whether a grant's CreateGrant permission
// covers the grant being created: the same operations or fewer, and an
// encryption context constraint at least as strict.
func childGrantAllowed(g *Grant, in *api.CreateGrantInput) bool {
	for _, op := range in.Operations {
		if !g.Permits(string(op)) {
			return false
		}
	}
	var equals, subset map[string]string
	if in.Constraints != nil {
		equals, subset = in.Constraints.EncryptionContextEquals, in.Constraints.EncryptionContextSubset
	}
	return g.AtLeastAsStrict(equals, subset)
}

// mayRetire decides RetireGrant, which the grant itself authorizes: its
// retiring principal, or its grantee when it includes RetireGrant, may
// retire it. (The account that created it is allowed through its
// policies; a grant that does not exist is left to the handler, which
// answers NotFound or InvalidGrantToken.)
func (r *Resolver) mayRetire(ctx context.Context, req *authz.GrantRequest, p PrincipalRef) (bool, error) {
	in, _ := req.Input.(*api.RetireGrantInput)
	if in == nil {
		return false, nil
	}
	var g *Grant
	var err error
	switch {
	case in.GrantToken != nil:
		g, err = r.keys.GrantByToken(ctx, *in.GrantToken)
		if errors.Is(err, ErrInvalidGrantToken) {
			return false, api.NewInvalidGrantTokenException("Grant token is invalid or expired.")
		}
	case in.GrantId != nil && in.KeyId != nil:
		region, account, res, ok := splitKMSARN(req.Resource)
		if !ok || !strings.HasPrefix(res, "key/") {
			return false, nil
		}
		err = r.keys.View(ctx, func(tx *Tx) error {
			var err error
			g, err = tx.Grant(account, region, res[len("key/"):], *in.GrantId)
			return err
		})
	default:
		return true, nil // the handler answers the missing parameters
	}
	if errors.Is(err, ErrNotFound) {
		return true, nil
	}
	if err != nil {
		return false, err
	}
	if exact, acct := NamesPrincipal(g.RetiringPrincipal, p); exact || acct && req.IdentityAllows() {
		return true, nil
	}
	if g.Permits("RetireGrant") {
		if exact, acct := NamesPrincipal(g.GranteePrincipal, p); exact || acct && req.IdentityAllows() {
			return true, nil
		}
	}
	return false, nil
}

// principalRef is the caller of a request as grants see it.
func principalRef(req *authz.GrantRequest) PrincipalRef {
	pr := req.Call.Principal
	return PrincipalRef{ARN: pr.ARN, RoleARN: req.RoleARN, Account: pr.AccountID, Root: pr.Type == identity.Root}
}

// ImpliedResource implements authz.ImpliedResourceResolver: a Decrypt
// (or the ReEncryptFrom half of a ReEncrypt) without a KeyId acts on the
// key its symmetric ciphertext blob names.
func (r *Resolver) ImpliedResource(c *call.Call, action string, in any) string {
	var blob []byte
	switch v := in.(type) {
	case *api.DecryptInput:
		if action == "kms:Decrypt" {
			blob = v.CiphertextBlob
		}
	case *api.ReEncryptInput:
		if action == "kms:ReEncryptFrom" {
			blob = v.CiphertextBlob
		}
	}
	if blob == nil {
		return ""
	}
	h, err := ParseCiphertext(blob)
	if err != nil {
		return ""
	}
	return KeyARN(h.Account, h.Region, h.KeyID)
}
