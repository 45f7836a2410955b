package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Defaults of Options.
const (
	// DefaultQueueSize is the number of events Record can enqueue ahead of
	// the recorder. At the 50,000 events/s gatehouse is sized for it holds
	// about a third of a second of traffic: enough to ride out a slow commit
	// or fsync, so Record only blocks when the store is durably slower than
	// the request rate. Memory: roughly 1.5 KB per queued event, 25 MB full.
	DefaultQueueSize = 16384
	// DefaultMaxBatch is the number of events written in one store
	// transaction when traffic is heavy.
	DefaultMaxBatch = 512
	// DefaultFlushInterval bounds how long an event waits for its batch to
	// fill before the batch is written anyway.
	DefaultFlushInterval = 200 * time.Millisecond

	// yieldEvery is how many events the encoding stage handles before it
	// yields its processor to other goroutines (see encode).
	yieldEvery = 32

	defaultMinRetryDelay = 50 * time.Millisecond
	defaultMaxRetryDelay = 5 * time.Second
	defaultWriteTimeout  = 30 * time.Second
)

// Options tunes a Recorder. Zero fields take the defaults.
type Options struct {
	// QueueSize is the capacity of the queue between Record and the
	// recorder (DefaultQueueSize).
	QueueSize int
	// MaxBatch is the most events written in one AppendEvents call
	// (DefaultMaxBatch).
	MaxBatch int
	// FlushInterval is the longest an event waits for its batch to fill
	// (DefaultFlushInterval). With the write itself, it bounds how long an
	// event takes to become durable when the store keeps up.
	FlushInterval time.Duration
	// MinRetryDelay and MaxRetryDelay bound the exponential backoff between
	// attempts to write a batch the store refused (50 ms and 5 s).
	MinRetryDelay, MaxRetryDelay time.Duration
	// WriteTimeout bounds one AppendEvents attempt (30 s).
	WriteTimeout time.Duration
	// Logger receives write failures and other trouble (slog.Default()).
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.MaxBatch <= 0 {
		o.MaxBatch = DefaultMaxBatch
	}
	if o.FlushInterval <= 0 {
		o.FlushInterval = DefaultFlushInterval
	}
	if o.MinRetryDelay <= 0 {
		o.MinRetryDelay = defaultMinRetryDelay
	}
	if o.MaxRetryDelay < o.MinRetryDelay {
		o.MaxRetryDelay = max(defaultMaxRetryDelay, o.MinRetryDelay)
	}
	if o.WriteTimeout <= 0 {
		o.WriteTimeout = defaultWriteTimeout
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Recorder writes audit events to the store and publishes them on the bus.
//
// Record, on the request path, only enqueues. A pipeline of two goroutines
// does the rest: the first completes each event (id, version, defaults),
// hides secrets a caller left in (RedactJSON; documents the caller vouched
// for with Event.MarkDocsClean are not scanned), publishes it, encodes its
// record into batches, and recycles events made by NewEvent that no
// subscriber received; the second writes batches with
// store.AppendEvents, so that encoding the next batch overlaps writing the
// current one. A batch is written when it holds Options.MaxBatch events or
// its oldest event has waited Options.FlushInterval, whichever comes first.
//
// A failed write is logged and retried, with exponential backoff, until it
// succeeds: the trail never skips an event. While the store refuses writes
// the queue fills and Record blocks (see Record).
//
// The counters (Recorded, Flushed, WriteErrors, Lost, Rejected, QueueLen) are
// there for the server's metrics.
type Recorder struct {
	st   store.Store
	bus  *Bus
	opts Options
	log  *slog.Logger

	// mu makes Close's closing of queue wait for Record calls that are
	// enqueueing: Record holds it shared, Close exclusively.
	mu     sync.RWMutex
	closed bool
	queue  chan *Event

	batches chan []store.EventRecord
	// aborted is closed when Close's context ends before everything was
	// written: the pipeline then discards what is left instead of retrying.
	aborted   chan struct{}
	abortOnce sync.Once
	// writeCtx is the parent of every write; it is cancelled on abort.
	writeCtx    context.Context
	cancelWrite context.CancelFunc
	done        chan struct{} // closed when the writer goroutine returns

	closeOnce sync.Once
	closeErr  error

	recorded, flushed, writeErrors, lost, rejected atomic.Uint64

	errMu   sync.Mutex
	lastErr error // the last write error not followed by a successful write
}

// NewRecorder starts a recorder writing to st and publishing to bus (which
// may be nil). Close it to flush and stop it.
func NewRecorder(st store.Store, bus *Bus, opts Options) *Recorder {
	opts = opts.withDefaults()
	ctx, cancel := context.WithCancel(context.Background())
	r := &Recorder{
		st:          st,
		bus:         bus,
		opts:        opts,
		log:         opts.Logger,
		queue:       make(chan *Event, opts.QueueSize),
		batches:     make(chan []store.EventRecord, 1),
		aborted:     make(chan struct{}),
		writeCtx:    ctx,
		cancelWrite: cancel,
		done:        make(chan struct{}),
	}
	go r.encode()
	go r.write()
	return r
}

// Record adds ev to the trail. It only enqueues ev (and stamps EventTime if
// it is zero); the recorder completes, encodes and writes it later. From
// then on ev belongs to the recorder: the caller must not touch it.
//
// When the queue is full Record blocks until there is room; it never drops
// an event. The trail is gatehouse's evidence of what every caller did, and
// an API call served without its record is exactly the gap an intruder
// wants, so when the store cannot keep up the server slows down rather than
// forgets. The queue (Options.QueueSize) absorbs bursts and slow commits;
// only a store persistently slower than the request rate, or refusing
// writes, makes Record wait.
//
// Record after Close does not record: the event is counted (Rejected) and
// logged.
func (r *Recorder) Record(ev *Event) {
	if r == nil || ev == nil {
		return
	}
	if ev.EventTime.IsZero() {
		ev.EventTime = time.Now()
	}
	r.mu.RLock()
	if r.closed {
		r.mu.RUnlock()
		r.rejected.Add(1)
		r.log.Error("audit: event recorded after the recorder was closed; it is not in the trail",
			"event_name", ev.EventName, "event_source", ev.EventSource)
		return
	}
	select {
	case r.queue <- ev:
	default:
		// Full: wait, unless Close gives up on the pipeline meanwhile.
		select {
		case r.queue <- ev:
		case <-r.aborted:
			r.mu.RUnlock()
			r.lost.Add(1)
			return
		}
	}
	r.mu.RUnlock()
	r.recorded.Add(1)
}

// Close stops accepting events, writes everything already recorded, and
// stops the recorder. It returns nil when every recorded event is in the
// store.
//
// If ctx ends first (a write keeps failing, or the store is too slow for the
// shutdown deadline), Close cancels the write in progress, discards what is
// left, and returns an error that counts the lost events and wraps the error
// of the last failed write (or ctx's error if no write failed). Close is
// idempotent; later calls return the first call's result.
func (r *Recorder) Close(ctx context.Context) error {
	r.closeOnce.Do(func() {
		go func() {
			// Waits for Record calls in progress, including blocked ones:
			// they finish as the pipeline drains, or on abort.
			r.mu.Lock()
			r.closed = true
			close(r.queue)
			r.mu.Unlock()
		}()
		select {
		case <-r.done:
		case <-ctx.Done():
			r.abort()
			<-r.done
		}
		r.cancelWrite()
		if n := r.lost.Load(); n > 0 {
			cause := r.lastError()
			if cause == nil {
				cause = ctx.Err()
			}
			r.closeErr = fmt.Errorf("audit: %d recorded events were not written: %w", n, cause)
			r.log.Error("audit: events lost at shutdown", "events", n, "err", cause)
		}
	})
	return r.closeErr
}

// Recorded returns how many events Record has accepted.
func (r *Recorder) Recorded() uint64 { return r.recorded.Load() }

// Flushed returns how many events have been written to the store.
func (r *Recorder) Flushed() uint64 { return r.flushed.Load() }

// WriteErrors returns how many AppendEvents calls have failed (each failed
// attempt counts; the batch is retried).
func (r *Recorder) WriteErrors() uint64 { return r.writeErrors.Load() }

// Lost returns how many events given to Record were never written because
// Close's context ended first (including Record calls that were still
// waiting for room). It is zero unless shutdown was cut short.
func (r *Recorder) Lost() uint64 { return r.lost.Load() }

// Rejected returns how many events were passed to Record after Close.
func (r *Recorder) Rejected() uint64 { return r.rejected.Load() }

// QueueLen returns the number of events waiting in the queue; a queue that
// stays near Options.QueueSize means the store is not keeping up.
func (r *Recorder) QueueLen() int { return len(r.queue) }

func (r *Recorder) abort() {
	r.abortOnce.Do(func() {
		close(r.aborted)
		r.cancelWrite()
	})
}

func (r *Recorder) isAborted() bool {
	select {
	case <-r.aborted:
		return true
	default:
		return false
	}
}

func (r *Recorder) lastError() error {
	r.errMu.Lock()
	defer r.errMu.Unlock()
	return r.lastErr
}

func (r *Recorder) setLastError(err error) {
	r.errMu.Lock()
	r.lastErr = err
	r.errMu.Unlock()
}

// encode is the first pipeline stage: it takes events off the queue,
// completes and publishes them, and groups their records into batches for
// write. It closes batches when the queue is closed and drained.
func (r *Recorder) encode() {
	defer close(r.batches)
	var ids idSource
	b := newBatch(r.batchHint(), r.opts.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	var due <-chan time.Time // the timer's channel while a batch waits

	flush := func() {
		timer.Stop()
		due = nil
		if len(b.recs) == 0 {
			return
		}
		select {
		case r.batches <- b.recs:
		case <-r.aborted:
			r.lost.Add(uint64(len(b.recs)))
		}
		b = newBatch(r.batchHint(), r.opts.MaxBatch)
	}

	for {
		select {
		case ev, ok := <-r.queue:
			if !ok {
				flush()
				return
			}
			if r.isAborted() {
				r.lost.Add(1)
				continue
			}
			r.complete(ev, &ids)
			published := r.bus.publish(ev)
			b.add(ev)
			if ev.recyclable() && !published {
				// The record holds copies and immutable strings only:
				// nothing refers to ev any more.
				ev.release()
			}
			if len(b.recs)%yieldEvery == 0 {
				// Under load the queue never empties, so this loop
				// would keep its processor for a whole batch while
				// requests wait behind it: let them go first.
				runtime.Gosched()
			}
			switch {
			case len(b.recs) >= r.opts.MaxBatch:
				flush()
			case len(b.recs) == 1:
				timer.Reset(r.opts.FlushInterval)
				due = timer.C
			}
		case <-due:
			due = nil
			flush()
		}
	}
}

// complete fills in what the caller may leave to the recorder and hides any
// secret the caller failed to redact. It writes a field only when it changes
// it, so an event that is already complete is only read.
func (r *Recorder) complete(ev *Event, ids *idSource) {
	if ev.EventVersion == "" {
		ev.EventVersion = EventVersion
	}
	if ev.EventID == "" {
		ev.EventID = ids.next()
	}
	if ev.EventType == "" {
		ev.EventType = EventTypeAPICall
	}
	if ev.EventCategory == "" {
		ev.EventCategory = CategoryManagement
	}
	if mgmt := ev.EventCategory == CategoryManagement; ev.ManagementEvent != mgmt {
		ev.ManagementEvent = mgmt
	}
	if ev.RecipientAccountID == "" && ev.UserIdentity.AccountID != "" {
		ev.RecipientAccountID = ev.UserIdentity.AccountID
	}
	if k := SanitizeAccessKeyID(ev.UserIdentity.AccessKeyID); k != ev.UserIdentity.AccessKeyID {
		ev.UserIdentity.AccessKeyID = k
	}
	for _, doc := range [...]struct {
		name  string
		doc   *json.RawMessage
		clean json.RawMessage
	}{
		{"requestParameters", &ev.RequestParameters, ev.cleanReq},
		{"responseElements", &ev.ResponseElements, ev.cleanResp},
		{"additionalEventData", &ev.AdditionalEventData, nil},
	} {
		if sameDoc(*doc.doc, doc.clean) {
			// Vouched for (MarkDocsClean): valid, and nothing for
			// RedactJSON to hide or change.
			continue
		}
		switch prepareDoc(doc.doc) {
		case docInvalid:
			r.log.Warn("audit: a document of the event is not valid JSON; it is recorded as null",
				"document", doc.name, "event_source", ev.EventSource, "event_name", ev.EventName, "event_id", ev.EventID)
		case docRedacted:
			r.log.Warn("audit: the recorder hid secret-named members the caller did not redact",
				"document", doc.name, "event_source", ev.EventSource, "event_name", ev.EventName, "event_id", ev.EventID)
		}
	}
}

// Outcomes of prepareDoc.
const (
	docOK = iota
	docInvalid
	docRedacted
)

// prepareDoc makes *doc fit for the record in one scan: an invalid document
// becomes empty (written as null), one with secret-named members is
// redacted (RedactJSON). Afterwards *doc is empty or valid JSON, which lets
// the encoder skip validating it again.
func prepareDoc(doc *json.RawMessage) int {
	if len(*doc) == 0 {
		return docOK
	}
	c := checkDoc(*doc)
	switch {
	case !c.valid:
		*doc = nil
		return docInvalid
	case c.secretName:
		if red, ok := RedactJSON(*doc); ok {
			*doc = red
			return docRedacted
		}
	}
	return docOK
}

// write is the second pipeline stage: it writes batches until encode closes
// the channel, then closes done.
func (r *Recorder) write() {
	defer close(r.done)
	for recs := range r.batches {
		r.writeBatch(recs)
	}
}

// writeBatch writes recs, retrying with exponential backoff until the store
// accepts them or the recorder is aborted.
func (r *Recorder) writeBatch(recs []store.EventRecord) {
	delay := r.opts.MinRetryDelay
	for attempt := 1; ; attempt++ {
		if r.isAborted() {
			r.lost.Add(uint64(len(recs)))
			return
		}
		ctx, cancel := context.WithTimeout(r.writeCtx, r.opts.WriteTimeout)
		err := r.st.AppendEvents(ctx, recs)
		cancel()
		if err == nil {
			r.flushed.Add(uint64(len(recs)))
			if attempt > 1 {
				r.setLastError(nil)
				r.log.Info("audit: writing events succeeded after retries", "events", len(recs), "attempts", attempt)
			}
			return
		}
		if r.isAborted() {
			// Cancelled by Close giving up: not a store failure, and not
			// to mask the one that made Close give up.
			r.lost.Add(uint64(len(recs)))
			return
		}
		r.writeErrors.Add(1)
		r.setLastError(err)
		r.log.Error("audit: writing events failed; retrying",
			"events", len(recs), "attempt", attempt, "retry_in", delay, "err", err)
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-r.aborted:
			t.Stop()
			r.lost.Add(uint64(len(recs)))
			return
		}
		delay = min(2*delay, r.opts.MaxRetryDelay)
	}
}

// batchHint guesses the size of the next batch from the queue's length, so
// that a batch's buffers are sized for heavy traffic only when there is
// heavy traffic.
func (r *Recorder) batchHint() int {
	return min(r.opts.MaxBatch, len(r.queue)+1)
}

// Sizes of the buffers records are encoded into: a batch encodes records
// straight into chunks instead of allocating one buffer per record. A
// chunk holds about chunkPerEvent bytes per event the batch still expects,
// or as many bytes as the batch holds already if that is more (so chunks
// double as a batch outgrows its guess), within [minChunkSize,
// maxChunkSize]. Records larger than maxChunkSize/4 get their own buffer.
const (
	minChunkSize  = 4 << 10
	maxChunkSize  = 64 << 10
	chunkPerEvent = 2 << 10
)

// maxGuess caps the room a chunk must have left for the next record (the
// last record's size): one large record does not make the batch abandon
// chunks with room for many ordinary ones.
const maxGuess = 4 << 10

// fullBatchAfter is the number of records after which a batch's record
// list, when full, grows to the largest batch at once rather than doubling:
// a batch that grew that far is filling up under heavy traffic.
const fullBatchAfter = 32

// batch accumulates the store records of up to MaxBatch events. Record JSON
// and resource lists are carved out of shared chunks (capped slices, so no
// record can grow into its neighbour); every chunk is fresh, so the store may
// keep what it is given.
type batch struct {
	recs  []store.EventRecord
	chunk []byte
	res   []store.EventResource
	// expect is how many events the batch was sized for, max how many it
	// may hold.
	expect, max int
	// bytes is the size of the records in chunks so far; last is the size
	// of the latest one, the guess for the next.
	bytes, last int
}

func newBatch(expect, maxBatch int) *batch {
	return &batch{recs: make([]store.EventRecord, 0, expect), expect: expect, max: maxBatch}
}

// add encodes ev and appends its store record.
func (b *batch) add(ev *Event) {
	js := b.encode(ev)

	var res []store.EventResource
	if len(ev.Resources) > 0 {
		if cap(b.res)-len(b.res) < len(ev.Resources) {
			b.res = make([]store.EventResource, 0, max(len(ev.Resources), min(max(b.expect, len(b.recs)), 256)))
		}
		start := len(b.res)
		for _, rs := range ev.Resources {
			b.res = append(b.res, store.EventResource{Type: rs.Type, Name: rs.ARN})
		}
		res = b.res[start:len(b.res):len(b.res)]
	}

	if n := len(b.recs); n == cap(b.recs) && n >= fullBatchAfter && n < b.max {
		b.recs = slices.Grow(b.recs, b.max-n)
	}
	b.recs = append(b.recs, store.EventRecord{
		EventID:     ev.EventID,
		EventTime:   ev.EventTime.UTC(),
		EventName:   ev.EventName,
		EventSource: ev.EventSource,
		Username:    lookupUsername(&ev.UserIdentity),
		AccessKeyID: ev.UserIdentity.AccessKeyID,
		ReadOnly:    ev.ReadOnly,
		AccountID:   ev.RecipientAccountID,
		Resources:   res,
		JSON:        js,
	})
}

// encode writes the record of ev at the end of the current chunk, in place,
// and returns it. When the record does not fit, append moves it to a new
// array: it is then copied to a new chunk (or, if large, to a buffer of its
// own). Starting a new chunk when the room left is less than the last
// record's size makes that rare.
func (b *batch) encode(ev *Event) []byte {
	if cap(b.chunk)-len(b.chunk) < b.last {
		b.newChunk(b.last)
	}
	start := len(b.chunk)
	room := b.chunk[start:start]
	js := ev.appendJSON(room, true)
	n := len(js)
	if n <= cap(room) {
		// Lengths only grow while appending, so a record no longer than
		// the room never made append reallocate: it is in the chunk.
		b.chunk = b.chunk[:start+n]
	} else {
		if n > maxChunkSize/4 {
			// Large records get their own allocation rather than waste
			// chunks (an exact one: the store may keep it).
			return append(make([]byte, 0, n), js...)
		}
		b.newChunk(n)
		start = 0
		b.chunk = append(b.chunk, js...)
	}
	b.bytes += n
	b.last = min(n, maxGuess)
	return b.chunk[start : start+n : start+n]
}

// newChunk starts a chunk with room for at least n bytes.
func (b *batch) newChunk(n int) {
	left := max(b.expect-len(b.recs), 1)
	size := min(max(left*chunkPerEvent, b.bytes), maxChunkSize)
	b.chunk = make([]byte, 0, max(size, minChunkSize, n))
}

// Flush waits until every event Record accepted before the call is in the
// store, or ctx ends. Dev mode's reset uses it so that no event from before
// a reset is written after it.
func (r *Recorder) Flush(ctx context.Context) error {
	target := r.recorded.Load()
	if r.flushed.Load() >= target {
		return nil
	}
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for r.flushed.Load() < target {
		select {
		case <-ctx.Done():
			return fmt.Errorf("audit: flush: %w", ctx.Err())
		case <-tick.C:
		}
	}
	return nil
}
