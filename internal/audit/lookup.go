package audit

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// LookupEvents error codes, as CloudTrail names them.
const (
	CodeInvalidLookupAttributes = "InvalidLookupAttributesException"
	CodeInvalidTimeRange        = "InvalidTimeRangeException"
	CodeInvalidMaxResults       = "InvalidMaxResultsException"
	CodeInvalidNextToken        = "InvalidNextTokenException"
)

// MaxLookupResults is the largest LookupEvents page and the default page
// size.
const MaxLookupResults = lookup.MaxLimit

// maxAttributeValueLen is the longest AttributeValue CloudTrail accepts.
const maxAttributeValueLen = 2000

// LookupError is a LookupEvents input error: an AWS error code (one of the
// Code constants) and its message. The cloudtrail handler answers it as a
// client error (HTTP 400) with that code and message.
type LookupError struct {
	Code    string
	Message string
}

// Error implements error.
func (e *LookupError) Error() string { return e.Code + ": " + e.Message }

// LookupAttribute is one LookupEvents filter, as the request spells it.
type LookupAttribute struct {
	AttributeKey   string
	AttributeValue string
}

// lookupKeys are CloudTrail's LookupAttributeKey values (case-sensitive).
var lookupKeys = []string{
	"EventId", "EventName", "ReadOnly", "Username",
	"ResourceType", "ResourceName", "EventSource", "AccessKeyId",
}

// ValidateMaxResults checks a MaxResults the caller gave (call it only when
// the request has one): CloudTrail accepts 1 through 50.
func ValidateMaxResults(n int) error {
	if n < 1 || n > MaxLookupResults {
		return &LookupError{CodeInvalidMaxResults,
			fmt.Sprintf("MaxResults must be between 1 and %d; %d is not.", MaxLookupResults, n)}
	}
	return nil
}

// ValidateTimeRange checks StartTime and EndTime; a zero time is one the
// request did not give. A start after the end is InvalidTimeRangeException
// (equal times are a valid, one-instant range).
func ValidateTimeRange(start, end time.Time) error {
	if !start.IsZero() && !end.IsZero() && start.After(end) {
		return &LookupError{CodeInvalidTimeRange, "Start time must not be after end time."}
	}
	return nil
}

// ValidateLookupAttributes checks LookupAttributes: at most one attribute,
// whose key is one of CloudTrail's LookupAttributeKey values and whose value
// is 1 to 2000 characters ("true" or "false" for ReadOnly, in any case).
func ValidateLookupAttributes(attrs []LookupAttribute) error {
	if len(attrs) > 1 {
		return &LookupError{CodeInvalidLookupAttributes, "You cannot specify more than one lookup attribute."}
	}
	for _, a := range attrs {
		if !isLookupKey(a.AttributeKey) {
			return &LookupError{CodeInvalidLookupAttributes, fmt.Sprintf(
				"%s is not a valid lookup attribute key. Valid keys are: %s.",
				strconv.Quote(a.AttributeKey), strings.Join(lookupKeys, ", "))}
		}
		if a.AttributeValue == "" || len(a.AttributeValue) > maxAttributeValueLen {
			return &LookupError{CodeInvalidLookupAttributes, fmt.Sprintf(
				"The value of lookup attribute %s must be 1 to %d characters long.", a.AttributeKey, maxAttributeValueLen)}
		}
		if a.AttributeKey == "ReadOnly" && !strings.EqualFold(a.AttributeValue, "true") && !strings.EqualFold(a.AttributeValue, "false") {
			return &LookupError{CodeInvalidLookupAttributes, "The value of lookup attribute ReadOnly must be true or false."}
		}
	}
	return nil
}

func isLookupKey(k string) bool {
	for _, key := range lookupKeys {
		if k == key {
			return true
		}
	}
	return false
}

// LookupRequest is a LookupEvents request as the handler decoded it.
type LookupRequest struct {
	LookupAttributes []LookupAttribute
	// StartTime and EndTime bound the events' time, inclusively; zero means
	// unbounded.
	StartTime, EndTime time.Time
	// MaxResults is the page size; nil means the default (50).
	MaxResults *int
	NextToken  string
}

