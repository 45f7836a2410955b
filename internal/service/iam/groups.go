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

// groupsQuota is IAM's quota of groups per account.
const groupsQuota = 300

func (s *Service) registerGroups(r *call.Registry) {
	r.Handle(api.Service, "CreateGroup", call.Typed(s.CreateGroup))
	r.Handle(api.Service, "GetGroup", call.Typed(s.GetGroup))
	r.Handle(api.Service, "UpdateGroup", call.Typed(s.UpdateGroup))
	r.Handle(api.Service, "DeleteGroup", call.Typed(s.DeleteGroup))
	r.Handle(api.Service, "ListGroups", call.Typed(s.ListGroups))
	r.Handle(api.Service, "AddUserToGroup", call.Typed(s.AddUserToGroup))
	r.Handle(api.Service, "RemoveUserFromGroup", call.Typed(s.RemoveUserFromGroup))
	r.Handle(api.Service, "ListGroupsForUser", call.Typed(s.ListGroupsForUser))
}

// groupResource is a group as its trail events name it.
func groupResource(g *iam.Group) call.Resource {
	return call.Resource{ARN: g.ARN(), AccountID: g.AccountID, Type: "AWS::IAM::Group"}
}

func groupSortKey(g *iam.Group) string { return strings.ToLower(g.Name) }

// CreateGroup creates a group with an optional path.
func (s *Service) CreateGroup(ctx context.Context, c *call.Call, in *api.CreateGroupInput) (*api.CreateGroupOutput, error) {
	acct := c.Principal.AccountID
	path, perr := validPath(in.Path)
	if perr != nil {
		return nil, perr
	}
	g := &iam.Group{AccountID: acct, Name: *in.GroupName, Path: path, ID: iam.NewID(iam.PrefixGroup), CreateDate: s.now()}
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		if _, err := tx.Group(acct, g.Name); err == nil {
			return alreadyExists("Group", g.Name)
		} else if !errors.Is(err, iam.ErrNoSuchEntity) {
			return err
		}
		n, err := countAccountItems(tx, iam.KindGroup, acct)
		if err != nil {
			return err
		}
		if n >= groupsQuota {
			return limitExceeded("GroupsPerAccount", groupsQuota)
		}
		return tx.PutGroup(g)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(groupResource(g))
	out := apiGroup(g)
	return &api.CreateGroupOutput{Group: &out}, nil
}

