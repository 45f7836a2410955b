// Package audit is gatehouse's audit trail. Every API call gatehouse serves
// (allowed, denied, failed, and calls that failed authentication) becomes a
// CloudTrail event: an Event, recorded durably in the store by a Recorder,
// published in-process on a Bus for threat detectors, and read back by the
// CloudTrail LookupEvents handler through Lookup.
//
// The record format is CloudTrail's own (eventVersion 1.11), so tools that
// read CloudTrail logs read gatehouse's unchanged.
package audit

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"sync"
	"sync/atomic"
	"time"
)

// EventVersion is the CloudTrail record format version gatehouse writes: the
// current version of CloudTrail's management event records.
const EventVersion = "1.11"

// Event types (the record's eventType). AwsApiCall is every API call;
// AwsConsoleSignIn is a console sign-in, for a later console.
const (
	EventTypeAPICall       = "AwsApiCall"
	EventTypeConsoleSignIn = "AwsConsoleSignIn"
)

// CategoryManagement is the eventCategory of management events, the only
// category gatehouse records (and the one LookupEvents returns).
const CategoryManagement = "Management"

// Event is one CloudTrail record. Its JSON form (MarshalJSON, AppendJSON) is
// exactly CloudTrail's: the same field names, order and value formats, with
// optional fields left out when empty, as CloudTrail does.
//
// Event deliberately has no field able to carry a credential: the userIdentity
// holds an access key id, never a secret key or session token, and the
// request and response documents are passed in already redacted by the caller
// (the Recorder also hides a fixed set of secret-named members as a second
// line of defence, see RedactJSON).
//
// Once handed to Recorder.Record an Event belongs to the recorder and, after
// publication, to Bus subscribers: nobody may modify it. An Event made by
// NewEvent that no subscriber received is recycled once its record is
// encoded, so its maker must not even read it after Record.
type Event struct {
	// EventVersion is the record format version; the Recorder fills in
	// EventVersion when it is empty.
	EventVersion string `json:"eventVersion"`
	// UserIdentity is who made the call; build it with UserIdentityFor.
	UserIdentity UserIdentity `json:"userIdentity"`
	// EventTime is when the request completed. The Recorder uses the time of
	// Record when it is zero. It is written in UTC with second precision, as
	// CloudTrail does ("2024-05-01T12:34:56Z").
	EventTime time.Time `json:"eventTime"`
	// EventSource is the service endpoint name, e.g. "iam.amazonaws.com".
	EventSource string `json:"eventSource"`
	// EventName is the operation, e.g. "CreateUser".
	EventName string `json:"eventName"`
	// AWSRegion is the region the request was made to.
	AWSRegion string `json:"awsRegion,omitempty"`
	// SourceIPAddress is the caller's address.
	SourceIPAddress string `json:"sourceIPAddress,omitempty"`
	// UserAgent is the caller's User-Agent header.
	UserAgent string `json:"userAgent,omitempty"`
	// ErrorCode and ErrorMessage are set when the call failed, including
	// authentication and authorization failures.
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	// RequestParameters and ResponseElements are the request and response
	// documents, already redacted by the caller. Empty means null, which is
	// how CloudTrail writes calls without parameters or without a response
	// worth recording. Invalid JSON is written as null.
	RequestParameters json.RawMessage `json:"requestParameters"`
	ResponseElements  json.RawMessage `json:"responseElements"`
	// AdditionalEventData is data about the event that was neither request
	// nor response; left out when empty.
	AdditionalEventData json.RawMessage `json:"additionalEventData,omitempty"`
	// RequestID is the id gatehouse returned to the caller.
	RequestID string `json:"requestID,omitempty"`
	// EventID is the event's unique id, a UUID; the Recorder generates a
	// time-ordered one when it is empty (see NewEventID).
	EventID string `json:"eventID"`
	// ReadOnly tells whether the operation only reads.
	ReadOnly bool `json:"readOnly"`
	// Resources are the resources the call touched.
	Resources []Resource `json:"resources,omitempty"`
	// EventType is EventTypeAPICall (the default) or EventTypeConsoleSignIn.
	EventType string `json:"eventType"`
	// ManagementEvent is true for management events; the Recorder derives it
	// from EventCategory.
	ManagementEvent bool `json:"managementEvent"`
	// RecipientAccountID is the account the event is recorded for; the
	// Recorder uses the caller's account when it is empty.
	RecipientAccountID string `json:"recipientAccountId,omitempty"`
	// EventCategory is CategoryManagement (the default).
	EventCategory string `json:"eventCategory"`
	// TLSDetails describes the TLS connection, when the call came over TLS.
	TLSDetails *TLSDetails `json:"tlsDetails,omitempty"`

	// self points to the event itself while NewEvent's caller or the
	// recorder has it: the recorder may recycle it (see release). A copy of
	// the Event value points to the original, so copies, which share its
	// buffers, are never recycled.
	self *Event
	// cleanReq and cleanResp are the documents MarkDocsClean vouched for
	// (the slices themselves, compared by identity): the recorder skips
	// its redaction scan for a document only while it is still that slice.
	cleanReq, cleanResp json.RawMessage
	// bufReq, bufResp and bufRes are the event's own buffers, which
	// NewEvent hands out, empty, as RequestParameters, ResponseElements and
	// Resources. Only these are reused: a slice a caller assigned instead
	// may be shared with something else.
	bufReq, bufResp []byte
	bufRes          []Resource
}

