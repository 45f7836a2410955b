package iam

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// IAM quotas on instance profiles.
const (
	instanceProfilesQuota = 1000
	rolesPerProfileQuota  = 1
)

func (s *Service) registerInstanceProfiles(r *call.Registry) {
	r.Handle(api.Service, "CreateInstanceProfile", call.Typed(s.CreateInstanceProfile))
	r.Handle(api.Service, "GetInstanceProfile", call.Typed(s.GetInstanceProfile))
	r.Handle(api.Service, "DeleteInstanceProfile", call.Typed(s.DeleteInstanceProfile))
	r.Handle(api.Service, "AddRoleToInstanceProfile", call.Typed(s.AddRoleToInstanceProfile))
	r.Handle(api.Service, "RemoveRoleFromInstanceProfile", call.Typed(s.RemoveRoleFromInstanceProfile))
	r.Handle(api.Service, "ListInstanceProfiles", call.Typed(s.ListInstanceProfiles))
	r.Handle(api.Service, "ListInstanceProfilesForRole", call.Typed(s.ListInstanceProfilesForRole))
	r.Handle(api.Service, "TagInstanceProfile", call.Typed(s.TagInstanceProfile))
	r.Handle(api.Service, "UntagInstanceProfile", call.Typed(s.UntagInstanceProfile))
	r.Handle(api.Service, "ListInstanceProfileTags", call.Typed(s.ListInstanceProfileTags))
}

// noSuchInstanceProfile is IAM's NoSuchEntity for an instance profile.
func noSuchInstanceProfile(name string) *protocol.Error {
	return api.NewNoSuchEntityException("Instance Profile %s cannot be found.", name)
}

// profileNotFound maps iam.ErrNoSuchEntity to noSuchInstanceProfile.
func profileNotFound(err error, name string) error {
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return noSuchInstanceProfile(name)
	}
	return err
}

func profileResource(p *iam.InstanceProfile) call.Resource {
	return call.Resource{ARN: p.ARN(), AccountID: p.AccountID, Type: "AWS::IAM::InstanceProfile"}
}

func profileSortKey(p *iam.InstanceProfile) string { return strings.ToLower(p.Name) }

// apiInstanceProfile converts a profile with its roles (read in tx); roles
// deleted behind its back are left out. withTags adds the profile's tags.
func apiInstanceProfile(tx *iam.Tx, p *iam.InstanceProfile, withTags bool) (api.InstanceProfile, error) {
	out := api.InstanceProfile{
		Path: ptr(p.Path), InstanceProfileName: ptr(p.Name), InstanceProfileId: ptr(p.ID),
		Arn: ptr(p.ARN()), CreateDate: ptr(p.CreateDate), Roles: []api.Role{},
	}
	for _, name := range p.Roles {
		r, err := tx.Role(p.AccountID, name)
		if errors.Is(err, iam.ErrNoSuchEntity) {
			continue
		}
		if err != nil {
			return out, err
		}
		out.Roles = append(out.Roles, apiRole(r, false))
	}
	if withTags {
		out.Tags = apiTags(p.Tags)
	}
	return out, nil
}

