package iam

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file serves the IAM policy simulator: SimulatePrincipalPolicy and
// SimulateCustomPolicy evaluate actions on resources with the same policy
// engine that authorizes every request (policy.Simulate), and report for
// each pair the decision, the statements that decided it (with their
// line and column in the document), the condition keys the policies use
// that the request context lacks, and the part the permissions boundary
// played. GetContextKeysForPrincipalPolicy and
// GetContextKeysForCustomPolicy list the condition keys that policies use.
//
// The simulator only knows what the request gives it: it fills in no
// condition keys of its own (aws:username, aws:CurrentTime, ...), so a
// policy that uses them reports them in MissingContextValues until the
// caller supplies them in ContextEntries, as AWS's simulator API does.

func (s *Service) registerSimulator(r *call.Registry) {
	r.Handle(api.Service, "SimulatePrincipalPolicy", call.Typed(s.SimulatePrincipalPolicy))
	r.Handle(api.Service, "SimulateCustomPolicy", call.Typed(s.SimulateCustomPolicy))
	r.Handle(api.Service, "GetContextKeysForPrincipalPolicy", call.Typed(s.GetContextKeysForPrincipalPolicy))
	r.Handle(api.Service, "GetContextKeysForCustomPolicy", call.Typed(s.GetContextKeysForCustomPolicy))
}

// simPolicy is one policy taking part in a simulation, with what the
// results say of it.
type simPolicy struct {
	id       string // SourcePolicyId: a policy name, or "PolicyInputList.1"
	typ      api.PolicySourceType
	attached policy.Attached
	spans    []statementSpan // by statement index
}

// simulation gathers the inputs of one simulator call.
type simulation struct {
	identity []*simPolicy
	boundary *simPolicy
	resource *simPolicy
	// byPolicy finds the simPolicy of a statement reference.
	byPolicy map[*policy.Policy]*simPolicy
	// keyNames maps lower-cased condition keys to their spelling in the
	// policies, for MissingContextValues.
	keyNames map[string]string
}

func newSimulation() *simulation {
	return &simulation{byPolicy: map[*policy.Policy]*simPolicy{}, keyNames: map[string]string{}}
}

// add parses doc as a policy of kind and records it under id and typ.
func (sim *simulation) add(doc string, kind policy.Kind, id string, typ api.PolicySourceType) (*simPolicy, error) {
	text := iam.DecodeDocument(doc)
	p, err := policy.Parse([]byte(text), kind)
	if err != nil {
		var me *policy.MalformedError
		if errors.As(err, &me) {
			return nil, invalidInput("%s: %s", id, me.Reason)
		}
		return nil, err
	}
	sp := &simPolicy{id: id, typ: typ, attached: policy.Attached{Name: id, Policy: p}, spans: statementSpans(text)}
	sim.byPolicy[p] = sp
	for _, k := range policyContextKeys(p) {
		lk := strings.ToLower(k)
		if _, ok := sim.keyNames[lk]; !ok {
			sim.keyNames[lk] = k
		}
	}
	return sp, nil
}

// addInputs adds a PolicyInputList (identity policies) or
// PermissionsBoundaryPolicyInputList.
func (sim *simulation) addInputs(docs []string, list string, kind policy.Kind) ([]*simPolicy, error) {
	var out []*simPolicy
	for i, doc := range docs {
		sp, err := sim.add(doc, kind, list+"."+strconv.Itoa(i+1), api.PolicySourceTypeNone)
		if err != nil {
			return nil, err
		}
		out = append(out, sp)
	}
	return out, nil
}

