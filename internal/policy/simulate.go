package policy

import "strings"

// This file is the core of the policy simulator
// (iam:SimulatePrincipalPolicy / SimulateCustomPolicy): it evaluates every
// action against every resource and reports, for each pair, the decision,
// every statement that applied and the condition keys the policies use that
// the request context lacks.

// Simulation is one simulator run.
type Simulation struct {
	Principal Principal
	Actions   []string
	// Resources defaults to ["*"].
	Resources []string
	// ResourceAccount owns the resources; "" takes each ARN's account field
	// and, where that is empty (S3), the caller's account.
	ResourceAccount string
	Context         Context
	Policies        *PolicySet
	// WildcardOnly tells, per action, whether it lacks resource-level
	// permissions (the caller's service tables know); nil means none do.
	WildcardOnly func(action string) bool
}

// SimulationResult is the outcome of one action on one resource.
type SimulationResult struct {
	Action   string
	Resource string
	Decision Decision
	// Matched lists every statement that applied, allow or deny, in
	// evaluation order.
	Matched []StatementRef
	// MissingContextKeys lists (lower-cased) condition and variable keys
	// used by statements matching the action that the context lacks.
	MissingContextKeys []string
}

// trace collects what the simulator reports beyond the decision.
type trace struct {
	matched []StatementRef
	missing []string
}

// noteKeys records the condition keys, then the variable keys, of c that
// the context lacks, each once.
func (tr *trace) noteKeys(c *cstmt, ctx *Context) {
	for i := range c.conds {
		tr.noteKey(c.conds[i].key.name, ctx)
	}
	for _, k := range c.vars {
		tr.noteKey(k.name, ctx)
	}
}

func (tr *trace) noteKey(k string, ctx *Context) {
	if _, ok := ctx.lookup(k); !ok && !containsString(tr.missing, k) {
		tr.missing = append(tr.missing, k)
	}
}

// Simulate evaluates every action on every resource.
func Simulate(s *Simulation) []SimulationResult {
	resources := s.Resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}
	set := s.Policies
	if set == nil {
		set = &PolicySet{}
	}
	out := make([]SimulationResult, 0, len(s.Actions)*len(resources))
	for _, action := range s.Actions {
		for _, res := range resources {
			req := Request{Principal: s.Principal, Action: action, Resource: res, Context: s.Context}
			if res == "*" {
				req.Resource, req.WildcardOnly = "", true
			}
			if s.WildcardOnly != nil && s.WildcardOnly(action) {
				req.WildcardOnly = true
			}
			req.ResourceAccount = s.ResourceAccount
			if req.ResourceAccount == "" {
				req.ResourceAccount = arnAccount(res)
			}
			var tr trace
			var d Decision
			evaluate(&req, set, &d, &tr)
			out = append(out, SimulationResult{Action: action, Resource: res, Decision: d,
				Matched: tr.matched, MissingContextKeys: tr.missing})
		}
	}
	return out
}

// arnAccount returns the account field of an ARN, "" if it has none.
func arnAccount(arn string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[0] == "arn" {
		return parts[4]
	}
	return ""
}
