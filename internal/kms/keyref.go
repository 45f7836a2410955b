package kms

import (
	"context"
	"errors"
	"strings"
)

// KeyRef is a key named by a request: its account, Region and id.
type KeyRef struct {
	Account, Region, ID string
}

// ARN is the key's ARN.
func (r KeyRef) ARN() string { return KeyARN(r.Account, r.Region, r.ID) }

// ErrAliasNotFound is returned by ResolveKeyID for an alias that does not
// exist; ErrAliasNotAllowed for an alias where the operation takes keys
// only; ErrMalformedKeyID for a KeyId that is none of the four forms.
var (
	ErrAliasNotFound   = errors.New("kms: alias not found")
	ErrAliasNotAllowed = errors.New("kms: aliases are not accepted here")
	ErrMalformedKeyID  = errors.New("kms: malformed key id")
)

// ResolveKeyID turns a KeyId parameter into the key it names, in one of
// AWS's four forms: a key id ("1234abcd-..." or "mrk-..."), a key ARN, an
// alias name ("alias/ExampleAlias") or an alias ARN. Key ids and alias
// names are in the caller's account and Region; ARNs may name another
// account (cross-account use is for the key policy to allow). allowAlias
// is false for the key management operations, which AWS lets name a key
// only by key id or key ARN. The key itself may not exist: callers look it
// up with CachedKey.
func (s *Store) ResolveKeyID(ctx context.Context, callerAccount, region, ref string, allowAlias bool) (KeyRef, error) {
	switch {
	case strings.HasPrefix(ref, "arn:"):
		// arn:aws:kms:<region>:<account>:key/<id> or alias/<name>
		parts := strings.SplitN(ref, ":", 6)
		if len(parts) != 6 || parts[2] != "kms" || parts[3] == "" || len(parts[4]) != 12 {
			return KeyRef{}, ErrMalformedKeyID
		}
		res := parts[5]
		switch {
		case strings.HasPrefix(res, "key/") && len(res) > 4:
			return KeyRef{Account: parts[4], Region: parts[3], ID: res[4:]}, nil
		case strings.HasPrefix(res, "alias/"):
			if !allowAlias {
				return KeyRef{}, ErrAliasNotAllowed
			}
			return s.aliasTarget(ctx, parts[4], parts[3], res)
		}
		return KeyRef{}, ErrMalformedKeyID
	case strings.HasPrefix(ref, "alias/"):
		if !allowAlias {
			return KeyRef{}, ErrAliasNotAllowed
		}
		return s.aliasTarget(ctx, callerAccount, region, ref)
	case ref == "":
		return KeyRef{}, ErrMalformedKeyID
	}
	return KeyRef{Account: callerAccount, Region: region, ID: ref}, nil
}

func (s *Store) aliasTarget(ctx context.Context, account, region, name string) (KeyRef, error) {
	// Aliases are read on the hot path of every request that names a key
	// by alias: serve them from memory until the next write, as keys.
	k := keyKey(account, region, name)
	gen := s.generation.Load()
	if v, ok := s.aliases.Load(k); ok {
		c := v.(*cachedAlias)
		if c.gen == gen {
			if c.keyID == "" {
				return KeyRef{}, ErrAliasNotFound
			}
			return KeyRef{Account: account, Region: region, ID: c.keyID}, nil
		}
	}
	var a *Alias
	err := s.View(ctx, func(tx *Tx) error {
		var err error
		a, err = tx.Alias(account, region, name)
		return err
	})
	if errors.Is(err, ErrNotFound) {
		s.aliases.Store(k, &cachedAlias{gen: gen})
		return KeyRef{}, ErrAliasNotFound
	}
	if err != nil {
		return KeyRef{}, err
	}
	s.aliases.Store(k, &cachedAlias{gen: gen, keyID: a.KeyID})
	return KeyRef{Account: account, Region: region, ID: a.KeyID}, nil
}

// cachedAlias is an alias's target key id as of a generation; "" means
// the alias did not exist.
type cachedAlias struct {
	gen   uint64
	keyID string
}