// SimulatePrincipalPolicy simulates the policies of a user (with its
// groups'), group or role, plus any policies given as strings.
func (s *Service) SimulatePrincipalPolicy(ctx context.Context, c *call.Call, in *api.SimulatePrincipalPolicyInput) (*api.SimulatePolicyResponse, error) {
	sim := newSimulation()
	src := deref(in.PolicySourceArn)
	kind, acct, err := s.addEntityPolicies(ctx, c, sim, src, len(in.PermissionsBoundaryPolicyInputList) == 0)
	if err != nil {
		return nil, err
	}
	extra, err := sim.addInputs(in.PolicyInputList, "PolicyInputList", policy.KindManaged)
	if err != nil {
		return nil, err
	}
	sim.identity = append(sim.identity, extra...)
	caller := deref(in.CallerArn)
	if caller == "" && kind == "user" {
		caller = src
	}
	if in.ResourcePolicy != nil && caller == "" {
		return nil, invalidInput("CallerArn must be specified when a ResourcePolicy is simulated for a PolicySourceArn that is not an IAM user.")
	}
	principal, err := simPrincipal(caller, src, kind, acct)
	if err != nil {
		return nil, err
	}
	return s.simulate(sim, principal, simRequest{
		boundaries: in.PermissionsBoundaryPolicyInputList, actions: in.ActionNames, resources: in.ResourceArns,
		resourcePolicy: in.ResourcePolicy, resourceOwner: in.ResourceOwner, entries: in.ContextEntries,
		handling: in.ResourceHandlingOption, marker: in.Marker, maxItems: in.MaxItems,
	})
}

