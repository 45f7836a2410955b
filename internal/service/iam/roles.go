package iam

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store"
)

// IAM quotas on roles ("IAM and AWS STS quotas" in the IAM User Guide).
const (
	rolesQuota                = 1000
	defaultMaxSessionDuration = 3600
)

// serviceRolePathPrefix is the path under which IAM keeps service-linked
// roles; ordinary roles may not be created there.
const serviceRolePathPrefix = "/aws-service-role/"

func (s *Service) registerRoles(r *call.Registry) {
	r.Handle(api.Service, "CreateRole", call.Typed(s.CreateRole))
	r.Handle(api.Service, "GetRole", call.Typed(s.GetRole))
	r.Handle(api.Service, "UpdateRole", call.Typed(s.UpdateRole))
	r.Handle(api.Service, "UpdateRoleDescription", call.Typed(s.UpdateRoleDescription))
	r.Handle(api.Service, "UpdateAssumeRolePolicy", call.Typed(s.UpdateAssumeRolePolicy))
	r.Handle(api.Service, "DeleteRole", call.Typed(s.DeleteRole))
	r.Handle(api.Service, "ListRoles", call.Typed(s.ListRoles))
	r.Handle(api.Service, "TagRole", call.Typed(s.TagRole))
	r.Handle(api.Service, "UntagRole", call.Typed(s.UntagRole))
	r.Handle(api.Service, "ListRoleTags", call.Typed(s.ListRoleTags))
	s.registerServiceLinkedRoles(r)
}

// roleResource is a role as its trail events name it.
func roleResource(r *iam.Role) call.Resource {
	return call.Resource{ARN: r.ARN(), AccountID: r.AccountID, Type: "AWS::IAM::Role"}
}

func roleSortKey(r *iam.Role) string { return strings.ToLower(r.Name) }

// protectedRole is AWS's answer to a change IAM does not allow on a
// service-linked role: only the service that owns it may change it.
func protectedRole(name string) *protocol.Error {
	return api.NewUnmodifiableEntityException("Cannot perform the operation on the protected role '%s' - this role is only modifiable by AWS", name)
}

// parseTrustPolicy validates a role trust policy: the policy language's
// rules for trust policies, then that every IAM user or role it names as
// an AWS principal exists. AWS resolves those ARNs to the principals'
// unique ids when it stores the policy, so an ARN naming nobody is refused
// ("Invalid principal in policy"). gatehouse can only know that of
// accounts it holds; ARNs of other accounts are taken as they are.
func parseTrustPolicy(tx *iam.Tx, doc string) error {
	p, err := policy.Parse([]byte(iam.DecodeDocument(doc)), policy.KindTrust)
	if err != nil {
		return malformedPolicy(err)
	}
	known := map[string]bool{} // account id -> held by this gatehouse
	for i := range p.Statements {
		st := &p.Statements[i]
		for _, pr := range []*policy.Principals{st.Principal, st.NotPrincipal} {
			if pr == nil {
				continue
			}
			for _, arn := range pr.AWS {
				ok, err := principalExists(tx, arn, known)
				if err != nil {
					return err
				}
				if !ok {
					return api.NewMalformedPolicyDocumentException("Invalid principal in policy: \"AWS\":\"%s\"", arn)
				}
			}
		}
	}
	return nil
}

// principalExists reports whether an AWS principal of a trust policy
// names an existing entity, as far as gatehouse can tell: user and role
// ARNs of accounts it holds must name an existing user or role with that
// path; everything else (account ids, root ARNs, session ARNs, wildcards,
// other accounts) passes.
func principalExists(tx *iam.Tx, arn string, known map[string]bool) (bool, error) {
	if strings.ContainsAny(arn, "*?") {
		return true, nil
	}
	kind := "role"
	acct, path, name, ok := iam.ParseRoleARN(arn)
	if !ok {
		kind = "user"
		if acct, path, name, ok = iam.ParseUserARN(arn); !ok {
			return true, nil
		}
	}
	held, seen := known[acct]
	if !seen {
		_, err := account.Get(tx, acct)
		switch {
		case err == nil:
			held = true
		case errors.Is(err, store.ErrNotFound):
			held = false
		default:
			return false, err
		}
		known[acct] = held
	}
	if !held {
		return true, nil
	}
	var gotPath string
	var err error
	if kind == "role" {
		var r *iam.Role
		if r, err = tx.Role(acct, name); err == nil {
			gotPath = r.Path
		}
	} else {
		var u *iam.User
		if u, err = tx.User(acct, name); err == nil {
			gotPath = u.Path
		}
	}
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return gotPath == path, nil
}

