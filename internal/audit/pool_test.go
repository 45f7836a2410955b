package audit

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// filledEvent returns an event made by NewEvent with every field set.
func filledEvent(name string) *Event {
	ev := NewEvent()
	ev.EventVersion = EventVersion
	ev.UserIdentity = UserIdentityFor(rolePrincipal)
	ev.EventTime = testTime
	ev.EventSource = "iam.amazonaws.com"
	ev.EventName = name
	ev.AWSRegion = "us-east-1"
	ev.SourceIPAddress = "203.0.113.64"
	ev.UserAgent = "aws-cli/2.15.0"
	ev.ErrorCode = "AccessDenied"
	ev.ErrorMessage = "denied"
	ev.RequestParameters = append(ev.RequestParameters, `{"userName":"`+name+`"}`...)
	ev.ResponseElements = append(ev.ResponseElements, `{"user":{"userName":"`+name+`"}}`...)
	ev.AdditionalEventData = json.RawMessage(`{"x":1}`)
	ev.RequestID = "3d1ffeb1-94cd-4b9c-a83c-161f6eeea990"
	ev.ReadOnly = true
	ev.Resources = append(ev.Resources, Resource{ARN: "arn:aws:iam::123456789012:user/" + name, AccountID: "123456789012", Type: "AWS::IAM::User"})
	ev.EventType = EventTypeAPICall
	ev.ManagementEvent = true
	ev.RecipientAccountID = "123456789012"
	ev.EventCategory = CategoryManagement
	ev.TLSDetails = &TLSDetails{TLSVersion: "TLSv1.3"}
	ev.MarkDocsClean(true, true)
	return ev
}

// TestReleaseEmptiesEvent: a recycled event carries nothing of its earlier
// life into the next (above all no clean mark, which would let a new
// document in the same buffer skip the redaction scan), only its own empty
// buffers, big enough for what it held.
func TestReleaseEmptiesEvent(t *testing.T) {
	ev := filledEvent("alice")
	if !ev.recyclable() {
		t.Fatal("NewEvent's event is not recyclable")
	}
	cp := *ev
	if cp.recyclable() {
		t.Fatal("a copy of a NewEvent event is recyclable, yet shares its buffers")
	}
	reqLen := len(ev.RequestParameters)
	ev.reset()
	if ev.recyclable() {
		t.Error("a released event is recyclable: recording it twice would pool it twice")
	}
	v := reflect.ValueOf(ev).Elem()
	for i := range v.NumField() {
		f, name := v.Field(i), v.Type().Field(i).Name
		switch {
		case strings.HasPrefix(name, "buf"):
			if f.Len() != 0 {
				t.Errorf("%s has %d elements after release", name, f.Len())
			}
		case !f.IsZero():
			t.Errorf("%s is not zero after release: %v", name, f)
		}
	}
	if cap(ev.bufReq) < reqLen || cap(ev.bufRes) == 0 {
		t.Error("release did not keep buffers for the next event")
	}
	// The next use starts from the buffers, empty; its resources do not
	// linger in them after it.
	own := new(Event).reuse()
	own.Resources = append(own.Resources, Resource{ARN: "arn:a"})
	own.reset()
	own.reuse()
	own.Resources = append(own.Resources, Resource{ARN: "arn:b"})
	own.reset()
	if r := own.bufRes[:1][0]; r != (Resource{}) {
		t.Errorf("a released event's buffer still refers to an old resource: %+v", r)
	}
	// Oversized documents do not grow the buffers.
	big := NewEvent()
	big.RequestParameters = make(json.RawMessage, 2*maxPooledDoc)
	big.reset()
	if cap(big.bufReq) > maxPooledDoc {
		t.Error("release kept room for an oversized document")
	}
}

// TestReleaseNeverReusesCallerSlices: a document or resource list the
// caller assigned (rather than appended to the event's buffers) may be
// shared: recycling never writes into it.
func TestReleaseNeverReusesCallerSlices(t *testing.T) {
	shared := make(json.RawMessage, 0, 1024)
	shared = append(shared, `{"shared":true}`...)
	resources := make([]Resource, 1, 8)
	resources[0] = Resource{ARN: "arn:shared"}
	for range 100 {
		ev := NewEvent()
		ev.RequestParameters, ev.ResponseElements, ev.Resources = shared, shared, resources
		ev.reset()
		for _, buf := range [][]byte{ev.bufReq, ev.bufResp} {
			if cap(buf) > 0 && &buf[:1][0] == &shared[:1][0] {
				t.Fatal("release kept a caller's document as the event's buffer")
			}
		}
		if cap(ev.bufRes) > 0 && &ev.bufRes[:1][0] == &resources[0] {
			t.Fatal("release kept a caller's resource list as the event's buffer")
		}
	}
	if string(shared) != `{"shared":true}` || resources[0].ARN != "arn:shared" {
		t.Errorf("a caller's slices changed: %s %+v", shared, resources)
	}
}

