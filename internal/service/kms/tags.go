package kms

import (
	"context"
	"sort"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// kmMaxTags is AWS's quota of tags per KMS key.
const kmMaxTags = 50

func (s *Service) registerTags(r *call.Registry) {
	r.Handle(api.Service, "TagResource", call.Typed(s.tagResource))
	r.Handle(api.Service, "UntagResource", call.Typed(s.untagResource))
	r.Handle(api.Service, "ListResourceTags", call.Typed(s.listResourceTags))
}

// kmMergeTags applies the tags of a request to existing: a new key adds a
// tag, an existing key gets the new value. Keys that begin with "aws:"
// (in any case) are AWS's and refused with TagException, as is a request
// that names one key twice; more than 50 tags is LimitExceededException.
func kmMergeTags(existing []kms.Tag, add []api.Tag) ([]kms.Tag, error) {
	seen := make(map[string]bool, len(add))
	out := append([]kms.Tag(nil), existing...)
	for _, t := range add {
		key, value := "", ""
		if t.TagKey != nil {
			key = *t.TagKey
		}
		if t.TagValue != nil {
			value = *t.TagValue
		}
		if strings.HasPrefix(strings.ToLower(key), "aws:") {
			return nil, api.NewTagException("Tag keys beginning with aws: are reserved for AWS use: %s", key)
		}
		if seen[key] {
			return nil, api.NewTagException("Duplicate tag key in the request: %s", key)
		}
		seen[key] = true
		replaced := false
		for i := range out {
			if out[i].Key == key {
				out[i].Value = value
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, kms.Tag{Key: key, Value: value})
		}
	}
	if len(out) > kmMaxTags {
		return nil, api.NewLimitExceededException("A KMS key can have at most %d tags.", kmMaxTags)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

func (s *Service) tagResource(ctx context.Context, c *call.Call, in *api.TagResourceInput) (*struct{}, error) {
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "TagResource", func(_ *kms.Tx, k *kms.Key) error {
		tags, err := kmMergeTags(k.Tags, in.Tags)
		if err != nil {
			return err
		}
		k.Tags = tags
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) untagResource(ctx context.Context, c *call.Call, in *api.UntagResourceInput) (*struct{}, error) {
	for _, key := range in.TagKeys {
		if strings.HasPrefix(strings.ToLower(key), "aws:") {
			return nil, api.NewTagException("Tag keys beginning with aws: are reserved for AWS use: %s", key)
		}
	}
	_, err := s.kmUpdateKey(ctx, c, *in.KeyId, "UntagResource", func(_ *kms.Tx, k *kms.Key) error {
		kept := k.Tags[:0:0]
		for _, t := range k.Tags {
			remove := false
			for _, key := range in.TagKeys {
				if t.Key == key {
					remove = true
					break
				}
			}
			if !remove {
				kept = append(kept, t)
			}
		}
		k.Tags = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return nil, nil
}

func (s *Service) listResourceTags(ctx context.Context, c *call.Call, in *api.ListResourceTagsInput) (*api.ListResourceTagsOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "ListResourceTags"); err != nil {
		return nil, err
	}
	after, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, kmMaxTags, kmMaxTags)
	tags := append([]kms.Tag(nil), k.Tags...)
	sort.Slice(tags, func(i, j int) bool { return tags[i].Key < tags[j].Key })
	out := &api.ListResourceTagsOutput{Tags: []api.Tag{}, Truncated: kmBool(false)}
	for _, t := range tags {
		if after != "" && t.Key <= after {
			continue
		}
		if len(out.Tags) == limit {
			out.Truncated = kmBool(true)
			out.NextMarker = kmMarker(*out.Tags[len(out.Tags)-1].TagKey)
			break
		}
		out.Tags = append(out.Tags, api.Tag{TagKey: kmStr(t.Key), TagValue: kmStr(t.Value)})
	}
	return out, nil
}
