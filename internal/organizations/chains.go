package organizations

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file builds, for an account, what the authorizer needs of its
// organization on every request: the organization id, the account's
// path in the tree (aws:PrincipalOrgPaths / aws:ResourceOrgPaths),
// whether it is the management account, and the service and resource
// control policies attached from the root down to the account. The
// answer is kept in memory per account and thrown away as a whole when
// the store's generation moves (every Organizations write bumps it), so
// that a lookup on the hot path is a map read under a read lock: no
// allocation and no SQLite.

// Membership is an account's place in its organization as authorization
// sees it. It is immutable once built; callers must not modify it.
type Membership struct {
	// OrgID is the organization id (aws:PrincipalOrgID, aws:ResourceOrgID).
	OrgID string
	// Path is "o-.../r-.../ou-.../": the path of the root or OU that holds
	// the account (aws:PrincipalOrgPaths, aws:ResourceOrgPaths).
	Path string
	// Management is true for the organization's management account,
	// which neither SCPs nor RCPs restrict.
	Management bool
	// ManagementAccountID is the organization's management account, whose
	// id the ARNs of the organization's resources carry.
	ManagementAccountID string
	// SCPs are the service control policies by level, from the root to
	// the account (len = OU depth + 2), nil when the SCP policy type is
	// not enabled. Every level must allow; a level with no policy allows
	// nothing.
	SCPs [][]policy.Attached
	// SCPChain is SCPs as the authorizer evaluates them: the levels that
	// FullAWSAccess satisfies merged into one (FullAWSAccess first, then
	// every other policy of those levels, which can only add denies), the
	// other levels kept in order. The decision is the same as over SCPs
	// (every level must allow, any deny denies), with fewer policies to
	// scan: an account five OUs deep under FullAWSAccess everywhere costs
	// one level, not seven. Only the level numbers of an explanation's
	// statements differ.
	SCPChain [][]policy.Attached
	// RCPs are the customer resource control policies by level, root to
	// account, nil when the RCP policy type is not enabled or no customer
	// RCP is attached along the chain. The AWS managed RCPFullAWSAccess is
	// left out: it only allows, and RCPs decide only by their denies.
	RCPs [][]policy.Attached
}

// Membership returns accountID's membership of its organization, nil when
// the account is in none. Answers come from memory while no Organizations
// write has happened since they were built.
func (s *Store) Membership(ctx context.Context, accountID string) (*Membership, error) {
	return s.chains.membership(ctx, accountID)
}

// chainCache holds, per account, the policy chains that bind it, for one
// generation of the store, and the compiled policies by id and content.
type chainCache struct {
	s    *Store
	snap atomic.Pointer[chainSnapshot]

	// compiled caches parsed policies across generations: a policy's
	// text rarely changes when something else in the organization does.
	mu       sync.Mutex
	compiled map[compiledKey]*policy.Policy
}

// chainSnapshot is the memberships built during one store generation.
type chainSnapshot struct {
	gen uint64
	mu  sync.RWMutex
	m   map[string]*Membership // account id → membership; nil: in none
}

type compiledKey struct {
	id, content string
}

// maxCompiled bounds the compiled policy cache; past it it starts over.
const maxCompiled = 5000

// maxMemberships bounds one snapshot; past it it starts over.
const maxMemberships = 100000

func (c *chainCache) membership(ctx context.Context, accountID string) (*Membership, error) {
	gen := c.s.Generation()
	snap := c.snap.Load()
	if snap != nil && snap.gen == gen {
		snap.mu.RLock()
		m, ok := snap.m[accountID]
		snap.mu.RUnlock()
		if ok {
			return m, nil
		}
	}
	m, err := c.build(ctx, accountID)
	if err != nil {
		return nil, err
	}
	// Store the answer under the generation it was read in. A write that
	// committed meanwhile has moved the generation on, so the answer is
	// never served for a later one.
	for {
		snap = c.snap.Load()
		if snap != nil && snap.gen >= gen {
			break
		}
		if c.snap.CompareAndSwap(snap, &chainSnapshot{gen: gen, m: make(map[string]*Membership)}) {
			snap = c.snap.Load()
			break
		}
	}
	if snap.gen == gen {
		snap.mu.Lock()
		if len(snap.m) >= maxMemberships {
			clear(snap.m)
		}
		snap.m[accountID] = m
		snap.mu.Unlock()
	}
	return m, nil
}

