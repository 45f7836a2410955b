package authz

import (
	"context"
	"errors"
	"reflect"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// This file turns a request into the resources an action acts on: whole
// ARNs the input carries, ARNs built from the input's names by the
// table's templates, the role of an AssumeRole with its trust policy, and
// what the directory (or a service's resolver) knows of each: its account,
// its tags and its resource-based policy.

// resolveResources fills ev.res with the resources of one check.
func (a *Authorizer) resolveResources(ctx context.Context, c *call.Call, plan *opPlan, chk *actionCheck, in reflect.Value, ev *evaluation) error {
	if chk.wildcardOnly {
		return nil
	}
	if plan.assumeRole {
		return a.roleResource(ctx, plan, in, ev)
	}
	if plan.keyOwner != nil {
		return a.keyOwnerResource(ctx, c, plan, in, ev)
	}
	for _, rp := range chk.resources {
		matched := false
		for _, f := range rp.arnMembers {
			f.each(in, func(v string) {
				if strings.HasPrefix(v, "arn:") && rp.typ.MatchARN(v) {
					matched = true
					ev.addResource(v, c)
				}
			})
		}
		if matched {
			continue
		}
		for _, tpl := range rp.templates {
			if err := a.buildARN(ctx, c, ev, tpl, in); err != nil {
				return err
			}
		}
	}
	if len(ev.res) == 0 && a.resolvers[chk.info.Service] != nil {
		// A whole ARN of the service that is of none of the action's
		// resource types (a KMS alias ARN where the action takes keys):
		// the service's resolver says what it stands for.
		prefix := "arn:aws:" + chk.info.Service + ":"
		for _, rp := range chk.resources {
			for _, f := range rp.arnMembers {
				f.each(in, func(v string) {
					if strings.HasPrefix(v, prefix) {
						ev.addResource(v, c)
					}
				})
			}
		}
	}
	if len(ev.res) == 0 && in.IsValid() {
		// A resource the input names only implicitly (the key a KMS
		// ciphertext blob names, for a Decrypt without KeyId).
		if ir, ok := a.resolvers[chk.info.Service].(ImpliedResourceResolver); ok {
			if arn := ir.ImpliedResource(c, chk.action, in.Addr().Interface()); arn != "" {
				ev.addResource(arn, c)
			}
		}
	}
	if len(ev.res) == 0 {
		for _, f := range chk.fallbackARNs {
			f.each(in, func(v string) {
				if strings.HasPrefix(v, "arn:") {
					ev.addResource(v, c)
				}
			})
		}
	}
	return a.describeResources(ctx, c, chk, ev)
}

// addResource adds arn to the check's resources once.
func (ev *evaluation) addResource(arn string, c *call.Call) {
	for i := range ev.res {
		if ev.res[i].arn == arn {
			return
		}
	}
	acct := arnAccount(arn)
	if acct == "" {
		acct = c.Principal.AccountID
	}
	ev.res = append(ev.res, resolvedResource{arn: arn, account: acct})
}

// describeResources completes each resource with what is known of it:
// for IAM entities, their tags; for other services, what their resolver
// says.
func (a *Authorizer) describeResources(ctx context.Context, c *call.Call, chk *actionCheck, ev *evaluation) error {
	resolver := a.resolvers[chk.info.Service]
	for i := range ev.res {
		r := &ev.res[i]
		if r.tags != nil {
			continue
		}
		if account, typ, _, _, ok := splitIAMARN(r.arn); ok {
			kind := entityForIAMType(typ)
			if kind == entityNone {
				continue
			}
			info, err := a.entities.byARN(ctx, kind, r.arn)
			if err != nil {
				return err
			}
			r.account, r.tags, r.boundary = account, info.tags, info.boundary
			r.iamTags = kind == entityUser || kind == entityRole
			continue
		}
		if resolver != nil {
			res, err := resolver.ResolveResource(ctx, c, r.arn)
			if err != nil {
				return err
			}
			if res.ARN != "" {
				r.arn = res.ARN
			}
			if res.Account != "" {
				r.account = res.Account
			}
			r.tags, r.policy, r.mustAllow = res.Tags, res.Policy, res.PolicyMustAllow
			r.conditions, r.skip = res.Conditions, res.Skip
		}
	}
	return nil
}

// buildARN fills one template from the input and adds the ARN it builds;
// a template whose members are absent builds nothing.
func (a *Authorizer) buildARN(ctx context.Context, c *call.Call, ev *evaluation, tpl *arnTemplate, in reflect.Value) error {
	var buf [256]byte
	b := buf[:0]
	var tags []iam.Tag
	var boundary string
	for i := range tpl.segs {
		s := &tpl.segs[i]
		switch s.kind {
		case segLiteral:
			b = append(b, s.lit...)
		case segPartition:
			b = append(b, "aws"...)
		case segRegion:
			b = append(b, c.Region...)
		case segAccount:
			b = append(b, c.Principal.AccountID...)
		case segWildcard:
			b = append(b, '*')
		case segMember:
			var v string
			switch s.special {
			case "@account":
				v = c.Principal.AccountID
			case "@region":
				v = c.Region
			case "@orgManagement", "@orgID":
				// The ARNs of an organization's resources carry its
				// management account and its id (without "o-"); a caller
				// in no organization names none.
				m, err := a.callerMembership(ctx, c)
				if err != nil || m == nil {
					return err
				}
				if s.special == "@orgManagement" {
					v = m.ManagementAccountID
				} else {
					v = strings.TrimPrefix(m.OrgID, "o-")
				}
			default:
				var ok bool
				v, ok = s.member.str(in)
				if !ok || strings.HasPrefix(v, "arn:") {
					return nil
				}
				if s.transform != nil {
					v = s.transform(v)
				}
			}
			b = append(b, v...)
		case segWithPath:
			name, ok := s.member.str(in)
			if ok && tpl.plain && s.path == nil {
				// The whole ARN is the entity's: take it from the cache.
				info, err := a.entities.byName(ctx, s.entity, c.Principal.AccountID, name)
				if err != nil {
					return err
				}
				if info.exists && info.arn != "" {
					return ev.addDescribed(info.arn, c.Principal.AccountID, info.tags, info.boundary, tpl.entity)
				}
			}
			if !ok {
				if s.callerDefault && ev.caller.userARN != "" {
					ev.addResource(ev.caller.userARN, c)
				}
				return nil
			}
			path, pathSet := s.path.str(in)
			info, err := a.entities.byName(ctx, s.entity, c.Principal.AccountID, name)
			if err != nil {
				return err
			}
			if !pathSet {
				path = "/"
				if info.exists {
					path = info.path
				}
			}
			if info.exists {
				name, boundary = info.name, info.boundary
				tags = info.tags
				if tags == nil {
					tags = noTags
				}
			}
			// The format reads "user/${UserNameWithPath}": the path's
			// leading slash is the format's own.
			b = append(b, strings.TrimPrefix(path, "/")...)
			b = append(b, name...)
		}
	}
	arn := string(b)
	n := len(ev.res)
	ev.addResource(arn, c)
	if len(ev.res) > n && tags != nil {
		r := &ev.res[n]
		r.tags, r.boundary = tags, boundary
		r.iamTags = tpl.entity == entityUser || tpl.entity == entityRole
	}
	return nil
}

// addDescribed adds a resource whose account and tags are known.
func (ev *evaluation) addDescribed(arn, account string, tags []iam.Tag, boundary string, kind entityKind) error {
	for i := range ev.res {
		if ev.res[i].arn == arn {
			return nil
		}
	}
	if tags == nil {
		tags = noTags
	}
	ev.res = append(ev.res, resolvedResource{arn: arn, account: account, tags: tags, boundary: boundary,
		iamTags: kind == entityUser || kind == entityRole})
	return nil
}

// noTags marks a resource whose (empty) tags are known.
var noTags = []iam.Tag{}

// roleResource resolves the role of sts:AssumeRole: its trust policy is
// the resource-based policy that must allow; a role that does not exist
// is denied on the ARN the caller gave.
func (a *Authorizer) roleResource(ctx context.Context, plan *opPlan, in reflect.Value, ev *evaluation) error {
	roleARN, ok := plan.roleARN.str(in)
	if !ok {
		return nil
	}
	acct, _, name, ok := iam.ParseRoleARN(roleARN)
	if !ok {
		ev.res = append(ev.res, resolvedResource{arn: roleARN, missingRole: true})
		return nil
	}
	perms, err := a.dir.RolePermissions(ctx, acct, name)
	if errors.Is(err, iam.ErrNoSuchEntity) || err == nil && perms.ARN != roleARN {
		ev.res = append(ev.res, resolvedResource{arn: roleARN, account: acct, missingRole: true})
		return nil
	}
	if err != nil {
		return err
	}
	r := resolvedResource{arn: roleARN, account: acct, iamTags: true, mustAllow: true,
		policy: &policy.Attached{Name: roleARN, Policy: perms.TrustPolicy}}
	for k, v := range perms.Tags {
		r.tags = append(r.tags, iam.Tag{Key: k, Value: v})
	}
	ev.res = append(ev.res, r)
	return nil
}

// keyOwnerResource makes the IAM user owning an access key the resource
// (GetAccessKeyLastUsed). A key gatehouse does not know names no user.
func (a *Authorizer) keyOwnerResource(ctx context.Context, c *call.Call, plan *opPlan, in reflect.Value, ev *evaluation) error {
	id, ok := plan.keyOwner.str(in)
	if !ok {
		return nil
	}
	cred, err := a.dir.Credentials().Lookup(ctx, id)
	if errors.Is(err, account.ErrUnknownAccessKey) {
		return nil
	}
	if err != nil {
		return err
	}
	if cred.Principal.Type != identity.IAMUser {
		return nil
	}
	ev.addResource(cred.Principal.ARN, c)
	return a.describeResources(ctx, c, &actionCheck{info: plan.checks[0].info}, ev)
}

// arnAccount returns the account field of an ARN, "" if it has none.
func arnAccount(arn string) string {
	// arn:partition:service:region:account:resource
	rest := arn
	for i := 0; i < 4; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return ""
		}
		rest = rest[j+1:]
	}
	j := strings.IndexByte(rest, ':')
	if j < 0 {
		return ""
	}
	return rest[:j]
}

// callerMembership returns the organization membership of the caller's
// account, nil when it is in none or Organizations is not available.
func (a *Authorizer) callerMembership(ctx context.Context, c *call.Call) (*organizations.Membership, error) {
	if a.orgs == nil {
		return nil, nil
	}
	return a.orgs.Membership(ctx, c.Principal.AccountID)
}
