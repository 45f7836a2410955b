// Package artifact serves the AWS Artifact API over the state of
// internal/artifact: the reports operators publish, with their versions
// and terms; the term acceptance (GetTermForReport) whose token GetReport
// requires; presigned, expiring document URLs that gatehouse itself
// serves; each account's settings; and the customer agreements in force
// for an account, its own and its organization's.
package artifact

import (
	"encoding/base64"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/artifact"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// Service is the Artifact implementation.
type Service struct {
	store *artifact.Store
	log   *slog.Logger
	// now is the clock presigned URLs expire by.
	now func() time.Time
}

// New returns the Artifact service over store.
func New(store *artifact.Store, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, log: log, now: time.Now}
}

// Register adds the Artifact handlers to r.
func (s *Service) Register(r *call.Registry) {
	r.Handle(api.Service, "ListReports", call.Typed(s.listReports))
	r.Handle(api.Service, "ListReportVersions", call.Typed(s.listReportVersions))
	r.Handle(api.Service, "GetReportMetadata", call.Typed(s.getReportMetadata))
	r.Handle(api.Service, "GetTermForReport", call.Typed(s.getTermForReport))
	r.Handle(api.Service, "GetReport", call.Typed(s.getReport))
	r.Handle(api.Service, "GetAccountSettings", call.Typed(s.getAccountSettings))
	r.Handle(api.Service, "PutAccountSettings", call.Typed(s.putAccountSettings))
	r.Handle(api.Service, "ListCustomerAgreements", call.Typed(s.listCustomerAgreements))
}

// defaultMaxResults is the page size when a list call names none. AWS
// does not document Artifact's default; the model allows up to 300.
const defaultMaxResults = 50

func pageSize(maxResults *int32) int {
	if maxResults == nil {
		return defaultMaxResults
	}
	return int(*maxResults)
}

// validationError is Artifact's ValidationException with its required
// reason and, when one field is at fault, the field list.
func validationError(reason api.ValidationExceptionReason, field, format string, args ...any) *protocol.Error {
	e := api.NewValidationException(format, args...)
	e.Fields = map[string]any{"reason": string(reason)}
	if field != "" {
		e.Fields["fieldList"] = []api.ValidationExceptionField{{Name: &field, Message: &e.Message}}
	}
	return e
}

// notFound is Artifact's ResourceNotFoundException with the resource's id
// and type.
func notFound(resourceType, resourceID, format string, args ...any) *protocol.Error {
	e := api.NewResourceNotFoundException(format, args...)
	e.Fields = map[string]any{"resourceId": resourceID, "resourceType": resourceType}
	return e
}

// Next tokens are opaque to clients: base64url of a kind tag and the
// position, so that a token of one list is refused by another.
func encodeToken(kind, position string) *string {
	t := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + position))
	return &t
}

func decodeToken(kind string, token *string) (string, error) {
	if token == nil {
		return "", nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(*token)
	pos, ok := strings.CutPrefix(string(raw), kind+":")
	if err != nil || !ok || pos == "" {
		return "", validationError(api.ValidationExceptionReasonInvalidToken, "nextToken", "The pagination token is not valid.")
	}
	return pos, nil
}

func decodeIntToken(kind string, token *string) (int64, error) {
	pos, err := decodeToken(kind, token)
	if err != nil || pos == "" {
		return 0, err
	}
	n, perr := strconv.ParseInt(pos, 10, 64)
	if perr != nil || n < 0 {
		return 0, validationError(api.ValidationExceptionReasonInvalidToken, "nextToken", "The pagination token is not valid.")
	}
	return n, nil
}

func ptr[T any](v T) *T { return &v }
