package policy

import "strings"

// This file decides requests, following "Policy evaluation logic" and the
// pages under it:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic_policy-eval-denyallow.html
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic-cross-account.html
//
//  1. sts:GetCallerIdentity is always allowed, even under an explicit deny.
//  2. An applicable Deny statement in any policy (SCP, RCP, resource-based,
//     identity-based, permissions boundary, session) denies.
//  3. SCPs of the caller's account: every level from the root to the account
//     must allow. They do not apply to the management account, to
//     service-linked roles, or to callers that are not IAM principals.
//  4. RCPs of the resource's account are deny-only: RCPFullAWSAccess is
//     attached at every level and cannot be detached, so only their denies
//     count (step 2). They do not apply to the management account's resources
//     or to service-linked roles.
//  5. In the caller's own account, a resource-based policy's Allow decides
//     alone when it names the caller itself (a user ARN, a role session ARN, a
//     federated user ARN); when it names the role of a session (or the user
//     behind a federated user) the permissions boundary and session policies
//     must also allow; when it names the account it delegates to IAM and the
//     identity-based path below must allow.
//  6. Otherwise an identity-based policy must allow, then the permissions
//     boundary (if any), then the session policies (if any; a federated user
//     without session policies has no permissions). Across accounts the
//     resource-based policy must allow as well. Role trust policies and KMS
//     key policies (PolicySet.ResourceMustAllow) must allow in every case.

// Effect is the outcome of an evaluation.
type Effect uint8

const (
	// ImplicitDeny: no deny applies, but the policies that must allow don't.
	ImplicitDeny Effect = iota
	// Allow: the request is allowed.
	Allow
	// ExplicitDeny: a Deny statement applies.
	ExplicitDeny
)

var effectNames = [...]string{"ImplicitDeny", "Allow", "ExplicitDeny"}

// String returns "Allow", "ImplicitDeny" or "ExplicitDeny".
func (e Effect) String() string {
	if int(e) < len(effectNames) {
		return effectNames[e]
	}
	return "unknown"
}

// ParseEffect returns the Effect that String names.
func ParseEffect(s string) (Effect, bool) {
	for i, n := range effectNames {
		if n == s {
			return Effect(i), true
		}
	}
	return 0, false
}

// PolicyType is the role a policy plays in an evaluation.
type PolicyType uint8

const (
	TypeNone     PolicyType = iota // no policy type (an Allow)
	TypeIdentity                   // identity-based policy (managed or inline)
	TypeResource                   // resource-based policy (including trust and key policies)
	TypeBoundary                   // permissions boundary
	TypeSession                    // session policy
	TypeSCP                        // service control policy
	TypeRCP                        // resource control policy
)

var policyTypeNames = [...]string{"", "identity", "resource", "boundary", "session", "scp", "rcp"}

// String returns the short name used in conformance files ("identity", "scp").
func (t PolicyType) String() string {
	if int(t) < len(policyTypeNames) {
		return policyTypeNames[t]
	}
	return "unknown"
}

// ParsePolicyType returns the PolicyType that String names.
func ParsePolicyType(s string) (PolicyType, bool) {
	for i, n := range policyTypeNames {
		if n == s {
			return PolicyType(i), true
		}
	}
	return 0, false
}

// Attached is a policy as attached in a PolicySet. Name identifies it in
// explanations: a managed policy's ARN, an inline policy's name, a bucket's
// ARN for its bucket policy.
type Attached struct {
	Name   string
	Policy *Policy
}