// build reads accountID's membership from the store.
func (c *chainCache) build(ctx context.Context, accountID string) (*Membership, error) {
	var m *Membership
	err := c.s.View(ctx, func(tx *Tx) error {
		org, err := tx.OrganizationOfAccount(accountID)
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		chain, err := tx.ParentChain(org, accountID)
		if errors.Is(err, ErrNotFound) {
			return nil // the index names an organization the account has left
		}
		if err != nil {
			return err
		}
		m = &Membership{
			OrgID:               org.ID,
			Path:                OrgPathOfAccount(org, chain),
			Management:          accountID == org.ManagementAccountID,
			ManagementAccountID: org.ManagementAccountID,
		}
		return c.policyLevels(tx, org, chain, m)
	})
	return m, err
}

// policyLevels fills m's SCP and RCP levels from the attachments of each
// target of chain (root, OUs, account).
func (c *chainCache) policyLevels(tx *Tx, org *Organization, chain []string, m *Membership) error {
	allFeatures := org.FeatureSet == FeatureSetAll
	scpOn := allFeatures && PolicyTypeEnabled(org, TypeSCP)
	rcpOn := allFeatures && PolicyTypeEnabled(org, TypeRCP)
	if !scpOn && !rcpOn {
		return nil
	}
	var scps, rcps [][]policy.Attached
	var fullAccess *policy.Policy // FullAWSAccess compiled, once seen
	anyRCP := false
	for _, target := range chain {
		atts, err := tx.AttachmentsOf(org.ID, target)
		if err != nil {
			return err
		}
		var scpLevel, rcpLevel []policy.Attached
		for _, a := range atts {
			typ, name, content, managed := "", "", "", false
			if mp := Managed(a.PolicyID); mp != nil {
				typ, name, content, managed = mp.Type, mp.ARN(), mp.Content, true
			} else {
				p, err := tx.Policy(org.ID, a.PolicyID)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				typ, name, content = p.Type, PolicyARN(org, p.Type, p.ID), p.Content
			}
			switch {
			case typ == TypeSCP && scpOn:
				pa := policy.Attached{Name: name, Policy: c.compile(a.PolicyID, content, policy.KindSCP)}
				if a.PolicyID == FullAWSAccessID {
					fullAccess = pa.Policy
				}
				scpLevel = append(scpLevel, pa)
			case typ == TypeRCP && rcpOn && !managed:
				rcpLevel = append(rcpLevel, policy.Attached{Name: name, Policy: c.compile(a.PolicyID, content, policy.KindRCP)})
				anyRCP = true
			}
		}
		if scpOn {
			scps = append(scps, scpLevel)
		}
		rcps = append(rcps, rcpLevel)
	}
	m.SCPs = scps
	m.SCPChain = compactSCPs(scps, fullAccess)
	if anyRCP {
		m.RCPs = rcps
	}
	return nil
}

// compile returns the parsed policy, once per id and content. A document
// that no longer parses (the API validated it when it was stored) becomes
// nil, which allows nothing and denies nothing: as an SCP it leaves its
// level to the others, and a level with nothing else denies.
func (c *chainCache) compile(id, content string, kind policy.Kind) *policy.Policy {
	key := compiledKey{id, content}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.compiled[key]; ok {
		return p
	}
	p, err := policy.Parse([]byte(content), kind)
	if err != nil {
		p = nil
	}
	if c.compiled == nil || len(c.compiled) >= maxCompiled {
		c.compiled = make(map[compiledKey]*policy.Policy)
	}
	c.compiled[key] = p
	return p
}

// compactSCPs returns levels with every level that holds FullAWSAccess
// (full, nil when none does) merged into the first such level's place:
// such a level always allows, so only its other policies' denies matter,
// and one level holding FullAWSAccess and all of them decides the same.
func compactSCPs(levels [][]policy.Attached, full *policy.Policy) [][]policy.Attached {
	if full == nil {
		return levels
	}
	hasFull := func(level []policy.Attached) bool {
		for _, a := range level {
			if a.Policy == full {
				return true
			}
		}
		return false
	}
	out := make([][]policy.Attached, 0, len(levels))
	merged := -1
	for _, level := range levels {
		if !hasFull(level) {
			out = append(out, level)
			continue
		}
		if merged < 0 {
			merged = len(out)
			out = append(out, nil)
			for _, a := range level {
				if a.Policy == full {
					out[merged] = append(out[merged], a)
					break
				}
			}
		}
		for _, a := range level {
			if a.Policy != full {
				out[merged] = append(out[merged], a)
			}
		}
	}
	return out
}
