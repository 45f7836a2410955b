// Package cloudtrail serves the CloudTrail API over gatehouse's own audit
// trail. LookupEvents queries the events every request records; the trail
// management operations follow in a later step.
package cloudtrail

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/cloudtrail"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/store"
)

// Service is the CloudTrail implementation.
type Service struct {
	st store.Store
}

// New returns the service over st.
func New(st store.Store) *Service { return &Service{st: st} }

// Register adds the CloudTrail handlers to r.
func (s *Service) Register(r *call.Registry) {
	r.Handle(api.Service, "LookupEvents", call.Typed(s.LookupEvents))
}

// LookupEvents returns the caller's account's management events, newest
// first, filtered by at most one lookup attribute and a time range.
func (s *Service) LookupEvents(ctx context.Context, c *call.Call, in *api.LookupEventsInput) (*api.LookupEventsOutput, error) {
	req := audit.LookupRequest{NextToken: deref(in.NextToken)}
	for _, a := range in.LookupAttributes {
		req.LookupAttributes = append(req.LookupAttributes, audit.LookupAttribute{AttributeKey: string(a.AttributeKey), AttributeValue: deref(a.AttributeValue)})
	}
	if in.StartTime != nil {
		req.StartTime = *in.StartTime
	}
	if in.EndTime != nil {
		req.EndTime = *in.EndTime
	}
	if in.MaxResults != nil {
		n := int(*in.MaxResults)
		req.MaxResults = &n
	}
	q, err := audit.NewEventQuery(c.Principal.AccountID, req)
	if err != nil {
		return nil, lookupError(err)
	}
	events, next, err := audit.Lookup(ctx, s.st, q)
	if err != nil {
		return nil, lookupError(err)
	}
	out := &api.LookupEventsOutput{Events: make([]api.Event, 0, len(events))}
	for i := range events {
		e := &events[i]
		ev := api.Event{
			EventId:         ptr(e.EventID),
			EventName:       ptr(e.EventName),
			ReadOnly:        ptr(e.ReadOnly),
			AccessKeyId:     optional(e.AccessKeyID),
			EventTime:       timePtr(e.EventTime),
			EventSource:     ptr(e.EventSource),
			Username:        optional(e.Username),
			CloudTrailEvent: ptr(e.CloudTrailEvent),
		}
		for _, r := range e.Resources {
			ev.Resources = append(ev.Resources, api.Resource{ResourceType: optional(r.ResourceType), ResourceName: optional(r.ResourceName)})
		}
		out.Events = append(out.Events, ev)
	}
	if next != "" {
		out.NextToken = &next
	}
	return out, nil
}

// lookupError turns the audit package's lookup failures into CloudTrail's
// errors.
func lookupError(err error) error {
	var le *audit.LookupError
	if errors.As(err, &le) {
		return protocol.Errorf(http.StatusBadRequest, le.Code, "%s", le.Message)
	}
	return err
}

func ptr[T any](v T) *T { return &v }

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func timePtr(t time.Time) *time.Time { return &t }

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
