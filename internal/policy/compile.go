package policy

import "sort"

// This file turns a validated Policy into the form Evaluate reads: patterns
// pre-split at wildcards and variables, conditions with parsed numbers, dates
// and CIDRs, and statements indexed by the service prefix of their actions
// so a request looks at only the statements that can apply to it.

// compiled is the evaluation form of a Policy.
type compiled struct {
	vars  bool // Version 2012-10-17: policy variables are interpreted
	stmts []cstmt
	// byService lists, for each lower-cased service prefix the policy names,
	// the indices of the statements that can match its actions, in document
	// order. Entries carry the service's hash, which Evaluate computes once
	// per request, so finding a policy's entry is a scan of integers rather
	// than a map lookup that hashes the service again for every policy.
	byService []serviceStatements
	// serviceSlots is an open-addressing table over byService: slot
	// hash&(len-1) onward holds 1+index of an entry, 0 ending the probe.
	serviceSlots []uint16
	// other lists the statements that can match a service that byService
	// does not name (Action "*" or NotAction).
	other candidateLists
}

// candidateLists splits candidate statements by effect, so that a policy
// type that already has an Allow only evaluates its Deny statements.
type candidateLists struct {
	denies, allows []int32
}

func (l *candidateLists) add(c *cstmt, i int) {
	if c.allow {
		l.allows = append(l.allows, int32(i))
	} else {
		l.denies = append(l.denies, int32(i))
	}
}

type serviceStatements struct {
	hash    uint64
	service string
	candidateLists
}

// serviceHash is FNV-1a over a lower-cased service prefix.
func serviceHash(svc []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range svc {
		h ^= uint64(c)
		h *= 1099511628211
	}
	return h
}

// cstmt is a compiled statement.
type cstmt struct {
	allow       bool
	actions     []actionPattern
	notAction   bool
	resources   []pattern
	notResource bool
	noResource  bool // trust policies: the statement applies to the role itself
	principal   *principals
	notPrinc    bool
	conds       []condition
	// vars lists the context keys of variables without defaults; when one
	// has no single value the statement does not apply.
	vars []string
	// condKeys lists the condition keys, for the simulator's missing-key report.
	condKeys []string
}

func compile(p *Policy) error {
	p.vars = p.Version == Version2012
	p.stmts = make([]cstmt, len(p.Statements))
	services := map[string]bool{}
	// Carve every statement's slices from one block per kind.
	var nAct, nRes, nCond, nVal int
	for i := range p.Statements {
		s := &p.Statements[i]
		nAct += len(s.Action) + len(s.NotAction)
		nRes += len(s.Resource) + len(s.NotResource)
		nCond += len(s.Condition)
		for _, c := range s.Condition {
			nVal += len(c.Values)
		}
	}
	actSlab := make([]actionPattern, nAct)
	resSlab := make([]pattern, nRes)
	condSlab := make([]condition, nCond)
	valSlab := make([]condValue, nVal)
	for i := range p.Statements {
		s := &p.Statements[i]
		c := &p.stmts[i]
		c.allow = s.Effect == "Allow"
		acts := s.Action
		if s.hasNotAction {
			acts, c.notAction = s.NotAction, true
		}
		c.actions, actSlab = actSlab[:len(acts):len(acts)], actSlab[len(acts):]
		for j, a := range acts {
			c.actions[j] = compileAction(a)
			if !c.actions[j].all {
				services[c.actions[j].service] = true
			}
		}
		res := s.Resource
		if s.hasNotResource {
			res, c.notResource = s.NotResource, true
		}
		c.noResource = !s.hasResource && !s.hasNotResource
		c.resources, resSlab = resSlab[:len(res):len(res)], resSlab[len(res):]
		for j, r := range res {
			c.resources[j] = compilePattern(r, patternOpts{wildcards: true, arn: true, vars: p.vars})
			c.vars = requiredVars(c.vars, &c.resources[j])
		}
		switch {
		case s.Principal != nil:
			c.principal = compilePrincipals(s.Principal)
		case s.NotPrincipal != nil:
			c.principal, c.notPrinc = compilePrincipals(s.NotPrincipal), true
		}
		c.conds, condSlab = condSlab[:len(s.Condition):len(s.Condition)], condSlab[len(s.Condition):]
		if len(s.Condition) > 0 {
			c.condKeys = make([]string, 0, len(s.Condition))
		}
		for j, cond := range s.Condition {
			var vals []condValue
			vals, valSlab = valSlab[:len(cond.Values):len(cond.Values)], valSlab[len(cond.Values):]
			var err error
			if c.conds[j], err = compileCondition(cond, p.vars, vals); err != nil {
				return err
			}
			for k := range c.conds[j].values {
				c.vars = requiredVars(c.vars, &c.conds[j].values[k].pat)
			}
			if !containsString(c.condKeys, c.conds[j].key) {
				c.condKeys = append(c.condKeys, c.conds[j].key)
			}
		}
	}
	for i := range p.stmts {
		if c := &p.stmts[i]; c.universal() {
			p.other.add(c, i)
		}
	}
	names := make([]string, 0, len(services))
	for svc := range services {
		names = append(names, svc)
	}
	sort.Strings(names)
	for _, svc := range names {
		e := serviceStatements{hash: serviceHash([]byte(svc)), service: svc}
		for i := range p.stmts {
			if c := &p.stmts[i]; c.universal() || c.namesService(svc) {
				e.add(c, i)
			}
		}
		p.byService = append(p.byService, e)
	}
	if len(p.byService) > 0 {
		size := 4
		for size < 2*len(p.byService) {
			size *= 2
		}
		p.serviceSlots = make([]uint16, size)
		for i := range p.byService {
			j := p.byService[i].hash & uint64(size-1)
			for p.serviceSlots[j] != 0 {
				j = (j + 1) & uint64(size-1)
			}
			p.serviceSlots[j] = uint16(i + 1)
		}
	}
	return nil
}

// universal reports whether the statement may match an action of any
// service: it has Action "*" or uses NotAction.
func (c *cstmt) universal() bool {
	if c.notAction {
		return true
	}
	for i := range c.actions {
		if c.actions[i].all {
			return true
		}
	}
	return false
}

func (c *cstmt) namesService(svc string) bool {
	for i := range c.actions {
		if c.actions[i].service == svc {
			return true
		}
	}
	return false
}

// candidates returns the statements that may match an action of the given
// lower-cased service, whose serviceHash is hash.
func (p *Policy) candidates(svc []byte, hash uint64) *candidateLists {
	if n := uint64(len(p.serviceSlots)); n > 0 {
		for j := hash & (n - 1); p.serviceSlots[j] != 0; j = (j + 1) & (n - 1) {
			if e := &p.byService[p.serviceSlots[j]-1]; e.hash == hash && string(svc) == e.service {
				return &e.candidateLists
			}
		}
	}
	return &p.other
}