// NewEvent returns an empty Event, recycled from an earlier one when
// possible: building an event on every request is then cheaper and leaves
// less garbage. Fill it in field by field (assigning a whole Event value
// would drop what makes it recyclable) and give it to Recorder.Record, which
// recycles it once its record is encoded, unless a Bus subscriber got it.
//
// Its RequestParameters, ResponseElements and Resources may be empty slices
// with room, the event's own buffers: append to them (len 0 still means
// null, or no resources). What is appended in place is overwritten by a
// later event, so neither they nor anything appended to them may be kept
// after Record.
func NewEvent() *Event {
	return eventPool.Get().(*Event).reuse()
}

// eventPool holds events for NewEvent. The recorder puts events back after
// encoding them (release), on its own goroutine; request goroutines take
// them.
var eventPool = sync.Pool{New: func() any { return new(Event) }}

// reuse readies e, new or released, for NewEvent's caller.
func (e *Event) reuse() *Event {
	e.self = e
	e.RequestParameters, e.ResponseElements, e.Resources = e.bufReq[:0], e.bufResp[:0], e.bufRes[:0]
	return e
}

// Bounds of the buffers a recycled event keeps, so that one huge request
// does not pin its buffers in the pool.
const (
	maxPooledDoc       = 4 << 10
	maxPooledResources = 16
)

// recyclable reports whether e was made by NewEvent (and is not a copy of
// such an event).
func (e *Event) recyclable() bool { return e.self == e }

// release recycles e, an event made by NewEvent that nobody else holds:
// the recorder has encoded it and no Bus subscriber received it.
func (e *Event) release() {
	e.reset()
	eventPool.Put(e)
}

// reset empties e for its next use. Its buffers are kept, grown to hold
// what this event held (the next event is likely to need as much), and
// everything else is zeroed.
func (e *Event) reset() {
	req, resp, res := e.bufReq, e.bufResp, e.bufRes
	if n := len(e.RequestParameters); n > cap(req) && n <= maxPooledDoc {
		req = make([]byte, 0, n)
	}
	if n := len(e.ResponseElements); n > cap(resp) && n <= maxPooledDoc {
		resp = make([]byte, 0, n)
	}
	clear(res[:cap(res)]) // drop the references to the old resources' strings
	if n := len(e.Resources); n > cap(res) && n <= maxPooledResources {
		res = make([]Resource, 0, n)
	}
	// self stays nil until NewEvent hands the event out again, so that an
	// event recorded twice (a caller's bug) is not put in the pool twice
	// while it waits there, which would give it to two callers.
	*e = Event{bufReq: req, bufResp: resp, bufRes: res}
}

// MarkDocsClean vouches for e's RequestParameters (when requestParameters
// is true) and ResponseElements (when responseElements is true) as they
// are now: each is valid JSON in which no object member, at any depth, is
// named like a secret (IsSecretName). RedactJSON would neither hide nor
// change anything in such a document, so the recorder skips scanning it.
//
// Only an encoder that knows every member name it writes can vouch for its
// output (protocol.AuditJSONChecked reports when it can). A document
// assigned to the field after marking is not covered: the mark holds for
// the marked slice only, and the recorder scans any other.
func (e *Event) MarkDocsClean(requestParameters, responseElements bool) {
	if requestParameters {
		e.cleanReq = e.RequestParameters
	}
	if responseElements {
		e.cleanResp = e.ResponseElements
	}
}

// sameDoc reports whether a and b are the same non-empty slice (the same
// bytes in memory, not just equal ones).
func sameDoc(a, b json.RawMessage) bool {
	return len(a) > 0 && len(a) == len(b) && &a[0] == &b[0]
}

