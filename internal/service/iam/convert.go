package iam

import (
	"net/url"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// This file converts stored entities into the model's output shapes.

func ptr[T any](v T) *T { return &v }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

func apiTags(tags []iam.Tag) []api.Tag {
	if len(tags) == 0 {
		return nil
	}
	out := make([]api.Tag, len(tags))
	for i, t := range tags {
		out[i] = api.Tag{Key: ptr(t.Key), Value: ptr(t.Value)}
	}
	return out
}

func apiBoundary(arn string) *api.AttachedPermissionsBoundary {
	if arn == "" {
		return nil
	}
	return &api.AttachedPermissionsBoundary{
		PermissionsBoundaryType: api.PermissionsBoundaryAttachmentTypePermissionsBoundaryPolicy,
		PermissionsBoundaryArn:  ptr(arn),
	}
}

// apiUser converts a user; withTags adds its tags (GetUser shows them,
// ListUsers does not).
func apiUser(u *iam.User, withTags bool) api.User {
	out := api.User{
		Path: ptr(u.Path), UserName: ptr(u.Name), UserId: ptr(u.ID), Arn: ptr(u.ARN()),
		CreateDate: ptr(u.CreateDate), PasswordLastUsed: timePtr(u.PasswordLastUsed),
		PermissionsBoundary: apiBoundary(u.Boundary),
	}
	if withTags {
		out.Tags = apiTags(u.Tags)
	}
	return out
}

func apiGroup(g *iam.Group) api.Group {
	return api.Group{Path: ptr(g.Path), GroupName: ptr(g.Name), GroupId: ptr(g.ID), Arn: ptr(g.ARN()), CreateDate: ptr(g.CreateDate)}
}

// apiRole converts a role. AWS returns the trust policy URL-encoded.
func apiRole(r *iam.Role, withTags bool) api.Role {
	out := api.Role{
		Path: ptr(r.Path), RoleName: ptr(r.Name), RoleId: ptr(r.ID), Arn: ptr(r.ARN()),
		CreateDate: ptr(r.CreateDate), AssumeRolePolicyDocument: ptr(encodeDocument(r.TrustPolicy)),
		MaxSessionDuration: ptr(r.MaxSessionDuration), PermissionsBoundary: apiBoundary(r.Boundary),
	}
	if r.Description != "" {
		out.Description = ptr(r.Description)
	}
	if withTags {
		out.Tags = apiTags(r.Tags)
		out.RoleLastUsed = &api.RoleLastUsed{LastUsedDate: timePtr(r.LastUsedDate)}
		if r.LastUsedRegion != "" {
			out.RoleLastUsed.Region = ptr(r.LastUsedRegion)
		}
	}
	return out
}

func apiPolicy(p *iam.ManagedPolicy, withTags bool) api.Policy {
	out := api.Policy{
		PolicyName: ptr(p.Name), PolicyId: ptr(p.ID), Arn: ptr(p.ARN()), Path: ptr(p.Path),
		DefaultVersionId: ptr(p.DefaultVersion), AttachmentCount: ptr(int32(p.AttachmentCount)),
		PermissionsBoundaryUsageCount: ptr(int32(p.BoundaryCount)), IsAttachable: ptr(true),
		CreateDate: ptr(p.CreateDate), UpdateDate: ptr(p.UpdateDate),
	}
	if p.Description != "" {
		out.Description = ptr(p.Description)
	}
	if withTags {
		out.Tags = apiTags(p.Tags)
	}
	return out
}

// encodeDocument URL-encodes a policy document as IAM's responses carry
// them (RFC 3986 escaping, spaces as %20).
func encodeDocument(doc string) string {
	doc = iam.DecodeDocument(doc)
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}
