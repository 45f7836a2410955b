package iam

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// Permissions is what authorization needs to know of an IAM user or role:
// its identity-based policies (compiled), its permissions boundary and its
// tags. It is immutable once built and shared between requests.
type Permissions struct {
	// ARN and ID are the entity's ARN (with path) and unique id.
	ARN string
	ID  string
	// Identity holds the inline and attached managed policies, then (for a
	// user) those of each group, in that order.
	Identity []policy.Attached
	Boundary *policy.Attached
	// Tags are the entity's tags (aws:PrincipalTag/...).
	Tags map[string]string
	// ServiceLinked is true for service-linked roles.
	ServiceLinked bool
	// MaxSessionDuration is the role's limit in seconds (roles only).
	MaxSessionDuration int32
	// TrustPolicy is the role's trust policy, compiled (roles only).
	TrustPolicy *policy.Policy
}

type cachedPermissions struct {
	generation uint64
	perms      *Permissions
}

// UserPermissions returns the permissions of an IAM user, from memory when
// no IAM write has happened since they were last built.
func (d *Directory) UserPermissions(ctx context.Context, accountID, userName string) (*Permissions, error) {
	return d.cachedPermissions(ctx, "user/"+Key(accountID, userName), func(tx *Tx) (*Permissions, error) {
		return tx.userPermissions(accountID, userName)
	})
}

// RolePermissions returns the permissions of a role.
func (d *Directory) RolePermissions(ctx context.Context, accountID, roleName string) (*Permissions, error) {
	return d.cachedPermissions(ctx, "role/"+Key(accountID, roleName), func(tx *Tx) (*Permissions, error) {
		return tx.rolePermissions(accountID, roleName)
	})
}

func (d *Directory) cachedPermissions(ctx context.Context, key string, build func(*Tx) (*Permissions, error)) (*Permissions, error) {
	gen := d.generation.Load()
	if v, ok := d.sets.Load(key); ok {
		if c := v.(*cachedPermissions); c.generation == gen {
			return c.perms, nil
		}
	}
	var perms *Permissions
	err := d.View(ctx, func(tx *Tx) error {
		var err error
		perms, err = build(tx)
		return err
	})
	if err != nil {
		return nil, err
	}
	// Stored under the generation read before building: a write that
	// committed meanwhile makes the entry stale at once.
	d.sets.Store(key, &cachedPermissions{generation: gen, perms: perms})
	return perms, nil
}