// PolicySet is every policy that applies to one request.
type PolicySet struct {
	// Identity holds the caller's identity-based policies: for a user its
	// managed, inline and group policies; for a role session the role's.
	Identity []Attached
	// Boundary is the caller's permissions boundary, nil if none.
	Boundary *Attached
	// Session holds the session policies passed when the session was made.
	Session []Attached
	// Resource is the resource-based policy of the resource, nil if none.
	Resource *Attached
	// ResourceMustAllow marks resource policies that must allow every
	// request themselves: role trust policies and KMS key policies. Such a
	// policy that names the caller's account root delegates to IAM policies.
	ResourceMustAllow bool
	// SCPs holds the SCPs of the caller's account by level, from the
	// organization root to the account itself. Nil when the account is not
	// in an organization.
	SCPs [][]Attached
	// RCPs holds the RCPs of the resource's account by level (root to
	// account), omitting the implicit RCPFullAWSAccess.
	RCPs [][]Attached
	// PrincipalIsManagementAccount: the caller belongs to the
	// organization's management account, which SCPs do not restrict.
	PrincipalIsManagementAccount bool
	// ResourceInManagementAccount: the resource belongs to the management
	// account, which RCPs do not restrict.
	ResourceInManagementAccount bool
	// ServiceLinkedRole: the caller is a session of a service-linked role,
	// which neither SCPs nor RCPs restrict.
	ServiceLinkedRole bool
}

// Request is one authorization question.
type Request struct {
	Principal Principal
	// Action is the IAM action, "service:Name"; case does not matter.
	Action string
	// Resource is the ARN of the resource.
	Resource string
	// ResourceAccount is the account that owns the resource; "" means the
	// caller's own account.
	ResourceAccount string
	// WildcardOnly says the action supports no resource-level permissions:
	// only statements with Resource "*" (or a NotResource that does not list
	// "*") apply. An empty Resource means the same.
	WildcardOnly bool
	// Context holds the condition keys of the request.
	Context Context
}

// Reason says which rule produced a decision.
type Reason uint8

const (
	// ReasonNoAllow: implicit deny; DeniedBy names the policy type that
	// had no applicable Allow.
	ReasonNoAllow Reason = iota
	// ReasonExplicitDeny: a Deny statement applied (the first statement ref).
	ReasonExplicitDeny
	// ReasonAllowed: allowed by identity-based policies and every policy type
	// that must agree.
	ReasonAllowed
	// ReasonResourceGrant: allowed in the caller's account by a resource-based
	// policy that names the caller.
	ReasonResourceGrant
	// ReasonAlwaysAllowed: sts:GetCallerIdentity, which needs no permission.
	ReasonAlwaysAllowed
)

// maxRefs bounds the statements a Decision records: one allow per SCP level
// (an organization is at most root, five OUs and the account) plus the
// identity, boundary, session and resource allows.
const maxRefs = 12

// StatementRef points at one statement of an attached policy.
type StatementRef struct {
	Type PolicyType
	// Level is the SCP or RCP level, 0 being the organization root.
	Level int
	// Policy is the attached policy, as given in the PolicySet.
	Policy *Attached
	// Index is the statement's position in the policy, from 0.
	Index int
}

// Statement returns the statement referred to.
func (r StatementRef) Statement() *Statement {
	if r.Policy == nil || r.Policy.Policy == nil || r.Index >= len(r.Policy.Policy.Statements) {
		return nil
	}
	return &r.Policy.Policy.Statements[r.Index]
}

// Sid returns the statement's Sid, "" when it has none.
func (r StatementRef) Sid() string {
	if s := r.Statement(); s != nil {
		return s.Sid
	}
	return ""
}

// Decision is the answer to a request and why.
type Decision struct {
	Effect Effect
	// DeniedBy is, for a deny, the policy type that denied explicitly or
	// had no allow.
	DeniedBy PolicyType
	Reason   Reason
	refs     [maxRefs]StatementRef
	nrefs    uint8
}

// Statements returns the statements that decided: the denying statement of
// an explicit deny, or the allowing statement of each policy type (and SCP
// level) that had to agree to an Allow. It is empty for an implicit deny.
func (d *Decision) Statements() []StatementRef { return d.refs[:d.nrefs] }

func (d *Decision) add(r StatementRef) {
	if int(d.nrefs) < maxRefs {
		d.refs[d.nrefs] = r
		d.nrefs++
	}
}

// Evaluate decides req against the policies in set. It does not allocate.
func Evaluate(req *Request, set *PolicySet) (d Decision) {
	evaluate(req, set, &d, nil) // in place: a Decision is a few hundred bytes
	return d
}

// outcome of scanning one attached policy.
type hit struct {
	ok  bool
	ref StatementRef
}

