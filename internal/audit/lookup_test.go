package audit

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/store"
)

// recordAll records evs through a Recorder into a fresh memStore.
func recordAll(t *testing.T, evs ...*Event) *memStore {
	t.Helper()
	st := newMemStore()
	r := NewRecorder(st, nil, Options{Logger: quietLog})
	for _, ev := range evs {
		r.Record(ev)
	}
	closeRecorder(t, r)
	return st
}

func TestLookupConversion(t *testing.T) {
	ev := minimalEvent("CreateRole")
	ev.EventTime = testTime // has milliseconds
	st := recordAll(t, ev)

	got, next, err := Lookup(context.Background(), st, store.EventQuery{AccountID: "123456789012"})
	if err != nil || next != "" || len(got) != 1 {
		t.Fatalf("Lookup = %d events, %q, %v", len(got), next, err)
	}
	events, _ := st.snapshot()
	want := LookedUpEvent{
		EventID:         events[0].EventID,
		EventName:       "CreateRole",
		ReadOnly:        "false",
		AccessKeyID:     "ASIAIOSFODNN7EXAMPLE",
		EventTime:       testTime.Truncate(time.Second),
		EventSource:     "iam.amazonaws.com",
		Username:        "MySessionName",
		Resources:       []LookedUpResource{{ResourceType: "AWS::IAM::Role", ResourceName: "arn:aws:iam::123456789012:role/x"}},
		CloudTrailEvent: string(events[0].JSON),
	}
	if !reflect.DeepEqual(got[0], want) {
		t.Errorf("Lookup =\n%+v\nwant\n%+v", got[0], want)
	}
	if !strings.Contains(got[0].CloudTrailEvent, `"eventTime":"2024-05-01T12:34:56Z"`) {
		t.Errorf("CloudTrailEvent: %s", got[0].CloudTrailEvent)
	}
}

func TestLookupByAttribute(t *testing.T) {
	read := apiEvent(userPrincipal)
	read.EventID = ""
	read.EventTime = testTime
	write := minimalEvent("DeleteRole")
	write.EventTime = testTime.Add(time.Second)
	root := apiEvent(rootPrincipal)
	root.EventID = ""
	root.EventTime = testTime.Add(2 * time.Second)
	other := apiEvent(&identity.Principal{Type: identity.IAMUser, AccountID: "210987654321", UserName: "Eve",
		ARN: "arn:aws:iam::210987654321:user/Eve", AccessKeyID: "AKIAOTHERACCOUNT0001"})
	other.EventID = ""
	other.RecipientAccountID = ""
	st := recordAll(t, read, write, root, other)

	for _, tc := range []struct {
		attr  LookupAttribute
		names []string // newest first
	}{
		{LookupAttribute{"Username", "Alice"}, []string{"GetUser"}},
		{LookupAttribute{"Username", "MySessionName"}, []string{"DeleteRole"}},
		{LookupAttribute{"Username", "root"}, []string{"GetUser"}},
		{LookupAttribute{"ReadOnly", "FALSE"}, []string{"DeleteRole"}},
		{LookupAttribute{"ReadOnly", "true"}, []string{"GetUser", "GetUser"}},
		{LookupAttribute{"ResourceType", "AWS::IAM::Role"}, []string{"DeleteRole"}},
		{LookupAttribute{"ResourceName", "arn:aws:iam::123456789012:role/x"}, []string{"DeleteRole"}},
		{LookupAttribute{"AccessKeyId", "ASIAIOSFODNN7EXAMPLE"}, []string{"DeleteRole"}},
		{LookupAttribute{"EventName", "GetUser"}, []string{"GetUser", "GetUser"}},
		{LookupAttribute{"EventSource", "iam.amazonaws.com"}, []string{"GetUser", "DeleteRole", "GetUser"}},
		// The other account's event is never visible.
		{LookupAttribute{"Username", "Eve"}, nil},
	} {
		q, err := NewEventQuery("123456789012", LookupRequest{LookupAttributes: []LookupAttribute{tc.attr}})
		if err != nil {
			t.Fatalf("%+v: %v", tc.attr, err)
		}
		got, _, err := Lookup(context.Background(), st, q)
		if err != nil {
			t.Fatalf("%+v: %v", tc.attr, err)
		}
		var names []string
		for _, e := range got {
			names = append(names, e.EventName)
		}
		if !reflect.DeepEqual(names, tc.names) {
			t.Errorf("%+v: got %v, want %v", tc.attr, names, tc.names)
		}
	}
}

