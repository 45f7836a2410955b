package storetest

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// RunEvents checks AppendEvents and QueryEvents: every lookup attribute,
// time ranges, page sizes, tokens, and pagination while events keep
// arriving.
func RunEvents(t *testing.T, open Opener) {
	subtest(t, open, "RoundTrip", testEventRoundTrip)
	subtest(t, open, "Attributes", testEventAttributes)
	subtest(t, open, "TimeRange", testEventTimeRange)
	subtest(t, open, "Limit", testEventLimit)
	subtest(t, open, "EqualTimes", testEventEqualTimes)
	subtest(t, open, "Resources", testEventResources)
	subtest(t, open, "AllAccounts", testEventAllAccounts)
	subtest(t, open, "PaginationWhileAppending", testEventPaginationWhileAppending)
	subtest(t, open, "ConcurrentAppendAndQuery", testEventConcurrentAppendAndQuery)
	subtest(t, open, "InvalidQueries", testEventInvalidQueries)
	subtest(t, open, "EmptyAppend", testEventEmptyAppend)
	subtest(t, open, "ManyBatches", testEventManyBatches)
	subtest(t, open, "PagesAcrossBatches", testEventPagesAcrossBatches)
	subtest(t, open, "TimeRangeEdges", testEventTimeRangeEdges)
	subtest(t, open, "DuplicatesAcrossBatches", testEventDuplicatesAcrossBatches)
}

// base is the time the generated events start at; it has a sub-second part
// so that second-granular storage would show.
var base = time.Date(2025, 3, 14, 15, 9, 26, 535897932, time.UTC)

func makeEvent(id, account string, at time.Time, resources []store.EventResource) store.EventRecord {
	return store.EventRecord{
		EventID:     id,
		EventTime:   at,
		EventName:   "GetUser",
		EventSource: "iam.amazonaws.com",
		Username:    "alice",
		AccessKeyID: "AKIAALICE",
		ReadOnly:    true,
		AccountID:   account,
		Resources:   resources,
		JSON:        []byte(`{"eventID":"` + id + `"}`),
	}
}

func appendEvents(t *testing.T, s store.Store, events ...store.EventRecord) {
	t.Helper()
	if err := s.AppendEvents(ctx, events); err != nil {
		t.Fatalf("AppendEvents(%d events): %v", len(events), err)
	}
}

// queryAll follows NextToken to the end and returns every event, checking
// each page's size and that events arrive in strictly newest-first order.
func queryAll(t *testing.T, s store.Store, q store.EventQuery) []store.EventRecord {
	t.Helper()
	var all []store.EventRecord
	limit := q.Limit
	if limit <= 0 || limit > lookup.MaxLimit {
		limit = lookup.MaxLimit
	}
	for pages := 0; ; pages++ {
		if pages > 10000 {
			t.Fatalf("query %+v: pagination does not end", q)
		}
		evs, next, err := s.QueryEvents(ctx, q)
		if err != nil {
			t.Fatalf("QueryEvents(%+v): %v", q, err)
		}
		if len(evs) > limit {
			t.Fatalf("QueryEvents(%+v) returned %d events, limit %d", q, len(evs), limit)
		}
		if next != "" && len(evs) != limit {
			t.Fatalf("QueryEvents(%+v) returned a short page (%d of %d) and a token", q, len(evs), limit)
		}
		all = append(all, evs...)
		if next == "" {
			break
		}
		q.NextToken = next
	}
	for i := 1; i < len(all); i++ {
		if compareNewestFirst(all[i-1], all[i]) >= 0 {
			t.Fatalf("query %+v: event %d (%s %s) does not sort after event %d (%s %s)", q,
				i, all[i].EventTime.Format(time.RFC3339Nano), all[i].EventID,
				i-1, all[i-1].EventTime.Format(time.RFC3339Nano), all[i-1].EventID)
		}
	}
	return all
}

// compareNewestFirst orders events as QueryEvents returns them: newer first,
// and for equal times the greater EventID first.
func compareNewestFirst(a, b store.EventRecord) int {
	if c := b.EventTime.Compare(a.EventTime); c != 0 {
		return c
	}
	return cmp.Compare(b.EventID, a.EventID)
}

func ids(evs []store.EventRecord) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

