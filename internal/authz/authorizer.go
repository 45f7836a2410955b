package authz

import (
	"context"
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Organizations tells the authorizer where an account stands in AWS
// Organizations: its organization and path (the aws:PrincipalOrg* and
// aws:ResourceOrg* keys), whether it is the management account, and the
// service and resource control policies that bind it, by level from the
// root to the account. internal/organizations.Store implements it from
// memory; nil means no account belongs to an organization.
type Organizations interface {
	// Membership returns accountID's membership, nil when the account is
	// in no organization. It is called on every request: an answer for
	// an account whose organization has not changed must not allocate.
	Membership(ctx context.Context, accountID string) (*organizations.Membership, error)
}

// rcpServices are the action prefixes of the services gatehouse serves
// whose resources resource control policies restrict ("Resource control
// policies", list of supported services: AWS STS and AWS KMS among them;
// IAM is not).
func rcpService(action string) bool {
	return len(action) > 4 && (action[3] == ':' && (equalFold3(action, "sts") || equalFold3(action, "kms")))
}

// equalFold3 compares the first three bytes of s with lower-case ascii t.
func equalFold3(s, t string) bool {
	for i := 0; i < 3; i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != t[i] {
			return false
		}
	}
	return true
}

// Resource is what a service knows of a resource a request acts on.
type Resource struct {
	// ARN is the resource's ARN as authorization sees it (a KMS alias
	// resolved to its key, for instance).
	ARN string
	// Account owns the resource; "" means the account in the ARN.
	Account string
	// Tags are the resource's tags (aws:ResourceTag/*).
	Tags []iam.Tag
	// Policy is the resource's resource-based policy, nil if none.
	Policy *policy.Attached
	// PolicyMustAllow marks policies that must allow every request
	// themselves (KMS key policies).
	PolicyMustAllow bool
	// Conditions are the service condition keys the resource supplies
	// (kms:KeySpec, kms:ResourceAliases, ...), set when a policy of the
	// request reads service keys.
	Conditions []ResourceCondition
	// Skip says the request names the resource in a form its operation
	// refuses (a KMS alias ARN where only keys are accepted): the handler
	// answers NotFound, so there is nothing to authorize on it, and an
	// AccessDenied would hide the real error.
	Skip bool
}

// ResourceResolver lets a service complete what the authorizer knows of
// its resources: tags, resource-based policies, ARNs that need state to
// build (KMS aliases name keys). The authorizer calls it with each ARN it
// built from a request of that service.
type ResourceResolver interface {
	ResolveResource(ctx context.Context, c *call.Call, arn string) (Resource, error)
}

// Config configures an Authorizer.
type Config struct {
	// Directory holds the IAM entities whose policies apply.
	Directory *iam.Directory
	// Services are the served models; every operation gets a plan.
	Services []*protocol.Service
	// Mode is the enforcement mode.
	Mode Mode
	// Organizations supplies accounts' memberships with their SCPs and
	// RCPs; nil when AWS Organizations is not available.
	Organizations Organizations
	// Resolvers are the services' resource resolvers, by action prefix
	// ("kms"). IAM's own resources are resolved by the authorizer.
	Resolvers map[string]ResourceResolver
	Logger    *slog.Logger
}

// Authorizer decides every request with the policy engine, before its
// handler runs. It implements server.Authorizer.
type Authorizer struct {
	dir       *iam.Directory
	table     *Table
	mode      Mode
	orgs      Organizations
	resolvers map[string]ResourceResolver
	log       *slog.Logger

	entities    entityCache
	sessionDocs sessionDocs
	needs       needsCache
	perms       permCache
}

// New builds an authorizer and its table of every operation.
func New(cfg Config) (*Authorizer, error) {
	if cfg.Directory == nil {
		return nil, errors.New("authz: no directory")
	}
	t, err := BuildTable(cfg.Services)
	if err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	a := &Authorizer{dir: cfg.Directory, table: t, mode: cfg.Mode, orgs: cfg.Organizations, resolvers: cfg.Resolvers, log: log}
	a.entities.dir = cfg.Directory
	return a, nil
}

