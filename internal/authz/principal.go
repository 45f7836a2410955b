package authz

import (
	"context"
	"errors"
	"sync"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file gathers a caller's policies: an IAM user's (with its groups'
// and its permissions boundary), a role session's (the role's, plus the
// session policies it was created with), a federated user's (the issuing
// user's plus the session policies) and those of a GetSessionToken session
// (the user's). The directory caches the compiled permissions per IAM
// generation; this file caches compiled inline session policies by text.

// caller is the principal of a request as the policies see it.
type caller struct {
	principal policy.Principal
	identity  []policy.Attached
	boundary  *policy.Attached
	session   []policy.Attached
	// tags are the principal's tags (a user's or role's), then the
	// session tags, which take precedence.
	tags        map[string]string
	sessionTags map[string]string
	// principalARN and principalType are aws:PrincipalArn and
	// aws:PrincipalType; username is aws:username (IAM users only).
	principalARN  string
	principalType string
	username      string
	// userARN is the calling IAM user's ARN, for IAM operations whose
	// user defaults to the caller ("" for other callers).
	userARN       string
	root          bool
	serviceLinked bool
	// member is the caller account's membership of its organization,
	// nil when it is in none (or Organizations is not available).
	member *organizations.Membership
	// needs are the condition keys the caller's policies read.
	needs keyNeeds
}

// allowAll stands for the permissions of an account's root user where a
// policy set needs them: a federated user issued by the root user has the
// root user's permissions narrowed by its session policies.
var allowAll = policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`, policy.KindManaged)

// allowsNothing stands for a session policy that can no longer be read.
var allowsNothing = policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}`, policy.KindSession)

// resolveCaller fills cl with p's policies.
func (a *Authorizer) resolveCaller(ctx context.Context, p *identity.Principal, cl *caller) error {
	cl.principal = policy.Principal{ARN: p.ARN, Account: p.AccountID}
	cl.principalARN = p.ARN
	s := p.Session
	switch p.Type {
	case identity.Root:
		cl.root = true
		cl.principal.Type = policy.PrincipalRoot
		cl.principalType = "Account"
		if s != nil && len(s.PolicyARNs) > 0 {
			// An AssumeRoot session: the root user's permissions less
			// what its task policy denies. AWS calls the task policy an
			// identity-based policy that scopes the session; the task
			// policies only deny, and the root user needs no allow, so
			// they stand as the session's identity-based policies.
			cl.identity = make([]policy.Attached, 0, len(s.PolicyARNs))
			for _, arn := range s.PolicyARNs {
				mp, err := a.dir.ManagedPolicy(ctx, p.AccountID, arn)
				if err != nil {
					return err
				}
				cl.identity = append(cl.identity, *mp)
			}
			cl.needs |= a.needs.attached(cl.identity)
		}
		return nil
	case identity.IAMUser:
		cl.principal.Type = policy.PrincipalUser
		cl.principalType = "User"
		name := p.UserName
		if name == "" {
			_, _, name, _ = iam.ParseUserARN(p.ARN)
		}
		cl.username = name
		cl.userARN = p.ARN
		return a.userPolicies(ctx, p.AccountID, name, cl)
	case identity.AssumedRole:
		cl.principal.Type = policy.PrincipalRoleSession
		cl.principalType = "AssumedRole"
		if s == nil {
			return errors.New("authz: assumed-role principal without a session")
		}
		cl.principal.RoleARN = s.IssuerARN
		cl.principalARN = s.IssuerARN
		cl.sessionTags = s.Tags
		acct, _, name, ok := iam.ParseRoleARN(s.IssuerARN)
		if !ok {
			return errors.New("authz: role session with an issuer that is not a role: " + s.IssuerARN)
		}
		perms, err := a.permissions(ctx, true, acct, name)
		switch {
		case err != nil:
			return err
		case perms == nil:
			// The role was deleted: its sessions keep no permissions.
		default:
			if s.IssuerPrincipalID != "" && s.IssuerPrincipalID != perms.ID {
				// A role of that name created after the session was
				// issued is another role: its policies are not the
				// session's.
				break
			}
			cl.identity, cl.boundary, cl.tags = perms.Identity, perms.Boundary, perms.Tags
			cl.serviceLinked = perms.ServiceLinked
			cl.needs |= a.needs.permissions(perms)
		}
		return a.sessionPolicies(ctx, acct, s, cl)
	case identity.FederatedUser:
		cl.principal.Type = policy.PrincipalFederatedUser
		cl.principalType = "FederatedUser"
		if s == nil {
			return errors.New("authz: federated user without a session")
		}
		cl.principal.UserARN = s.IssuerARN
		cl.sessionTags = s.Tags
		if acct, _, name, ok := iam.ParseUserARN(s.IssuerARN); ok {
			if err := a.userPolicies(ctx, acct, name, cl); err != nil {
				return err
			}
			cl.tags = nil // a federated user's principal tags are its session tags
		} else {
			// Issued by the account's root user.
			cl.identity = []policy.Attached{{Name: "root", Policy: allowAll}}
		}
		// A federated user has only what its session policies grant; the
		// policy engine reads an empty list that way.
		return a.sessionPolicies(ctx, p.AccountID, s, cl)
	}
	return errors.New("authz: unknown principal type " + string(p.Type))
}

// userPolicies fills cl with an IAM user's permissions; a user that no
// longer exists has none.
func (a *Authorizer) userPolicies(ctx context.Context, account, name string, cl *caller) error {
	perms, err := a.permissions(ctx, false, account, name)
	if err != nil || perms == nil {
		return err // a user that no longer exists has no permissions
	}
	cl.identity, cl.boundary, cl.tags = perms.Identity, perms.Boundary, perms.Tags
	cl.needs |= a.needs.permissions(perms)
	return nil
}

// sessionPolicies adds the session policies a session was created with.
// Managed ones are read from the account that owns the issuing role or
// user.
func (a *Authorizer) sessionPolicies(ctx context.Context, account string, s *identity.Session, cl *caller) error {
	if s.Policy == "" && len(s.PolicyARNs) == 0 {
		return nil
	}
	cl.session = make([]policy.Attached, 0, 1+len(s.PolicyARNs))
	if s.Policy != "" {
		cl.session = append(cl.session, policy.Attached{Name: "session policy", Policy: a.inlineSessionPolicy(s.Policy)})
	}
	for _, arn := range s.PolicyARNs {
		mp, err := a.dir.ManagedPolicy(ctx, account, arn)
		if err != nil {
			return err
		}
		cl.session = append(cl.session, *mp)
	}
	cl.needs |= a.needs.attached(cl.session)
	return nil
}

// sessionDocs caches compiled inline session policies by their text: a
// session's policy is compiled once however many requests it makes.
type sessionDocs struct {
	mu sync.RWMutex
	m  map[string]*policy.Policy
}

// maxSessionDocs bounds the cache; past it the cache starts over.
const maxSessionDocs = 10000

// inlineSessionPolicy returns the compiled inline session policy. STS
// validated it when it issued the session; one that no longer parses
// (after a change of the policy language's rules) allows nothing.
func (a *Authorizer) inlineSessionPolicy(doc string) *policy.Policy {
	c := &a.sessionDocs
	c.mu.RLock()
	p, ok := c.m[doc]
	c.mu.RUnlock()
	if ok {
		return p
	}
	p, err := policy.Parse([]byte(iam.DecodeDocument(doc)), policy.KindSession)
	if err != nil {
		p = allowsNothing
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxSessionDocs {
		c.m = make(map[string]*policy.Policy)
	}
	c.m[doc] = p
	c.mu.Unlock()
	return p
}

// permCache remembers the directory's answer for a principal's
// permissions per IAM generation, under a key that costs no allocation
// to build (the directory's own cache keys are strings it concatenates).
type permCache struct {
	mu sync.RWMutex
	m  map[permKey]cachedPerms
}

type permKey struct {
	role          bool
	account, name string
}

type cachedPerms struct {
	generation uint64
	perms      *iam.Permissions // nil: no such entity
}

// maxCachedPerms bounds the cache; past it the cache starts over.
const maxCachedPerms = 50000

// permissions returns the permissions of a user or role; nil, nil when it
// does not exist.
func (a *Authorizer) permissions(ctx context.Context, role bool, account, name string) (*iam.Permissions, error) {
	c := &a.perms
	key := permKey{role, account, name}
	gen := a.dir.Generation()
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && e.generation == gen {
		return e.perms, nil
	}
	var perms *iam.Permissions
	var err error
	if role {
		perms, err = a.dir.RolePermissions(ctx, account, name)
	} else {
		perms, err = a.dir.UserPermissions(ctx, account, name)
	}
	if errors.Is(err, iam.ErrNoSuchEntity) {
		perms, err = nil, nil
	}
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedPerms {
		c.m = make(map[permKey]cachedPerms)
	}
	c.m[key] = cachedPerms{generation: gen, perms: perms}
	c.mu.Unlock()
	return perms, nil
}
