package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var quietLog = slog.New(slog.NewTextHandler(io.Discard, nil))

// minimalEvent is what a caller typically fills in; the recorder completes
// the rest.
func minimalEvent(name string) *Event {
	return &Event{
		UserIdentity:      UserIdentityFor(rolePrincipal),
		EventSource:       "iam.amazonaws.com",
		EventName:         name,
		AWSRegion:         "us-east-1",
		SourceIPAddress:   "203.0.113.64",
		RequestParameters: json.RawMessage(`{"roleName":"x"}`),
		RequestID:         "req-1",
		Resources:         []Resource{{ARN: "arn:aws:iam::123456789012:role/x", AccountID: "123456789012", Type: "AWS::IAM::Role"}},
	}
}

func closeRecorder(t *testing.T, r *Recorder) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := r.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func TestRecorderCompletesAndStores(t *testing.T) {
	st := newMemStore()
	bus := NewBus()
	sub := bus.Subscribe("detector", 10)
	r := NewRecorder(st, bus, Options{Logger: quietLog})
	before := time.Now()
	ev := minimalEvent("DeleteRole")
	r.Record(ev)
	closeRecorder(t, r)

	events, _ := st.snapshot()
	if len(events) != 1 {
		t.Fatalf("%d events stored, want 1", len(events))
	}
	rec := events[0]
	if !uuidV7.MatchString(rec.EventID) {
		t.Errorf("EventID %q is not a UUID", rec.EventID)
	}
	if rec.EventTime.Before(before.Add(-time.Second)) || rec.EventTime.After(time.Now()) {
		t.Errorf("EventTime %v not stamped at Record", rec.EventTime)
	}
	want := store.EventRecord{
		EventID:     rec.EventID,
		EventTime:   rec.EventTime,
		EventName:   "DeleteRole",
		EventSource: "iam.amazonaws.com",
		Username:    "MySessionName", // the role session name, as CloudTrail
		AccessKeyID: "ASIAIOSFODNN7EXAMPLE",
		ReadOnly:    false,
		AccountID:   "123456789012",
		Resources:   []store.EventResource{{Type: "AWS::IAM::Role", Name: "arn:aws:iam::123456789012:role/x"}},
		JSON:        rec.JSON,
	}
	if !reflect.DeepEqual(rec, want) {
		t.Errorf("stored\n%+v\nwant\n%+v", rec, want)
	}

	var back Event
	if err := json.Unmarshal(rec.JSON, &back); err != nil {
		t.Fatalf("stored JSON: %v", err)
	}
	if back.EventVersion != "1.11" || back.EventType != "AwsApiCall" || back.EventCategory != "Management" ||
		!back.ManagementEvent || back.RecipientAccountID != "123456789012" || back.EventID != rec.EventID {
		t.Errorf("record not completed: %s", rec.JSON)
	}

	select {
	case got := <-sub.C:
		if got != ev || got.EventID != rec.EventID {
			t.Errorf("published %p (id %s), want %p (id %s)", got, got.EventID, ev, rec.EventID)
		}
	default:
		t.Error("nothing published")
	}
	if r.Recorded() != 1 || r.Flushed() != 1 || r.WriteErrors() != 0 || r.Lost() != 0 {
		t.Errorf("counters: recorded %d flushed %d errors %d lost %d", r.Recorded(), r.Flushed(), r.WriteErrors(), r.Lost())
	}
}

func TestRecorderKeepsCallerValues(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{Logger: quietLog})
	ev := minimalEvent("ConsoleLogin")
	ev.EventID = "11111111-2222-4333-8444-555555555555"
	ev.EventType = EventTypeConsoleSignIn
	ev.RecipientAccountID = "210987654321"
	ev.EventTime = testTime
	r.Record(ev)
	closeRecorder(t, r)
	events, _ := st.snapshot()
	rec := events[0]
	if rec.EventID != ev.EventID || rec.AccountID != "210987654321" || !rec.EventTime.Equal(testTime) {
		t.Errorf("caller values replaced: %+v", rec)
	}
}

func TestRecorderFlushesOnInterval(t *testing.T) {
	const interval = 100 * time.Millisecond
	st := newMemStore()
	r := NewRecorder(st, nil, Options{FlushInterval: interval, MaxBatch: 512, Logger: quietLog})
	defer closeRecorder(t, r)

	start := time.Now()
	r.Record(minimalEvent("A"))
	r.Record(minimalEvent("B"))
	select {
	case <-st.appended:
	case <-time.After(interval + 2*time.Second):
		t.Fatal("events not written after the flush interval")
	}
	if waited := time.Since(start); waited < interval*9/10 {
		t.Errorf("batch written after %v, before the %v flush interval", waited, interval)
	}
	if _, batches := st.snapshot(); !reflect.DeepEqual(batches, []int{2}) {
		t.Errorf("batches %v, want [2]", batches)
	}
}