// GetGroup returns a group and its users, by name, a page at a time.
func (s *Service) GetGroup(ctx context.Context, c *call.Call, in *api.GetGroupInput) (*api.GetGroupOutput, error) {
	acct := c.Principal.AccountID
	var g *iam.Group
	var members []*iam.User
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		var err error
		g, err = tx.Group(acct, *in.GroupName)
		if err != nil {
			return notFound(err, "group", *in.GroupName)
		}
		for _, name := range g.Members {
			u, err := tx.User(acct, name)
			if errors.Is(err, iam.ErrNoSuchEntity) {
				continue
			}
			if err != nil {
				return err
			}
			members = append(members, u)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(members, func(a, b *iam.User) int { return strings.Compare(userSortKey(a), userSortKey(b)) })
	pg, truncated, marker, err := page(members, userSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	group := apiGroup(g)
	out := &api.GetGroupOutput{Group: &group, Users: make([]api.User, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, u := range pg {
		out.Users = append(out.Users, apiUser(u, false))
	}
	return out, nil
}

// UpdateGroup changes a group's path and/or name; a rename moves the
// record and renames the group in its members' group lists.
func (s *Service) UpdateGroup(ctx context.Context, c *call.Call, in *api.UpdateGroupInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var newPath string
	if in.NewPath != nil {
		p, perr := validPath(in.NewPath)
		if perr != nil {
			return nil, perr
		}
		newPath = p
	}
	var g *iam.Group
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		g, err = tx.Group(acct, *in.GroupName)
		if err != nil {
			return notFound(err, "group", *in.GroupName)
		}
		oldName, newName := g.Name, deref(in.NewGroupName)
		renamed := newName != "" && newName != oldName
		if renamed && !strings.EqualFold(newName, oldName) {
			if _, err := tx.Group(acct, newName); err == nil {
				return alreadyExists("Group", newName)
			} else if !errors.Is(err, iam.ErrNoSuchEntity) {
				return err
			}
		}
		if !renamed && (newPath == "" || newPath == g.Path) {
			return nil
		}
		if newPath != "" {
			g.Path = newPath
		}
		if renamed {
			if err := tx.DeleteGroup(acct, oldName); err != nil {
				return err
			}
			g.Name = newName
			for _, member := range g.Members {
				u, err := tx.User(acct, member)
				if errors.Is(err, iam.ErrNoSuchEntity) {
					continue
				}
				if err != nil {
					return err
				}
				for i, gname := range u.Groups {
					if strings.EqualFold(gname, oldName) {
						u.Groups[i] = newName
					}
				}
				if err := tx.PutUser(u); err != nil {
					return err
				}
			}
		}
		return tx.PutGroup(g)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(groupResource(g))
	return nil, nil
}

// DeleteGroup deletes a group with no members and no policies.
func (s *Service) DeleteGroup(ctx context.Context, c *call.Call, in *api.DeleteGroupInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var g *iam.Group
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		g, err = tx.Group(acct, *in.GroupName)
		if err != nil {
			return notFound(err, "group", *in.GroupName)
		}
		switch {
		case len(g.Members) > 0:
			return deleteConflict("remove users from group")
		case len(g.Inline) > 0:
			return deleteConflict("delete policies")
		case len(g.Attached) > 0:
			return deleteConflict("detach all policies")
		}
		return tx.DeleteGroup(acct, g.Name)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(groupResource(g))
	return nil, nil
}

// ListGroups lists the account's groups under a path prefix, by name.
func (s *Service) ListGroups(ctx context.Context, c *call.Call, in *api.ListGroupsInput) (*api.ListGroupsOutput, error) {
	var groups []*iam.Group
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		all, err := tx.Groups(c.Principal.AccountID)
		for _, g := range all {
			if pathMatches(g.Path, in.PathPrefix) {
				groups = append(groups, g)
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	pg, truncated, marker, err := page(groups, groupSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListGroupsOutput{Groups: make([]api.Group, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, g := range pg {
		out.Groups = append(out.Groups, apiGroup(g))
	}
	return out, nil
}

// AddUserToGroup makes a user a member of a group (again: no error). A
// user belongs to at most 10 groups.
func (s *Service) AddUserToGroup(ctx context.Context, c *call.Call, in *api.AddUserToGroupInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var g *iam.Group
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		g, err = tx.Group(acct, *in.GroupName)
		if err != nil {
			return notFound(err, "group", *in.GroupName)
		}
		u, err := tx.User(acct, *in.UserName)
		if err != nil {
			return notFound(err, "user", *in.UserName)
		}
		if hasNameFold(u.Groups, g.Name) {
			return nil
		}
		if len(u.Groups) >= groupsPerUserQuota {
			return limitExceeded("GroupsPerUser", groupsPerUserQuota)
		}
		u.Groups = append(u.Groups, g.Name)
		if !hasNameFold(g.Members, u.Name) {
			g.Members = append(g.Members, u.Name)
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.PutGroup(g)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(groupResource(g))
	return nil, nil
}

// RemoveUserFromGroup removes a user from a group it belongs to.
func (s *Service) RemoveUserFromGroup(ctx context.Context, c *call.Call, in *api.RemoveUserFromGroupInput) (*struct{}, error) {
	acct := c.Principal.AccountID
	var g *iam.Group
	err := s.dir.Update(ctx, func(tx *iam.Tx) error {
		var err error
		g, err = tx.Group(acct, *in.GroupName)
		if err != nil {
			return notFound(err, "group", *in.GroupName)
		}
		u, err := tx.User(acct, *in.UserName)
		if err != nil {
			return notFound(err, "user", *in.UserName)
		}
		if !hasNameFold(u.Groups, g.Name) && !hasNameFold(g.Members, u.Name) {
			return noSuchEntity("user", *in.UserName)
		}
		u.Groups = withoutNameFold(u.Groups, g.Name)
		g.Members = withoutNameFold(g.Members, u.Name)
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.PutGroup(g)
	})
	if err != nil {
		return nil, err
	}
	c.AddResource(groupResource(g))
	return nil, nil
}

// ListGroupsForUser lists the groups a user belongs to, by name.
func (s *Service) ListGroupsForUser(ctx context.Context, c *call.Call, in *api.ListGroupsForUserInput) (*api.ListGroupsForUserOutput, error) {
	acct := c.Principal.AccountID
	var groups []*iam.Group
	err := s.dir.View(ctx, func(tx *iam.Tx) error {
		u, err := tx.User(acct, *in.UserName)
		if err != nil {
			return notFound(err, "user", *in.UserName)
		}
		for _, name := range u.Groups {
			g, err := tx.Group(acct, name)
			if errors.Is(err, iam.ErrNoSuchEntity) {
				continue
			}
			if err != nil {
				return err
			}
			groups = append(groups, g)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(groups, func(a, b *iam.Group) int { return strings.Compare(groupSortKey(a), groupSortKey(b)) })
	pg, truncated, marker, err := page(groups, groupSortKey, in.Marker, in.MaxItems)
	if err != nil {
		return nil, err
	}
	out := &api.ListGroupsForUserOutput{Groups: make([]api.Group, 0, len(pg)), IsTruncated: ptr(truncated), Marker: marker}
	for _, g := range pg {
		out.Groups = append(out.Groups, apiGroup(g))
	}
	return out, nil
}

// hasNameFold reports whether names holds name, compared without case as
// IAM names are.
func hasNameFold(names []string, name string) bool {
	return slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, name) })
}

// withoutNameFold returns names without name (compared without case).
func withoutNameFold(names []string, name string) []string {
	return slices.DeleteFunc(slices.Clone(names), func(n string) bool { return strings.EqualFold(n, name) })
}