// Mode returns the enforcement mode.
func (a *Authorizer) Mode() Mode { return a.mode }

// Table returns the authorization table.
func (a *Authorizer) Table() *Table { return a.table }

// evaluation is the reusable state of one authorization.
type evaluation struct {
	caller caller
	req    policy.Request
	set    policy.PolicySet
	res    []resolvedResource
}

// resolvedResource is one resource a check evaluates against.
type resolvedResource struct {
	arn       string
	account   string
	tags      []iam.Tag
	iamTags   bool
	policy    *policy.Attached
	mustAllow bool
	// boundary is the permissions boundary of an IAM user or role
	// resource (iam:PermissionsBoundary on operations that change it).
	boundary string
	// missingRole: sts:AssumeRole of a role that does not exist.
	missingRole bool
	// conditions and skip: see Resource.
	conditions []ResourceCondition
	skip       bool
}

var evaluations = sync.Pool{New: func() any { return new(evaluation) }}

func (e *evaluation) reset() {
	e.caller = caller{}
	ctx := e.req.Context
	ctx.Reset()
	e.req = policy.Request{Context: ctx}
	e.set = policy.PolicySet{}
	e.res = e.res[:0]
}

// Authorize implements server.Authorizer: it returns nil to allow, or the
// service's AccessDenied error.
func (a *Authorizer) Authorize(ctx context.Context, c *call.Call, in any) error {
	p := c.Principal
	if p == nil || p.Type == identity.Anonymous {
		// Unsigned operations (AssumeRoleWithWebIdentity, ...) verify
		// their own tokens and trust policies.
		return nil
	}
	a.noteKeyUse(c)
	if a.mode == Off {
		return nil
	}
	plan := a.table.plan(c.Operation)
	if plan == nil {
		return errors.New("authz: no plan for operation " + c.Operation.Name)
	}
	var member *organizations.Membership
	if a.orgs != nil {
		var err error
		if member, err = a.orgs.Membership(ctx, p.AccountID); err != nil {
			return err
		}
	}
	if p.Type == identity.Root && !rootBound(member) && !restrictedRootSession(p) && a.resolvers[ActionPrefix(c.Operation.Service)] == nil {
		// IAM policies never bind an account's root user; only SCPs and
		// RCPs do, the task policy of an AssumeRoot session, and the
		// resource policies that must allow every request (KMS key
		// policies: a key whose policy names neither the root user nor
		// its account is closed to the root user too). (Roles
		// may not be assumed by root users: STS refuses that itself,
		// with AWS's message.)
		return nil
	}
	ev := evaluations.Get().(*evaluation)
	defer func() {
		ev.reset()
		evaluations.Put(ev)
	}()
	if err := a.resolveCaller(ctx, p, &ev.caller); err != nil {
		return err
	}
	cl := &ev.caller
	cl.member = member
	ev.set.Identity, ev.set.Boundary, ev.set.Session = cl.identity, cl.boundary, cl.session
	ev.set.ServiceLinkedRole = cl.serviceLinked
	if member != nil && !member.Management && !cl.serviceLinked {
		// SCPs bind every principal of a member account, its root user
		// included; never the management account nor service-linked
		// roles.
		ev.set.SCPs = member.SCPChain
		cl.needs |= a.needs.membership(member).scps
	}
	if member != nil {
		ev.set.PrincipalIsManagementAccount = member.Management
	}
	in0 := structOf(in)
	for _, chk := range plan.checks {
		if !chk.applies(in0) {
			continue
		}
		if err := a.check(ctx, c, plan, chk, in0, ev); err != nil {
			return err
		}
	}
	return nil
}

