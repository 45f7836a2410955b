package server

import (
	"context"
	"net/http"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// RootOnly is a minimal authorizer for tests of the request path that run
// without IAM (nodes use internal/authz, which evaluates IAM policies): the
// root user, whom IAM policies never bind, is allowed; unsigned operations
// are left to their handlers, which verify their own tokens; any other
// principal is denied, as a principal without policies is.
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

// IAMAction is the IAM action name an operation is usually authorized
// as, e.g. "sts:GetCallerIdentity": the service's action prefix and the
// operation's name. internal/authz's table knows the exceptions (KMS
// ReEncrypt is kms:ReEncryptFrom and kms:ReEncryptTo, ...).
func IAMAction(op *protocol.Operation) string {
	prefix := op.Service.SigningName
	if op.Service.EndpointPrefix == "elasticloadbalancing" {
		prefix = "elasticloadbalancing"
	}
	return prefix + ":" + op.Name
}
