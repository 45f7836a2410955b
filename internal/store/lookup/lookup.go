// Package lookup holds the database-neutral rules of store.EventQuery, the
// CloudTrail LookupEvents contract: which attribute names exist, how many
// events a page holds, and the NextToken cursor. Every store implementation
// (the embedded SQLite one and a later PostgreSQL one) applies the same rules
// through this package, so a page looks the same whichever backend served it.
package lookup

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// MaxLimit is the largest page LookupEvents returns, and DefaultLimit the page
// size when the caller gives none; CloudTrail uses 50 for both.
const (
	MaxLimit     = 50
	DefaultLimit = 50
)

// ErrInvalidAttribute is returned for an EventQuery whose Attribute is not one
// of the LookupEvents attribute keys, or whose ReadOnly value is neither "true"
// nor "false". The API layer maps it to InvalidLookupAttributesException.
var ErrInvalidAttribute = errors.New("store: invalid lookup attribute")

// ErrInvalidTimeRange is returned for an EventQuery whose StartTime is after
// its EndTime. The API layer maps it to InvalidTimeRangeException.
var ErrInvalidTimeRange = errors.New("store: start time is after end time")

// Attribute identifies the one attribute an EventQuery filters on.
type Attribute int

// The attributes of CloudTrail's LookupAttributeKey enumeration. AttrNone
// means the query has no attribute filter.
const (
	AttrNone Attribute = iota
	AttrEventID
	AttrEventName
	AttrReadOnly
	AttrUsername
	AttrResourceType
	AttrResourceName
	AttrEventSource
	AttrAccessKeyID
)

// attributeNames maps the wire names (CloudTrail's LookupAttributeKey values,
// which are case-sensitive) to attributes.
var attributeNames = map[string]Attribute{
	"EventId":      AttrEventID,
	"EventName":    AttrEventName,
	"ReadOnly":     AttrReadOnly,
	"Username":     AttrUsername,
	"ResourceType": AttrResourceType,
	"ResourceName": AttrResourceName,
	"EventSource":  AttrEventSource,
	"AccessKeyId":  AttrAccessKeyID,
}

// Plan is an EventQuery checked and reduced to what a backend executes: the
// attribute filter, the inclusive time bounds in Unix nanoseconds, the page
// size, and the position to continue after.
type Plan struct {
	AccountID string
	Attr      Attribute
	// Value is the attribute value to match. For AttrReadOnly it is "true"
	// or "false" (normalised to lower case) and ReadOnly holds it as a bool.
	Value    string
	ReadOnly bool
	// HasStart and HasEnd tell whether the bounds apply; Start and End are
	// inclusive Unix nanoseconds.
	HasStart, HasEnd bool
	Start, End       int64
	// Limit is the page size, 1..MaxLimit.
	Limit int
	// After is the position the page continues from, when HasAfter is set:
	// the page holds only events that sort strictly after it in the
	// newest-first order, that is (EventTime, EventID) < After.
	HasAfter bool
	After    Position

	fingerprint [sha256.Size]byte
}

// Position is a place in the newest-first event order: events sort by
// EventTime descending, then by EventID descending. EventID is unique, so a
// position is a total order and a page boundary never splits or repeats
// events, even while new events arrive.
type Position struct {
	Time    int64 // Unix nanoseconds
	EventID string
}

// NewPlan checks q and turns it into a Plan. It returns ErrInvalidAttribute,
// ErrInvalidTimeRange or ErrInvalidNextToken (wrapped, naming the problem)
// when q is not a valid query.
func NewPlan(q store.EventQuery) (Plan, error) {
	p := Plan{AccountID: q.AccountID}
	if q.Attribute != "" {
		p.Value = q.Value
		a, ok := attributeNames[q.Attribute]
		if !ok {
			return Plan{}, fmt.Errorf("%w: unknown attribute key %q", ErrInvalidAttribute, q.Attribute)
		}
		p.Attr = a
		if a == AttrReadOnly {
			switch strings.ToLower(q.Value) {
			case "true":
				p.ReadOnly, p.Value = true, "true"
			case "false":
				p.ReadOnly, p.Value = false, "false"
			default:
				return Plan{}, fmt.Errorf("%w: ReadOnly value must be true or false, not %q", ErrInvalidAttribute, q.Value)
			}
		}
	}
	if !q.StartTime.IsZero() {
		p.HasStart, p.Start = true, UnixNano(q.StartTime)
	}
	if !q.EndTime.IsZero() {
		p.HasEnd, p.End = true, UnixNano(q.EndTime)
	}
	if p.HasStart && p.HasEnd && p.Start > p.End {
		return Plan{}, fmt.Errorf("%w: %s > %s", ErrInvalidTimeRange,
			q.StartTime.UTC().Format(time.RFC3339Nano), q.EndTime.UTC().Format(time.RFC3339Nano))
	}
	p.Limit = q.Limit
	if p.Limit <= 0 || p.Limit > MaxLimit {
		p.Limit = DefaultLimit
		if q.Limit > MaxLimit {
			p.Limit = MaxLimit
		}
	}
	p.fingerprint = fingerprint(p)
	if q.NextToken != "" {
		pos, err := decodeToken(q.NextToken, p.fingerprint)
		if err != nil {
			return Plan{}, err
		}
		p.HasAfter, p.After = true, pos
	}
	return p, nil
}

// TimeBounds returns the inclusive bounds, in Unix nanoseconds, on the
// times of the events the page may hold: the query's time range (the int64
// extremes where it has no bound), its upper end cut at the position the
// page continues after. Events at exactly After.Time qualify only if their
// EventID sorts before After.EventID, which the backend checks itself.
func (p Plan) TimeBounds() (lo, hi int64) {
	lo, hi = math.MinInt64, math.MaxInt64
	if p.HasStart {
		lo = p.Start
	}
	if p.HasEnd {
		hi = p.End
	}
	if p.HasAfter {
		hi = min(hi, p.After.Time)
	}
	return lo, hi
}

// NextToken returns the token for the page after one whose last event is at
// last.
func (p Plan) NextToken(last Position) string {
	return encodeToken(last, p.fingerprint)
}

// UnixNano is the stored form of an event time: nanoseconds since the Unix
// epoch, clamped to the int64 range (years 1678 to 2262) so that times outside
// it still order correctly at the ends instead of wrapping around.
func UnixNano(t time.Time) int64 {
	const minSec, maxSec = -9223372036, 9223372035
	switch s := t.Unix(); {
	case s < minSec:
		return -1 << 63
	case s > maxSec:
		return 1<<63 - 1
	}
	return t.UnixNano()
}