type evaluator struct {
	req      *Request
	set      *PolicySet
	svc      []byte // lower-cased service prefix of the action
	svcKey   serviceKey
	svcBit   uint64 // svcKey.bit()
	name     string // the action's name, after the colon
	nameHead uint64 // nameHead(name)
	hasName  bool   // the action has a colon
	tr       *trace
	// pairs is the pairSet of the request's resource, computed when a
	// statement first needs it (pairsDone).
	pairs     pairSet
	pairsDone bool
}

// resourcePairs returns the pairSet of the request's resource.
func (e *evaluator) resourcePairs() *pairSet {
	if !e.pairsDone {
		e.pairs.add(e.req.Resource)
		e.pairsDone = true
	}
	return &e.pairs
}

func isIAMPrincipal(t PrincipalType) bool {
	switch t {
	case PrincipalRoot, PrincipalUser, PrincipalRoleSession, PrincipalFederatedUser:
		return true
	}
	return false
}

func evaluate(req *Request, set *PolicySet, d *Decision, tr *trace) {
	if strings.EqualFold(req.Action, "sts:GetCallerIdentity") {
		d.Effect, d.Reason = Allow, ReasonAlwaysAllowed
		return
	}
	var buf [64]byte
	e := evaluator{req: req, set: set, svc: lowerService(req.Action, buf[:0]), tr: tr}
	e.svcKey = serviceKeyOf(e.svc)
	e.svcBit = e.svcKey.bit()
	if i := strings.IndexByte(req.Action, ':'); i >= 0 {
		e.name, e.hasName = req.Action[i+1:], true
		e.nameHead = nameHead(e.name)
	}
	p := &req.Principal
	sameAccount := req.ResourceAccount == "" || req.ResourceAccount == p.Account

	// Allowing statements are recorded in d as they are found; a deny or an
	// implicit deny discards them. Policies are scanned in the order denies
	// are reported, so outside the simulator the first deny ends the scan.
	var deny hit
	denied := func() bool { return deny.ok && tr == nil }
	// noteDeny records the first Deny found.
	noteDeny := func(r scanResult, a *Attached, t PolicyType, level int) {
		if r.deny >= 0 && !deny.ok {
			deny = hitAt(a, t, level, r.deny)
		}
	}
	scpMissing := -1
	scpApplies := len(set.SCPs) > 0 && !set.PrincipalIsManagementAccount && !set.ServiceLinkedRole && isIAMPrincipal(p.Type)
	if scpApplies {
		for lvl := range set.SCPs {
			level := set.SCPs[lvl]
			allowed := false
			for i := range level {
				r := e.scan(&level[i], TypeSCP, lvl, !allowed)
				noteDeny(r, &level[i], TypeSCP, lvl)
				if r.allow >= 0 && !allowed {
					allowed = true
					d.add(hitAt(&level[i], TypeSCP, lvl, r.allow).ref)
				}
			}
			if !allowed && scpMissing < 0 {
				scpMissing = lvl
			}
		}
	}
	if !denied() && len(set.RCPs) > 0 && !set.ResourceInManagementAccount && !set.ServiceLinkedRole {
		for lvl := range set.RCPs {
			for i := range set.RCPs[lvl] {
				a := &set.RCPs[lvl][i]
				noteDeny(e.scan(a, TypeRCP, lvl, false), a, TypeRCP, lvl)
			}
		}
	}
	var res hit
	resGrant := grantNone
	if !denied() && set.Resource != nil {
		r := e.scan(set.Resource, TypeResource, 0, true)
		noteDeny(r, set.Resource, TypeResource, 0)
		res, resGrant = hitAt(set.Resource, TypeResource, 0, r.allow), r.grant
	}
	var id hit
	for i := 0; i < len(set.Identity) && !denied(); i++ {
		a := &set.Identity[i]
		r := e.scan(a, TypeIdentity, 0, !id.ok)
		noteDeny(r, a, TypeIdentity, 0)
		if !id.ok && r.allow >= 0 {
			id = hitAt(a, TypeIdentity, 0, r.allow)
		}
	}
	var bnd hit
	if !denied() && set.Boundary != nil {
		r := e.scan(set.Boundary, TypeBoundary, 0, true)
		noteDeny(r, set.Boundary, TypeBoundary, 0)
		bnd = hitAt(set.Boundary, TypeBoundary, 0, r.allow)
	}
	var ses hit
	for i := 0; i < len(set.Session) && !denied(); i++ {
		a := &set.Session[i]
		r := e.scan(a, TypeSession, 0, !ses.ok)
		noteDeny(r, a, TypeSession, 0)
		if !ses.ok && r.allow >= 0 {
			ses = hitAt(a, TypeSession, 0, r.allow)
		}
	}

	if deny.ok {
		d.Effect, d.DeniedBy, d.Reason = ExplicitDeny, deny.ref.Type, ReasonExplicitDeny
		d.nrefs = 0
		d.add(deny.ref)
		return
	}
	noAllow := func(t PolicyType) {
		d.Effect, d.DeniedBy, d.Reason = ImplicitDeny, t, ReasonNoAllow
		d.nrefs = 0
	}
	if scpMissing >= 0 {
		noAllow(TypeSCP)
		return
	}
	if !isIAMPrincipal(p.Type) {
		// Services, web identities and anonymous callers have no
		// identity-based policies: the resource-based policy decides.
		if !res.ok {
			noAllow(TypeResource)
			return
		}
		d.Effect, d.Reason = Allow, ReasonResourceGrant
		d.nrefs = 0
		d.add(res.ref)
		return
	}
	identityOK := id.ok || p.Type == PrincipalRoot
	boundaryOK := set.Boundary == nil || bnd.ok || p.Type == PrincipalRoot
	sessionOK := ses.ok || (len(set.Session) == 0 && p.Type != PrincipalFederatedUser)

	if sameAccount && res.ok && resGrant >= grantEntity {
		if resGrant == grantEntity {
			if !boundaryOK {
				noAllow(TypeBoundary)
				return
			}
			if !sessionOK {
				noAllow(TypeSession)
				return
			}
		}
		d.Effect, d.Reason = Allow, ReasonResourceGrant
		d.add(res.ref)
		if resGrant == grantEntity {
			if bnd.ok {
				d.add(bnd.ref)
			}
			if ses.ok {
				d.add(ses.ref)
			}
		}
		return
	}
	switch {
	case set.ResourceMustAllow && !res.ok:
		noAllow(TypeResource)
	case !identityOK:
		noAllow(TypeIdentity)
	case !boundaryOK:
		noAllow(TypeBoundary)
	case !sessionOK:
		noAllow(TypeSession)
	case !sameAccount && !res.ok:
		noAllow(TypeResource)
	default:
		d.Effect, d.Reason = Allow, ReasonAllowed
		for _, h := range [...]*hit{&id, &bnd, &ses, &res} {
			if h.ok {
				d.add(h.ref)
			}
		}
	}
}