// TestRecorderRecyclesOnlyUnpublishedEvents: events a Bus subscriber
// received stay intact however many events are recorded after them;
// events nobody received are recycled.
func TestRecorderRecyclesOnlyUnpublishedEvents(t *testing.T) {
	const n = 200
	bus := NewBus()
	sub := bus.Subscribe("test", n)
	st := newMemStore()
	r := NewRecorder(st, bus, Options{MaxBatch: 7, Logger: quietLog})
	var got []*Event
	for i := range n {
		r.Record(filledEvent(fmt.Sprint(i)))
		if i == n/2 {
			// Later events find no subscriber: recycled, and reused by
			// the next NewEvent calls.
			for len(got) <= i {
				got = append(got, <-sub.C)
			}
			sub.Close()
		}
	}
	closeRecorder(t, r)
	for i, ev := range got {
		want := filledEvent(fmt.Sprint(i))
		want.EventID, want.cleanReq, want.cleanResp, want.self = ev.EventID, ev.cleanReq, ev.cleanResp, ev.self
		want.bufReq, want.bufResp, want.bufRes = ev.bufReq, ev.bufResp, ev.bufRes
		if !reflect.DeepEqual(ev, want) {
			t.Fatalf("published event %d changed after publication:\n%+v\nwant\n%+v", i, ev, want)
		}
	}
	events, _ := st.snapshot()
	if len(events) != n {
		t.Fatalf("%d events stored", len(events))
	}
	for i, rec := range events {
		var ev Event
		if err := json.Unmarshal(rec.JSON, &ev); err != nil || ev.EventName != fmt.Sprint(i) ||
			!strings.Contains(string(ev.RequestParameters), `"`+fmt.Sprint(i)+`"`) || len(ev.Resources) != 1 {
			t.Fatalf("record %d: %s (%v)", i, rec.JSON, err)
		}
	}
}

// TestCleanMarkCoversOnlyTheMarkedDocument: a document assigned after
// MarkDocsClean is scanned and redacted as any other.
func TestCleanMarkCoversOnlyTheMarkedDocument(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{Logger: quietLog})
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	ev := NewEvent()
	ev.EventSource, ev.EventName = "iam.amazonaws.com", "CreateAccessKey"
	ev.RequestParameters = append(ev.RequestParameters, `{"userName":"bob"}`...)
	ev.ResponseElements = append(ev.ResponseElements, `{"accessKey":{}}`...)
	ev.MarkDocsClean(true, true)
	ev.RequestParameters = json.RawMessage(`{"userName":"bob","password":"` + secret + `"}`)
	ev.ResponseElements = json.RawMessage(`{"accessKey":{"secretAccessKey":"` + secret + `"}}`)
	r.Record(ev)
	// A recycled event starts without marks, whatever its buffers held.
	again := filledEvent("x")
	again.reset()
	again.reuse()
	again.RequestParameters = append(again.RequestParameters, `{"password":"`+secret+`"}`...)
	r.Record(again)
	closeRecorder(t, r)
	events, _ := st.snapshot()
	if len(events) != 2 {
		t.Fatalf("%d events stored", len(events))
	}
	for _, e := range events {
		if bytes.Contains(e.JSON, []byte(secret)) {
			t.Errorf("record leaks the secret: %s", e.JSON)
		}
	}
}

// TestBatchEncodesRecordsInPlace: records of every size, encoded straight
// into the batch's chunks, are exactly AppendJSON's output, do not overlap,
// and cannot grow into each other.
func TestBatchEncodesRecordsInPlace(t *testing.T) {
	b := newBatch(1, DefaultMaxBatch)
	var want [][]byte
	sizes := []int{0, 10, 3000, 100, 5000, 20 << 10, 50, 70 << 10, 1500, 0, 4000, 4000, 4000, 17 << 10}
	for round := range 30 {
		for i, size := range sizes {
			ev := apiEvent(userPrincipal)
			ev.EventName = fmt.Sprintf("Op%d_%d", round, i)
			ev.UserAgent = strings.Repeat("u", size)
			want = append(want, ev.AppendJSON(nil))
			b.add(ev)
		}
	}
	if len(b.recs) != len(want) {
		t.Fatalf("%d records, want %d", len(b.recs), len(want))
	}
	for i, rec := range b.recs {
		if !bytes.Equal(rec.JSON, want[i]) {
			t.Fatalf("record %d:\n%s\nwant\n%s", i, rec.JSON, want[i])
		}
		if cap(rec.JSON) != len(rec.JSON) {
			t.Fatalf("record %d has room to grow into its neighbour", i)
		}
	}
}

// TestBatchRecordListGrowth: a batch that fills up grows its record list
// to the largest batch at once rather than doubling past it.
func TestBatchRecordListGrowth(t *testing.T) {
	b := newBatch(1, 100)
	for range 100 {
		b.add(minimalEvent("x"))
	}
	// Doubling would have reached 128.
	if len(b.recs) != 100 || cap(b.recs) >= 128 {
		t.Errorf("len %d cap %d, want 100 and about 100", len(b.recs), cap(b.recs))
	}
}

// TestNewEventAfterRecordIsIndependent: a request path that builds events
// with NewEvent while the recorder recycles them never sees another
// request's fields.
func TestNewEventAfterRecordIsIndependent(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{FlushInterval: time.Millisecond, Logger: quietLog})
	for i := range 500 {
		ev := NewEvent()
		if ev.EventName != "" || ev.ErrorCode != "" || len(ev.RequestParameters) != 0 || len(ev.Resources) != 0 ||
			ev.TLSDetails != nil || ev.cleanReq != nil || ev.cleanResp != nil || ev.UserIdentity != (UserIdentity{}) {
			t.Fatalf("NewEvent returned a used event: %+v", ev)
		}
		r.Record(filledEvent(fmt.Sprint(i)))
		r.Record(ev) // the empty one, recycled too
	}
	closeRecorder(t, r)
}