// Resource is one entry of the record's resources list.
type Resource struct {
	// ARN is the resource's ARN (or, for resources CloudTrail names that
	// way, its name).
	ARN string `json:"ARN,omitempty"`
	// AccountID is the account owning the resource.
	AccountID string `json:"accountId,omitempty"`
	// Type is the resource type, e.g. "AWS::IAM::Role".
	Type string `json:"type,omitempty"`
}

// TLSDetails is the record's tlsDetails element: the TLS version and cipher
// suite of the connection, in CloudTrail's spelling, and the Host header the
// client sent. Build it with TLSDetailsFor.
type TLSDetails struct {
	TLSVersion               string `json:"tlsVersion,omitempty"`
	CipherSuite              string `json:"cipherSuite,omitempty"`
	ClientProvidedHostHeader string `json:"clientProvidedHostHeader,omitempty"`
}

// MarshalJSON returns the CloudTrail record of e (see AppendJSON). It has a
// value receiver so that Event values and pointers marshal alike.
func (e Event) MarshalJSON() ([]byte, error) {
	return e.AppendJSON(make([]byte, 0, 1024)), nil
}

// NewEventID returns a new version 7 UUID (RFC 9562) in its canonical
// lower-case form, the format of CloudTrail event ids. Callers that need an
// event's id before recording it (to log it, for instance) set EventID with
// it; otherwise the Recorder does.
//
// A version 7 UUID starts with the time it was made, so ids sort in the
// order they were made: the store's index of event ids grows at its end
// instead of taking a random page for every event, and a batch of new ids
// is seen not to be stored yet by comparing it with the greatest stored one
// (see store.Store.AppendEvents). The layout is
//
//	48 bits  Unix time in milliseconds
//	 4 bits  version, 7
//	12 bits  the fraction of the millisecond, in 1/4096ths
//	 2 bits  variant, binary 10
//	62 bits  random
//
// using the 12 bits after the version for sub-millisecond time (RFC 9562,
// section 6.2, method 3). Ids made in this process are strictly increasing:
// an id that would not sort after the previous one takes the previous
// one's time plus one 1/4096 ms, so a clock that steps back, or more than
// 4096 ids in one millisecond, only makes the time run a little ahead. The
// 62 random bits keep ids unique across processes and machines.
func NewEventID() string {
	var r [8]byte
	if _, err := rand.Read(r[:]); err != nil {
		// crypto/rand.Read does not fail on supported platforms.
		panic("audit: crypto/rand failed: " + err.Error())
	}
	var s [36]byte
	formatUUIDv7(&s, v7Clock(&lastV7, time.Now()), &r)
	return string(s[:])
}

// lastV7 is the 60-bit time (milliseconds << 12 | 1/4096ths) of the last
// version 7 id made in this process.
var lastV7 atomic.Uint64

// v7Clock returns the time field of a new id made at now: now in
// milliseconds and 1/4096ths of a millisecond, or one more than the last
// id's (kept in last) if that is not greater.
func v7Clock(last *atomic.Uint64, now time.Time) uint64 {
	ms := now.UnixMilli()
	if ms < 0 {
		ms = 0
	}
	frac := uint64(now.Nanosecond()%1e6) * 4096 / 1e6
	t := uint64(ms)<<12 | frac
	for {
		prev := last.Load()
		next := max(t, prev+1)
		if last.CompareAndSwap(prev, next) {
			return next
		}
	}
}

// formatUUIDv7 writes the canonical text form of the version 7 UUID with
// time field t (see v7Clock) and the random bits of r into s.
func formatUUIDv7(s *[36]byte, t uint64, r *[8]byte) {
	var b [16]byte
	ms := t >> 12
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = 0x70 | byte(t>>8)&0x0f // version 7, then the top of the fraction
	b[7] = byte(t)
	copy(b[8:], r[:])
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
}

// idSource hands out event ids (see NewEventID) from a buffer of random
// bytes, so that the recorder's goroutine pays one crypto/rand call per 512
// ids instead of one per id. Its ids and NewEventID's share one clock, so
// they are increasing together. It is not safe for concurrent use.
type idSource struct {
	buf [8 * 512]byte
	// used is how many bytes of buf have been handed out; a zero idSource
	// has none left (filled is false).
	used   int
	filled bool
}

func (s *idSource) next() string {
	if !s.filled || s.used == len(s.buf) {
		if _, err := rand.Read(s.buf[:]); err != nil {
			panic("audit: crypto/rand failed: " + err.Error())
		}
		s.used, s.filled = 0, true
	}
	r := [8]byte(s.buf[s.used : s.used+8])
	clear(s.buf[s.used : s.used+8]) // an id's bytes do not linger after use
	s.used += 8
	var out [36]byte
	formatUUIDv7(&out, v7Clock(&lastV7, time.Now()), &r)
	return string(out[:])
}
