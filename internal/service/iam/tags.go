package iam

import (
	"strings"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// maxTags is IAM's quota of tags per entity.
const maxTags = 50

// addTags merges tags into existing (a key already present, compared
// without case as IAM does, takes the new value) and enforces the quota.
func addTags(existing []iam.Tag, tags []api.Tag) ([]iam.Tag, error) {
	seen := map[string]bool{}
	for _, t := range tags {
		k := strings.ToLower(deref(t.Key))
		if seen[k] {
			return nil, invalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
		}
		seen[k] = true
	}
	out := append([]iam.Tag(nil), existing...)
	for _, t := range tags {
		key, value := deref(t.Key), deref(t.Value)
		replaced := false
		for i := range out {
			if strings.EqualFold(out[i].Key, key) {
				out[i] = iam.Tag{Key: key, Value: value}
				replaced = true
				break
			}
		}
		if !replaced {
			out = append(out, iam.Tag{Key: key, Value: value})
		}
	}
	if len(out) > maxTags {
		return nil, limitExceeded("TagsPerEntity", maxTags) // IAM: "Cannot exceed quota for TagsPerEntity: 50"
	}
	return out, nil
}

// removeTags drops the tags whose keys are listed (without case).
func removeTags(existing []iam.Tag, keys []string) []iam.Tag {
	out := existing[:0:0]
	for _, t := range existing {
		drop := false
		for _, k := range keys {
			if strings.EqualFold(t.Key, k) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// pageTags pages an entity's tags (ListUserTags, ListRoleTags, ...), which
// keep the order they were added in. The page is never nil: the output
// shapes require the member.
func pageTags(tags []iam.Tag, marker *string, maxItems *int32) ([]api.Tag, bool, *string, error) {
	got, truncated, next, err := pageByPosition(tags, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	out := apiTags(got)
	if out == nil {
		out = []api.Tag{}
	}
	return out, truncated, next, nil
}