func TestRecorderBatchesBySize(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{FlushInterval: time.Hour, MaxBatch: 10, Logger: quietLog})
	for i := 0; i < 35; i++ {
		r.Record(minimalEvent(fmt.Sprint(i)))
	}
	// Full batches go out without waiting for the (hour-long) interval.
	deadline := time.Now().Add(5 * time.Second)
	for st.count() < 30 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if _, batches := st.snapshot(); !reflect.DeepEqual(batches, []int{10, 10, 10}) {
		t.Fatalf("batches before Close %v, want [10 10 10]", batches)
	}
	closeRecorder(t, r) // the partial batch goes out on Close
	events, batches := st.snapshot()
	if !reflect.DeepEqual(batches, []int{10, 10, 10, 5}) {
		t.Errorf("batches %v, want [10 10 10 5]", batches)
	}
	for i, e := range events { // FIFO
		if e.EventName != fmt.Sprint(i) {
			t.Fatalf("event %d is %s", i, e.EventName)
		}
	}
}

// TestRecorderConcurrentCloseWithoutLoss records from many goroutines
// through a small queue into a slow store and closes while they are still
// recording: every accepted event is stored exactly once, every other one
// is counted as rejected.
func TestRecorderConcurrentCloseWithoutLoss(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{QueueSize: 64, MaxBatch: 50, FlushInterval: 5 * time.Millisecond, Logger: quietLog})

	const writers, perWriter = 8, 3000
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; i < perWriter; i++ {
				r.Record(minimalEvent("E"))
			}
		}()
	}
	close(start)
	// Let part of the traffic through, then close while it continues.
	for r.Recorded() < writers*perWriter/4 {
		time.Sleep(time.Millisecond)
	}
	closeRecorder(t, r)
	wg.Wait()

	events, _ := st.snapshot()
	ids := make(map[string]bool, len(events))
	for _, e := range events {
		if ids[e.EventID] {
			t.Fatalf("event %s stored twice", e.EventID)
		}
		ids[e.EventID] = true
	}
	if uint64(len(events)) != r.Recorded() || r.Flushed() != r.Recorded() {
		t.Errorf("stored %d, flushed %d, recorded %d", len(events), r.Flushed(), r.Recorded())
	}
	if got := r.Recorded() + r.Rejected(); got != writers*perWriter {
		t.Errorf("recorded %d + rejected %d = %d, want %d", r.Recorded(), r.Rejected(), got, writers*perWriter)
	}
	if r.Lost() != 0 {
		t.Errorf("Lost = %d", r.Lost())
	}
}

// TestRecorderAllRecordedBeforeClose: with every Record done before Close,
// nothing is rejected and everything is stored.
func TestRecorderAllRecordedBeforeClose(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{QueueSize: 128, Logger: quietLog})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2500; i++ {
				r.Record(minimalEvent("E"))
			}
		}()
	}
	wg.Wait()
	closeRecorder(t, r)
	if n := st.count(); n != 10000 || r.Rejected() != 0 {
		t.Errorf("stored %d, rejected %d; want 10000, 0", n, r.Rejected())
	}
}

// TestRecorderBackpressure: with the store stuck, Record blocks once the
// pipeline is full instead of dropping, and resumes when the store does.
func TestRecorderBackpressure(t *testing.T) {
	st := newMemStore()
	st.gate = make(chan struct{})
	r := NewRecorder(st, nil, Options{QueueSize: 4, MaxBatch: 2, FlushInterval: time.Millisecond, Logger: quietLog})

	const n = 50
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < n; i++ {
			r.Record(minimalEvent("E"))
		}
	}()
	time.Sleep(100 * time.Millisecond)
	select {
	case <-done:
		t.Fatal("Record did not block while the store was stuck")
	default:
	}
	// Queue (4), the batch being built (2), one batch waiting (2) and the
	// one being written (2) hold at most 10 events.
	if got := r.Recorded(); got > 10 {
		t.Errorf("%d events accepted with the store stuck, want at most 10", got)
	}
	close(st.gate)
	<-done
	closeRecorder(t, r)
	if st.count() != n {
		t.Errorf("stored %d, want %d", st.count(), n)
	}
}

