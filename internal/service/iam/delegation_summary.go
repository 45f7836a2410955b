package iam

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/catalog"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file explains delegation requests: GetHumanReadableSummary and the
// permission check of GetDelegationRequest.

// summaryLocales are the AWS Management Console's languages, the locales
// GetHumanReadableSummary accepts.
var summaryLocales = []string{"de-DE", "en-US", "es-ES", "fr-FR", "id-ID", "it-IT", "ja-JP", "ko-KR", "pt-BR", "tr-TR", "zh-CN", "zh-TW"}

// summaryLocale is the one language gatehouse writes summaries in.
const summaryLocale = "en-US"

// GetHumanReadableSummary summarizes a delegation request in plain
// language. AWS writes the summary with a large language model; gatehouse
// writes it deterministically from the request's rendered permission
// policy (who asks, for how long, which actions of which services on which
// resources, under which conditions, and which permissions boundaries roles
// it creates must carry), so the same request always reads the same. It
// writes English only: other console locales answer NOT_SUPPORTED.
func (s *Service) GetHumanReadableSummary(ctx context.Context, c *call.Call, in *api.GetHumanReadableSummaryInput) (*api.GetHumanReadableSummaryOutput, error) {
	arn := deref(in.EntityArn)
	id, ok := delegationRequestIDFromARN(arn)
	if !ok {
		return nil, invalidInput("The entity %s is not supported: only delegation requests (arn:aws:iam::ACCOUNT:delegation-request/ID) can be summarized.", arn)
	}
	locale := summaryLocale
	if in.Locale != nil {
		locale = *in.Locale
		if !slices.Contains(summaryLocales, locale) {
			return nil, invalidInput("The locale %s is not supported. Supported locales: %s.", locale, strings.Join(summaryLocales, ", "))
		}
	}
	rec, err := s.viewDelegation(ctx, c, id)
	if err != nil {
		return nil, err
	}
	out := &api.GetHumanReadableSummaryOutput{Locale: ptr(locale)}
	if locale != summaryLocale {
		out.SummaryState = api.SummaryStateTypeNotSupported
		return out, nil
	}
	text, err := summarizeDelegation(rec)
	if err != nil {
		out.SummaryState = api.SummaryStateTypeFailed
		return out, nil
	}
	out.SummaryState, out.SummaryContent = api.SummaryStateTypeAvailable, ptr(text)
	return out, nil
}

// delegationRequestIDFromARN returns the id in
// arn:aws:iam::ACCOUNT:delegation-request/ID (the account may be empty for
// a request no account owns yet).
func delegationRequestIDFromARN(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" {
		return "", false
	}
	if parts[4] != "" && !isOrgPathAccountID(parts[4]) {
		return "", false
	}
	id, ok := strings.CutPrefix(parts[5], "delegation-request/")
	if !ok || len(id) < 16 || len(id) > 128 {
		return "", false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c != '-' && c != '_' && (c < '0' || c > '9') && (c < 'a' || c > 'z') && (c < 'A' || c > 'Z') {
			return "", false
		}
	}
	return id, true
}

// summaryMaxLen is the longest SummaryContent the model allows.
const summaryMaxLen = 10000

// summarizeDelegation writes the plain-language summary of a request.
func summarizeDelegation(rec *iam.DelegationRequest) (string, error) {
	p, err := policy.Parse([]byte(rec.PermissionPolicy), policy.KindManaged)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	who := "Account " + rec.RequestorAccount
	if rec.RequestorName != "" {
		who = rec.RequestorName + " (account " + rec.RequestorAccount + ")"
	}
	fmt.Fprintf(&b, "%s asks for temporary access to ", who)
	if rec.OwnerAccountID != "" {
		fmt.Fprintf(&b, "AWS account %s", rec.OwnerAccountID)
	} else {
		b.WriteString("the AWS account that accepts this request")
	}
	fmt.Fprintf(&b, " for %s, counted from the moment the exchange token is sent.", describeDuration(rec.SessionDuration))
	if rec.Description != "" {
		fmt.Fprintf(&b, " Purpose given: %s", strings.TrimSpace(rec.Description))
		if !strings.HasSuffix(strings.TrimSpace(rec.Description), ".") {
			b.WriteByte('.')
		}
	}
	b.WriteString("\n\nWith this access the requester could:\n")
	wrote := false
	for i := range p.Statements {
		if st := &p.Statements[i]; st.Effect == "Allow" {
			b.WriteString("- ")
			describeStatement(&b, st)
			wrote = true
		}
	}
	if !wrote {
		b.WriteString("- nothing: the policy allows no action.\n")
	}
	var denies []*policy.Statement
	for i := range p.Statements {
		if p.Statements[i].Effect == "Deny" {
			denies = append(denies, &p.Statements[i])
		}
	}
	if len(denies) > 0 {
		b.WriteString("\nThe policy explicitly forbids:\n")
		for _, st := range denies {
			b.WriteString("- ")
			describeStatement(&b, st)
		}
	}
	if len(rec.BoundaryARNs) > 0 {
		fmt.Fprintf(&b, "\nRoles created or changed with this access must have one of these permissions boundaries, which cap what those roles can ever do, even after the temporary access ends: %s.\n", strings.Join(rec.BoundaryARNs, ", "))
	}
	if rec.OnlySendByOwner {
		b.WriteString("\nOnly the person who claimed the request can release the access after approval.\n")
	}
	text := b.String()
	if len(text) > summaryMaxLen {
		text = text[:summaryMaxLen-3] + "..."
	}
	return text, nil
}

