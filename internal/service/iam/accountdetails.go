package iam

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// authzEntry is one entity of GetAccountAuthorizationDetails' combined,
// paginated listing: users, then groups, roles, customer managed policies
// and AWS managed policies, each by name.
type authzEntry struct {
	key    string
	user   *iam.User
	group  *iam.Group
	role   *iam.Role
	policy *iam.ManagedPolicy
	// awsAttachments and awsBoundaries are the account's usage counts of an
	// AWS managed policy.
	awsAttachments, awsBoundaries int
}

// GetAccountAuthorizationDetails describes every user, group, role and
// managed policy of the account with their policies (documents
// URL-encoded, as AWS returns them), group memberships, instance profiles
// and policy versions. Filter restricts the entity types; AWS managed
// policies are listed when the account uses them (attached or as a
// permissions boundary).
func (s *Service) GetAccountAuthorizationDetails(ctx context.Context, c *call.Call, in *api.GetAccountAuthorizationDetailsInput) (*api.GetAccountAuthorizationDetailsOutput, error) {
	acct := c.Principal.AccountID
	want := func(t api.EntityType) bool { return len(in.Filter) == 0 || slices.Contains(in.Filter, t) }
	var entries []authzEntry
	profiles := map[string]*iam.InstanceProfile{} // by lower-cased name
	rolesByName := map[string]*iam.Role{}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		users, err := tx.Users(acct)
		if err != nil {
			return err
		}
		groups, err := tx.Groups(acct)
		if err != nil {
			return err
		}
		roles, err := tx.Roles(acct)
		if err != nil {
			return err
		}
		if want(api.EntityTypeUser) {
			for _, u := range users {
				entries = append(entries, authzEntry{key: "1/" + strings.ToLower(u.Name), user: u})
			}
		}
		if want(api.EntityTypeGroup) {
			for _, g := range groups {
				entries = append(entries, authzEntry{key: "2/" + strings.ToLower(g.Name), group: g})
			}
		}
		if want(api.EntityTypeRole) {
			for _, r := range roles {
				entries = append(entries, authzEntry{key: "3/" + strings.ToLower(r.Name), role: r})
				rolesByName[strings.ToLower(r.Name)] = r
			}
			ips, err := tx.InstanceProfiles(acct)
			if err != nil {
				return err
			}
			for _, p := range ips {
				profiles[strings.ToLower(p.Name)] = p
			}
		}
		if want(api.EntityTypeLocalManagedPolicy) {
			policies, err := tx.Policies(acct)
			if err != nil {
				return err
			}
			for _, p := range policies {
				entries = append(entries, authzEntry{key: "4/" + strings.ToLower(p.Name), policy: p})
			}
		}
		if want(api.EntityTypeAWSManagedPolicy) {
			used := usedAWSPolicies(users, groups, roles)
			for _, arn := range used {
				p, err := tx.Policy(acct, arn)
				if errors.Is(err, iam.ErrNoSuchEntity) {
					continue
				}
				if err != nil {
					return err
				}
				a, b, err := tx.AWSPolicyUsage(acct, p.Name)
				if err != nil {
					return err
				}
				entries = append(entries, authzEntry{key: "5/" + arn, policy: p, awsAttachments: a, awsBoundaries: b})
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(entries, func(a, b authzEntry) int { return strings.Compare(a.key, b.key) })
	pg, truncated, marker, err := page(entries, func(e authzEntry) string { return e.key }, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.GetAccountAuthorizationDetailsOutput{IsTruncated: ptr(truncated), Marker: marker}
	for _, e := range pg {
		switch {
		case e.user != nil:
			out.UserDetailList = append(out.UserDetailList, authzUserDetail(e.user))
		case e.group != nil:
			out.GroupDetailList = append(out.GroupDetailList, authzGroupDetail(e.group))
		case e.role != nil:
			out.RoleDetailList = append(out.RoleDetailList, s.authzRoleDetail(e.role, profiles, rolesByName))
		case e.policy != nil:
			out.Policies = append(out.Policies, authzPolicyDetail(e))
		}
	}
	return out, nil
}

// usedAWSPolicies returns the ARNs of the AWS managed policies that the
// entities attach or use as permissions boundaries, sorted.
func usedAWSPolicies(users []*iam.User, groups []*iam.Group, roles []*iam.Role) []string {
	set := map[string]bool{}
	add := func(arns ...string) {
		for _, arn := range arns {
			if strings.HasPrefix(arn, "arn:aws:iam::aws:policy/") {
				set[arn] = true
			}
		}
	}
	for _, u := range users {
		add(u.Attached...)
		add(u.Boundary)
	}
	for _, g := range groups {
		add(g.Attached...)
	}
	for _, r := range roles {
		add(r.Attached...)
		add(r.Boundary)
	}
	out := make([]string, 0, len(set))
	for arn := range set {
		out = append(out, arn)
	}
	slices.Sort(out)
	return out
}

func authzInline(inline []iam.InlinePolicy) []api.PolicyDetail {
	if len(inline) == 0 {
		return nil
	}
	out := make([]api.PolicyDetail, len(inline))
	for i, p := range inline {
		out[i] = api.PolicyDetail{PolicyName: ptr(p.Name), PolicyDocument: ptr(encodeDocument(p.Document))}
	}
	return out
}

func authzAttached(arns []string) []api.AttachedPolicy {
	if len(arns) == 0 {
		return nil
	}
	out := make([]api.AttachedPolicy, len(arns))
	for i, arn := range arns {
		_, _, name, _ := iam.ParsePolicyARN(arn)
		out[i] = api.AttachedPolicy{PolicyName: ptr(name), PolicyArn: ptr(arn)}
	}
	return out
}

func authzUserDetail(u *iam.User) api.UserDetail {
	return api.UserDetail{
		Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(u.ARN()), CreateDate: ptr(u.CreateDate),
		UserPolicyList: authzInline(u.Inline), GroupList: slices.Clone(u.Groups),
		AttachedManagedPolicies: authzAttached(u.Attached), PermissionsBoundary: apiBoundary(u.Boundary),
		Tags: apiTags(u.Tags),
	}
}

func authzGroupDetail(g *iam.Group) api.GroupDetail {
	return api.GroupDetail{
		Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(g.ARN()), CreateDate: ptr(g.CreateDate),
		GroupPolicyList: authzInline(g.Inline), AttachedManagedPolicies: authzAttached(g.Attached),
	}
}

// authzRoleDetail describes a role with its instance profiles (each with the
// roles it holds).
func (s *Service) authzRoleDetail(r *iam.Role, profiles map[string]*iam.InstanceProfile, roles map[string]*iam.Role) api.RoleDetail {
	d := api.RoleDetail{
		Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(r.ARN()), CreateDate: ptr(r.CreateDate),
		AssumeRolePolicyDocument: ptr(encodeDocument(r.TrustPolicy)),
		RolePolicyList:           authzInline(r.Inline), AttachedManagedPolicies: authzAttached(r.Attached),
		PermissionsBoundary: apiBoundary(r.Boundary), Tags: apiTags(r.Tags),
		InstanceProfileList: []api.InstanceProfile{},
	}
	last, region := r.LastUsedDate, r.LastUsedRegion
	if t, reg, ok := s.dir.RoleLastUsed(r.AccountID, r.Name); ok && t.After(last) {
		last, region = t, reg
	}
	d.RoleLastUsed = &api.RoleLastUsed{LastUsedDate: timePtr(last)}
	if region != "" {
		d.RoleLastUsed.Region = ptr(region)
	}
	for _, name := range r.InstanceProfiles {
		p, ok := profiles[strings.ToLower(name)]
		if !ok {
			continue
		}
		ip := api.InstanceProfile{
			Path: ptr(p.Path), InstanceProfileName: ptr(p.Name), InstanceProfileId: ptr(p.ID), Arn: ptr(p.ARN()),
			CreateDate: ptr(p.CreateDate), Roles: []api.Role{}, Tags: apiTags(p.Tags),
		}
		for _, rn := range p.Roles {
			if held, ok := roles[strings.ToLower(rn)]; ok {
				ip.Roles = append(ip.Roles, apiRole(held, false))
			}
		}
		d.InstanceProfileList = append(d.InstanceProfileList, ip)
	}
	return d
}

// authzPolicyDetail describes a managed policy with all its versions.
func authzPolicyDetail(e authzEntry) api.ManagedPolicyDetail {
	p := e.policy
	attachments, boundaries := p.AttachmentCount, p.BoundaryCount
	if p.AccountID == "aws" {
		attachments, boundaries = e.awsAttachments, e.awsBoundaries
	}
	d := api.ManagedPolicyDetail{
		PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(p.ARN()), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(attachments)),
		PermissionsBoundaryUsageCount: ptr(int32(boundaries)), IsAttachable: ptr(true),
		CreateDate: ptr(p.CreateDate), UpdateDate: ptr(p.UpdateDate),
	}
	if p.Description != "" {
		d.Description = ptr(p.Description)
	}
	for _, v := range p.Versions {
		d.PolicyVersionList = append(d.PolicyVersionList, api.PolicyVersion{
			Document: ptr(encodeDocument(v.Document)), VersionId: ptr(v.ID),
			IsDefaultVersion: ptr(v.ID == p.DefaultVersion), CreateDate: ptr(v.CreateDate),
		})
	}
	return d
}