func (tx *Tx) userPermissions(accountID, name string) (*Permissions, error) {
	u, err := tx.User(accountID, name)
	if err != nil {
		return nil, err
	}
	p := &Permissions{ARN: u.ARN(), ID: u.ID, Tags: tagMap(u.Tags)}
	if err := tx.addPolicies(p, accountID, u.Inline, policy.KindUserInline, u.Attached); err != nil {
		return nil, err
	}
	for _, gname := range u.Groups {
		g, err := tx.Group(accountID, gname)
		if errors.Is(err, ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := tx.addPolicies(p, accountID, g.Inline, policy.KindGroupInline, g.Attached); err != nil {
			return nil, err
		}
	}
	if p.Boundary, err = tx.boundary(accountID, u.Boundary); err != nil {
		return nil, err
	}
	return p, nil
}

func (tx *Tx) rolePermissions(accountID, name string) (*Permissions, error) {
	r, err := tx.Role(accountID, name)
	if err != nil {
		return nil, err
	}
	p := &Permissions{ARN: r.ARN(), ID: r.ID, Tags: tagMap(r.Tags), ServiceLinked: r.ServiceLinked,
		MaxSessionDuration: r.MaxSessionDuration}
	if err := tx.addPolicies(p, accountID, r.Inline, policy.KindRoleInline, r.Attached); err != nil {
		return nil, err
	}
	if p.Boundary, err = tx.boundary(accountID, r.Boundary); err != nil {
		return nil, err
	}
	if p.TrustPolicy, err = tx.d.docs.parse(r.TrustPolicy, policy.KindTrust); err != nil {
		return nil, fmt.Errorf("iam: trust policy of role %s: %w", r.Name, err)
	}
	return p, nil
}

func (tx *Tx) addPolicies(p *Permissions, accountID string, inline []InlinePolicy, kind policy.Kind, attached []string) error {
	for _, ip := range inline {
		compiled, err := tx.d.docs.parse(ip.Document, kind)
		if err != nil {
			return fmt.Errorf("iam: inline policy %s: %w", ip.Name, err)
		}
		p.Identity = append(p.Identity, policy.Attached{Name: ip.Name, Policy: compiled})
	}
	for _, arn := range attached {
		a, err := tx.managed(accountID, arn)
		if errors.Is(err, ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return err
		}
		p.Identity = append(p.Identity, *a)
	}
	return nil
}

func (tx *Tx) boundary(accountID, arn string) (*policy.Attached, error) {
	if arn == "" {
		return nil, nil
	}
	a, err := tx.managed(accountID, arn)
	if errors.Is(err, ErrNoSuchEntity) {
		// A boundary whose policy no longer exists allows nothing, as a
		// boundary that allows nothing would.
		return &policy.Attached{Name: arn, Policy: allowsNothing}, nil
	}
	return a, err
}

// allowsNothing stands in for a boundary policy that no longer exists: a
// boundary without an Allow limits the principal to nothing.
var allowsNothing = policy.MustParse(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","Resource":"*"}]}`, policy.KindManaged)

// managed returns the default version of a managed policy, compiled.
func (tx *Tx) managed(accountID, arn string) (*policy.Attached, error) {
	mp, err := tx.Policy(accountID, arn)
	if err != nil {
		return nil, err
	}
	v := mp.Default()
	if v == nil {
		return nil, fmt.Errorf("iam: policy %s has no default version", arn)
	}
	kind := policy.KindManaged
	if mp.AccountID == "aws" {
		kind = AWSManagedKind
	}
	compiled, err := tx.d.docs.parse(v.Document, kind)
	if err != nil {
		return nil, fmt.Errorf("iam: policy %s version %s: %w", arn, v.ID, err)
	}
	return &policy.Attached{Name: arn, Policy: compiled}, nil
}

func tagMap(tags []Tag) map[string]string {
	if len(tags) == 0 {
		return nil
	}
	m := make(map[string]string, len(tags))
	for _, t := range tags {
		m[t.Key] = t.Value
	}
	return m
}

// docCache keeps compiled policies by kind and text: the same managed
// policy serves every principal it is attached to, and a document is parsed
// once however many users share it.
type docCache struct {
	mu sync.RWMutex
	m  map[docKey]*policy.Policy
}

type docKey struct {
	kind policy.Kind
	doc  string
}

// maxCachedDocs bounds the cache; past it the cache starts over.
const maxCachedDocs = 20000

// parse returns the compiled form of doc.
func (c *docCache) parse(doc string, kind policy.Kind) (*policy.Policy, error) {
	k := docKey{kind, doc}
	c.mu.RLock()
	p, ok := c.m[k]
	c.mu.RUnlock()
	if ok {
		return p, nil
	}
	p, err := policy.Parse([]byte(DecodeDocument(doc)), kind)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedDocs {
		c.m = make(map[docKey]*policy.Policy)
	}
	c.m[k] = p
	c.mu.Unlock()
	return p, nil
}

// DecodeDocument returns a policy document as JSON text. Documents are
// stored as the caller sent them; a document that is URL-encoded (as IAM's
// own responses carry them, and as some clients send them back) is decoded.
func DecodeDocument(doc string) string {
	trimmed := strings.TrimSpace(doc)
	if strings.HasPrefix(trimmed, "%7B") || strings.HasPrefix(trimmed, "%7b") {
		if decoded, err := url.QueryUnescape(trimmed); err == nil {
			return decoded
		}
	}
	return doc
}

// AWSManagedKind is the policy kind AWS managed policies are compiled as.
// They are exempt from the managed policy size quota, which only binds
// customer managed policies.
const AWSManagedKind = policy.KindAWSManaged
