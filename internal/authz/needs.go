package authz

import (
	"strings"
	"sync"
	"sync/atomic"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file keeps the request context small. A request's condition keys
// matter only to the policies that read them, and most policies read few
// (often none), so the authorizer sets only the keys that one of the
// policies of the request uses, in a condition or as a policy variable.
// Which keys a policy uses is worked out once per compiled policy (they
// are immutable) and once per principal's permissions, and cached. The
// decision is the same as with every key set: a key no policy reads
// cannot change it.

// keyNeeds is a set of the condition keys (or families of keys) the
// authorizer can set.
type keyNeeds uint32

const (
	needPrincipalArn keyNeeds = 1 << iota
	needPrincipalAccount
	needPrincipalType
	needUserID
	needUsername
	needPrincipalIsAWSService
	needViaAWSService
	needPrincipalTag
	needSourceIP
	needCurrentTime
	needEpochTime
	needSecureTransport
	needRequestedRegion
	needMFAPresent
	needMFAAge
	needTokenIssueTime
	needSourceIdentity
	needRequestTag
	needTagKeys
	needResourceAccount
	needResourceTag
	needIAMResourceTag
	// needServiceKeys: a key of a service (kms:..., sts:..., iam:...).
	needServiceKeys
	needPrincipalOrgID
	needPrincipalOrgPaths
	needResourceOrgID
	needResourceOrgPaths

	needAll keyNeeds = 1<<iota - 1
)

// globalKeyNeeds maps the lower-cased global keys the authorizer sets.
var globalKeyNeeds = map[string]keyNeeds{
	"aws:principalarn":           needPrincipalArn,
	"aws:principalaccount":       needPrincipalAccount,
	"aws:principaltype":          needPrincipalType,
	"aws:userid":                 needUserID,
	"aws:username":               needUsername,
	"aws:principalisawsservice":  needPrincipalIsAWSService,
	"aws:viaawsservice":          needViaAWSService,
	"aws:sourceip":               needSourceIP,
	"aws:currenttime":            needCurrentTime,
	"aws:epochtime":              needEpochTime,
	"aws:securetransport":        needSecureTransport,
	"aws:requestedregion":        needRequestedRegion,
	"aws:multifactorauthpresent": needMFAPresent,
	"aws:multifactorauthage":     needMFAAge,
	"aws:tokenissuetime":         needTokenIssueTime,
	"aws:sourceidentity":         needSourceIdentity,
	"aws:tagkeys":                needTagKeys,
	"aws:resourceaccount":        needResourceAccount,
	"aws:principalorgid":         needPrincipalOrgID,
	"aws:principalorgpaths":      needPrincipalOrgPaths,
	"aws:resourceorgid":          needResourceOrgID,
	"aws:resourceorgpaths":       needResourceOrgPaths,
}

// keyNeed classifies one condition key as a policy spells it.
func keyNeed(key string) keyNeeds {
	k := strings.ToLower(strings.TrimSpace(key))
	if n, ok := globalKeyNeeds[k]; ok {
		return n
	}
	switch {
	case strings.HasPrefix(k, "aws:principaltag/"):
		return needPrincipalTag
	case strings.HasPrefix(k, "aws:requesttag/"):
		return needRequestTag
	case strings.HasPrefix(k, "aws:resourcetag/"):
		return needResourceTag
	case strings.HasPrefix(k, "iam:resourcetag/"):
		return needIAMResourceTag
	case strings.HasPrefix(k, "aws:"):
		return 0 // a global key gatehouse never sets
	}
	return needServiceKeys
}

// policyNeeds returns the keys a policy reads.
func policyNeeds(p *policy.Policy) keyNeeds {
	if p == nil {
		return 0
	}
	var n keyNeeds
	variables := p.Version == policy.Version2012
	vars := func(s string) {
		if !variables {
			return
		}
		for {
			i := strings.Index(s, "${")
			if i < 0 {
				return
			}
			s = s[i+2:]
			j := strings.IndexByte(s, '}')
			if j < 0 {
				return
			}
			key, _, _ := strings.Cut(s[:j], ",")
			if strings.Contains(key, ":") {
				n |= keyNeed(key)
			}
			s = s[j+1:]
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, r := range st.Resource {
			vars(r)
		}
		for _, r := range st.NotResource {
			vars(r)
		}
		for _, c := range st.Condition {
			n |= keyNeed(c.Key)
			for _, v := range c.Values {
				vars(v)
			}
		}
	}
	return n
}

// needsCache remembers the needs of compiled policies and of principals'
// permissions, both immutable. It is bounded: past maxNeeds entries it
// starts over.
type needsCache struct {
	policies sync.Map // *policy.Policy → keyNeeds
	perms    sync.Map // *iam.Permissions → keyNeeds
	// members holds the needs of a membership's SCPs and RCPs (memberNeeds).
	members sync.Map // *organizations.Membership → memberNeeds
	n       atomic.Int64
}

// memberNeeds are the keys read by the SCPs and by the RCPs of one
// membership.
type memberNeeds struct {
	scps, rcps keyNeeds
}

const maxNeeds = 20000

func (c *needsCache) count() {
	if c.n.Add(1) > maxNeeds {
		c.policies.Clear()
		c.perms.Clear()
		c.members.Clear()
		c.n.Store(0)
	}
}

// policy returns the needs of one policy.
func (c *needsCache) policy(p *policy.Policy) keyNeeds {
	if p == nil {
		return 0
	}
	if v, ok := c.policies.Load(p); ok {
		return v.(keyNeeds)
	}
	n := policyNeeds(p)
	c.count()
	c.policies.Store(p, n)
	return n
}

// attached returns the needs of a list of policies.
func (c *needsCache) attached(list []policy.Attached) keyNeeds {
	var n keyNeeds
	for i := range list {
		n |= c.policy(list[i].Policy)
	}
	return n
}

// permissions returns the needs of a user's or role's identity policies
// and permissions boundary.
func (c *needsCache) permissions(p *iam.Permissions) keyNeeds {
	if v, ok := c.perms.Load(p); ok {
		return v.(keyNeeds)
	}
	n := c.attached(p.Identity)
	if p.Boundary != nil {
		n |= c.policy(p.Boundary.Policy)
	}
	c.count()
	c.perms.Store(p, n)
	return n
}

// membership returns the needs of a membership's SCPs and RCPs, worked
// out once per membership (memberships are immutable, and rebuilt on
// every Organizations write).
func (c *needsCache) membership(m *organizations.Membership) memberNeeds {
	if v, ok := c.members.Load(m); ok {
		return v.(memberNeeds)
	}
	var n memberNeeds
	for _, level := range m.SCPChain {
		n.scps |= c.attached(level)
	}
	for _, level := range m.RCPs {
		n.rcps |= c.attached(level)
	}
	c.count()
	c.members.Store(m, n)
	return n
}
