// Package call is the contract between gatehouse's request path and the
// service packages: the Call a handler receives, the Handler signature, and
// the Registry through which each service declares the operations it serves.
// Handlers never see HTTP; the server decodes, authenticates and authorizes
// before a handler runs, and encodes and audits after it returns.
package call

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Call is one authenticated API request as a handler sees it.
type Call struct {
	// RequestID is the request's id, echoed to the client and the trail.
	RequestID string
	// Principal is the authenticated caller.
	Principal *identity.Principal
	// Region is the region the request was signed for (us-east-1 for
	// global services).
	Region string
	// Operation is the routed operation.
	Operation *protocol.Operation
	// SourceIP is the client's address without port.
	SourceIP string
	// UserAgent is the client's User-Agent header.
	UserAgent string
	// SecureTransport is true when the request came over TLS.
	SecureTransport bool
	// Host is the Host header the client addressed gatehouse by, for
	// URLs that point back at it (Artifact's presigned report URLs).
	Host string
	// Time is when the request arrived.
	Time time.Time

	resources []Resource
	eventData []EventDatum
}

// EventDatum is one entry of a trail event's additionalEventData.
type EventDatum struct {
	Key string
	// Value is encoded as JSON.
	Value any
}

// AddEventData records a fact about the call that is neither request nor
// response, for its trail event's additionalEventData: for instance the
// denial an authorizer in soft enforcement mode let through. A later
// value for the same key replaces the earlier one.
func (c *Call) AddEventData(key string, value any) {
	for i := range c.eventData {
		if c.eventData[i].Key == key {
			c.eventData[i].Value = value
			return
		}
	}
	c.eventData = append(c.eventData, EventDatum{Key: key, Value: value})
}

// EventData returns the entries recorded with AddEventData, in order.
func (c *Call) EventData() []EventDatum { return c.eventData }

// Resource is a resource a call touched, recorded in its trail event.
type Resource struct {
	ARN       string
	AccountID string
	Type      string // CloudTrail's resource type, e.g. "AWS::IAM::User"
}

// AddResource records that the call touched a resource, for the trail.
func (c *Call) AddResource(r Resource) { c.resources = append(c.resources, r) }

// Resources returns the resources recorded with AddResource.
func (c *Call) Resources() []Resource { return c.resources }

// Handler serves one operation: in is the decoded, validated input (a
// pointer to the operation's generated input struct, or nil when the model
// has none); the result is a pointer to the output struct or nil.
// Errors should be *protocol.Error; any other error is answered as
// InternalFailure and logged.
type Handler func(ctx context.Context, c *Call, in any) (any, error)

// Typed adapts a handler written against the generated input and output
// types into a Handler.
func Typed[I, O any](fn func(context.Context, *Call, *I) (*O, error)) Handler {
	return func(ctx context.Context, c *Call, in any) (any, error) {
		typed, ok := in.(*I)
		if !ok && in != nil {
			return nil, fmt.Errorf("call: handler for %s wants %T, got %T", c.Operation.Name, typed, in)
		}
		if typed == nil {
			typed = new(I)
		}
		out, err := fn(ctx, c, typed)
		if err != nil {
			return nil, err
		}
		if out == nil {
			return nil, nil
		}
		return out, nil
	}
}

// Registry holds the handlers of every service, keyed by operation.
// Services add their handlers at startup; it is read-only afterwards.
type Registry struct {
	handlers map[*protocol.Operation]Handler
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{handlers: make(map[*protocol.Operation]Handler)}
}

// Handle registers h for the named operation of svc. It panics on an
// unknown operation name or a second registration: both are programming
// errors found at startup.
func (r *Registry) Handle(svc *protocol.Service, operation string, h Handler) {
	op, ok := svc.Operations[operation]
	if !ok {
		panic(fmt.Sprintf("call: %s has no operation %q", svc.ID, operation))
	}
	if _, dup := r.handlers[op]; dup {
		panic(fmt.Sprintf("call: %s.%s registered twice", svc.ID, operation))
	}
	r.handlers[op] = h
}

// Lookup returns the handler of op, if one is registered.
func (r *Registry) Lookup(op *protocol.Operation) (Handler, bool) {
	h, ok := r.handlers[op]
	return h, ok
}