// matches is the reference for one attribute filter.
func matches(e store.EventRecord, attr, value string) bool {
	switch attr {
	case "":
		return true
	case "EventId":
		return e.EventID == value
	case "EventName":
		return e.EventName == value
	case "ReadOnly":
		return fmt.Sprint(e.ReadOnly) == value
	case "Username":
		return e.Username == value
	case "EventSource":
		return e.EventSource == value
	case "AccessKeyId":
		return e.AccessKeyID == value
	case "ResourceType":
		return slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Type == value })
	case "ResourceName":
		return slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Name == value })
	}
	panic("unknown attribute " + attr)
}

// expectEvents is the reference result of q (without paging) over evs.
func expectEvents(evs []store.EventRecord, q store.EventQuery) []string {
	var out []store.EventRecord
	for _, e := range evs {
		if q.AccountID != "" && e.AccountID != q.AccountID {
			continue
		}
		if !q.StartTime.IsZero() && e.EventTime.Before(q.StartTime) {
			continue
		}
		if !q.EndTime.IsZero() && e.EventTime.After(q.EndTime) {
			continue
		}
		if !matches(e, q.Attribute, q.Value) {
			continue
		}
		out = append(out, e)
	}
	slices.SortFunc(out, compareNewestFirst)
	return ids(out)
}

func equalEvent(a, b store.EventRecord) error {
	switch {
	case a.EventID != b.EventID:
		return fmt.Errorf("EventID %q != %q", a.EventID, b.EventID)
	case !a.EventTime.Equal(b.EventTime):
		return fmt.Errorf("%s: EventTime %v != %v", a.EventID, a.EventTime, b.EventTime)
	case a.EventName != b.EventName, a.EventSource != b.EventSource, a.Username != b.Username,
		a.AccessKeyID != b.AccessKeyID, a.ReadOnly != b.ReadOnly, a.AccountID != b.AccountID:
		return fmt.Errorf("%s: attributes differ: %+v != %+v", a.EventID, a, b)
	case !slices.Equal(a.Resources, b.Resources):
		return fmt.Errorf("%s: Resources %v != %v", a.EventID, a.Resources, b.Resources)
	case !bytes.Equal(a.JSON, b.JSON):
		return fmt.Errorf("%s: JSON %q != %q", a.EventID, a.JSON, b.JSON)
	}
	return nil
}