func TestLookupPagination(t *testing.T) {
	var evs []*Event
	for i := 0; i < 120; i++ {
		ev := minimalEvent("E")
		ev.EventTime = testTime.Add(time.Duration(i) * time.Second)
		evs = append(evs, ev)
	}
	st := recordAll(t, evs...)
	q, err := NewEventQuery("123456789012", LookupRequest{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	var sizes []int
	var last time.Time
	for page := 0; ; page++ {
		got, next, err := Lookup(context.Background(), st, q)
		if err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(got))
		for _, e := range got {
			if seen[e.EventID] {
				t.Fatalf("event %s on two pages", e.EventID)
			}
			seen[e.EventID] = true
			if !last.IsZero() && e.EventTime.After(last) {
				t.Fatalf("not newest first: %v after %v", e.EventTime, last)
			}
			last = e.EventTime
		}
		if next == "" {
			break
		}
		q.NextToken = next
	}
	if !reflect.DeepEqual(sizes, []int{50, 50, 20}) || len(seen) != 120 {
		t.Errorf("page sizes %v, %d events", sizes, len(seen))
	}
}

func TestLookupStoreErrors(t *testing.T) {
	st := recordAll(t, minimalEvent("E"))
	for _, tc := range []struct {
		q    store.EventQuery
		code string
	}{
		{store.EventQuery{NextToken: "garbage"}, CodeInvalidNextToken},
		{store.EventQuery{Attribute: "Bogus", Value: "x"}, CodeInvalidLookupAttributes},
		{store.EventQuery{StartTime: testTime.Add(time.Hour), EndTime: testTime}, CodeInvalidTimeRange},
	} {
		_, _, err := Lookup(context.Background(), st, tc.q)
		var le *LookupError
		if !errors.As(err, &le) || le.Code != tc.code {
			t.Errorf("Lookup(%+v) = %v, want %s", tc.q, err, tc.code)
		}
	}
	// A token for one query does not continue another.
	var evs []*Event
	for i := 0; i < 3; i++ {
		evs = append(evs, minimalEvent("E"))
	}
	st = recordAll(t, evs...)
	_, next, err := Lookup(context.Background(), st, store.EventQuery{Limit: 1})
	if err != nil || next == "" {
		t.Fatalf("first page: %q, %v", next, err)
	}
	_, _, err = Lookup(context.Background(), st, store.EventQuery{Limit: 1, Attribute: "EventName", Value: "E", NextToken: next})
	var le *LookupError
	if !errors.As(err, &le) || le.Code != CodeInvalidNextToken {
		t.Errorf("replayed token: %v", err)
	}
	// Other store errors pass through unchanged.
	_, _, err = Lookup(context.Background(), &failingQueryStore{}, store.EventQuery{})
	if !errors.Is(err, errDiskFull) {
		t.Errorf("store failure = %v", err)
	}
}

type failingQueryStore struct{ countStore }

func (*failingQueryStore) QueryEvents(context.Context, store.EventQuery) ([]store.EventRecord, string, error) {
	return nil, "", errDiskFull
}

func TestValidateMaxResults(t *testing.T) {
	for n, ok := range map[int]bool{-1: false, 0: false, 1: true, 25: true, 50: true, 51: false, 1000: false} {
		err := ValidateMaxResults(n)
		if (err == nil) != ok {
			t.Errorf("ValidateMaxResults(%d) = %v", n, err)
		}
		if err != nil {
			checkLookupError(t, err, CodeInvalidMaxResults)
		}
	}
}

func TestValidateTimeRange(t *testing.T) {
	var zero time.Time
	for _, tc := range []struct {
		start, end time.Time
		ok         bool
	}{
		{zero, zero, true},
		{testTime, zero, true},
		{zero, testTime, true},
		{testTime, testTime, true},
		{testTime, testTime.Add(time.Nanosecond), true},
		{testTime.Add(time.Nanosecond), testTime, false},
	} {
		err := ValidateTimeRange(tc.start, tc.end)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateTimeRange(%v, %v) = %v", tc.start, tc.end, err)
		}
		if err != nil {
			checkLookupError(t, err, CodeInvalidTimeRange)
		}
	}
}