// describeStatement writes one line: the actions, grouped by service with
// the service's name and the actions' access levels, then the resources
// and conditions.
func describeStatement(b *strings.Builder, st *policy.Statement) {
	patterns, negated := st.Action, false
	if len(st.NotAction) > 0 {
		patterns, negated = st.NotAction, true
	}
	if negated {
		b.WriteString("every action except ")
	}
	type group struct {
		service string
		actions []string
		levels  []string
	}
	var groups []*group
	for _, pat := range patterns {
		svc, act, ok := strings.Cut(pat, ":")
		if !ok {
			svc, act = "*", "*"
		}
		var g *group
		for _, x := range groups {
			if strings.EqualFold(x.service, svc) {
				g = x
			}
		}
		if g == nil {
			g = &group{service: svc}
			groups = append(groups, g)
		}
		g.actions = append(g.actions, act)
		for _, a := range catalog.MatchActions(pat) {
			if lvl := strings.ToLower(a.AccessLevel.String()); lvl != "" && !slices.Contains(g.levels, lvl) {
				g.levels = append(g.levels, lvl)
			}
		}
	}
	for i, g := range groups {
		if i > 0 {
			b.WriteString("; ")
		}
		name := g.service
		if info, ok := catalog.Service(g.service); ok {
			name = info.Name
		}
		switch {
		case g.service == "*":
			b.WriteString("any action of any AWS service")
		case slices.Contains(g.actions, "*"):
			fmt.Fprintf(b, "every action of %s", name)
		default:
			fmt.Fprintf(b, "in %s: %s", name, strings.Join(g.actions, ", "))
		}
		if len(g.levels) > 0 && g.service != "*" {
			slices.Sort(g.levels)
			fmt.Fprintf(b, " (%s access)", strings.Join(g.levels, ", "))
		}
	}
	switch {
	case len(st.NotResource) > 0:
		fmt.Fprintf(b, ", on every resource except %s", strings.Join(st.NotResource, ", "))
	case len(st.Resource) == 0 || slices.Contains(st.Resource, "*"):
		b.WriteString(", on all resources")
	default:
		fmt.Fprintf(b, ", on %s", strings.Join(st.Resource, ", "))
	}
	for i, cond := range st.Condition {
		if i == 0 {
			b.WriteString(", only when ")
		} else {
			b.WriteString(" and ")
		}
		fmt.Fprintf(b, "%s %s %s", cond.Key, describeOperator(cond.Operator), strings.Join(cond.Values, " or "))
	}
	b.WriteString(".\n")
}

// describeOperator words a condition operator.
func describeOperator(op string) string {
	base := op
	if i := strings.IndexByte(base, ':'); i >= 0 {
		base = base[i+1:]
	}
	base = strings.TrimSuffix(base, "IfExists")
	switch base {
	case "StringEquals", "StringEqualsIgnoreCase", "ArnEquals", "NumericEquals", "DateEquals", "Bool", "BinaryEquals":
		return "is"
	case "StringNotEquals", "StringNotEqualsIgnoreCase", "ArnNotEquals", "NumericNotEquals", "DateNotEquals":
		return "is not"
	case "StringLike", "ArnLike":
		return "matches"
	case "StringNotLike", "ArnNotLike":
		return "does not match"
	case "NumericLessThan", "DateLessThan":
		return "is less than"
	case "NumericLessThanEquals", "DateLessThanEquals":
		return "is at most"
	case "NumericGreaterThan", "DateGreaterThan":
		return "is greater than"
	case "NumericGreaterThanEquals", "DateGreaterThanEquals":
		return "is at least"
	case "IpAddress":
		return "is in"
	case "NotIpAddress":
		return "is not in"
	case "Null":
		return "is absent:"
	}
	return "(" + op + ")"
}

// describeDuration words a number of seconds: "2 hours", "90 minutes".
func describeDuration(seconds int32) string {
	switch {
	case seconds%3600 == 0:
		if seconds == 3600 {
			return "1 hour"
		}
		return fmt.Sprintf("%d hours", seconds/3600)
	case seconds%60 == 0:
		return fmt.Sprintf("%d minutes", seconds/60)
	}
	return fmt.Sprintf("%d seconds", seconds)
}

// permissionCheckExpansion bounds how many actions a wildcard of the
// request's policy is expanded to for the permission check; a larger
// wildcard is checked as written, which only the caller's equally broad
// (or broader) wildcards match.
const permissionCheckExpansion = 300

