package server

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// RootOnly is the authorizer of a node with no IAM principals yet: the root
// user, whom IAM policies never bind, is allowed; unsigned operations are
// left to their handlers, which verify their own tokens; any other principal
// is denied because no identity-based policy can exist for it yet.
type RootOnly struct{}

// Authorize implements Authorizer.
func (RootOnly) Authorize(_ context.Context, c *call.Call, _ any) error {
	switch c.Principal.Type {
	case identity.Root, identity.Anonymous:
		return nil
	}
	action := IAMAction(c.Operation)
	code, status := "AccessDenied", http.StatusForbidden
	if c.Operation.Service.Protocol != protocol.Query {
		code = "AccessDeniedException"
	}
	return protocol.Errorf(status, code, "User: %s is not authorized to perform: %s because no identity-based policy allows the %s action", c.Principal.ARN, action, action)
}

// IAMAction is the IAM action name of an operation, e.g. "sts:GetCallerIdentity".
func IAMAction(op *protocol.Operation) string {
	prefix := op.Service.SigningName
	if op.Service.EndpointPrefix == "elasticloadbalancing" {
		prefix = "elasticloadbalancing"
	}
	return prefix + ":" + op.Name
}