func testEventRoundTrip(t *testing.T, s store.Store) {
	local := time.FixedZone("UTC+5:30", 5*3600+1800)
	in := store.EventRecord{
		EventID:     "0a1b2c3d-0000-4000-8000-000000000001",
		EventTime:   base.In(local),
		EventName:   "CreateAccessKey",
		EventSource: "iam.amazonaws.com",
		Username:    "bob",
		AccessKeyID: "AKIABOB",
		ReadOnly:    false,
		AccountID:   "123456789012",
		Resources: []store.EventResource{
			{Type: "AWS::IAM::User", Name: "bob"},
			{Type: "AWS::IAM::AccessKey", Name: "AKIANEW"},
			{Type: "AWS::IAM::User", Name: "bob"}, // duplicates are kept as recorded
		},
		JSON: bytes.Repeat([]byte(`{"x":"é\u0000"}`), 100),
	}
	appendEvents(t, s, in)
	evs, next, err := s.QueryEvents(ctx, store.EventQuery{AccountID: in.AccountID, Attribute: "EventId", Value: in.EventID})
	if err != nil || len(evs) != 1 || next != "" {
		t.Fatalf("QueryEvents by EventId = %d events, %q, %v; want 1", len(evs), next, err)
	}
	if err := equalEvent(evs[0], in); err != nil {
		t.Fatal(err)
	}
	if evs[0].EventTime.Location() != time.UTC {
		t.Errorf("EventTime location = %v, want UTC", evs[0].EventTime.Location())
	}

	// An event with no resources and empty attributes round-trips too.
	bare := store.EventRecord{EventID: "bare", EventTime: base, AccountID: in.AccountID, JSON: []byte("{}")}
	appendEvents(t, s, bare)
	evs, _, err = s.QueryEvents(ctx, store.EventQuery{AccountID: in.AccountID, Attribute: "EventId", Value: "bare"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("QueryEvents bare = %d, %v", len(evs), err)
	}
	if err := equalEvent(evs[0], bare); err != nil {
		t.Fatal(err)
	}
	if len(evs[0].Resources) != 0 {
		t.Fatalf("bare event Resources = %v, want none", evs[0].Resources)
	}
}

// eventSet generates n events over a few accounts with attribute values
// drawn from small sets, so that every filter matches many events and many
// filters match the same event. Some events share a time.
func eventSet(seed uint64, n int, start time.Time) []store.EventRecord {
	rng := rand.New(rand.NewPCG(seed, 1))
	pick := func(vals ...string) string { return vals[rng.IntN(len(vals))] }
	evs := make([]store.EventRecord, n)
	at := start
	for i := range evs {
		if rng.IntN(4) != 0 { // a quarter of events share the previous time
			at = at.Add(time.Duration(1+rng.IntN(5000)) * time.Millisecond)
		}
		var res []store.EventResource
		for range rng.IntN(4) {
			res = append(res, store.EventResource{
				Type: pick("AWS::IAM::User", "AWS::IAM::Role", "AWS::KMS::Key"),
				Name: pick("alice", "bob", "admin", "key-1", "a%b_c"),
			})
		}
		evs[i] = store.EventRecord{
			EventID:     fmt.Sprintf("%08x-%04d", rng.Uint32(), i),
			EventTime:   at,
			EventName:   pick("GetUser", "CreateUser", "DeleteUser", "Encrypt", "AssumeRole"),
			EventSource: pick("iam.amazonaws.com", "kms.amazonaws.com", "sts.amazonaws.com"),
			Username:    pick("alice", "bob", "root", ""),
			AccessKeyID: pick("AKIA1", "AKIA2", "ASIA3"),
			ReadOnly:    rng.IntN(3) == 0,
			AccountID:   pick("111111111111", "222222222222", "333333333333"),
			Resources:   res,
			JSON:        fmt.Appendf(nil, `{"eventID":%q,"n":%d}`, "x", i),
		}
	}
	return evs
}

func testEventAttributes(t *testing.T, s store.Store) {
	evs := eventSet(1, 600, base)
	// Append in a shuffled order and several batches: the order of
	// arrival must not matter.
	shuffled := slices.Clone(evs)
	rand.New(rand.NewPCG(2, 2)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	for chunk := range slices.Chunk(shuffled, 97) {
		appendEvents(t, s, chunk...)
	}
	byID := make(map[string]store.EventRecord, len(evs))
	for _, e := range evs {
		byID[e.EventID] = e
	}

	queries := []store.EventQuery{{}}
	values := map[string][]string{
		"EventName":    {"GetUser", "CreateUser", "Encrypt", "NoSuchEvent"},
		"EventSource":  {"iam.amazonaws.com", "kms.amazonaws.com", "nope"},
		"Username":     {"alice", "bob", "root", ""},
		"AccessKeyId":  {"AKIA1", "ASIA3", "AKIA"},
		"ReadOnly":     {"true", "false"},
		"ResourceType": {"AWS::IAM::User", "AWS::KMS::Key", "AWS::IAM::"},
		"ResourceName": {"alice", "a%b_c", "key-1", "a%"},
		"EventId":      {evs[0].EventID, evs[317].EventID, evs[599].EventID, "missing"},
	}
	for attr, vals := range values {
		for _, v := range vals {
			queries = append(queries, store.EventQuery{Attribute: attr, Value: v})
		}
	}
	ranges := [][2]time.Time{
		{},
		{evs[100].EventTime, evs[400].EventTime},
		{evs[250].EventTime, evs[250].EventTime},
		{evs[500].EventTime, time.Time{}},
		{time.Time{}, evs[50].EventTime},
	}
	for _, q := range queries {
		for _, account := range []string{"111111111111", "222222222222", "999999999999"} {
			for _, r := range ranges {
				for _, limit := range []int{0, 7} {
					q := q
					q.AccountID, q.StartTime, q.EndTime, q.Limit = account, r[0], r[1], limit
					got := queryAll(t, s, q)
					want := expectEvents(evs, q)
					if !slices.Equal(ids(got), want) {
						t.Fatalf("query %+v:\n got %d %q\nwant %d %q", q, len(got), ids(got), len(want), want)
					}
					for _, e := range got {
						if err := equalEvent(e, byID[e.EventID]); err != nil {
							t.Fatalf("query %+v: %v", q, err)
						}
					}
				}
			}
		}
	}
}

func testEventTimeRange(t *testing.T, s store.Store) {
	var evs []store.EventRecord
	for i := range 10 {
		evs = append(evs, makeEvent(fmt.Sprintf("e%d", i), "111111111111", base.Add(time.Duration(i)*time.Second), nil))
	}
	appendEvents(t, s, evs...)
	at := func(i int) time.Time { return base.Add(time.Duration(i) * time.Second) }
	cases := []struct {
		start, end time.Time
		want       []string
	}{
		{at(3), at(6), []string{"e6", "e5", "e4", "e3"}}, // both bounds inclusive
		{at(3).Add(1), at(6).Add(-1), []string{"e5", "e4"}},
		{at(9), time.Time{}, []string{"e9"}},
		{time.Time{}, at(0), []string{"e0"}},
		{at(10), time.Time{}, nil},
		{at(4), at(4), []string{"e4"}},
	}
	for _, c := range cases {
		q := store.EventQuery{AccountID: "111111111111", StartTime: c.start, EndTime: c.end}
		if got := ids(queryAll(t, s, q)); !slices.Equal(got, c.want) {
			t.Errorf("range [%v, %v] = %q, want %q", c.start, c.end, got, c.want)
		}
	}
}

func testEventLimit(t *testing.T, s store.Store) {
	var evs []store.EventRecord
	for i := range 120 {
		evs = append(evs, makeEvent(fmt.Sprintf("e%03d", i), "111111111111", base.Add(time.Duration(i)*time.Millisecond), nil))
	}
	appendEvents(t, s, evs...)
	for _, c := range []struct{ limit, want int }{
		{0, 50}, {-3, 50}, {1, 1}, {10, 10}, {50, 50}, {51, 50}, {1000, 50},
	} {
		got, next, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111", Limit: c.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != c.want || next == "" {
			t.Errorf("Limit %d: %d events, token %q; want %d and a token", c.limit, len(got), next, c.want)
		}
		if len(got) > 0 && got[0].EventID != "e119" {
			t.Errorf("Limit %d: first event %s, want the newest, e119", c.limit, got[0].EventID)
		}
	}
	// A page that ends exactly at the last event has no token.
	got, next, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111", StartTime: evs[70].EventTime})
	if err != nil || len(got) != 50 || next != "" {
		t.Errorf("exactly one full page: %d events, token %q, %v; want 50 and no token", len(got), next, err)
	}
}

func testEventEqualTimes(t *testing.T, s store.Store) {
	var evs []store.EventRecord
	for i := range 137 {
		evs = append(evs, makeEvent(fmt.Sprintf("id-%03d", (i*53)%137), "111111111111", base, nil))
	}
	appendEvents(t, s, evs...)
	for _, limit := range []int{1, 10, 50} {
		got := ids(queryAll(t, s, store.EventQuery{AccountID: "111111111111", Limit: limit}))
		want := expectEvents(evs, store.EventQuery{})
		if !slices.Equal(got, want) {
			t.Fatalf("limit %d: got %q, want %q", limit, got, want)
		}
	}
}

func testEventResources(t *testing.T, s store.Store) {
	res := []store.EventResource{
		{Type: "AWS::IAM::User", Name: "alice"},
		{Type: "AWS::IAM::User", Name: "bob"},
		{Type: "AWS::IAM::Group", Name: "alice"},
		{Type: "AWS::IAM::User", Name: "alice"},
	}
	var evs []store.EventRecord
	for i := range 60 {
		evs = append(evs, makeEvent(fmt.Sprintf("e%02d", i), "111111111111", base.Add(time.Duration(i)*time.Second), res))
	}
	appendEvents(t, s, evs...)
	for _, q := range []store.EventQuery{
		{Attribute: "ResourceType", Value: "AWS::IAM::User"},
		{Attribute: "ResourceName", Value: "alice"},
		{Attribute: "ResourceType", Value: "AWS::IAM::Group", Limit: 7},
	} {
		q.AccountID = "111111111111"
		got := queryAll(t, s, q)
		if len(got) != 60 {
			t.Fatalf("%+v: %d events, want each of the 60 once", q, len(got))
		}
		for _, e := range got {
			if !slices.Equal(e.Resources, res) {
				t.Fatalf("%+v: resources %v, want %v as appended", q, e.Resources, res)
			}
		}
	}
}

func testEventAllAccounts(t *testing.T, s store.Store) {
	evs := eventSet(3, 300, base)
	evs = append(evs, makeEvent("no-account", "", base.Add(time.Hour), nil))
	appendEvents(t, s, evs...)
	for _, q := range []store.EventQuery{
		{},
		{Limit: 13},
		{Attribute: "Username", Value: "alice"},
		{Attribute: "ResourceName", Value: "bob", Limit: 5},
		{StartTime: evs[100].EventTime, EndTime: evs[200].EventTime, Limit: 9},
	} {
		if got, want := ids(queryAll(t, s, q)), expectEvents(evs, q); !slices.Equal(got, want) {
			t.Fatalf("query %+v:\n got %q\nwant %q", q, got, want)
		}
	}
}

// testEventPaginationWhileAppending pages through a query while events land
// before, inside and after the range already paged. Every event that existed
// at the first page must be seen exactly once, and new ones at most once.
func testEventPaginationWhileAppending(t *testing.T, s store.Store) {
	const account = "111111111111"
	evs := eventSet(4, 400, base)
	for i := range evs {
		evs[i].AccountID = account
	}
	appendEvents(t, s, evs...)
	last := evs[len(evs)-1].EventTime

	q := store.EventQuery{AccountID: account, Limit: 17}
	seen := map[string]int{}
	var order []store.EventRecord
	for page := 0; ; page++ {
		got, next, err := s.QueryEvents(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range got {
			seen[e.EventID]++
			order = append(order, e)
		}
		if next == "" {
			break
		}
		q.NextToken = next
		// Newer than everything, older than everything, and right at the
		// page boundary (same time as the last event returned).
		boundary := got[len(got)-1]
		b := boundary.EventID
		appendEvents(t, s,
			makeEvent(fmt.Sprintf("new-%d-late", page), account, last.Add(time.Duration(page+1)*time.Minute), nil),
			makeEvent(fmt.Sprintf("new-%d-early", page), account, base.Add(-time.Duration(page+1)*time.Minute), nil),
			// Same time as the boundary with a greater id: already passed.
			makeEvent(fmt.Sprintf("%s+passed%d", b, page), account, boundary.EventTime, nil),
			// Same time with a smaller id: still ahead.
			makeEvent(fmt.Sprintf("%s\x00ahead%d", b[:len(b)-1], page), account, boundary.EventTime, nil),
		)
	}
	for id := range seen {
		if strings.Contains(id, "+passed") || strings.Contains(id, "-late") {
			t.Errorf("event %s was appended behind the cursor but showed up on a later page", id)
		}
	}
	for _, e := range evs {
		if seen[e.EventID] != 1 {
			t.Errorf("event %s seen %d times, want once", e.EventID, seen[e.EventID])
		}
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("event %s seen %d times", id, n)
		}
	}
	for i := 1; i < len(order); i++ {
		if compareNewestFirst(order[i-1], order[i]) >= 0 {
			t.Fatalf("pages out of order at %d: %s then %s", i, order[i-1].EventID, order[i].EventID)
		}
	}
}

// testEventConcurrentAppendAndQuery runs writers and paging readers at the
// same time (for the race detector and for snapshot consistency).
func testEventConcurrentAppendAndQuery(t *testing.T, s store.Store) {
	const account = "111111111111"
	initial := eventSet(5, 200, base)
	for i := range initial {
		initial[i].AccountID = account
	}
	appendEvents(t, s, initial...)

	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan error, 8)
	for w := range 2 {
		wg.Go(func() {
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				default:
				}
				batch := eventSet(uint64(100+w*1000+i), 8, base.Add(time.Duration(i)*time.Second))
				for j := range batch {
					batch[j].EventID = fmt.Sprintf("w%d-%d-%d", w, i, j)
					batch[j].AccountID = account
				}
				if err := s.AppendEvents(ctx, batch); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for r := range 3 {
		wg.Go(func() {
			q := store.EventQuery{AccountID: account, Limit: 11 + r}
			seen := map[string]bool{}
			for {
				evs, next, err := s.QueryEvents(ctx, q)
				if err != nil {
					errs <- err
					return
				}
				for _, e := range evs {
					if seen[e.EventID] {
						errs <- fmt.Errorf("reader %d saw %s twice", r, e.EventID)
						return
					}
					seen[e.EventID] = true
				}
				if next == "" {
					break
				}
				q.NextToken = next
			}
			for _, e := range initial {
				if !seen[e.EventID] {
					errs <- fmt.Errorf("reader %d missed %s", r, e.EventID)
					return
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testEventInvalidQueries(t *testing.T, s store.Store) {
	evs := eventSet(6, 120, base)
	for i := range evs {
		evs[i].AccountID = "111111111111"
	}
	appendEvents(t, s, evs...)
	q := store.EventQuery{AccountID: "111111111111", Attribute: "Username", Value: "alice", Limit: 5}
	_, token, err := s.QueryEvents(ctx, q)
	if err != nil || token == "" {
		t.Fatalf("first page: token %q, %v", token, err)
	}
	cases := []struct {
		name string
		q    store.EventQuery
		want error
	}{
		{"unknown attribute", store.EventQuery{Attribute: "Color", Value: "red"}, lookup.ErrInvalidAttribute},
		{"attribute case", store.EventQuery{Attribute: "username", Value: "alice"}, lookup.ErrInvalidAttribute},
		{"ReadOnly value", store.EventQuery{Attribute: "ReadOnly", Value: "maybe"}, lookup.ErrInvalidAttribute},
		{"time range", store.EventQuery{StartTime: base.Add(time.Second), EndTime: base}, lookup.ErrInvalidTimeRange},
		{"garbage token", store.EventQuery{NextToken: "!!not a token!!"}, lookup.ErrInvalidNextToken},
		{"empty-ish token", store.EventQuery{NextToken: "AA"}, lookup.ErrInvalidNextToken},
		{"truncated token", withToken(q, token[:len(token)-8]), lookup.ErrInvalidNextToken},
		{"token of another value", withToken(store.EventQuery{AccountID: q.AccountID, Attribute: "Username", Value: "bob"}, token), lookup.ErrInvalidNextToken},
		{"token of another account", withToken(store.EventQuery{AccountID: "222222222222", Attribute: "Username", Value: "alice"}, token), lookup.ErrInvalidNextToken},
		{"token of another range", withToken(store.EventQuery{AccountID: q.AccountID, Attribute: "Username", Value: "alice", StartTime: base}, token), lookup.ErrInvalidNextToken},
		{"huge token", store.EventQuery{NextToken: strings.Repeat("A", 100000)}, lookup.ErrInvalidNextToken},
	}
	for _, c := range cases {
		evs, next, err := s.QueryEvents(ctx, c.q)
		if !errors.Is(err, c.want) {
			t.Errorf("%s: QueryEvents = %d events, %q, %v; want %v", c.name, len(evs), next, err, c.want)
		}
	}
	// The same token with a different page size is fine.
	if _, _, err := s.QueryEvents(ctx, withToken(store.EventQuery{AccountID: q.AccountID, Attribute: "Username", Value: "alice", Limit: 9}, token)); err != nil {
		t.Errorf("token with another Limit: %v", err)
	}
	// ReadOnly values are case-insensitive, like CloudTrail's.
	if _, _, err := s.QueryEvents(ctx, store.EventQuery{Attribute: "ReadOnly", Value: "TRUE"}); err != nil {
		t.Errorf("ReadOnly=TRUE: %v", err)
	}
}

func withToken(q store.EventQuery, token string) store.EventQuery {
	q.NextToken = token
	return q
}

func testEventEmptyAppend(t *testing.T, s store.Store) {
	if err := s.AppendEvents(ctx, nil); err != nil {
		t.Fatalf("AppendEvents(nil): %v", err)
	}
	evs, next, err := s.QueryEvents(ctx, store.EventQuery{})
	if err != nil || len(evs) != 0 || next != "" {
		t.Fatalf("QueryEvents on an empty log = %d, %q, %v", len(evs), next, err)
	}
}

// batchedEventSet generates n events in batches of 1 to maxBatch, the way a
// recorder under varying load would append them, and a few ways it should
// not matter for: the events of a batch are shuffled (not in time order),
// a batch now and then carries late events older than earlier batches' and
// equal-time events that a later batch continues, and a couple of events
// have times far in the past or the future. Attribute values come from small
// sets, as in eventSet.
func batchedEventSet(seed uint64, n, maxBatch int) [][]store.EventRecord {
	rng := rand.New(rand.NewPCG(seed, 3))
	evs := eventSet(seed, n, base)
	for i := range evs {
		evs[i].EventID = fmt.Sprintf("%s-%08x", evs[i].EventID, rng.Uint32())
	}
	// Late events: a tenth of the events move back by up to 30 seconds.
	for i := range evs {
		if rng.IntN(10) == 0 {
			evs[i].EventTime = evs[i].EventTime.Add(-time.Duration(rng.IntN(30000)) * time.Millisecond)
		}
	}
	evs[n/3].EventTime = base.AddDate(-3, 0, 0)   // years before everything
	evs[n/2].EventTime = base.AddDate(0, 0, 2)    // days after everything
	evs[2*n/3].EventTime = evs[2*n/3-1].EventTime // equal times across a likely batch edge
	var batches [][]store.EventRecord
	for len(evs) > 0 {
		size := min(len(evs), 1+rng.IntN(maxBatch))
		batch := slices.Clone(evs[:size])
		rng.Shuffle(len(batch), func(i, j int) { batch[i], batch[j] = batch[j], batch[i] })
		batches = append(batches, batch)
		evs = evs[size:]
	}
	return batches
}

// testEventManyBatches appends a log in many batches of varying size and
// checks every attribute, time ranges and page sizes against the
// reference: pages straddle batches, and every batch is out of time order.
func testEventManyBatches(t *testing.T, s store.Store) {
	batches := batchedEventSet(7, 1000, 100)
	var all []store.EventRecord
	for _, b := range batches {
		appendEvents(t, s, b...)
		all = append(all, b...)
	}
	sorted := slices.Clone(all)
	slices.SortFunc(sorted, compareNewestFirst)
	at := func(i int) time.Time { return sorted[i].EventTime }

	queries := []store.EventQuery{{}}
	values := map[string][]string{
		"EventName":    {"AssumeRole"},
		"EventSource":  {"kms.amazonaws.com"},
		"Username":     {""},
		"AccessKeyId":  {"ASIA3"},
		"ReadOnly":     {"true", "false"},
		"ResourceType": {"AWS::IAM::Role"},
		"ResourceName": {"a%b_c"},
		"EventId":      {all[0].EventID, all[len(all)/2].EventID},
	}
	for attr, vals := range values {
		for _, v := range vals {
			queries = append(queries, store.EventQuery{Attribute: attr, Value: v})
		}
	}
	ranges := [][2]time.Time{
		{},
		{at(600), at(150)},                 // bounds on events' times
		{at(400).Add(1), at(300).Add(-1)},  // bounds just inside
		{at(0), time.Time{}},               // the newest event alone (or its ties)
		{time.Time{}, at(len(sorted) - 1)}, // the oldest alone
		{base.AddDate(-4, 0, 0), base.AddDate(-2, 0, 0)},
	}
	for _, q := range queries {
		for _, account := range []string{"111111111111", ""} {
			for i, r := range ranges {
				limits := []int{0}
				if i == 1 || i == 2 {
					limits = append(limits, 7)
				}
				if i == 2 && account != "" {
					limits = append(limits, 1)
				}
				for _, limit := range limits {
					q := q
					q.AccountID, q.StartTime, q.EndTime, q.Limit = account, r[0], r[1], limit
					got := queryAll(t, s, q)
					if want := expectEvents(all, q); !slices.Equal(ids(got), want) {
						t.Fatalf("query %+v:\n got %d %q\nwant %d %q", q, len(got), ids(got), len(want), want)
					}
				}
			}
		}
	}
}

// testEventPagesAcrossBatches interleaves the times of many batches, so that
// every page of every lookup takes events from several batches and many
// pages end inside one; in the middle of paging, more batches arrive.
func testEventPagesAcrossBatches(t *testing.T, s store.Store) {
	const account = "111111111111"
	const nBatches, perBatch = 12, 23
	var all []store.EventRecord
	for b := range nBatches {
		var batch []store.EventRecord
		for i := range perBatch {
			// Batch b holds times b, b+nBatches, b+2*nBatches, ...
			// seconds, in reverse order.
			k := (perBatch-1-i)*nBatches + b
			e := makeEvent(fmt.Sprintf("b%02d-e%02d", b, i), account, base.Add(time.Duration(k)*time.Second), nil)
			e.Username = []string{"alice", "bob"}[k%2]
			e.Resources = []store.EventResource{{Type: "AWS::IAM::User", Name: e.Username}}
			batch = append(batch, e)
		}
		appendEvents(t, s, batch...)
		all = append(all, batch...)
	}
	for _, q := range []store.EventQuery{
		{Limit: 5},
		{Limit: 1},
		{Attribute: "Username", Value: "bob", Limit: 4},
		{Attribute: "ResourceName", Value: "alice", Limit: 6},
		{Attribute: "ResourceType", Value: "AWS::IAM::User", Limit: 50},
		{StartTime: base.Add(37 * time.Second), EndTime: base.Add(201 * time.Second), Limit: 3},
	} {
		q.AccountID = account
		if got, want := ids(queryAll(t, s, q)), expectEvents(all, q); !slices.Equal(got, want) {
			t.Fatalf("query %+v:\n got %q\nwant %q", q, got, want)
		}
	}

	// Page part of the way, append batches whose events fall before,
	// inside and after what was paged, and finish: every old event once,
	// in order, and of the new ones exactly those still ahead.
	q := store.EventQuery{AccountID: account, Limit: 7}
	var seen []store.EventRecord
	for page := 0; ; page++ {
		evs, next, err := s.QueryEvents(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		seen = append(seen, evs...)
		if next == "" {
			break
		}
		q.NextToken = next
		if page == 5 {
			last := evs[len(evs)-1].EventTime
			var batch []store.EventRecord
			for i, d := range []time.Duration{-30 * time.Second, -time.Second, 0, time.Second, time.Hour} {
				batch = append(batch, makeEvent(fmt.Sprintf("late-%d", i), account, last.Add(d), nil))
			}
			appendEvents(t, s, batch...)
			all = append(all, batch...)
		}
	}
	for i := 1; i < len(seen); i++ {
		if compareNewestFirst(seen[i-1], seen[i]) >= 0 {
			t.Fatalf("pages out of order at %d: %s then %s", i, seen[i-1].EventID, seen[i].EventID)
		}
	}
	got := map[string]int{}
	for _, e := range seen {
		got[e.EventID]++
	}
	for _, e := range all {
		n := got[e.EventID]
		ahead := !strings.HasPrefix(e.EventID, "late-") || e.EventID == "late-0" || e.EventID == "late-1"
		switch {
		case ahead && n != 1:
			t.Errorf("%s seen %d times, want once", e.EventID, n)
		case !ahead && e.EventID != "late-2" && n != 0:
			// late-2 has the boundary's time: its id decides.
			t.Errorf("%s, behind the cursor when appended, seen %d times", e.EventID, n)
		}
	}
}

// testEventTimeRangeEdges checks inclusive bounds where many events share a
// time, across batches, and ranges that select nothing.
func testEventTimeRangeEdges(t *testing.T, s store.Store) {
	const account = "111111111111"
	var all []store.EventRecord
	times := []time.Duration{0, 0, 1, 1, 1, 2, 5, 5, 9} // in nanoseconds
	for b := range 3 {
		var batch []store.EventRecord
		for i, d := range times {
			e := makeEvent(fmt.Sprintf("t%d-b%d-%d", d, b, i), account, base.Add(d), nil)
			batch = append(batch, e)
		}
		slices.Reverse(batch)
		appendEvents(t, s, batch...)
		all = append(all, batch...)
	}
	ns := func(d int) time.Time { return base.Add(time.Duration(d)) }
	for _, r := range [][2]int{{0, 0}, {1, 1}, {1, 5}, {2, 4}, {3, 4}, {6, 8}, {9, 9}, {10, 20}, {-5, -1}, {0, 9}} {
		for _, limit := range []int{1, 2, 4, 50} {
			q := store.EventQuery{AccountID: account, StartTime: ns(r[0]), EndTime: ns(r[1]), Limit: limit}
			if got, want := ids(queryAll(t, s, q)), expectEvents(all, q); !slices.Equal(got, want) {
				t.Fatalf("range [%d, %d] ns, limit %d:\n got %q\nwant %q", r[0], r[1], limit, got, want)
			}
			q.Attribute, q.Value = "EventName", "GetUser"
			if got, want := ids(queryAll(t, s, q)), expectEvents(all, q); !slices.Equal(got, want) {
				t.Fatalf("EventName, range [%d, %d] ns, limit %d:\n got %q\nwant %q", r[0], r[1], limit, got, want)
			}
		}
	}
}

// testEventDuplicatesAcrossBatches retries batches, whole and in part, with
// some new events mixed in: every event is stored once, and every lookup
// finds it once.
func testEventDuplicatesAcrossBatches(t *testing.T, s store.Store) {
	batches := batchedEventSet(9, 400, 60)
	var all []store.EventRecord
	rng := rand.New(rand.NewPCG(9, 9))
	for i, b := range batches {
		appendEvents(t, s, b...)
		all = append(all, b...)
		// Retry this batch, or an earlier one, whole or in part, and
		// with its order changed.
		retry := slices.Clone(batches[rng.IntN(i+1)])
		rng.Shuffle(len(retry), func(i, j int) { retry[i], retry[j] = retry[j], retry[i] })
		retry = retry[:1+rng.IntN(len(retry))]
		retry = append(retry, retry[0]) // and a duplicate within the batch
		appendEvents(t, s, retry...)
	}
	for _, q := range []store.EventQuery{
		{},
		{AccountID: "222222222222", Limit: 9},
		{AccountID: "111111111111", Attribute: "ResourceName", Value: "bob"},
		{AccountID: "333333333333", Attribute: "ReadOnly", Value: "true", Limit: 13},
	} {
		if got, want := ids(queryAll(t, s, q)), expectEvents(all, q); !slices.Equal(got, want) {
			t.Fatalf("query %+v:\n got %d %q\nwant %d %q", q, len(got), got, len(want), want)
		}
	}
}
