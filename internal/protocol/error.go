package protocol

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is an AWS error as the client sees it. Handlers return it (usually
// through the constructors generated per service, e.g.
// iam.NewNoSuchEntityException) and the codecs encode it in the protocol's
// error shape. Any other error a handler returns is answered as
// InternalFailure and logged.
type Error struct {
	// Code is the AWS error code: "NoSuchEntity", "NotFoundException", ...
	Code string
	// Message is the human-readable message; it never contains secrets.
	Message string
	// Status is the HTTP status code.
	Status int
	// Receiver is true for errors that are the server's fault (the query
	// protocol's <Type>Receiver</Type>); false means Sender.
	Receiver bool
	// Fields are extra members of the error shape, by wire name.
	Fields map[string]any
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Errorf makes an Error with a formatted message.
func Errorf(status int, code, format string, args ...any) *Error {
	return &Error{Code: code, Status: status, Message: fmt.Sprintf(format, args...), Receiver: status >= 500}
}

// AsError returns err as an *Error if it is one (or wraps one).
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// InternalFailure is the error for an unexpected server fault. Its message
// never carries the underlying cause, which is logged instead.
func InternalFailure(requestID string) *Error {
	return &Error{
		Code:     "InternalFailure",
		Status:   http.StatusInternalServerError,
		Receiver: true,
		Message:  "The request processing has failed because of an unknown error, exception or failure. Request ID: " + requestID,
	}
}

// NotImplemented is the error for an operation gatehouse routes but does not
// serve yet. Its status (501) is one the AWS SDKs do not retry.
func NotImplemented(op *Operation) *Error {
	svc := op.Service.ServiceID
	if svc == "" {
		svc = op.Service.ID
	}
	return &Error{
		Code:     "NotImplemented",
		Status:   http.StatusNotImplemented,
		Receiver: true,
		Message:  fmt.Sprintf("gatehouse does not implement the %s operation %s yet.", svc, op.Name),
	}
}