// NewEventQuery validates req (ValidateLookupAttributes, ValidateTimeRange,
// ValidateMaxResults) and returns the store query that answers it for the
// calling account: LookupEvents only ever shows the caller's own account's
// events.
func NewEventQuery(accountID string, req LookupRequest) (store.EventQuery, error) {
	if err := ValidateLookupAttributes(req.LookupAttributes); err != nil {
		return store.EventQuery{}, err
	}
	if err := ValidateTimeRange(req.StartTime, req.EndTime); err != nil {
		return store.EventQuery{}, err
	}
	q := store.EventQuery{
		AccountID: accountID,
		StartTime: req.StartTime,
		EndTime:   req.EndTime,
		Limit:     MaxLookupResults,
		NextToken: req.NextToken,
	}
	if req.MaxResults != nil {
		if err := ValidateMaxResults(*req.MaxResults); err != nil {
			return store.EventQuery{}, err
		}
		q.Limit = *req.MaxResults
	}
	if len(req.LookupAttributes) == 1 {
		q.Attribute = req.LookupAttributes[0].AttributeKey
		q.Value = req.LookupAttributes[0].AttributeValue
		if q.Attribute == "ReadOnly" {
			q.Value = strings.ToLower(q.Value)
		}
	}
	return q, nil
}

// LookedUpEvent is one event of a LookupEvents response, with CloudTrail's
// member names and types.
type LookedUpEvent struct {
	EventID   string
	EventName string
	// ReadOnly is "true" or "false": LookupEvents returns it as a string.
	ReadOnly    string
	AccessKeyID string
	// EventTime is the event's time at second precision, as in the record.
	EventTime   time.Time
	EventSource string
	Username    string
	Resources   []LookedUpResource
	// CloudTrailEvent is the whole record, a JSON document in a string.
	CloudTrailEvent string
}

// LookedUpResource is one resource of a LookedUpEvent.
type LookedUpResource struct {
	ResourceType string
	ResourceName string
}

// Lookup runs q against st and returns the page of events, newest first, and
// the token of the next page ("" on the last page). The store's rejections of
// q come back as *LookupError (InvalidLookupAttributesException,
// InvalidTimeRangeException, InvalidNextTokenException); other errors are
// the store's, for the handler to answer as an internal failure.
func Lookup(ctx context.Context, st store.Store, q store.EventQuery) ([]LookedUpEvent, string, error) {
	recs, next, err := st.QueryEvents(ctx, q)
	if err != nil {
		return nil, "", lookupError(err)
	}
	out := make([]LookedUpEvent, len(recs))
	for i := range recs {
		out[i] = lookedUp(&recs[i])
	}
	return out, next, nil
}

// lookedUp converts a stored record to its LookupEvents form.
func lookedUp(rec *store.EventRecord) LookedUpEvent {
	ev := LookedUpEvent{
		EventID:         rec.EventID,
		EventName:       rec.EventName,
		ReadOnly:        strconv.FormatBool(rec.ReadOnly),
		AccessKeyID:     rec.AccessKeyID,
		EventTime:       rec.EventTime.UTC().Truncate(time.Second),
		EventSource:     rec.EventSource,
		Username:        rec.Username,
		CloudTrailEvent: string(rec.JSON),
	}
	if len(rec.Resources) > 0 {
		ev.Resources = make([]LookedUpResource, len(rec.Resources))
		for i, r := range rec.Resources {
			ev.Resources[i] = LookedUpResource{ResourceType: r.Type, ResourceName: r.Name}
		}
	}
	return ev
}

// lookupError maps the store's query rejections to LookupEvents errors.
func lookupError(err error) error {
	switch {
	case errors.Is(err, lookup.ErrInvalidAttribute):
		return &LookupError{CodeInvalidLookupAttributes, "The lookup attribute is not valid."}
	case errors.Is(err, lookup.ErrInvalidTimeRange):
		return &LookupError{CodeInvalidTimeRange, "Start time must not be after end time."}
	case errors.Is(err, lookup.ErrInvalidNextToken):
		return &LookupError{CodeInvalidNextToken, "Invalid NextToken. The token is not valid, or was issued for a request with different parameters."}
	}
	return err
}
