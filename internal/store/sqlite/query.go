package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// QueryEvents returns the events matching q, newest first (by EventTime,
// then EventID, both descending), at most one page of lookup.MaxLimit, and a
// NextToken when more follow. Invalid queries fail with the errors of package
// lookup: ErrInvalidAttribute, ErrInvalidTimeRange, ErrInvalidNextToken.
//
// Every query with an AccountID is one index range scan. A query without one
// runs that scan once per account and merges the results, which is meant for
// administration, not for the request path.
func (s *Store) QueryEvents(ctx context.Context, q store.EventQuery) ([]store.EventRecord, string, error) {
	plan, err := lookup.NewPlan(q)
	if err != nil {
		return nil, "", err
	}
	want := plan.Limit + 1 // one more than a page tells whether another follows
	var page []storedEvent
	err = s.read(ctx, func(c *conn) error {
		if plan.AccountID != "" {
			var err error
			page, err = queryAccount(ctx, c, plan, plan.AccountID, want)
			return err
		}
		accounts, err := listAccounts(c)
		if err != nil {
			return err
		}
		for _, account := range accounts {
			part, err := queryAccount(ctx, c, plan, account, want)
			if err != nil {
				return err
			}
			page = append(page, part...)
		}
		slices.SortFunc(page, func(a, b storedEvent) int { return comparePosition(b.pos, a.pos) })
		page = page[:min(len(page), want)]
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(page) > plan.Limit {
		page = page[:plan.Limit]
		next = plan.NextToken(page[len(page)-1].pos)
	}
	out := make([]store.EventRecord, len(page))
	for i := range page {
		out[i] = page[i].rec
	}
	return out, next, nil
}

// storedEvent is an event as read back with its position in the order.
type storedEvent struct {
	rec store.EventRecord
	pos lookup.Position
}

func comparePosition(a, b lookup.Position) int {
	if c := cmp.Compare(a.Time, b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.EventID, b.EventID)
}

// attrColumn names the column an attribute filters on (the resource
// attributes are columns of event_resources), and attrIndex the index that
// serves the lookup.
var (
	attrColumn = map[lookup.Attribute]string{
		lookup.AttrEventID:      "e.event_id",
		lookup.AttrEventName:    "e.event_name",
		lookup.AttrReadOnly:     "e.read_only",
		lookup.AttrUsername:     "e.username",
		lookup.AttrEventSource:  "e.event_source",
		lookup.AttrAccessKeyID:  "e.access_key_id",
		lookup.AttrResourceType: "r.type",
		lookup.AttrResourceName: "r.name",
	}
	attrIndex = map[lookup.Attribute]string{
		lookup.AttrNone:         "events_by_time",
		lookup.AttrEventID:      "events_by_id",
		lookup.AttrEventName:    "events_by_name",
		lookup.AttrReadOnly:     "events_by_read_only",
		lookup.AttrUsername:     "events_by_username",
		lookup.AttrEventSource:  "events_by_source",
		lookup.AttrAccessKeyID:  "events_by_access_key",
		lookup.AttrResourceName: "event_resources_by_name",
		// AttrResourceType: the table is clustered by type.
	}
)

const eventColumns = `e.event_id, e.event_time, e.event_name, e.event_source, e.username,
	e.access_key_id, e.read_only, e.account_id, e.resources, e.json`

// eventQuerySQL builds the statement for one account's page. Its parameters
// are, in order: account, the attribute value (if any), the lower and upper
// time bound, the continuation position (if after), and the row limit (unless
// the query goes through event_resources).
//
// The shape is the same for every attribute: equality on the leading index
// columns, a range on event_time, read backwards. The tie-break on event_id
// is not in the indexes; SQLite sorts only runs of equal event_time for it,
// which with nanosecond times are a row or two.
//
// The index is named with INDEXED BY. Without statistics SQLite's planner
// assumes that account_id = ? alone selects a handful of rows and prefers
// the narrow (account_id, event_time) index for every lookup, which for an
// attribute filter means scanning the account's whole log. The queries are
// fixed, so naming the index is simpler and steadier than maintaining
// statistics, and a statement whose index cannot serve it fails to prepare
// instead of silently scanning.
//
// A resource lookup scans event_resources and joins each row to its event.
// An event with two resources of the same type (or name) matches twice; the
// duplicates are adjacent in the order, so the caller skips them and stops
// reading after enough distinct events instead of using LIMIT.
func eventQuerySQL(attr lookup.Attribute, after bool) string {
	viaResources := attr == lookup.AttrResourceType || attr == lookup.AttrResourceName
	account, when := "e.account_id", "e.event_time"
	indexedBy := ""
	if index, ok := attrIndex[attr]; ok {
		indexedBy = " INDEXED BY " + index
	}
	var b strings.Builder
	b.WriteString("SELECT " + eventColumns)
	if viaResources {
		account, when = "r.account_id", "r.event_time"
		// CROSS JOIN fixes the join order: the scan runs over
		// event_resources, each row looking up its event by row number.
		b.WriteString(" FROM event_resources AS r" + indexedBy + " CROSS JOIN events AS e WHERE e.seq = r.event_seq AND ")
	} else {
		b.WriteString(" FROM events AS e" + indexedBy + " WHERE ")
	}
	b.WriteString(account + " = ?")
	if attr != lookup.AttrNone {
		b.WriteString(" AND " + attrColumn[attr] + " = ?")
	}
	b.WriteString(" AND " + when + " >= ? AND " + when + " <= ?")
	if after {
		b.WriteString(" AND (" + when + " < ? OR e.event_id < ?)")
	}
	b.WriteString(" ORDER BY " + when + " DESC, e.event_id DESC")
	if !viaResources {
		b.WriteString(" LIMIT ?")
	}
	return b.String()
}

// queryAccount reads up to want events of one account matching plan.
func queryAccount(ctx context.Context, c *conn, plan lookup.Plan, account string, want int) ([]storedEvent, error) {
	viaResources := plan.Attr == lookup.AttrResourceType || plan.Attr == lookup.AttrResourceName
	args := []any{account}
	switch plan.Attr {
	case lookup.AttrNone:
	case lookup.AttrReadOnly:
		args = append(args, plan.ReadOnly)
	default:
		args = append(args, plan.Value)
	}
	lo, hi := int64(math.MinInt64), int64(math.MaxInt64)
	if plan.HasStart {
		lo = plan.Start
	}
	if plan.HasEnd {
		hi = plan.End
	}
	if plan.HasAfter {
		hi = min(hi, plan.After.Time)
	}
	args = append(args, lo, hi)
	if plan.HasAfter {
		args = append(args, plan.After.Time, plan.After.EventID)
	}
	if !viaResources {
		args = append(args, want)
	}

	rows, err := c.query(eventQuerySQL(plan.Attr, plan.HasAfter), args...)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	defer rows.Close()
	var out []storedEvent
	for len(out) < want && rows.Next() {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		ev, err := scanEvent(rows)
		if err != nil {
			return nil, err
		}
		if n := len(out); n > 0 && out[n-1].pos == ev.pos {
			continue // the same event through another of its resources
		}
		out = append(out, ev)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	return out, nil
}

func scanEvent(rows *sql.Rows) (storedEvent, error) {
	var (
		ev        storedEvent
		ns        int64
		resources []byte
	)
	r := &ev.rec
	if err := rows.Scan(&r.EventID, &ns, &r.EventName, &r.EventSource, &r.Username,
		&r.AccessKeyID, &r.ReadOnly, &r.AccountID, &resources, &r.JSON); err != nil {
		return storedEvent{}, fmt.Errorf("sqlite store: query events: %w", err)
	}
	r.EventTime = time.Unix(0, ns).UTC()
	var err error
	if r.Resources, err = decodeResources(resources); err != nil {
		return storedEvent{}, fmt.Errorf("sqlite store: event %q: %w", r.EventID, err)
	}
	if r.JSON == nil {
		r.JSON = []byte{}
	}
	ev.pos = lookup.Position{Time: ns, EventID: r.EventID}
	return ev, nil
}

// listAccounts returns the distinct account ids of stored events, each
// found by one seek in the (account_id, event_time) index rather than by
// scanning it.
func listAccounts(c *conn) ([]string, error) {
	const (
		first = `SELECT min(account_id) FROM events`
		next  = `SELECT min(account_id) FROM events WHERE account_id > ?`
	)
	var accounts []string
	query, args := first, []any(nil)
	for {
		row, err := c.queryRow(query, args...)
		if err != nil {
			return nil, fmt.Errorf("sqlite store: list event accounts: %w", err)
		}
		var account sql.NullString
		if err := row.Scan(&account); err != nil {
			return nil, fmt.Errorf("sqlite store: list event accounts: %w", err)
		}
		if !account.Valid {
			return accounts, nil
		}
		accounts = append(accounts, account.String)
		query, args = next, []any{account.String}
	}
}
