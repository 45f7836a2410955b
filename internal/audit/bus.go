package audit

import (
	"slices"
	"sync"
	"sync/atomic"
)

// Bus is the in-process publish/subscribe channel of audit events: the
// Recorder publishes every event it records, and threat detectors subscribe.
//
// Publishing never blocks: each subscriber has a buffered channel, and an
// event that does not fit in a subscriber's buffer is dropped for that
// subscriber and counted. The bus is a best-effort feed for detectors; the
// durable, lossless copy of every event is the store's. With no subscribers a
// publish is a single atomic load.
//
// The zero Bus is ready to use, and a nil *Bus accepts publishes and does
// nothing. A Bus is safe for concurrent use.
type Bus struct {
	n       atomic.Int32 // len(subs), read without the lock
	mu      sync.RWMutex // Publish holds it shared, (un)subscribing exclusively
	subs    []*Subscription
	dropped atomic.Uint64
}

// Subscription is one subscriber's feed.
type Subscription struct {
	// Name identifies the subscriber in logs and metrics.
	Name string
	// C delivers the events, in publication order. It is closed by Close.
	// Events are shared with other subscribers and with the recorder: they
	// must not be modified.
	C <-chan *Event

	c       chan *Event
	bus     *Bus
	dropped atomic.Uint64
	once    sync.Once
}

// NewBus returns an empty bus.
func NewBus() *Bus { return &Bus{} }

// Subscribe adds a subscriber whose channel buffers up to buffer events (at
// least 1). Size the buffer for the subscriber's worst pause: events that
// arrive while it is full are dropped for it.
func (b *Bus) Subscribe(name string, buffer int) *Subscription {
	buffer = max(buffer, 1)
	c := make(chan *Event, buffer)
	s := &Subscription{Name: name, C: c, c: c, bus: b}
	b.mu.Lock()
	b.subs = append(b.subs, s)
	b.n.Store(int32(len(b.subs)))
	b.mu.Unlock()
	return s
}

// Publish offers ev to every subscriber without blocking; a subscriber whose
// buffer is full misses it, and the miss is counted (Dropped).
func (b *Bus) Publish(ev *Event) { b.publish(ev) }

// publish is Publish; it reports whether some subscriber received ev (and
// may hold it for as long as it likes).
func (b *Bus) publish(ev *Event) (delivered bool) {
	if b == nil || b.n.Load() == 0 {
		return false
	}
	b.mu.RLock()
	for _, s := range b.subs {
		select {
		case s.c <- ev:
			delivered = true
		default:
			s.dropped.Add(1)
			b.dropped.Add(1)
		}
	}
	b.mu.RUnlock()
	return delivered
}

// Dropped returns how many deliveries the bus has dropped, over all
// subscribers (an event missed by two subscribers counts twice).
func (b *Bus) Dropped() uint64 {
	if b == nil {
		return 0
	}
	return b.dropped.Load()
}

// Subscribers returns the number of current subscribers.
func (b *Bus) Subscribers() int {
	if b == nil {
		return 0
	}
	return int(b.n.Load())
}

// Dropped returns how many events this subscriber missed because its buffer
// was full.
func (s *Subscription) Dropped() uint64 { return s.dropped.Load() }

// Close unsubscribes s and closes s.C. Events already buffered stay in it: a
// receiver ranging over C still gets them, then sees the channel closed.
// Close is idempotent.
func (s *Subscription) Close() {
	s.once.Do(func() {
		b := s.bus
		b.mu.Lock()
		b.subs = slices.DeleteFunc(b.subs, func(x *Subscription) bool { return x == s })
		b.n.Store(int32(len(b.subs)))
		// Publish sends under the read lock, so no send can be in flight.
		close(s.c)
		b.mu.Unlock()
	})
}