func TestValidateLookupAttributes(t *testing.T) {
	for _, tc := range []struct {
		attrs []LookupAttribute
		msg   string // "" when valid
	}{
		{nil, ""},
		{[]LookupAttribute{{"EventName", "CreateUser"}}, ""},
		{[]LookupAttribute{{"ReadOnly", "True"}}, ""},
		{[]LookupAttribute{{"AccessKeyId", "AKIAIOSFODNN7EXAMPLE"}}, ""},
		{[]LookupAttribute{{"EventName", "A"}, {"Username", "root"}}, "You cannot specify more than one lookup attribute."},
		{[]LookupAttribute{{"EventName", "A"}, {"EventName", "B"}}, "You cannot specify more than one lookup attribute."},
		{[]LookupAttribute{{"eventname", "A"}}, `"eventname" is not a valid lookup attribute key.`},
		{[]LookupAttribute{{"Region", "us-east-1"}}, `"Region" is not a valid lookup attribute key.`},
		{[]LookupAttribute{{"EventName", ""}}, "must be 1 to 2000 characters"},
		{[]LookupAttribute{{"EventName", strings.Repeat("x", 2001)}}, "must be 1 to 2000 characters"},
		{[]LookupAttribute{{"ReadOnly", "maybe"}}, "must be true or false"},
	} {
		err := ValidateLookupAttributes(tc.attrs)
		if tc.msg == "" {
			if err != nil {
				t.Errorf("ValidateLookupAttributes(%v) = %v", tc.attrs, err)
			}
			continue
		}
		le := checkLookupError(t, err, CodeInvalidLookupAttributes)
		if le != nil && !strings.Contains(le.Message, tc.msg) {
			t.Errorf("ValidateLookupAttributes(%v) message %q, want %q", tc.attrs, le.Message, tc.msg)
		}
	}
}

func TestNewEventQuery(t *testing.T) {
	ten := 10
	q, err := NewEventQuery("123456789012", LookupRequest{
		LookupAttributes: []LookupAttribute{{"ReadOnly", "TRUE"}},
		StartTime:        testTime,
		EndTime:          testTime.Add(time.Hour),
		MaxResults:       &ten,
		NextToken:        "tok",
	})
	want := store.EventQuery{
		AccountID: "123456789012", StartTime: testTime, EndTime: testTime.Add(time.Hour),
		Attribute: "ReadOnly", Value: "true", Limit: 10, NextToken: "tok",
	}
	if err != nil || !reflect.DeepEqual(q, want) {
		t.Errorf("NewEventQuery = %+v, %v; want %+v", q, err, want)
	}
	q, err = NewEventQuery("123456789012", LookupRequest{})
	if err != nil || q.Limit != 50 || q.Attribute != "" {
		t.Errorf("defaults: %+v, %v", q, err)
	}
	zero := 0
	for _, req := range []LookupRequest{
		{MaxResults: &zero},
		{StartTime: testTime.Add(time.Second), EndTime: testTime},
		{LookupAttributes: []LookupAttribute{{"X", "y"}}},
	} {
		if _, err := NewEventQuery("123456789012", req); err == nil {
			t.Errorf("NewEventQuery(%+v) accepted", req)
		}
	}
}

func checkLookupError(t *testing.T, err error, code string) *LookupError {
	t.Helper()
	var le *LookupError
	if !errors.As(err, &le) {
		t.Errorf("error %v is not a *LookupError", err)
		return nil
	}
	if le.Code != code || le.Message == "" {
		t.Errorf("error %q / %q, want code %s", le.Code, le.Message, code)
	}
	if le.Error() != le.Code+": "+le.Message {
		t.Errorf("Error() = %q", le.Error())
	}
	return le
}