// CreateRole creates a role with a trust policy, and optionally a path,
// description, maximum session duration, permissions boundary and tags.
func (s *Service) CreateRole(ctx context.Context, c *call.Call, in *api.CreateRoleInput) (*api.CreateRoleOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	if strings.HasPrefix(path, serviceRolePathPrefix) {
		return nil, invalidInput("The path prefix %s is reserved for service-linked roles; create them with CreateServiceLinkedRole.", serviceRolePathPrefix)
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	r := &iam.Role{
		AccountID: acct, Name: *in.RoleName, Path: path, ID: iam.NewID(iam.PrefixRole),
		CreateDate: s.now(), TrustPolicy: *in.AssumeRolePolicyDocument, Description: deref(in.Description),
		MaxSessionDuration: defaultMaxSessionDuration, Tags: tags, Boundary: deref(in.PermissionsBoundary),
	}
	if in.MaxSessionDuration != nil {
		r.MaxSessionDuration = *in.MaxSessionDuration
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.Role(acct, r.Name); err == nil {
			return alreadyExists("Role", r.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		if err := parseTrustPolicy(tx, r.TrustPolicy); err != nil {
			return err
		}
		n, err := countAccountItems(tx, iam.KindRole, acct)
		if err != nil {
			return err
		}
		if n >= rolesQuota {
			return limitExceeded("RolesPerAccount", rolesQuota)
		}
		if r.Boundary != "" {
			if err := attachBoundary(tx, acct, "", r.Boundary); err != nil {
				return err
			}
		}
		return tx.PutRole(r)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(roleResource(r))
	out := apiRole(r, false)
	out.Tags = apiTags(r.Tags)
	return &api.CreateRoleOutput{Role: &out}, nil
}

// getRole reads a role, with its last use noted in memory but not yet
// flushed to the store.
func (s *Service) getRole(ctx context.Context, acct, name string) (*iam.Role, error) {
	var r *iam.Role
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.Role(acct, name)
		return notFound(err, "role", name)
	})
	if err != nil {
		return nil, err
	}
	if t, region, ok := s.dir.RoleLastUsed(acct, r.Name); ok && t.After(r.LastUsedDate) {
		r.LastUsedDate, r.LastUsedRegion = t, region
	}
	return r, nil
}

// GetRole returns a role with its trust policy, tags and last use.
func (s *Service) GetRole(ctx context.Context, c *call.Call, in *api.GetRoleInput) (*api.GetRoleOutput, error) {
	r, err := s.getRole(ctx, c.Principal.AccountID, *in.RoleName)
	if err != nil {
		return nil, err
	}
	out := apiRole(r, true)
	return &api.GetRoleOutput{Role: &out}, nil
}

// updateRole runs fn on the named role in a write transaction and stores
// the role afterwards.
func (s *Service) updateRole(ctx context.Context, c *call.Call, name string, fn func(tx *iam.Tx, r *iam.Role) error) (*iam.Role, error) {
	acct := c.Principal.AccountID
	var r *iam.Role
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.Role(acct, name)
		if err != nil {
			return notFound(err, "role", name)
		}
		if err := fn(tx, r); err != nil {
			return err
		}
		return tx.PutRole(r)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(roleResource(r))
	return r, nil
}

// UpdateRole changes a role's description and/or maximum session duration.
// A service-linked role's description may change, its session duration
// not.
func (s *Service) UpdateRole(ctx context.Context, c *call.Call, in *api.UpdateRoleInput) (*api.UpdateRoleOutput, error) {
	_, err := s.updateRole(ctx, c, *in.RoleName, func(_ *iam.Tx, r *iam.Role) error {
		if in.MaxSessionDuration != nil {
			if r.ServiceLinked {
				return protectedRole(r.Name)
			}
			r.MaxSessionDuration = *in.MaxSessionDuration
		}
		if in.Description != nil {
			r.Description = *in.Description
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateRoleOutput{}, nil
}

// UpdateRoleDescription replaces a role's description and returns the role.
func (s *Service) UpdateRoleDescription(ctx context.Context, c *call.Call, in *api.UpdateRoleDescriptionInput) (*api.UpdateRoleDescriptionOutput, error) {
	r, err := s.updateRole(ctx, c, *in.RoleName, func(_ *iam.Tx, r *iam.Role) error {
		r.Description = *in.Description
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := apiRole(r, false)
	return &api.UpdateRoleDescriptionOutput{Role: &out}, nil
}

// UpdateAssumeRolePolicy replaces a role's trust policy.
func (s *Service) UpdateAssumeRolePolicy(ctx context.Context, c *call.Call, in *api.UpdateAssumeRolePolicyInput) (*struct{}, error) {
	_, err := s.updateRole(ctx, c, *in.RoleName, func(tx *iam.Tx, r *iam.Role) error {
		if r.ServiceLinked {
			return protectedRole(r.Name)
		}
		if err := parseTrustPolicy(tx, *in.PolicyDocument); err != nil {
			return err
		}
		r.TrustPolicy = *in.PolicyDocument
		return nil
	})
	return nil, err
}

// roleDeleteConflict returns AWS's DeleteConflict for the first thing that
// still hangs off a role, or nil when it can be deleted.
func roleDeleteConflict(r *iam.Role) error {
	switch {
	case len(r.InstanceProfiles) > 0:
		return deleteConflict("remove roles from instance profile")
	case len(r.Inline) > 0:
		return deleteConflict("delete policies")
	case len(r.Attached) > 0:
		return deleteConflict("detach all policies")
	}
	return nil
}

// DeleteRole deletes a role that is in no instance profile and has no
// policies left; its permissions boundary, if any, is released.
// Service-linked roles are deleted with DeleteServiceLinkedRole only.
func (s *Service) DeleteRole(ctx context.Context, c *call.Call, in *api.DeleteRoleInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var r *iam.Role
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.Role(acct, *in.RoleName)
		if err != nil {
			return notFound(err, "role", *in.RoleName)
		}
		if r.ServiceLinked {
			return protectedRole(r.Name)
		}
		if err := roleDeleteConflict(r); err != nil {
			return err
		}
		if r.Boundary != "" {
			if err := attachBoundary(tx, acct, r.Boundary, ""); err != nil {
				return err
			}
		}
		return tx.DeleteRole(acct, r.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(roleResource(r))
	return nil, nil
}

// ListRoles lists the account's roles under a path prefix, by name. As in
// AWS, the listing leaves out each role's tags, last use and permissions
// boundary (GetRole has them).
func (s *Service) ListRoles(ctx context.Context, c *call.Call, in *api.ListRolesInput) (*api.ListRolesOutput, error) {
	acct := c.Principal.AccountID
	var roles []*iam.Role
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.Roles(acct)
		for _, r := range all {
			if pathMatches(r.Path, in.PathPrefix) {
				roles = append(roles, r)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, truncated, marker, err := page(roles, roleSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListRolesOutput{Roles: make([]api.Role, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, r := range pg {
		ar := apiRole(r, false)
		ar.PermissionsBoundary = nil
		out.Roles = append(out.Roles, ar)
	}
	return out, nil
}

// TagRole adds tags to a role, replacing the values of keys it has.
func (s *Service) TagRole(ctx context.Context, c *call.Call, in *api.TagRoleInput) (*struct{}, error) {
	_, err := s.updateRole(ctx, c, *in.RoleName, func(_ *iam.Tx, r *iam.Role) error {
		tags, err := addTags(r.Tags, in.Tags)
		r.Tags = tags
		return err
	})
	return nil, err
}

// UntagRole removes tags from a role; keys it does not have are ignored.
func (s *Service) UntagRole(ctx context.Context, c *call.Call, in *api.UntagRoleInput) (*struct{}, error) {
	_, err := s.updateRole(ctx, c, *in.RoleName, func(_ *iam.Tx, r *iam.Role) error {
		r.Tags = removeTags(r.Tags, in.TagKeys)
		return nil
	})
	return nil, err
}

// ListRoleTags lists a role's tags in the order they were added.
func (s *Service) ListRoleTags(ctx context.Context, c *call.Call, in *api.ListRoleTagsInput) (*api.ListRoleTagsOutput, error) {
	var r *iam.Role
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		r, err = tx.Role(c.Principal.AccountID, *in.RoleName)
		return notFound(err, "role", *in.RoleName)
	})
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(r.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListRoleTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}
