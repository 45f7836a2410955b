package organizations

import (
	"encoding/base64"
	"errors"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file holds what every resource family needs: the caller's
// organization, the management-account and all-features checks, AWS's
// common errors and paging.

// notInUse is AWS's answer to a caller whose account is in no organization.
func notInUse() *protocol.Error {
	return api.NewAWSOrganizationsNotInUseException("Your account is not a member of an organization.")
}

// accessDenied is AWS's answer to a member account calling an operation
// only the management account (or a delegated administrator) may call.
func accessDenied() *protocol.Error {
	return api.NewAccessDeniedException("You don't have permissions to access this resource.")
}

// constraintViolation is AWS's ConstraintViolationException with its
// Reason member.
func constraintViolation(reason api.ConstraintViolationExceptionReason, format string, args ...any) *protocol.Error {
	e := api.NewConstraintViolationException(format, args...)
	e.Fields = map[string]any{"Reason": string(reason)}
	return e
}

// invalidInput is AWS's InvalidInputException with its Reason member.
func invalidInput(reason api.InvalidInputExceptionReason, format string, args ...any) *protocol.Error {
	e := api.NewInvalidInputException(format, args...)
	e.Fields = map[string]any{"Reason": string(reason)}
	return e
}

// callerOrganization returns the organization of the calling account, or
// AWSOrganizationsNotInUseException.
func callerOrganization(tx *organizations.Tx, c *call.Call) (*organizations.Organization, error) {
	org, err := tx.OrganizationOfAccount(c.Principal.AccountID)
	if errors.Is(err, organizations.ErrNotFound) {
		return nil, notInUse()
	}
	return org, err
}

// managementOrganization returns the organization of the calling account
// when it is the management account; AccessDeniedException for a member.
func managementOrganization(tx *organizations.Tx, c *call.Call) (*organizations.Organization, error) {
	org, err := callerOrganization(tx, c)
	if err != nil {
		return nil, err
	}
	if org.ManagementAccountID != c.Principal.AccountID {
		return nil, accessDenied()
	}
	return org, nil
}

// isDelegatedAdministrator reports whether accountID is registered as a
// delegated administrator of org for any service (which lets it call the
// read-only operations AWS opens to delegated administrators).
func isDelegatedAdministrator(org *organizations.Organization, accountID string) bool {
	for _, d := range org.DelegatedAdmins {
		if d.AccountID == accountID {
			return true
		}
	}
	return false
}

// readerOrganization returns the caller's organization for the read-only
// operations open to the management account and delegated administrators.
func readerOrganization(tx *organizations.Tx, c *call.Call) (*organizations.Organization, error) {
	org, err := callerOrganization(tx, c)
	if err != nil {
		return nil, err
	}
	if org.ManagementAccountID != c.Principal.AccountID && !isDelegatedAdministrator(org, c.Principal.AccountID) {
		return nil, accessDenied()
	}
	return org, nil
}

// requireAllFeatures refuses operations that need all features enabled.
func requireAllFeatures(org *organizations.Organization) error {
	if org.FeatureSet != organizations.FeatureSetAll {
		return api.NewAccessDeniedException("This operation can be performed only for organizations that have all features enabled.")
	}
	return nil
}

// page returns the items of one NextToken / MaxResults page (the token is
// an opaque position) and the next token, nil on the last page.
func page[T any](items []T, token *string, maxResults *int32) ([]T, *string, error) {
	start := 0
	if token != nil && *token != "" {
		raw, err := base64.RawURLEncoding.DecodeString(*token)
		if err != nil {
			return nil, nil, invalidInput(api.InvalidInputExceptionReasonInvalidNextToken, "The specified next token is not valid.")
		}
		n, err := strconv.Atoi(string(raw))
		if err != nil || n < 0 || n > len(items) {
			return nil, nil, invalidInput(api.InvalidInputExceptionReasonInvalidNextToken, "The specified next token is not valid.")
		}
		start = n
	}
	limit := 20
	if maxResults != nil {
		limit = int(*maxResults)
	}
	end := min(len(items), start+limit)
	if end < len(items) {
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(end)))
		return items[start:end], &next, nil
	}
	return items[start:end], nil, nil
}

func ptr[T any](v T) *T { return &v }
