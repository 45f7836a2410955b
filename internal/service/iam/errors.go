package iam

import (
	"errors"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// noSuchEntity is AWS's NoSuchEntity for a named entity, e.g.
// "The user with name bob cannot be found."
func noSuchEntity(entity, name string) *protocol.Error {
	return api.NewNoSuchEntityException("The %s with name %s cannot be found.", entity, name)
}

// alreadyExists is AWS's EntityAlreadyExists, e.g. "User with name bob already exists."
func alreadyExists(entity, name string) *protocol.Error {
	return api.NewEntityAlreadyExistsException("%s with name %s already exists.", entity, name)
}

// deleteConflict is AWS's DeleteConflict: "Cannot delete entity, must <what> first."
func deleteConflict(what string) *protocol.Error {
	return api.NewDeleteConflictException("Cannot delete entity, must %s first.", what)
}

// limitExceeded is AWS's LimitExceeded for a quota, e.g.
// "Cannot exceed quota for AccessKeysPerUser: 2".
func limitExceeded(quota string, limit int) *protocol.Error {
	return api.NewLimitExceededException("Cannot exceed quota for %s: %d", quota, limit)
}

// invalidInput is AWS's InvalidInput.
func invalidInput(format string, args ...any) *protocol.Error {
	return api.NewInvalidInputException(format, args...)
}

// malformedPolicy turns a policy engine error into AWS's
// MalformedPolicyDocument (or LimitExceeded for a document over its quota).
func malformedPolicy(err error) error {
	var me *policy.MalformedError
	if errors.As(err, &me) {
		if me.Code == policy.CodeLimitExceeded {
			return api.NewLimitExceededException("%s", me.Reason)
		}
		return api.NewMalformedPolicyDocumentException("%s", me.Reason)
	}
	return err
}

// notFound maps iam.ErrNoSuchEntity to noSuchEntity(entity, name) and
// returns other errors unchanged.
func notFound(err error, entity, name string) error {
	if errors.Is(err, iam.ErrNoSuchEntity) {
		return noSuchEntity(entity, name)
	}
	return err
}