// CreateInstanceProfile creates an empty instance profile.
func (s *Service) CreateInstanceProfile(ctx context.Context, c *call.Call, in *api.CreateInstanceProfileInput) (*api.CreateInstanceProfileOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	tags, err := addTags(nil, in.Tags)
	if err != nil {
		return nil, err
	}
	p := &iam.InstanceProfile{
		AccountID: acct, Name: *in.InstanceProfileName, Path: path,
		ID: iam.NewID(iam.PrefixInstanceProfile), CreateDate: s.now(), Tags: tags,
	}
	err = s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.InstanceProfile(acct, p.Name); err == nil {
			return api.NewEntityAlreadyExistsException("Instance Profile %s already exists.", p.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindInstanceProfile, acct)
		if err != nil {
			return err
		}
		if n >= instanceProfilesQuota {
			return limitExceeded("InstanceProfilesPerAccount", instanceProfilesQuota)
		}
		return tx.PutInstanceProfile(p)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(profileResource(p))
	out := api.InstanceProfile{
		Path: ptr(p.Path), InstanceProfileName: ptr(p.Name), InstanceProfileId: ptr(p.ID),
		Arn: ptr(p.ARN()), CreateDate: ptr(p.CreateDate), Roles: []api.Role{}, Tags: apiTags(p.Tags),
	}
	return &api.CreateInstanceProfileOutput{InstanceProfile: &out}, nil
}

// GetInstanceProfile returns an instance profile with its role and tags.
func (s *Service) GetInstanceProfile(ctx context.Context, c *call.Call, in *api.GetInstanceProfileInput) (*api.GetInstanceProfileOutput, error) {
	var out api.InstanceProfile
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		p, err := tx.InstanceProfile(c.Principal.AccountID, *in.InstanceProfileName)
		if err != nil {
			return profileNotFound(err, *in.InstanceProfileName)
		}
		out, err = apiInstanceProfile(tx, p, true)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.GetInstanceProfileOutput{InstanceProfile: &out}, nil
}

// DeleteInstanceProfile deletes an instance profile that holds no role.
func (s *Service) DeleteInstanceProfile(ctx context.Context, c *call.Call, in *api.DeleteInstanceProfileInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var p *iam.InstanceProfile
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.InstanceProfile(acct, *in.InstanceProfileName)
		if err != nil {
			return profileNotFound(err, *in.InstanceProfileName)
		}
		if len(p.Roles) > 0 {
			return deleteConflict("remove roles from instance profile")
		}
		return tx.DeleteInstanceProfile(acct, p.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(profileResource(p))
	return nil, nil
}

// AddRoleToInstanceProfile puts a role in an instance profile, which holds
// at most one; the role records the profile in the same transaction.
func (s *Service) AddRoleToInstanceProfile(ctx context.Context, c *call.Call, in *api.AddRoleToInstanceProfileInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var p *iam.InstanceProfile
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.InstanceProfile(acct, *in.InstanceProfileName)
		if err != nil {
			return profileNotFound(err, *in.InstanceProfileName)
		}
		r, err := tx.Role(acct, *in.RoleName)
		if err != nil {
			return notFound(err, "role", *in.RoleName)
		}
		if r.ServiceLinked {
			return protectedRole(r.Name)
		}
		if len(p.Roles) >= rolesPerProfileQuota {
			return limitExceeded("InstanceSessionsPerInstanceProfile", rolesPerProfileQuota)
		}
		p.Roles = append(p.Roles, r.Name)
		if !hasNameFold(r.InstanceProfiles, p.Name) {
			r.InstanceProfiles = append(r.InstanceProfiles, p.Name)
		}
		if err := tx.PutRole(r); err != nil {
			return err
		}
		return tx.PutInstanceProfile(p)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(profileResource(p))
	return nil, nil
}

// RemoveRoleFromInstanceProfile takes a role out of an instance profile.
func (s *Service) RemoveRoleFromInstanceProfile(ctx context.Context, c *call.Call, in *api.RemoveRoleFromInstanceProfileInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var p *iam.InstanceProfile
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.InstanceProfile(acct, *in.InstanceProfileName)
		if err != nil {
			return profileNotFound(err, *in.InstanceProfileName)
		}
		r, err := tx.Role(acct, *in.RoleName)
		if err != nil {
			return notFound(err, "role", *in.RoleName)
		}
		if !hasNameFold(p.Roles, r.Name) {
			return api.NewNoSuchEntityException("The role with name %s is not in instance profile %s.", r.Name, p.Name)
		}
		p.Roles = withoutNameFold(p.Roles, r.Name)
		r.InstanceProfiles = withoutNameFold(r.InstanceProfiles, p.Name)
		if err := tx.PutRole(r); err != nil {
			return err
		}
		return tx.PutInstanceProfile(p)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(profileResource(p))
	return nil, nil
}

// ListInstanceProfiles lists the account's instance profiles under a path
// prefix, by name, with their roles (tags are left out, as in AWS).
func (s *Service) ListInstanceProfiles(ctx context.Context, c *call.Call, in *api.ListInstanceProfilesInput) (*api.ListInstanceProfilesOutput, error) {
	acct := c.Principal.AccountID
	out := &api.ListInstanceProfilesOutput{InstanceProfiles: []api.InstanceProfile{}}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.InstanceProfiles(acct)
		if err != nil {
			return err
		}
		var profiles []*iam.InstanceProfile
		for _, p := range all {
			if pathMatches(p.Path, in.PathPrefix) {
				profiles = append(profiles, p)
			}
		}
		pg, truncated, marker, err := page(profiles, profileSortKey, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		for _, p := range pg {
			ap, err := apiInstanceProfile(tx, p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, ap)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ListInstanceProfilesForRole lists the instance profiles holding a role.
func (s *Service) ListInstanceProfilesForRole(ctx context.Context, c *call.Call, in *api.ListInstanceProfilesForRoleInput) (*api.ListInstanceProfilesForRoleOutput, error) {
	acct := c.Principal.AccountID
	out := &api.ListInstanceProfilesForRoleOutput{InstanceProfiles: []api.InstanceProfile{}}
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		r, err := tx.Role(acct, *in.RoleName)
		if err != nil {
			return notFound(err, "role", *in.RoleName)
		}
		var profiles []*iam.InstanceProfile
		for _, name := range r.InstanceProfiles {
			p, err := tx.InstanceProfile(acct, name)
			if errors.Is(err, iam.ErrNoSuchEntity) {
				continue
			}
			if err != nil {
				return err
			}
			profiles = append(profiles, p)
		}
		slices.SortFunc(profiles, func(a, b *iam.InstanceProfile) int {
			return strings.Compare(profileSortKey(a), profileSortKey(b))
		})
		pg, truncated, marker, err := page(profiles, profileSortKey, in.Marker, in.MaxItems)
		if err != nil {
			return err
		}
		out.IsTruncated, out.Marker = ptr(truncated), marker
		for _, p := range pg {
			ap, err := apiInstanceProfile(tx, p, false)
			if err != nil {
				return err
			}
			out.InstanceProfiles = append(out.InstanceProfiles, ap)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// updateInstanceProfile runs fn on the named profile in a write
// transaction and stores it afterwards.
func (s *Service) updateInstanceProfile(ctx context.Context, c *call.Call, name string, fn func(p *iam.InstanceProfile) error) error {
	acct := c.Principal.AccountID
	var p *iam.InstanceProfile
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.InstanceProfile(acct, name)
		if err != nil {
			return profileNotFound(err, name)
		}
		if err := fn(p); err != nil {
			return err
		}
		return tx.PutInstanceProfile(p)
	})
	if err == nil {
		c.AddResource(profileResource(p))
	}
	return err
}

// TagInstanceProfile adds tags to an instance profile.
func (s *Service) TagInstanceProfile(ctx context.Context, c *call.Call, in *api.TagInstanceProfileInput) (*struct{}, error) {
	return nil, s.updateInstanceProfile(ctx, c, *in.InstanceProfileName, func(p *iam.InstanceProfile) error {
		tags, err := addTags(p.Tags, in.Tags)
		p.Tags = tags
		return err
	})
}

// UntagInstanceProfile removes tags from an instance profile.
func (s *Service) UntagInstanceProfile(ctx context.Context, c *call.Call, in *api.UntagInstanceProfileInput) (*struct{}, error) {
	return nil, s.updateInstanceProfile(ctx, c, *in.InstanceProfileName, func(p *iam.InstanceProfile) error {
		p.Tags = removeTags(p.Tags, in.TagKeys)
		return nil
	})
}

// ListInstanceProfileTags lists an instance profile's tags.
func (s *Service) ListInstanceProfileTags(ctx context.Context, c *call.Call, in *api.ListInstanceProfileTagsInput) (*api.ListInstanceProfileTagsOutput, error) {
	var p *iam.InstanceProfile
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		p, err = tx.InstanceProfile(c.Principal.AccountID, *in.InstanceProfileName)
		return profileNotFound(err, *in.InstanceProfileName)
	})
	if err != nil {
		return nil, err
	}
	tags, truncated, marker, err := pageTags(p.Tags, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	return &api.ListInstanceProfileTagsOutput{Tags: tags, IsTruncated: ptr(truncated), Marker: marker}, nil
}