// SimulateCustomPolicy simulates policies given as strings.
func (s *Service) SimulateCustomPolicy(ctx context.Context, c *call.Call, in *api.SimulateCustomPolicyInput) (*api.SimulatePolicyResponse, error) {
	sim := newSimulation()
	var err error
	if sim.identity, err = sim.addInputs(in.PolicyInputList, "PolicyInputList", policy.KindManaged); err != nil {
		return nil, err
	}
	caller := deref(in.CallerArn)
	if in.ResourcePolicy != nil && caller == "" {
		return nil, invalidInput("CallerArn must be specified when a ResourcePolicy is simulated.")
	}
	principal, err := simPrincipal(caller, "", "", c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	return s.simulate(sim, principal, simRequest{
		boundaries: in.PermissionsBoundaryPolicyInputList, actions: in.ActionNames, resources: in.ResourceArns,
		resourcePolicy: in.ResourcePolicy, resourceOwner: in.ResourceOwner, entries: in.ContextEntries,
		handling: in.ResourceHandlingOption, marker: in.Marker, maxItems: in.MaxItems,
	})
}

// simPrincipal is the simulated caller: CallerArn (an IAM user) when
// given, else the entity whose policies are simulated.
func simPrincipal(caller, src, kind, acct string) (policy.Principal, error) {
	if caller != "" {
		a, _, _, ok := iam.ParseUserARN(caller)
		if !ok {
			return policy.Principal{}, invalidInput("CallerArn %s is not the ARN of an IAM user: the simulated caller must be an IAM user.", caller)
		}
		return policy.Principal{Type: policy.PrincipalUser, ARN: caller, Account: a}, nil
	}
	switch kind {
	case "role":
		return policy.Principal{Type: policy.PrincipalRoleSession, ARN: src, RoleARN: src, Account: acct}, nil
	case "":
		return policy.Principal{Type: policy.PrincipalUser, Account: acct}, nil
	}
	return policy.Principal{Type: policy.PrincipalUser, ARN: src, Account: acct}, nil
}

// addEntityPolicies adds the policies of the user, group or role src
// names; withBoundary adds its permissions boundary too. It returns the
// entity kind and account.
func (s *Service) addEntityPolicies(ctx context.Context, c *call.Call, sim *simulation, src string, withBoundary bool) (kind, acct string, err error) {
	acct, kind, name, ok := splitEntityARN(src)
	if !ok {
		return "", "", invalidInput("PolicySourceArn %s is not the ARN of an IAM user, group or role.", src)
	}
	if acct != c.Principal.AccountID {
		return "", "", noSuchEntity(kind, name)
	}
	err = s.dir.View(ctx, func(tx *iam.Tx) error {
		var boundary string
		switch kind {
		case "user":
			u, err := tx.User(acct, name)
			if err != nil {
				return notFound(err, "user", name)
			}
			if u.ARN() != src {
				return noSuchEntity("user", name)
			}
			if err := sim.addEntity(tx, acct, u.Inline, api.PolicySourceTypeUser, policy.KindUserInline, u.Attached); err != nil {
				return err
			}
			for _, g := range u.Groups {
				grp, err := tx.Group(acct, g)
				if errors.Is(err, iam.ErrNoSuchEntity) {
					continue
				}
				if err != nil {
					return err
				}
				if err := sim.addEntity(tx, acct, grp.Inline, api.PolicySourceTypeGroup, policy.KindGroupInline, grp.Attached); err != nil {
					return err
				}
			}
			boundary = u.Boundary
		case "group":
			g, err := tx.Group(acct, name)
			if err != nil {
				return notFound(err, "group", name)
			}
			if g.ARN() != src {
				return noSuchEntity("group", name)
			}
			if err := sim.addEntity(tx, acct, g.Inline, api.PolicySourceTypeGroup, policy.KindGroupInline, g.Attached); err != nil {
				return err
			}
		case "role":
			r, err := tx.Role(acct, name)
			if err != nil {
				return notFound(err, "role", name)
			}
			if r.ARN() != src {
				return noSuchEntity("role", name)
			}
			if err := sim.addEntity(tx, acct, r.Inline, api.PolicySourceTypeRole, policy.KindRoleInline, r.Attached); err != nil {
				return err
			}
			boundary = r.Boundary
		}
		if withBoundary && boundary != "" {
			sp, err := sim.addManaged(tx, acct, boundary)
			if err != nil {
				return err
			}
			if sp == nil {
				// A boundary whose policy no longer exists allows nothing.
				sp, err = sim.add(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","NotAction":"*","NotResource":"*"}]}`, policy.KindManaged, boundary, api.PolicySourceTypeNone)
				if err != nil {
					return err
				}
			}
			sim.boundary = sp
		}
		return nil
	})
	return kind, acct, err
}

// addEntity adds an entity's inline policies (of source type typ) and its
// attached managed policies.
func (sim *simulation) addEntity(tx *iam.Tx, acct string, inline []iam.InlinePolicy, typ api.PolicySourceType, kind policy.Kind, attached []string) error {
	for _, ip := range inline {
		sp, err := sim.add(ip.Document, kind, ip.Name, typ)
		if err != nil {
			return err
		}
		sim.identity = append(sim.identity, sp)
	}
	for _, arn := range attached {
		sp, err := sim.addManaged(tx, acct, arn)
		if err != nil {
			return err
		}
		if sp != nil {
			sim.identity = append(sim.identity, sp)
		}
	}
	return nil
}

// addManaged adds the default version of a managed policy; nil when it
// no longer exists.
func (sim *simulation) addManaged(tx *iam.Tx, acct, arn string) (*simPolicy, error) {
	mp, err := tx.Policy(acct, arn)
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	v := mp.Default()
	if v == nil {
		return nil, nil
	}
	typ := api.PolicySourceTypeUserManaged
	kind := policy.KindManaged
	if mp.AccountID == "aws" {
		typ, kind = api.PolicySourceTypeAwsManaged, iam.AWSManagedKind
	}
	return sim.add(v.Document, kind, mp.Name, typ)
}

// splitEntityARN splits the ARN of a user, group or role.
func splitEntityARN(arn string) (acct, kind, name string, ok bool) {
	for _, k := range []string{"user", "group", "role"} {
		var a, n string
		switch k {
		case "user":
			a, _, n, ok = iam.ParseUserARN(arn)
		case "role":
			a, _, n, ok = iam.ParseRoleARN(arn)
		case "group":
			a, _, n, ok = parseGroupARN(arn)
		}
		if ok {
			return a, k, n, true
		}
	}
	return "", "", "", false
}

// parseGroupARN splits arn:aws:iam::ACCOUNT:group/PATH/NAME.
func parseGroupARN(arn string) (acct, path, name string, ok bool) {
	rest, found := strings.CutPrefix(arn, "arn:aws:iam::")
	if !found {
		return "", "", "", false
	}
	acct, res, found := strings.Cut(rest, ":")
	if !found || acct == "" {
		return "", "", "", false
	}
	res, found = strings.CutPrefix(res, "group/")
	if !found {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	path, name = "/"+res[:i+1], res[i+1:]
	return acct, path, name, name != ""
}

// simRequest holds the inputs both simulate operations share.
type simRequest struct {
	boundaries     []string
	actions        []string
	resources      []string
	resourcePolicy *string
	resourceOwner  *string
	entries        []api.ContextEntry
	handling       *string
	marker         *string
	maxItems       *int32
}

// resourceScenarios are the ResourceHandlingOption values AWS defines
// (EC2 launch scenarios); with one, the resources are simulated together.
var resourceScenarios = map[string]bool{
	"EC2-VPC-InstanceStore": true, "EC2-VPC-InstanceStore-Subnet": true,
	"EC2-VPC-EBS": true, "EC2-VPC-EBS-Subnet": true,
}

// simulate runs the simulation and builds the response page.
func (s *Service) simulate(sim *simulation, principal policy.Principal, r simRequest) (*api.SimulatePolicyResponse, error) {
	for _, a := range r.actions {
		if err := checkActionName(a); err != nil {
			return nil, err
		}
	}
	if r.handling != nil && !resourceScenarios[*r.handling] {
		return nil, invalidInput("Invalid ResourceHandlingOption %s: it must be one of EC2-VPC-InstanceStore, EC2-VPC-InstanceStore-Subnet, EC2-VPC-EBS, EC2-VPC-EBS-Subnet.", *r.handling)
	}
	bounds, err := sim.addInputs(r.boundaries, "PermissionsBoundaryPolicyInputList", policy.KindManaged)
	if err != nil {
		return nil, err
	}
	if len(bounds) > 1 {
		return nil, invalidInput("Only one permissions boundary policy can be simulated.")
	}
	if len(bounds) == 1 {
		sim.boundary = bounds[0]
	}
	if r.resourcePolicy != nil {
		if sim.resource, err = sim.add(*r.resourcePolicy, policy.KindResource, "ResourcePolicy", api.PolicySourceTypeResource); err != nil {
			return nil, err
		}
	}
	ctxKeys, err := simContext(r.entries)
	if err != nil {
		return nil, err
	}
	owner := principal.Account
	if r.resourceOwner != nil {
		if owner, err = resourceOwnerAccount(*r.resourceOwner); err != nil {
			return nil, err
		}
	}
	set := &policy.PolicySet{}
	for _, sp := range sim.identity {
		set.Identity = append(set.Identity, sp.attached)
	}
	if sim.boundary != nil {
		set.Boundary = &sim.boundary.attached
	}
	if sim.resource != nil {
		set.Resource = &sim.resource.attached
	}
	var boundaryOnly *policy.PolicySet
	if sim.boundary != nil {
		boundaryOnly = &policy.PolicySet{Identity: []policy.Attached{sim.boundary.attached}}
	}
	resources := r.resources
	if len(resources) == 0 {
		resources = []string{"*"}
	}

	var results []api.EvaluationResult
	for _, action := range r.actions {
		var per []api.EvaluationResult
		for _, res := range resources {
			run := policy.Simulation{
				Principal: principal, Actions: []string{action}, Resources: []string{res},
				ResourceAccount: resourceAccount(res, owner), Context: ctxKeys, Policies: set,
				WildcardOnly: wildcardOnly,
			}
			out := policy.Simulate(&run)[0]
			er := sim.result(out)
			if boundaryOnly != nil {
				run.Policies = boundaryOnly
				b := policy.Simulate(&run)[0]
				er.PermissionsBoundaryDecisionDetail = &api.PermissionsBoundaryDecisionDetail{
					AllowedByPermissionsBoundary: ptr(b.Decision.Effect == policy.Allow)}
			}
			per = append(per, er)
		}
		if r.handling != nil {
			results = append(results, combineScenario(action, per))
		} else {
			results = append(results, per...)
		}
	}

	type indexed struct {
		i int
		r api.EvaluationResult
	}
	items := make([]indexed, len(results))
	for i, er := range results {
		items[i] = indexed{i, er}
	}
	pg, truncated, next, err := page(items, func(x indexed) string { return fmt.Sprintf("%010d", x.i) }, r.marker, r.maxItems)
	if err != nil {
		return nil, err
	}
	out := &api.SimulatePolicyResponse{IsTruncated: ptr(truncated), Marker: next}
	for _, x := range pg {
		out.EvaluationResults = append(out.EvaluationResults, x.r)
	}
	return out, nil
}

// result turns one simulated action on one resource into its
// EvaluationResult. For a specific resource the details are also given
// in ResourceSpecificResults, where AWS reports missing context values
// for resources other than "*".
func (sim *simulation) result(r policy.SimulationResult) api.EvaluationResult {
	decision := evalDecision(r.Decision.Effect)
	matched := sim.matchedStatements(r)
	missing := sim.missingKeys(r.MissingContextKeys)
	er := api.EvaluationResult{
		EvalActionName:    ptr(r.Action),
		EvalResourceName:  ptr(r.Resource),
		EvalDecision:      decision,
		MatchedStatements: matched,
	}
	if r.Resource == "*" {
		er.MissingContextValues = missing
		return er
	}
	er.ResourceSpecificResults = []api.ResourceSpecificResult{{
		EvalResourceName:     ptr(r.Resource),
		EvalResourceDecision: decision,
		MatchedStatements:    matched,
		MissingContextValues: missing,
	}}
	return er
}

// combineScenario merges the results of one action on the resources of a
// ResourceHandlingOption scenario: the action is allowed only if every
// resource is, explicitly denied if any is.
func combineScenario(action string, per []api.EvaluationResult) api.EvaluationResult {
	er := api.EvaluationResult{EvalActionName: ptr(action), EvalResourceName: ptr("*"), EvalDecision: api.PolicyEvaluationDecisionTypeAllowed}
	for _, p := range per {
		switch {
		case p.EvalDecision == api.PolicyEvaluationDecisionTypeExplicitDeny:
			er.EvalDecision = p.EvalDecision
		case p.EvalDecision == api.PolicyEvaluationDecisionTypeImplicitDeny && er.EvalDecision == api.PolicyEvaluationDecisionTypeAllowed:
			er.EvalDecision = p.EvalDecision
		}
		er.MatchedStatements = append(er.MatchedStatements, p.MatchedStatements...)
		if p.PermissionsBoundaryDecisionDetail != nil {
			if er.PermissionsBoundaryDecisionDetail == nil || !*p.PermissionsBoundaryDecisionDetail.AllowedByPermissionsBoundary {
				er.PermissionsBoundaryDecisionDetail = p.PermissionsBoundaryDecisionDetail
			}
		}
		if len(p.ResourceSpecificResults) > 0 {
			er.ResourceSpecificResults = append(er.ResourceSpecificResults, p.ResourceSpecificResults...)
		} else {
			er.MissingContextValues = append(er.MissingContextValues, p.MissingContextValues...)
		}
	}
	return er
}

func evalDecision(e policy.Effect) api.PolicyEvaluationDecisionType {
	switch e {
	case policy.Allow:
		return api.PolicyEvaluationDecisionTypeAllowed
	case policy.ExplicitDeny:
		return api.PolicyEvaluationDecisionTypeExplicitDeny
	}
	return api.PolicyEvaluationDecisionTypeImplicitDeny
}

// matchedStatements lists the statements that applied. For an explicit
// deny, AWS lists the denying statements only.
func (sim *simulation) matchedStatements(r policy.SimulationResult) []api.Statement {
	var out []api.Statement
	for _, ref := range r.Matched {
		st := ref.Statement()
		if st == nil || ref.Policy == nil {
			continue
		}
		if r.Decision.Effect == policy.ExplicitDeny && st.Effect != "Deny" {
			continue
		}
		sp := sim.byPolicy[ref.Policy.Policy]
		if sp == nil {
			continue
		}
		s := api.Statement{SourcePolicyId: ptr(sp.id), SourcePolicyType: sp.typ}
		if ref.Index < len(sp.spans) {
			span := sp.spans[ref.Index]
			s.StartPosition = &api.Position{Line: ptr(int32(span.startLine)), Column: ptr(int32(span.startCol))}
			s.EndPosition = &api.Position{Line: ptr(int32(span.endLine)), Column: ptr(int32(span.endCol))}
		}
		out = append(out, s)
	}
	return out
}

// missingKeys spells the engine's lower-cased missing keys as the
// policies do.
func (sim *simulation) missingKeys(keys []string) []string {
	if len(keys) == 0 {
		return []string{}
	}
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		if name, ok := sim.keyNames[strings.ToLower(k)]; ok {
			k = name
		}
		out = append(out, k)
	}
	return out
}

// wildcardOnly reports, from the service authorization catalog, whether
// an action has no resource-level permissions.
func wildcardOnly(action string) bool {
	a, ok := catalog.Action(action)
	return ok && !a.SupportsResourceLevel
}

// resourceAccount is the account owning a simulated resource: the ARN's
// own, else owner.
func resourceAccount(arn, owner string) string {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) == 6 && parts[4] != "" {
		return parts[4]
	}
	return owner
}

// resourceOwnerAccount reads ResourceOwner: an account id, or the
// account's root ARN (arn:aws:iam::ACCOUNT:root).
func resourceOwnerAccount(s string) (string, error) {
	if isAccountID(s) {
		return s, nil
	}
	if a, ok := strings.CutPrefix(s, "arn:aws:iam::"); ok {
		if a, ok = strings.CutSuffix(a, ":root"); ok && isAccountID(a) {
			return a, nil
		}
	}
	return "", invalidInput("ResourceOwner %s is not an account ID or an account's root ARN.", s)
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// checkActionName accepts "service:Action" names without wildcards.
func checkActionName(a string) error {
	svc, name, ok := strings.Cut(a, ":")
	if !ok || svc == "" || name == "" || strings.ContainsAny(a, "*? ") {
		return invalidInput("Action name %s is not valid: it must be service:Action, without wildcards.", a)
	}
	return nil
}

// simContext builds the request context from ContextEntries.
func simContext(entries []api.ContextEntry) (policy.Context, error) {
	var ctx policy.Context
	for _, e := range entries {
		name := deref(e.ContextKeyName)
		vals, err := parseContextValues(name, string(e.ContextKeyType), e.ContextKeyValues)
		if err != nil {
			return policy.Context{}, err
		}
		ctx.Set(name, vals...)
	}
	return ctx, nil
}

// parseContextValues reads the values of one ContextEntry as its type
// says. A scalar type takes exactly one value; a list type any number.
// A missing type is read as string (or stringList for several values).
func parseContextValues(name, typ string, values []string) ([]policy.Value, error) {
	if name == "" {
		return nil, invalidInput("ContextKeyName is required in each ContextEntries member.")
	}
	base, list := strings.CutSuffix(typ, "List")
	if typ == "" {
		base, list = "string", true
	}
	if !list && len(values) != 1 {
		return nil, invalidInput("Context key %s of type %s takes exactly one value, not %d.", name, typ, len(values))
	}
	out := make([]policy.Value, 0, len(values))
	for _, v := range values {
		var pv policy.Value
		switch base {
		case "string":
			pv = policy.String(v)
		case "numeric":
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return nil, badContextValue(name, typ, v)
			}
			pv = policy.Number(f)
		case "boolean":
			switch strings.ToLower(v) {
			case "true":
				pv = policy.Bool(true)
			case "false":
				pv = policy.Bool(false)
			default:
				return nil, badContextValue(name, typ, v)
			}
		case "ip":
			a, err := netip.ParseAddr(v)
			if err != nil {
				return nil, badContextValue(name, typ, v)
			}
			pv = policy.IP(a)
		case "binary":
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				return nil, badContextValue(name, typ, v)
			}
			pv = policy.Binary(b)
		case "date":
			t, ok := parseContextDate(v)
			if !ok {
				return nil, badContextValue(name, typ, v)
			}
			pv = policy.Time(t)
		default:
			return nil, invalidInput("Context key %s has an unknown ContextKeyType %s.", name, typ)
		}
		out = append(out, pv)
	}
	return out, nil
}

