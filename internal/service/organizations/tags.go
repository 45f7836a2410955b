package organizations

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves tags on Organizations resources (TagResource,
// UntagResource, ListTagsForResource): accounts (by 12-digit id), the
// root (r-), OUs (ou-), customer policies (p-), the resource policy (rp-)
// and responsibility transfers (rt-). A resource holds at most 50 tags;
// keys starting with "aws:" are AWS's.

// maxTagsPerResource is AWS's limit of tags on one resource.
const maxTagsPerResource = 50

func (s *Service) registerTags(r *call.Registry) {
	r.Handle(api.Service, "TagResource", call.Typed(s.TagResource))
	r.Handle(api.Service, "UntagResource", call.Typed(s.UntagResource))
	r.Handle(api.Service, "ListTagsForResource", call.Typed(s.ListTagsForResource))
}

// taggingFromAPI validates request tags: no reserved "aws:" keys and no
// key twice.
func taggingFromAPI(in []api.Tag) ([]organizations.Tag, error) {
	out := make([]organizations.Tag, 0, len(in))
	seen := make(map[string]bool, len(in))
	for _, t := range in {
		k := strOrEmpty(t.Key)
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalidInput(api.InvalidInputExceptionReasonInvalidSystemTagsParameter,
				"The tag key %s uses the aws: prefix, which is reserved for AWS use.", k)
		}
		if seen[k] {
			return nil, invalidInput(api.InvalidInputExceptionReasonDuplicateTagKey, "The tag key %s appears more than once.", k)
		}
		seen[k] = true
		out = append(out, organizations.Tag{Key: k, Value: strOrEmpty(t.Value)})
	}
	return out, nil
}

// taggingMerge returns the resource's tags with add applied (a key
// already present takes the new value), or ConstraintViolation when the
// result would exceed the limit.
func taggingMerge(tx *organizations.Tx, orgID, resourceID string, add []organizations.Tag) ([]organizations.Tag, error) {
	tags, err := tx.Tags(orgID, resourceID)
	if err != nil {
		return nil, err
	}
	for _, t := range add {
		if i := slices.IndexFunc(tags, func(x organizations.Tag) bool { return x.Key == t.Key }); i >= 0 {
			tags[i].Value = t.Value
		} else {
			tags = append(tags, t)
		}
	}
	if len(tags) > maxTagsPerResource {
		return nil, constraintViolation(api.ConstraintViolationExceptionReasonMaxTagLimitExceeded,
			"You have exceeded the number of tags allowed on this resource (%d).", maxTagsPerResource)
	}
	return tags, nil
}

// taggingTarget checks that resourceID names a taggable resource of org.
func taggingTarget(tx *organizations.Tx, org *organizations.Organization, resourceID string) error {
	notFound := func() error {
		return api.NewTargetNotFoundException("We can't find a root, OU, account, or policy with the TargetId that you specified.")
	}
	var err error
	switch {
	case strings.HasPrefix(resourceID, "r-"):
		if resourceID != org.RootID {
			return notFound()
		}
		return nil
	case strings.HasPrefix(resourceID, "ou-"):
		_, err = tx.OU(org.ID, resourceID)
	case strings.HasPrefix(resourceID, "rp-"):
		if org.ResourcePolicy == nil || org.ResourcePolicy.ID != resourceID {
			return notFound()
		}
		return nil
	case strings.HasPrefix(resourceID, "rt-"):
		_, err = tx.Get(organizations.KindResponsibilityTransfer, org.ID+"/"+resourceID)
	case strings.HasPrefix(resourceID, "p-"):
		// AWS managed policies are not the organization's to tag.
		_, err = tx.Policy(org.ID, resourceID)
	case account.ValidAccountID(resourceID):
		_, err = tx.Member(org.ID, resourceID)
	default:
		return invalidInput(api.InvalidInputExceptionReasonInvalidPatternTargetId,
			"You specified a resource id (%s) that is not an account, root, OU, policy, resource policy or responsibility transfer id.", resourceID)
	}
	if errors.Is(err, organizations.ErrNotFound) {
		return notFound()
	}
	return err
}

// TagResource adds tags to a resource, replacing the values of keys it
// already has.
func (s *Service) TagResource(ctx context.Context, c *call.Call, in *api.TagResourceInput) (*struct{}, error) {
	id := strOrEmpty(in.ResourceId)
	add, err := taggingFromAPI(in.Tags)
	if err != nil {
		return nil, err
	}
	err = s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := taggingTarget(tx, org, id); err != nil {
			return err
		}
		tags, err := taggingMerge(tx, org.ID, id, add)
		if err != nil {
			return err
		}
		return tx.PutTags(org.ID, id, tags)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// UntagResource removes tags by key; keys the resource lacks are ignored.
func (s *Service) UntagResource(ctx context.Context, c *call.Call, in *api.UntagResourceInput) (*struct{}, error) {
	id := strOrEmpty(in.ResourceId)
	for _, k := range in.TagKeys {
		if strings.HasPrefix(strings.ToLower(k), "aws:") {
			return nil, invalidInput(api.InvalidInputExceptionReasonInvalidSystemTagsParameter,
				"The tag key %s uses the aws: prefix, which is reserved for AWS use.", k)
		}
	}
	err := s.orgs.Update(ctx, func(tx *organizations.Tx) error {
		org, err := managementOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := taggingTarget(tx, org, id); err != nil {
			return err
		}
		tags, err := tx.Tags(org.ID, id)
		if err != nil {
			return err
		}
		n := len(tags)
		tags = slices.DeleteFunc(tags, func(t organizations.Tag) bool { return slices.Contains(in.TagKeys, t.Key) })
		if len(tags) == n {
			return nil
		}
		return tx.PutTags(org.ID, id, tags)
	})
	if err != nil {
		return nil, err
	}
	return &struct{}{}, nil
}

// ListTagsForResource lists a resource's tags. The management account and
// delegated administrators may call it.
func (s *Service) ListTagsForResource(ctx context.Context, c *call.Call, in *api.ListTagsForResourceInput) (*api.ListTagsForResourceOutput, error) {
	id := strOrEmpty(in.ResourceId)
	var all []api.Tag
	err := s.orgs.View(ctx, func(tx *organizations.Tx) error {
		org, err := readerOrganization(tx, c)
		if err != nil {
			return err
		}
		if err := taggingTarget(tx, org, id); err != nil {
			return err
		}
		tags, err := tx.Tags(org.ID, id)
		if err != nil {
			return err
		}
		for _, t := range tags {
			all = append(all, api.Tag{Key: ptr(t.Key), Value: ptr(t.Value)})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	items, next, err := page(all, in.NextToken, nil)
	if err != nil {
		return nil, err
	}
	return &api.ListTagsForResourceOutput{Tags: emptyIfNil(items), NextToken: next}, nil
}
