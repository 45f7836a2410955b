package iam

import (
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file answers, for service last accessed reports, which services and
// actions an entity's permissions policies allow. As AWS documents, only
// permissions policy logic counts: no boundaries, session policies, SCPs or
// resource policies. A service is allowed when at least one of its actions
// is allowed by some statement and not denied by an unconditional deny on
// every resource.

// allowance is the statements of a set of identity-based policies, reduced
// to what decides whether an action is allowed somewhere.
type allowance struct {
	allows []actionStatement
	// denies holds only the deny statements that deny an action
	// everywhere: no condition, Resource "*".
	denies []actionStatement
}

// actionStatement is the action part of one statement.
type actionStatement struct {
	// not is true for NotAction: the statement covers every action its
	// patterns do not match.
	not      bool
	patterns []string
}

// newAllowance reduces the statements of policies.
func newAllowance(policies []*policy.Policy) *allowance {
	a := &allowance{}
	for _, p := range policies {
		if p == nil {
			continue
		}
		for i := range p.Statements {
			st := &p.Statements[i]
			as := actionStatement{patterns: st.Action}
			if len(st.NotAction) > 0 {
				as = actionStatement{not: true, patterns: st.NotAction}
			}
			switch st.Effect {
			case "Allow":
				a.allows = append(a.allows, as)
			case "Deny":
				if len(st.Condition) == 0 && len(st.NotResource) == 0 && slices.Contains(st.Resource, "*") {
					a.denies = append(a.denies, as)
				}
			}
		}
	}
	return a
}

// covers reports whether the statement applies to the action "svc:Name".
func (s *actionStatement) covers(action string) bool {
	for _, p := range s.patterns {
		if matchActionPattern(p, action) {
			return !s.not
		}
	}
	return s.not
}

// mayCoverService reports whether the statement can apply to some action of
// the service with prefix svc, without looking at the service's actions.
func (s *actionStatement) mayCoverService(svc string) bool {
	if s.not {
		return true
	}
	for _, p := range s.patterns {
		sp, _, ok := strings.Cut(p, ":")
		if !ok {
			sp = p // "*"
		}
		if matchWildcardFold(sp, svc) {
			return true
		}
	}
	return false
}

// allowsAction reports whether the action ("svc:Name") is allowed.
func (a *allowance) allowsAction(action string) bool {
	allowed := false
	for i := range a.allows {
		if a.allows[i].covers(action) {
			allowed = true
			break
		}
	}
	if !allowed {
		return false
	}
	for i := range a.denies {
		if a.denies[i].covers(action) {
			return false
		}
	}
	return true
}

// allowsService reports whether at least one action of the service is
// allowed.
func (a *allowance) allowsService(svc *catalog.ServiceInfo) bool {
	candidate := false
	for i := range a.allows {
		if a.allows[i].mayCoverService(svc.Prefix) {
			candidate = true
			break
		}
	}
	if !candidate {
		return false
	}
	for _, act := range svc.Actions {
		if a.allowsAction(act.String()) {
			return true
		}
	}
	return false
}

// services returns the catalog's services at least one of whose actions
// is allowed, in prefix order.
func (a *allowance) services() []*catalog.ServiceInfo {
	var out []*catalog.ServiceInfo
	for _, prefix := range catalog.Services() {
		candidate := false
		for i := range a.allows {
			if a.allows[i].mayCoverService(prefix) {
				candidate = true
				break
			}
		}
		if !candidate {
			continue
		}
		svc, ok := catalog.Service(prefix)
		if ok && a.allowsService(svc) {
			out = append(out, svc)
		}
	}
	return out
}

// matchActionPattern matches an action pattern of a policy ("*", "iam:*",
// "iam:Get*", "s3:?etObject") against a full action name, without regard
// to case, as IAM does.
func matchActionPattern(pattern, action string) bool {
	if pattern == "*" {
		return true
	}
	ps, pa, ok := strings.Cut(pattern, ":")
	if !ok {
		return false
	}
	as, aa, ok := strings.Cut(action, ":")
	if !ok {
		return false
	}
	return matchWildcardFold(ps, as) && matchWildcardFold(pa, aa)
}

// matchWildcardFold matches s against a pattern where "*" is any run of characters
// and "?" any one, comparing ASCII letters without case.
func matchWildcardFold(pattern, s string) bool {
	// Iterative matching with one backtrack point: linear in practice, and
	// never worse than len(pattern)*len(s).
	p, i := 0, 0
	star, mark := -1, 0
	for i < len(s) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, i
			p++
		case p < len(pattern) && (pattern[p] == '?' || asciiLower(pattern[p]) == asciiLower(s[i])):
			p++
			i++
		case star >= 0:
			p = star + 1
			mark++
			i = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func asciiLower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