func badContextValue(name, typ, v string) error {
	if !utf8.ValidString(v) {
		v = strconv.QuoteToASCII(v)
	}
	return invalidInput("Context key %s: value %s is not a valid %s.", name, v, typ)
}

// contextDateLayouts are the ISO 8601 forms a date context value may take.
var contextDateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", "2006-01-02T15:04:05", "2006-01-02"}

// parseContextDate reads an ISO 8601 date or a number of seconds since
// the epoch.
func parseContextDate(v string) (time.Time, bool) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n >= 0 && n < 1<<40 {
		return time.Unix(n, 0).UTC(), true
	}
	for _, l := range contextDateLayouts {
		if t, err := time.Parse(l, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// GetContextKeysForCustomPolicy lists the condition keys the policies use.
func (s *Service) GetContextKeysForCustomPolicy(ctx context.Context, c *call.Call, in *api.GetContextKeysForCustomPolicyInput) (*api.GetContextKeysForPolicyResponse, error) {
	sim := newSimulation()
	ps, err := sim.addInputs(in.PolicyInputList, "PolicyInputList", policy.KindManaged)
	if err != nil {
		return nil, err
	}
	return &api.GetContextKeysForPolicyResponse{ContextKeyNames: contextKeyNames(ps)}, nil
}

// GetContextKeysForPrincipalPolicy lists the condition keys the policies
// of a user (with its groups'), group or role use, plus those of any
// policies given as strings.
func (s *Service) GetContextKeysForPrincipalPolicy(ctx context.Context, c *call.Call, in *api.GetContextKeysForPrincipalPolicyInput) (*api.GetContextKeysForPolicyResponse, error) {
	sim := newSimulation()
	if _, _, err := s.addEntityPolicies(ctx, c, sim, deref(in.PolicySourceArn), false); err != nil {
		return nil, err
	}
	extra, err := sim.addInputs(in.PolicyInputList, "PolicyInputList", policy.KindManaged)
	if err != nil {
		return nil, err
	}
	return &api.GetContextKeysForPolicyResponse{ContextKeyNames: contextKeyNames(append(sim.identity, extra...))}, nil
}

// contextKeyNames lists the keys of policies once each (keys compare
// without regard to case), in the order they first appear.
func contextKeyNames(ps []*simPolicy) []string {
	seen := map[string]bool{}
	out := []string{}
	for _, sp := range ps {
		for _, k := range policyContextKeys(sp.attached.Policy) {
			if lk := strings.ToLower(k); !seen[lk] {
				seen[lk] = true
				out = append(out, k)
			}
		}
	}
	return out
}

// policyContextKeys returns the condition keys a policy uses: the keys
// of its Condition blocks and the policy variables (${aws:username}) of
// its Resource, NotResource and condition values.
func policyContextKeys(p *policy.Policy) []string {
	var out []string
	variables := p.Version == policy.Version2012
	addVars := func(s string) {
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
			v := s[:j]
			s = s[j+1:]
			if k, _, _ := strings.Cut(v, ","); strings.Contains(k, ":") {
				out = append(out, strings.TrimSpace(k))
			}
		}
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, r := range st.Resource {
			addVars(r)
		}
		for _, r := range st.NotResource {
			addVars(r)
		}
		for _, c := range st.Condition {
			out = append(out, c.Key)
			for _, v := range c.Values {
				addVars(v)
			}
		}
	}
	return out
}

// statementSpan is where a statement sits in its document: 1-based line
// and column of its opening brace, and of the position just past its
// closing brace.
type statementSpan struct {
	startLine, startCol, endLine, endCol int
}

// statementSpans locates the statements of a policy document, in order.
// The document has been parsed already; a document it cannot read gives
// no positions.
func statementSpans(doc string) []statementSpan {
	dec := json.NewDecoder(strings.NewReader(doc))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return nil
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil
		}
		key, _ := t.(string)
		if key != "Statement" {
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return nil
			}
			continue
		}
		start := dec.InputOffset()
		t, err = peekDelim(doc, start)
		if err != nil {
			return nil
		}
		if t == json.Delim('{') {
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return nil
			}
			return []statementSpan{spanOf(doc, start, dec.InputOffset())}
		}
		if _, err := dec.Token(); err != nil { // the '['
			return nil
		}
		var spans []statementSpan
		for dec.More() {
			from := dec.InputOffset()
			var raw json.RawMessage
			if dec.Decode(&raw) != nil {
				return nil
			}
			spans = append(spans, spanOf(doc, from, dec.InputOffset()))
		}
		return spans
	}
	return nil
}

// peekDelim returns the first JSON delimiter at or after offset from.
func peekDelim(doc string, from int64) (json.Delim, error) {
	for i := int(from); i < len(doc); i++ {
		switch doc[i] {
		case ' ', '\t', '\r', '\n', ':', ',':
			continue
		case '{', '[':
			return json.Delim(doc[i]), nil
		}
		return 0, errors.New("not a delimiter")
	}
	return 0, io.ErrUnexpectedEOF
}

// spanOf is the span of the value that ends at end and starts at the
// first '{' at or after from.
func spanOf(doc string, from, end int64) statementSpan {
	start := int(from)
	for start < len(doc) && doc[start] != '{' {
		start++
	}
	sl, sc := lineCol(doc, start)
	el, ec := lineCol(doc, int(end))
	return statementSpan{sl, sc, el, ec}
}

// lineCol converts a byte offset into a 1-based line and column (columns
// count characters).
func lineCol(doc string, off int) (line, col int) {
	if off > len(doc) {
		off = len(doc)
	}
	line = 1 + strings.Count(doc[:off], "\n")
	lineStart := strings.LastIndexByte(doc[:off], '\n') + 1
	return line, utf8.RuneCountInString(doc[lineStart:off]) + 1
}