// noteKeyUse records the use of a long-term access key for
// GetAccessKeyLastUsed.
func (a *Authorizer) noteKeyUse(c *call.Call) {
	p := c.Principal
	if p.Session != nil || !strings.HasPrefix(p.AccessKeyID, "AKIA") {
		return
	}
	a.dir.NoteAccessKeyUse(p.AccessKeyID, ActionPrefix(c.Operation.Service), c.Region, c.Time)
}

// check evaluates one action against each of its resources.
func (a *Authorizer) check(ctx context.Context, c *call.Call, plan *opPlan, chk *actionCheck, in reflect.Value, ev *evaluation) error {
	ev.res = ev.res[:0]
	if err := a.resolveResources(ctx, c, plan, chk, in, ev); err != nil {
		return err
	}
	if len(ev.res) == 0 {
		// No resource-level permissions, or a resource the request does
		// not let us name: only statements granting "*" apply.
		return a.evaluate(ctx, c, plan, chk, in, ev, resolvedResource{})
	}
	for i := range ev.res {
		if err := a.evaluate(ctx, c, plan, chk, in, ev, ev.res[i]); err != nil {
			return err
		}
	}
	return nil
}

// evaluate decides the action on one resource.
func (a *Authorizer) evaluate(ctx context.Context, c *call.Call, plan *opPlan, chk *actionCheck, in reflect.Value, ev *evaluation, r resolvedResource) error {
	req := &ev.req
	req.Context.Reset()
	req.Principal = ev.caller.principal
	req.Action = chk.action
	req.Resource = r.arn
	req.ResourceAccount = r.account
	if chk.identityOnly {
		// Decided as within the caller's account: no resource policy
		// can be asked to allow it.
		req.ResourceAccount = ""
	}
	req.WildcardOnly = r.arn == "" || chk.wildcardOnly
	if r.skip {
		return nil
	}
	if r.missingRole && !ev.caller.root {
		return a.deny(c, req, r.arn, "User: "+req.Principal.ARN+" is not authorized to perform: "+chk.action+" on resource: "+r.arn)
	}
	set := &ev.set
	set.Resource, set.ResourceMustAllow = r.policy, r.mustAllow
	set.RCPs, set.ResourceInManagementAccount = nil, false
	needs := ev.caller.needs
	if r.policy != nil {
		needs |= a.needs.policy(r.policy.Policy)
	}
	var resMember *organizations.Membership
	resMemberKnown := false
	if a.orgs != nil && r.account != "" && rcpService(chk.action) {
		var err error
		if resMember, err = a.resourceMembership(ctx, &ev.caller, r.account); err != nil {
			return err
		}
		resMemberKnown = true
		if resMember != nil && resMember.RCPs != nil && !resMember.Management {
			set.RCPs = resMember.RCPs
			needs |= a.needs.membership(resMember).rcps
		}
		if resMember != nil {
			set.ResourceInManagementAccount = resMember.Management
		}
	}
	if needs != 0 {
		if !resMemberKnown && a.orgs != nil && r.account != "" && needs&(needResourceOrgID|needResourceOrgPaths) != 0 {
			var err error
			if resMember, err = a.resourceMembership(ctx, &ev.caller, r.account); err != nil {
				return err
			}
		}
		requestKeys(&req.Context, c, &ev.caller, plan, chk, in, needs)
		resourceKeys(&req.Context, r.account, resMember, r.tags, r.iamTags, needs)
		if chk.boundaryOfResource && r.boundary != "" && needs&needServiceKeys != 0 {
			req.Context.SetString("iam:PermissionsBoundary", r.boundary)
		}
		if needs&needServiceKeys != 0 {
			for i := range r.conditions {
				req.Context.Set(r.conditions[i].Key, r.conditions[i].Values...)
			}
		}
	}
	if ev.caller.root && set.SCPs == nil && set.RCPs == nil && set.Resource == nil && len(set.Identity) == 0 {
		return nil
	}
	d := policy.Evaluate(req, set)
	if d.Effect == policy.Allow {
		return nil
	}
	if d.Effect == policy.ImplicitDeny && a.passwordSelfService(ctx, c) {
		return nil
	}
	if d.Effect == policy.ImplicitDeny && d.DeniedBy != policy.TypeSCP {
		// A grant may allow what no policy does (never what one denies,
		// nor beyond the caller's SCPs).
		ok, err := a.allowedByGrant(ctx, c, chk, in, ev, r)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return a.deny(c, req, r.arn, d.Message(req))
}

// resourceMembership returns the membership of the account that owns a
// resource: the caller's own, already looked up, or another account's.
func (a *Authorizer) resourceMembership(ctx context.Context, cl *caller, account string) (*organizations.Membership, error) {
	if account == cl.principal.Account {
		return cl.member, nil
	}
	return a.orgs.Membership(ctx, account)
}

// rootBound reports whether an account's root user is bound by its
// organization's SCPs or RCPs: in a member account (never the management
// account) where either policy type applies.
func rootBound(m *organizations.Membership) bool {
	return m != nil && !m.Management && (m.SCPs != nil || m.RCPs != nil)
}

// restrictedRootSession reports whether a root user principal is an
// AssumeRoot session, restricted by its task policy.
func restrictedRootSession(p *identity.Principal) bool {
	return p.Session != nil && len(p.Session.PolicyARNs) > 0
}

// passwordSelfService reports whether the account's password policy lets
// the calling IAM user change its own password: with
// AllowUsersToChangePassword, IAM grants its users iam:ChangePassword and
// iam:GetAccountPasswordPolicy without any policy ("Setting an account
// password policy for IAM users"). An explicit deny still wins: only an
// implicit deny reaches here.
func (a *Authorizer) passwordSelfService(ctx context.Context, c *call.Call) bool {
	p := c.Principal
	if p.Type != identity.IAMUser || p.Session != nil || c.Operation.Service.ID != "iam" {
		return false
	}
	switch c.Operation.Name {
	case "ChangePassword", "GetAccountPasswordPolicy":
	default:
		return false
	}
	allowed, err := a.dir.UsersMayChangePassword(ctx, p.AccountID)
	return err == nil && allowed
}

// deny answers a denial: the service's AccessDenied error, or in soft mode
// a log line and a note in the trail event, letting the call through.
func (a *Authorizer) deny(c *call.Call, req *policy.Request, resource, message string) error {
	err := AccessDenied(c.Operation.Service, message)
	if a.mode != Soft {
		return err
	}
	a.log.Warn("soft enforcement: request would be denied",
		"request_id", c.RequestID, "principal", c.Principal.ARN, "action", req.Action,
		"resource", resource, "error_code", err.Code)
	c.AddEventData("softEnforcementDenial", map[string]string{"errorCode": err.Code, "errorMessage": err.Message})
	return nil
}

// denialShape is how a service answers an authorization failure.
type denialShape struct {
	code   string
	status int
}

// AccessDenied returns the authorization failure of svc with message, in
// the service's spelling: AccessDenied (HTTP 403) for the query services,
// AccessDeniedException for the JSON ones.
func AccessDenied(svc *protocol.Service, message string) *protocol.Error {
	shape, ok := denialShapes[svc.ID]
	if !ok {
		shape = denialShape{"AccessDeniedException", 400}
		switch svc.Protocol {
		case protocol.Query:
			shape = denialShape{"AccessDenied", 403}
		case protocol.RestJSON:
			shape.status = 403
		}
	}
	return &protocol.Error{Code: shape.code, Status: shape.status, Message: message}
}

// applies reports whether a conditional check applies to the input.
func (c *actionCheck) applies(in reflect.Value) bool {
	if c.when == nil {
		return true
	}
	for _, f := range c.when {
		if f.count(in) > 0 {
			return true
		}
	}
	return false
}