func TestRecorderRetriesFailedWrites(t *testing.T) {
	st := newMemStore()
	st.failures = 3
	r := NewRecorder(st, nil, Options{MinRetryDelay: time.Millisecond, MaxRetryDelay: 4 * time.Millisecond, Logger: quietLog})
	for i := 0; i < 5; i++ {
		r.Record(minimalEvent("E"))
	}
	closeRecorder(t, r) // nil: the retries succeeded
	if st.count() != 5 {
		t.Errorf("stored %d, want 5", st.count())
	}
	if r.WriteErrors() != 3 || r.Flushed() != 5 || r.Lost() != 0 {
		t.Errorf("write errors %d, flushed %d, lost %d; want 3, 5, 0", r.WriteErrors(), r.Flushed(), r.Lost())
	}
}

func TestRecorderCloseDeadlineReportsLoss(t *testing.T) {
	st := newMemStore()
	st.failures = -1 // the disk never recovers
	r := NewRecorder(st, nil, Options{MinRetryDelay: time.Millisecond, Logger: quietLog})
	for i := 0; i < 3; i++ {
		r.Record(minimalEvent("E"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	err := r.Close(ctx)
	if !errors.Is(err, errDiskFull) {
		t.Fatalf("Close = %v, want the last write error", err)
	}
	if r.Lost() != 3 || r.WriteErrors() == 0 {
		t.Errorf("lost %d, write errors %d", r.Lost(), r.WriteErrors())
	}
	if err2 := r.Close(context.Background()); err2 != err {
		t.Errorf("second Close = %v, want %v", err2, err)
	}
}

// TestRecorderCloseUnblocksRecord: a Record blocked on a stuck store
// returns when Close gives up, and the event is counted as lost.
func TestRecorderCloseUnblocksRecord(t *testing.T) {
	st := newMemStore()
	st.gate = make(chan struct{}) // never opened
	r := NewRecorder(st, nil, Options{QueueSize: 1, MaxBatch: 1, FlushInterval: time.Millisecond, Logger: quietLog})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			r.Record(minimalEvent("E"))
		}
	}()
	time.Sleep(50 * time.Millisecond)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := r.Close(ctx)
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Errorf("Close = %v, want a context error", err)
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Record still blocked after Close gave up")
	}
	if got := r.Lost() + r.Rejected() + r.Flushed(); got != 20 {
		t.Errorf("lost %d + rejected %d + flushed %d = %d, want 20", r.Lost(), r.Rejected(), r.Flushed(), got)
	}
}

func TestRecordAfterCloseIsRejected(t *testing.T) {
	st := newMemStore()
	r := NewRecorder(st, nil, Options{Logger: quietLog})
	closeRecorder(t, r)
	r.Record(minimalEvent("late"))
	if r.Rejected() != 1 || r.Recorded() != 0 || st.count() != 0 {
		t.Errorf("rejected %d, recorded %d, stored %d", r.Rejected(), r.Recorded(), st.count())
	}
	var nilRecorder *Recorder
	nilRecorder.Record(minimalEvent("nil")) // no panic
}

func TestRecorderStoreKeepsItsRecords(t *testing.T) {
	// Records handed to the store must not change afterwards, even if the
	// store keeps the slices (unlike memStore, which copies).
	var kept []store.EventRecord
	st := &keepStore{memStore: newMemStore(), keep: func(recs []store.EventRecord) { kept = append(kept, recs...) }}
	r := NewRecorder(st, nil, Options{MaxBatch: 3, Logger: quietLog})
	for i := 0; i < 20; i++ {
		r.Record(minimalEvent(fmt.Sprint(i)))
	}
	closeRecorder(t, r)
	for i, rec := range kept {
		var ev Event
		if err := json.Unmarshal(rec.JSON, &ev); err != nil || ev.EventName != fmt.Sprint(i) || ev.EventID != rec.EventID {
			t.Fatalf("record %d changed after being written: %s (%v)", i, rec.JSON, err)
		}
	}
}

// keepStore retains the slices AppendEvents is given.
type keepStore struct {
	*memStore
	mu   sync.Mutex
	keep func([]store.EventRecord)
}

func (k *keepStore) AppendEvents(ctx context.Context, recs []store.EventRecord) error {
	k.mu.Lock()
	k.keep(recs)
	k.mu.Unlock()
	return nil
}