// lowerService appends the lower-cased service prefix of action to buf.
func lowerService(action string, buf []byte) []byte {
	i := strings.IndexByte(action, ':')
	if i < 0 {
		i = len(action)
	}
	if i > cap(buf) {
		return []byte(strings.ToLower(action[:i]))
	}
	for j := 0; j < i; j++ {
		c := action[j]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf = append(buf, c)
	}
	return buf
}

// scanResult is what scanning one attached policy found: the index of its
// first applicable Deny, of its first applicable Allow and, for a
// resource-based policy, the most direct grant among its Allows (with that
// statement as the Allow). Indices are -1 when there is none.
type scanResult struct {
	allow, deny int32
	grant       grant
}

// hitAt returns the hit for statement idx of a, none when idx is -1.
func hitAt(a *Attached, t PolicyType, level int, idx int32) hit {
	if idx < 0 {
		return hit{}
	}
	return hit{true, StatementRef{Type: t, Level: level, Policy: a, Index: int(idx)}}
}

// scan evaluates the statements of one attached policy that can apply to
// the request. With needAllow false (its policy type already has an Allow)
// only Deny statements are evaluated; the simulator's trace evaluates all.
func (e *evaluator) scan(a *Attached, t PolicyType, level int, needAllow bool) scanResult {
	r := scanResult{allow: -1, deny: -1}
	p := a.Policy
	if p == nil || !needAllow && e.tr == nil && p.denied&e.svcBit == 0 && len(p.other.denies) == 0 {
		return r // nothing to evaluate, or only Deny statements and there are none
	}
	cands, sid := &p.other, int32(-1)
	if p.named&e.svcBit != 0 {
		cands, sid = p.candidates(e.svc, &e.svcKey)
	}
	if !e.hasName {
		sid = -1 // an action without a name matches only "*"
	}
	for _, idx := range cands.denies {
		if ok, _ := e.applies(&p.stmts[idx], t, sid); ok {
			if e.tr != nil {
				e.tr.matched = append(e.tr.matched, StatementRef{Type: t, Level: level, Policy: a, Index: int(idx)})
			}
			if r.deny < 0 {
				r.deny = idx
				if e.tr == nil {
					break
				}
			}
		}
	}
	if !needAllow && e.tr == nil {
		return r
	}
	for _, idx := range cands.allows {
		ok, g := e.applies(&p.stmts[idx], t, sid)
		if !ok {
			continue
		}
		if e.tr != nil {
			e.tr.matched = append(e.tr.matched, StatementRef{Type: t, Level: level, Policy: a, Index: int(idx)})
		}
		if r.allow < 0 || g > r.grant {
			r.allow, r.grant = idx, g
		}
		// Only a resource-based policy can do better than its first Allow.
		if e.tr == nil && (t != TypeResource || g == grantDirect) {
			break
		}
	}
	return r
}

