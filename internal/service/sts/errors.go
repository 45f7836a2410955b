package sts

import (
	"errors"
	"fmt"
	"net/http"

	api "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// STS's errors that are not in its model (the common errors every query
// service answers), as AWS spells them.

// accessDenied is AccessDenied (HTTP 403).
func accessDenied(format string, args ...any) *protocol.Error {
	return protocol.Errorf(http.StatusForbidden, "AccessDenied", format, args...)
}

// notAuthorized is AccessDenied in the words of a policy denial, which AWS
// also answers when the resource does not exist (so that callers cannot
// probe for roles).
func notAuthorized(callerARN, action, resource string) *protocol.Error {
	return accessDenied("User: %s is not authorized to perform: %s on resource: %s", callerARN, action, resource)
}

// validationError is ValidationError (HTTP 400), the query protocol's
// error for a parameter AWS refuses.
func validationError(format string, args ...any) *protocol.Error {
	return protocol.Errorf(http.StatusBadRequest, "ValidationError", format, args...)
}

// invalidParameter is InvalidParameterValue (HTTP 400).
func invalidParameter(format string, args ...any) *protocol.Error {
	return protocol.Errorf(http.StatusBadRequest, "InvalidParameterValue", format, args...)
}

// Messages AWS answers.
const (
	msgRootAssumeRole     = "Roles may not be assumed by root accounts."
	msgMFAInvalidCode     = "MultiFactorAuthentication failed with invalid MFA one time pass code."
	msgMFABothNeeded      = "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code."
	msgDurationExceedsMax = "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
	msgDurationChained    = "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
	msgDuplicateTags      = "Duplicate tag keys found. Please note that Tag keys are case insensitive."
	msgTransitiveNotTag   = "The specified transitive tag key must be included in the requested tags."
	msgTransitiveConflict = "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
)

// sessionPolicyError turns a policy engine error about a session policy
// into STS's answer: MalformedPolicyDocument with the engine's reason, or
// for a document over the plaintext quota the validation error AWS gives.
func sessionPolicyError(err error) error {
	var me *policy.MalformedError
	if errors.As(err, &me) {
		if me.Code == policy.CodeLimitExceeded {
			return validationError("1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to %d", me.Limit)
		}
		return api.NewMalformedPolicyDocumentException("%s", me.Reason)
	}
	return fmt.Errorf("sts: session policy: %w", err)
}
