package kms

import (
	"context"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// lastUsageTracked are the operations GetKeyLastUsage reports (the
// model's KeyLastUsageTrackingOperation values).
var lastUsageTracked = func() map[string]bool {
	m := map[string]bool{}
	for _, op := range api.KeyLastUsageTrackingOperation("").EnumValues() {
		m[op] = true
	}
	return m
}()

func (s *Service) registerKeyLastUsage(r *call.Registry) {
	r.Handle(api.Service, "GetKeyLastUsage", call.Typed(s.getKeyLastUsage))
}

// getKeyLastUsage answers the last cryptographic use of a key that the
// node has seen: uses are tracked in memory from the node's start
// (TrackingStartDate), or from the key's creation if later.
func (s *Service) getKeyLastUsage(ctx context.Context, c *call.Call, in *api.GetKeyLastUsageInput) (*api.GetKeyLastUsageOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "GetKeyLastUsage"); err != nil {
		return nil, err
	}
	since := s.keys.TrackingSince()
	if k.CreatedAt.After(since) {
		since = k.CreatedAt
	}
	created := k.CreatedAt
	out := &api.GetKeyLastUsageOutput{KeyId: kmStr(k.ARN()), TrackingStartDate: &since, KeyCreationDate: &created}
	if u, ok := s.keys.LastUse(k); ok {
		at := u.At.UTC().Truncate(time.Millisecond)
		out.KeyLastUsage = &api.KeyLastUsageData{Operation: api.KeyLastUsageTrackingOperation(u.Operation), Timestamp: &at, KmsRequestId: kmStr(u.RequestID)}
	}
	return out, nil
}