// applies reports whether a statement applies to the request and, when it
// has a Principal element, how that names the caller.
func (e *evaluator) applies(c *cstmt, t PolicyType, sid int32) (bool, grant) {
	req := e.req
	// Does an action pattern match? sid is the index of the request's
	// service in the policy's byService, negative when the policy does not
	// name it or the action has no name; then only "*" matches.
	m := false
	for i := range c.actions {
		switch ap := &c.actions[i]; {
		case ap.all:
			m = true
		case ap.svc != sid:
		case ap.short != shortNone:
			m = ap.matchShort(e.name, e.nameHead)
		default:
			m = ap.name.match(e.name, nil)
		}
		if m {
			break
		}
	}
	if m == c.notAction {
		return false, grantNone
	}
	if e.tr != nil {
		e.tr.noteKeys(c, &req.Context)
	}
	g := grantNone
	if c.principal != nil {
		p := &req.Principal
		if c.notPrinc {
			// A Deny with NotPrincipal always applies to an IAM user or role
			// that has a permissions boundary (Permissions boundaries page).
			boundaryCatch := !c.allow && e.set.Boundary != nil && t == TypeResource &&
				(p.Type == PrincipalUser || p.Type == PrincipalRoleSession)
			if c.principal.excludes(p) && !boundaryCatch {
				return false, grantNone
			}
			g = wildcardGrant(p)
		} else if g = c.principal.match(p); g == grantNone {
			return false, grantNone
		}
	}
	// The checks below only AND conditions together, so their order is
	// free: the resource, which most often rules a statement out, goes
	// before the variables, which seldom do.
	if !c.noResource {
		// "*" matches every resource, and is all that matches none.
		if m = c.anyResource; !m && !req.WildcardOnly && req.Resource != "" {
			for i := range c.resources {
				// A pattern whose literal text has a byte pair the resource
				// lacks cannot match: skip running it.
				if r := &c.resources[i]; r.pairs.within(e.resourcePairs()) && r.match(req.Resource, &req.Context) {
					m = true
					break
				}
			}
		}
		if m == c.notResource {
			return false, grantNone
		}
	}
	for _, k := range c.vars {
		if vals, ok := req.Context.lookupKey(k.name, k.hash); !ok || len(vals) != 1 {
			return false, grantNone
		}
	}
	for i := range c.conds {
		if !c.conds[i].eval(&req.Context) {
			return false, grantNone
		}
	}
	return true, g
}
