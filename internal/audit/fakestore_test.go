package audit

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// memStore is an in-memory store.Store for the tests: only the event log is
// implemented. Queries follow the shared rules of internal/store/lookup, like
// the real stores.
type memStore struct {
	mu      sync.Mutex
	events  []store.EventRecord
	batches []int       // sizes of the successful AppendEvents calls
	writes  []time.Time // when each successful AppendEvents call happened

	// failures is how many AppendEvents calls fail before they succeed
	// again (negative: fail forever).
	failures int
	// gate, when set, blocks every AppendEvents until it is closed or the
	// call's context ends.
	gate chan struct{}
	// appended is signalled (non-blocking) after each successful append.
	appended chan struct{}
}

var errDiskFull = errors.New("disk full")

func newMemStore() *memStore { return &memStore{appended: make(chan struct{}, 1)} }

func (m *memStore) AppendEvents(ctx context.Context, events []store.EventRecord) error {
	m.mu.Lock()
	gate := m.gate
	m.mu.Unlock()
	if gate != nil {
		select {
		case <-gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failures != 0 {
		if m.failures > 0 {
			m.failures--
		}
		return errDiskFull
	}
	for _, e := range events {
		// Copy like a database would: the recorder may not reuse buffers.
		e.JSON = slices.Clone(e.JSON)
		e.Resources = slices.Clone(e.Resources)
		m.events = append(m.events, e)
	}
	m.batches = append(m.batches, len(events))
	m.writes = append(m.writes, time.Now())
	select {
	case m.appended <- struct{}{}:
	default:
	}
	return nil
}

func (m *memStore) QueryEvents(ctx context.Context, q store.EventQuery) ([]store.EventRecord, string, error) {
	p, err := lookup.NewPlan(q)
	if err != nil {
		return nil, "", err
	}
	m.mu.Lock()
	var match []store.EventRecord
	for _, e := range m.events {
		if memMatches(&p, &e) {
			match = append(match, e)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(match, func(a, b store.EventRecord) int {
		if c := b.EventTime.Compare(a.EventTime); c != 0 {
			return c
		}
		return strings.Compare(b.EventID, a.EventID)
	})
	if p.HasAfter {
		i := 0
		for i < len(match) && !memBefore(&match[i], p.After) {
			i++
		}
		match = match[i:]
	}
	next := ""
	if len(match) > p.Limit {
		match = match[:p.Limit]
		last := match[len(match)-1]
		next = p.NextToken(lookup.Position{Time: lookup.UnixNano(last.EventTime), EventID: last.EventID})
	}
	return match, next, nil
}

// memBefore reports whether e sorts after pos in the newest-first order.
func memBefore(e *store.EventRecord, pos lookup.Position) bool {
	t := lookup.UnixNano(e.EventTime)
	return t < pos.Time || t == pos.Time && e.EventID < pos.EventID
}

func memMatches(p *lookup.Plan, e *store.EventRecord) bool {
	if p.AccountID != "" && e.AccountID != p.AccountID {
		return false
	}
	t := lookup.UnixNano(e.EventTime)
	if p.HasStart && t < p.Start || p.HasEnd && t > p.End {
		return false
	}
	switch p.Attr {
	case lookup.AttrEventID:
		return e.EventID == p.Value
	case lookup.AttrEventName:
		return e.EventName == p.Value
	case lookup.AttrReadOnly:
		return e.ReadOnly == p.ReadOnly
	case lookup.AttrUsername:
		return e.Username == p.Value
	case lookup.AttrEventSource:
		return e.EventSource == p.Value
	case lookup.AttrAccessKeyID:
		return e.AccessKeyID == p.Value
	case lookup.AttrResourceType:
		return slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Type == p.Value })
	case lookup.AttrResourceName:
		return slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Name == p.Value })
	}
	return true
}

func (m *memStore) snapshot() (events []store.EventRecord, batches []int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.events), slices.Clone(m.batches)
}

func (m *memStore) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.events)
}

func (m *memStore) View(context.Context, func(store.Tx) error) error   { return errors.ErrUnsupported }
func (m *memStore) Update(context.Context, func(store.Tx) error) error { return errors.ErrUnsupported }
func (m *memStore) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.events = nil
	return nil
}
func (m *memStore) Close() error { return nil }

// countStore counts appended events and keeps nothing: the benchmarks' store.
type countStore struct {
	mu sync.Mutex
	n  int
	// gate, when set, holds every AppendEvents until it is closed or the
	// call's context ends.
	gate chan struct{}
}

func (c *countStore) AppendEvents(ctx context.Context, events []store.EventRecord) error {
	if c.gate != nil {
		select {
		case <-c.gate:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	c.mu.Lock()
	c.n += len(events)
	c.mu.Unlock()
	return nil
}

func (c *countStore) QueryEvents(context.Context, store.EventQuery) ([]store.EventRecord, string, error) {
	return nil, "", nil
}

func (c *countStore) View(context.Context, func(store.Tx) error) error {
	return errors.ErrUnsupported
}

func (c *countStore) Update(context.Context, func(store.Tx) error) error {
	return errors.ErrUnsupported
}

func (c *countStore) Reset(context.Context) error { return nil }
func (c *countStore) Close() error                { return nil }
