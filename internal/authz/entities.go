package authz

import (
	"context"
	"errors"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// This file looks up the IAM entities that requests name as resources:
// their paths (IAM ARNs carry them, the API names entities by name alone)
// and their tags (aws:ResourceTag/*). Lookups go through the directory
// once per entity and IAM generation: an IAM write makes every cached
// entry stale, as it does for permissions.

// entityKind is the kind of an IAM entity.
type entityKind uint8

const (
	entityNone entityKind = iota
	entityUser
	entityGroup
	entityRole
	entityPolicy
	entityInstanceProfile
	entityServerCertificate
	entityMFA
	entityOIDCProvider
	entitySAMLProvider
)

// entityForIAMType maps an IAM resource type of the catalog to the entity
// kind it names.
func entityForIAMType(typeName string) entityKind {
	switch typeName {
	case "user":
		return entityUser
	case "group":
		return entityGroup
	case "role":
		return entityRole
	case "policy":
		return entityPolicy
	case "instance-profile":
		return entityInstanceProfile
	case "server-certificate":
		return entityServerCertificate
	case "mfa":
		return entityMFA
	case "oidc-provider":
		return entityOIDCProvider
	case "saml-provider":
		return entitySAMLProvider
	}
	return entityNone
}

// entityInfo is what authorization needs of an entity.
type entityInfo struct {
	exists bool
	// name is the entity's name as stored (requests may spell it in
	// another case); arn its ARN.
	name string
	arn  string
	path string
	tags []iam.Tag
	// boundary is a user's or role's permissions boundary ARN.
	boundary string
}

type entityKey struct {
	kind    entityKind
	account string
	// name is the lower-cased name (IAM names are case-insensitive), or
	// the ARN for entities keyed by ARN (MFA devices, providers).
	name string
}

type cachedEntity struct {
	generation uint64
	info       entityInfo
}

// entityCache caches entity lookups per IAM generation. A map under a
// read-write lock rather than a sync.Map: its struct keys would be boxed
// (allocated) on every lookup.
type entityCache struct {
	dir *iam.Directory
	mu  sync.RWMutex
	m   map[entityKey]*cachedEntity
}

// maxCachedEntities bounds the cache; past it the cache starts over.
const maxCachedEntities = 50000

// byName returns the entity of kind named name in account.
func (c *entityCache) byName(ctx context.Context, kind entityKind, account, name string) (entityInfo, error) {
	return c.get(ctx, entityKey{kind, account, strings.ToLower(name)}, func(tx *iam.Tx) (entityInfo, error) {
		switch kind {
		case entityUser:
			u, err := tx.User(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: u.Name, arn: u.ARN(), path: u.Path, tags: u.Tags, boundary: u.Boundary}, nil
		case entityGroup:
			g, err := tx.Group(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: g.Name, arn: g.ARN(), path: g.Path}, nil
		case entityRole:
			r, err := tx.Role(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: r.Name, arn: r.ARN(), path: r.Path, tags: r.Tags, boundary: r.Boundary}, nil
		case entityPolicy:
			p, err := tx.PolicyByName(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: p.Name, arn: p.ARN(), path: p.Path, tags: p.Tags}, nil
		case entityInstanceProfile:
			p, err := tx.InstanceProfile(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: p.Name, arn: p.ARN(), path: p.Path, tags: p.Tags}, nil
		case entityServerCertificate:
			sc, err := tx.ServerCertificate(account, name)
			if err != nil {
				return entityInfo{}, err
			}
			return entityInfo{exists: true, name: sc.Name, arn: "arn:aws:iam::" + sc.AccountID + ":server-certificate" + sc.Path + sc.Name, path: sc.Path, tags: sc.Tags}, nil
		case entityMFA:
			// Virtual MFA devices are keyed by serial number (their ARN);
			// by name, the device is the one at the default path.
			return entityInfo{}, iam.ErrNoSuchEntity
		}
		return entityInfo{}, iam.ErrNoSuchEntity
	})
}

// byARN returns the IAM entity an ARN names; exists is false when it does
// not exist or the ARN's path differs from the entity's.
func (c *entityCache) byARN(ctx context.Context, kind entityKind, arn string) (entityInfo, error) {
	account, typ, path, name, ok := splitIAMARN(arn)
	if !ok {
		return entityInfo{}, nil
	}
	switch kind {
	case entityMFA, entityOIDCProvider, entitySAMLProvider:
		return c.get(ctx, entityKey{kind, account, arn}, func(tx *iam.Tx) (entityInfo, error) {
			switch kind {
			case entityMFA:
				m, err := tx.MFADevice(account, arn)
				if err != nil {
					return entityInfo{}, err
				}
				return entityInfo{exists: true, path: path, tags: m.Tags}, nil
			case entityOIDCProvider:
				p, err := tx.OIDCProvider(account, arn)
				if err != nil {
					return entityInfo{}, err
				}
				return entityInfo{exists: true, path: "/", tags: p.Tags}, nil
			default:
				p, err := tx.SAMLProvider(account, arn)
				if err != nil {
					return entityInfo{}, err
				}
				return entityInfo{exists: true, path: "/", tags: p.Tags}, nil
			}
		})
	}
	if entityForIAMType(typ) != kind {
		return entityInfo{}, nil
	}
	info, err := c.byName(ctx, kind, account, name)
	if err != nil || !info.exists || info.path != path {
		return entityInfo{}, err
	}
	return info, nil
}

func (c *entityCache) get(ctx context.Context, key entityKey, load func(*iam.Tx) (entityInfo, error)) (entityInfo, error) {
	gen := c.dir.Generation()
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if ok && e.generation == gen {
		return e.info, nil
	}
	var info entityInfo
	err := c.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		info, err = load(tx)
		return err
	})
	if errors.Is(err, iam.ErrNoSuchEntity) {
		info, err = entityInfo{}, nil
	}
	if err != nil {
		return entityInfo{}, err
	}
	// Stored under the generation read before loading, so a write that
	// committed meanwhile makes the entry stale at once.
	c.mu.Lock()
	if c.m == nil || len(c.m) >= maxCachedEntities {
		c.m = make(map[entityKey]*cachedEntity)
	}
	c.m[key] = &cachedEntity{generation: gen, info: info}
	c.mu.Unlock()
	return info, nil
}

// splitIAMARN splits arn:aws:iam::ACCOUNT:TYPE/PATH/NAME into its parts;
// path is "/" or "/a/b/".
func splitIAMARN(arn string) (account, typ, path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" || parts[4] == "" {
		return "", "", "", "", false
	}
	res := parts[5]
	slash := strings.IndexByte(res, '/')
	if slash < 0 {
		return "", "", "", "", false
	}
	typ, rest := res[:slash], res[slash:]
	last := strings.LastIndexByte(rest, '/')
	path, name = rest[:last+1], rest[last+1:]
	if name == "" {
		return "", "", "", "", false
	}
	return parts[4], typ, path, name, true
}
