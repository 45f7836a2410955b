package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves organizational units and the tree they make: OUs nest
// up to five levels under the root, hold accounts and other OUs, and are
// listed by parent; ListChildren and ListParents walk the tree one level.

func (s *Service) registerOUs(r *call.Registry) {
	r.Handle(api.Service, "CreateOrganizationalUnit", call.Typed(s.CreateOrganizationalUnit))
	r.Handle(api.Service, "UpdateOrganizationalUnit", call.Typed(s.UpdateOrganizationalUnit))
	r.Handle(api.Service, "DeleteOrganizationalUnit", call.Typed(s.DeleteOrganizationalUnit))
	r.Handle(api.Service, "DescribeOrganizationalUnit", call.Typed(s.DescribeOrganizationalUnit))
	r.Handle(api.Service, "ListOrganizationalUnitsForParent", call.Typed(s.ListOrganizationalUnitsForParent))
	r.Handle(api.Service, "ListChildren", call.Typed(s.ListChildren))
	r.Handle(api.Service, "ListParents", call.Typed(s.ListParents))
}

func coreOUNotFound(id string) error {
	return api.NewOrganizationalUnitNotFoundException("We can't find an organizational unit (OU) with the OrganizationalUnitId %s.", id)
}

func coreParentNotFound(id string) error {
	return api.NewParentNotFoundException("We can't find a root or OU with the ParentId %s.", id)
}

// coreLoadOU reads an OU of org, or OrganizationalUnitNotFoundException.
func coreLoadOU(tx *organizations.Tx, org *organizations.Organization, id string) (*organizations.OU, error) {
	ou, err := tx.OU(org.ID, id)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, coreOUNotFound(id)
	}
	return ou, err
}

// coreRequireParent checks that id is org's root or one of its OUs.
func coreRequireParent(tx *organizations.Tx, org *organizations.Organization, id string) error {
	ok, err := coreContainerExists(tx, org, id)
	if err != nil {
		return err
	}
	if !ok {
		return coreParentNotFound(id)
	}
	return nil
}