// checkDelegationPermissions estimates whether the caller's own
// permissions cover what the request asks: every action and resource its
// policy allows must be allowed to the caller by its identity-based
// policies, boundary and session policies. Conditions make the answer
// uncertain (UNSURE), as on AWS; so does a caller whose policies gatehouse
// cannot gather (federated users).
func (s *Service) checkDelegationPermissions(ctx context.Context, c *call.Call, rec *iam.DelegationRequest) (api.PermissionCheckStatusType, api.PermissionCheckResultType) {
	p := c.Principal
	if p.Type == identity.Root {
		// The root user holds every permission in its account (SCPs are not
		// modelled yet).
		return api.PermissionCheckStatusTypeComplete, api.PermissionCheckResultTypeAllowed
	}
	set, principal, err := s.callerPolicySet(ctx, p)
	if errors.Is(err, errUnsupportedCaller) {
		return api.PermissionCheckStatusTypeComplete, api.PermissionCheckResultTypeUnsure
	}
	if err != nil {
		s.log.Error("delegation permission check", "request", rec.ID, "error", err)
		return api.PermissionCheckStatusTypeFailed, ""
	}
	asked, err := policy.Parse([]byte(rec.PermissionPolicy), policy.KindManaged)
	if err != nil {
		return api.PermissionCheckStatusTypeFailed, ""
	}
	unsure := false
	for i := range asked.Statements {
		st := &asked.Statements[i]
		if st.Effect != "Allow" {
			continue
		}
		if len(st.NotAction) > 0 || len(st.NotResource) > 0 {
			unsure = true // "everything except": no finite list to check
			continue
		}
		if len(st.Condition) > 0 {
			unsure = true
		}
		var actions []string
		for _, a := range st.Action {
			if exp := catalog.ExpandActions(a); len(exp) > 0 && len(exp) <= permissionCheckExpansion {
				actions = append(actions, exp...)
			} else {
				actions = append(actions, a)
			}
		}
		results := policy.Simulate(&policy.Simulation{
			Principal: principal, Actions: actions, Resources: st.Resource, Policies: set,
			WildcardOnly: func(action string) bool {
				a, ok := catalog.Action(action)
				return ok && !a.SupportsResourceLevel
			},
		})
		for _, r := range results {
			if r.Decision.Effect == policy.Allow {
				continue
			}
			if len(r.MissingContextKeys) > 0 {
				unsure = true
				continue
			}
			return api.PermissionCheckStatusTypeComplete, api.PermissionCheckResultTypeDenied
		}
	}
	if unsure {
		return api.PermissionCheckStatusTypeComplete, api.PermissionCheckResultTypeUnsure
	}
	return api.PermissionCheckStatusTypeComplete, api.PermissionCheckResultTypeAllowed
}

// errUnsupportedCaller: the caller's policies are not gathered here.
var errUnsupportedCaller = errors.New("iam: caller type not supported by the permission check")

// callerPolicySet gathers the policies that decide what an IAM user or a
// role session may do.
func (s *Service) callerPolicySet(ctx context.Context, p *identity.Principal) (*policy.PolicySet, policy.Principal, error) {
	pr := policy.Principal{ARN: p.ARN, Account: p.AccountID}
	switch p.Type {
	case identity.IAMUser:
		perms, err := s.dir.UserPermissions(ctx, p.AccountID, p.UserName)
		if err != nil {
			return nil, pr, err
		}
		pr.Type = policy.PrincipalUser
		return &policy.PolicySet{Identity: perms.Identity, Boundary: perms.Boundary}, pr, nil
	case identity.AssumedRole:
		if p.Session == nil {
			return nil, pr, errUnsupportedCaller
		}
		acct, _, name, ok := iam.ParseRoleARN(p.Session.IssuerARN)
		if !ok {
			return nil, pr, errUnsupportedCaller
		}
		perms, err := s.dir.RolePermissions(ctx, acct, name)
		if err != nil {
			return nil, pr, err
		}
		pr.Type, pr.RoleARN = policy.PrincipalRoleSession, perms.ARN
		set := &policy.PolicySet{Identity: perms.Identity, Boundary: perms.Boundary}
		if p.Session.Policy != "" {
			sp, err := policy.Parse([]byte(p.Session.Policy), policy.KindSession)
			if err != nil {
				return nil, pr, err
			}
			set.Session = append(set.Session, policy.Attached{Name: "session policy", Policy: sp})
		}
		if len(p.Session.PolicyARNs) > 0 {
			err := s.dir.View(ctx, func(tx *iam.Tx) error {
				pols, err := accessGroupPolicies(tx, acct, nil, policy.KindSession, p.Session.PolicyARNs)
				for _, sp := range pols {
					set.Session = append(set.Session, policy.Attached{Name: "managed session policy", Policy: sp})
				}
				return err
			})
			if err != nil {
				return nil, pr, err
			}
		}
		return set, pr, nil
	}
	return nil, pr, errUnsupportedCaller
}
