package iam

import (
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/protocol"
)

// defaultMaxItems is IAM's page size when MaxItems is not given.
const defaultMaxItems = 100

// page returns the slice of items that a Marker / MaxItems request asks
// for, whether more follow and the marker of the next page. key gives each
// item's sort key (items are in key order); the marker is opaque to clients.
func page[T any](items []T, key func(T) string, marker *string, maxItems *int32) (out []T, truncated bool, next *string, err error) {
	limit := defaultMaxItems
	if maxItems != nil {
		limit = int(*maxItems)
	}
	start := 0
	if marker != nil {
		after, decErr := base64.RawURLEncoding.DecodeString(*marker)
		if decErr != nil {
			return nil, false, nil, invalidInput("Invalid Marker.")
		}
		for start < len(items) && strings.Compare(key(items[start]), string(after)) <= 0 {
			start++
		}
	}
	end := min(len(items), start+limit)
	out = items[start:end]
	if end < len(items) {
		m := base64.RawURLEncoding.EncodeToString([]byte(key(items[end-1])))
		return out, true, &m, nil
	}
	return out, false, nil, nil
}

// pathMatches reports whether an entity's path is under prefix ("" or "/"
// matches all).
func pathMatches(path string, prefix *string) bool {
	return prefix == nil || strings.HasPrefix(path, *prefix)
}

// validPath checks a Path parameter: "/" or "/segments/", as IAM requires.
func validPath(p *string) (string, *protocol.Error) {
	if p == nil || *p == "" {
		return "/", nil
	}
	if !strings.HasPrefix(*p, "/") || !strings.HasSuffix(*p, "/") || strings.Contains(*p, "//") {
		return "", invalidInput("The specified value for path is invalid. It must begin and end with / and contain only alphanumeric characters and/or / characters.")
	}
	return *p, nil
}

// pageByPosition pages a list kept in its own order (attach order, tag
// order): the marker records a position.
func pageByPosition[T any](items []T, marker *string, maxItems *int32) ([]T, bool, *string, error) {
	type indexed struct {
		i int
		v T
	}
	all := make([]indexed, len(items))
	for i, v := range items {
		all[i] = indexed{i, v}
	}
	got, truncated, next, err := page(all, func(x indexed) string { return fmt.Sprintf("%08d", x.i) }, marker, maxItems)
	if err != nil {
		return nil, false, nil, err
	}
	out := make([]T, len(got))
	for i, x := range got {
		out[i] = x.v
	}
	return out, truncated, next, nil
}