// coreSiblingNamed reports whether an OU other than except, under
// parentID, is named name.
func coreSiblingNamed(tx *organizations.Tx, orgID, parentID, name, except string) (bool, error) {
	siblings, err := tx.ChildOUs(orgID, parentID)
	if err != nil {
		return false, err
	}
	for _, o := range siblings {
		if o.ID != except && o.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// CreateOrganizationalUnit creates an OU under the root or another OU,
// at most five levels deep, with the default policies attached.
func (s *Service) CreateOrganizationalUnit(ctx context.Context, c *call.Call, in *api.CreateOrganizationalUnitInput) (*api.CreateOrganizationalUnitOutput, error) {
	tags, err := coreTags(in.Tags)
	if err != nil {
		return nil, err
	}
	now := s.now()
	var out api.OrganizationalUnit
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		parentID := *in.ParentId
		if err := coreRequireParent(tx, org, parentID); err != nil {
			return err
		}
		depth := 1
		if parentID != org.RootID {
			chain, err := tx.OUChain(org, parentID)
			if err != nil {
				return err
			}
			depth = len(chain) // the root, the parent's OUs, then the new OU
		}
		if depth > organizations.MaxOUDepth {
			return constraintViolation(api.ConstraintViolationExceptionReasonOuDepthLimitExceeded,
				"You can't create an OU more than %d levels deep under the root.", organizations.MaxOUDepth)
		}
		if dup, err := coreSiblingNamed(tx, org.ID, parentID, *in.Name, ""); err != nil {
			return err
		} else if dup {
			return api.NewDuplicateOrganizationalUnitException("An OU with the same name already exists.")
		}
		all, err := tx.OUs(org.ID)
		if err != nil {
			return err
		}
		if len(all) >= coreMaxOUs {
			return constraintViolation(api.ConstraintViolationExceptionReasonOuNumberLimitExceeded,
				"You have reached the limit of %d OUs in an organization.", coreMaxOUs)
		}
		ou := &organizations.OU{
			ID:    organizations.NewID("ou-"+strings.TrimPrefix(org.RootID, "r-")+"-", 8),
			OrgID: org.ID, Name: *in.Name, ParentID: parentID, CreatedAt: now,
		}
		if err := tx.PutOU(ou); err != nil {
			return err
		}
		if err := organizations.AttachDefaults(tx, org, ou.ID, now); err != nil {
			return err
		}
		if err := tx.PutTags(org.ID, ou.ID, tags); err != nil {
			return err
		}
		coreResource(c, org, organizations.OUARN(org, ou.ID), "AWS::Organizations::OrganizationalUnit")
		out, err = coreAPIOU(tx, org, ou)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateOrganizationalUnitOutput{OrganizationalUnit: &out}, nil
}

// UpdateOrganizationalUnit renames an OU.
func (s *Service) UpdateOrganizationalUnit(ctx context.Context, c *call.Call, in *api.UpdateOrganizationalUnitInput) (*api.UpdateOrganizationalUnitOutput, error) {
	var out api.OrganizationalUnit
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		ou, err := coreLoadOU(tx, org, *in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		if in.Name != nil && *in.Name != ou.Name {
			if dup, err := coreSiblingNamed(tx, org.ID, ou.ParentID, *in.Name, ou.ID); err != nil {
				return err
			} else if dup {
				return api.NewDuplicateOrganizationalUnitException("An OU with the same name already exists.")
			}
			ou.Name = *in.Name
			if err := tx.PutOU(ou); err != nil {
				return err
			}
		}
		coreResource(c, org, organizations.OUARN(org, ou.ID), "AWS::Organizations::OrganizationalUnit")
		out, err = coreAPIOU(tx, org, ou)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.UpdateOrganizationalUnitOutput{OrganizationalUnit: &out}, nil
}

// DeleteOrganizationalUnit deletes an empty OU, detaching its policies.
func (s *Service) DeleteOrganizationalUnit(ctx context.Context, c *call.Call, in *api.DeleteOrganizationalUnitInput) (*struct{}, error) {
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		ou, err := coreLoadOU(tx, org, *in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		kids, err := tx.ChildOUs(org.ID, ou.ID)
		if err != nil {
			return err
		}
		accts, err := tx.ChildAccounts(org.ID, ou.ID)
		if err != nil {
			return err
		}
		if len(kids) > 0 || len(accts) > 0 {
			return api.NewOrganizationalUnitNotEmptyException("The organizational unit (OU) %s still contains accounts or OUs; move or remove them first.", ou.ID)
		}
		if err := organizations.DetachAll(tx, org.ID, ou.ID); err != nil {
			return err
		}
		coreResource(c, org, organizations.OUARN(org, ou.ID), "AWS::Organizations::OrganizationalUnit")
		return tx.DeleteOU(org.ID, ou.ID)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// DescribeOrganizationalUnit describes an OU, with its path.
func (s *Service) DescribeOrganizationalUnit(ctx context.Context, c *call.Call, in *api.DescribeOrganizationalUnitInput) (*api.DescribeOrganizationalUnitOutput, error) {
	var out api.OrganizationalUnit
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		ou, err := coreLoadOU(tx, org, *in.OrganizationalUnitId)
		if err != nil {
			return err
		}
		out, err = coreAPIOU(tx, org, ou)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &api.DescribeOrganizationalUnitOutput{OrganizationalUnit: &out}, nil
}

// ListOrganizationalUnitsForParent lists the OUs directly under a root or
// OU.
func (s *Service) ListOrganizationalUnitsForParent(ctx context.Context, c *call.Call, in *api.ListOrganizationalUnitsForParentInput) (*api.ListOrganizationalUnitsForParentOutput, error) {
	var items []api.OrganizationalUnit
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := coreRequireParent(tx, org, *in.ParentId); err != nil {
			return err
		}
		kids, err := tx.ChildOUs(org.ID, *in.ParentId)
		if err != nil {
			return err
		}
		for _, ou := range kids {
			o, err := coreAPIOU(tx, org, ou)
			if err != nil {
				return err
			}
			items = append(items, o)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListOrganizationalUnitsForParentOutput{OrganizationalUnits: pg, NextToken: next}, nil
}

// ListChildren lists the accounts or the OUs directly under a root or OU.
func (s *Service) ListChildren(ctx context.Context, c *call.Call, in *api.ListChildrenInput) (*api.ListChildrenOutput, error) {
	var items []api.Child
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := coreRequireParent(tx, org, *in.ParentId); err != nil {
			return err
		}
		if in.ChildType == api.ChildTypeAccount {
			accts, err := tx.ChildAccounts(org.ID, *in.ParentId)
			if err != nil {
				return err
			}
			for _, m := range accts {
				items = append(items, api.Child{Id: ptr(m.AccountID), Type: api.ChildTypeAccount})
			}
			return nil
		}
		kids, err := tx.ChildOUs(org.ID, *in.ParentId)
		if err != nil {
			return err
		}
		for _, ou := range kids {
			items = append(items, api.Child{Id: ptr(ou.ID), Type: api.ChildTypeOrganizationalUnit})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListChildrenOutput{Children: pg, NextToken: next}, nil
}

// ListParents lists the root or OU directly above an account or OU (one,
// since an entity has exactly one parent).
func (s *Service) ListParents(ctx context.Context, c *call.Call, in *api.ListParentsInput) (*api.ListParentsOutput, error) {
	var items []api.Parent
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		id := *in.ChildId
		var parentID string
		if strings.HasPrefix(id, "ou-") {
			ou, err := tx.OU(org.ID, id)
			if errors.Is(err, organizations.ErrNotFound) {
				return api.NewChildNotFoundException("We can't find an organizational unit (OU) or account with the ChildId %s.", id)
			} else if err != nil {
				return err
			}
			parentID = ou.ParentID
		} else {
			m, err := tx.Member(org.ID, id)
			if errors.Is(err, organizations.ErrNotFound) {
				return api.NewChildNotFoundException("We can't find an organizational unit (OU) or account with the ChildId %s.", id)
			} else if err != nil {
				return err
			}
			parentID = m.ParentID
		}
		typ := api.ParentTypeOrganizationalUnit
		if parentID == org.RootID {
			typ = api.ParentTypeRoot
		}
		items = []api.Parent{{Id: ptr(parentID), Type: typ}}
		return nil
	})
	if err != nil {
		return nil, err
	}
	pg, next, err := page(items, in.NextToken, in.MaxResults)
	if err != nil {
		return nil, err
	}
	return &api.ListParentsOutput{Parents: pg, NextToken: next}, nil
}
