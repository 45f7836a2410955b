package sqlite

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// tailEvents returns n events with ids prefix-000 to prefix-(n-1).
func tailEvents(prefix string, n int, at time.Time) []store.EventRecord {
	evs := make([]store.EventRecord, n)
	for i := range evs {
		evs[i] = store.EventRecord{
			EventID:   fmt.Sprintf("%s-%03d", prefix, i),
			EventTime: at.Add(time.Duration(i) * time.Millisecond),
			EventName: "PutItem", EventSource: "test", Username: "u", AccessKeyID: "AKIA",
			AccountID: "123456789012",
			JSON:      []byte(`{}`),
		}
	}
	return evs
}

// countEvents returns how many events a lookup without attribute finds.
func countEvents(t *testing.T, s *Store) int {
	t.Helper()
	n := 0
	q := store.EventQuery{AccountID: "123456789012"}
	for {
		evs, next, err := s.QueryEvents(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		n += len(evs)
		if next == "" {
			return n
		}
		q.NextToken = next
	}
}

// The appender remembers the end of the log between batches; what it
// remembers must not outlive a transaction that did not commit, a Reset,
// or a write by another Store on the same file.
func TestAppendTailAfterFailureResetAndOtherWriter(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	at := time.Unix(1700000000, 0)

	if err := s.AppendEvents(ctx, tailEvents("a", 10, at)); err != nil {
		t.Fatal(err)
	}
	// A batch cancelled before its commit rolls back; the next one must
	// neither skip its ids nor miss its row numbers.
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	if err := s.AppendEvents(cancelled, tailEvents("b", 10, at)); err == nil {
		t.Fatal("append with a cancelled context succeeded")
	}
	if err := s.AppendEvents(ctx, tailEvents("b", 10, at)); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s); n != 20 {
		t.Fatalf("after a rolled back batch and its retry: %d events, want 20", n)
	}

	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, tailEvents("a", 5, at)); err != nil {
		t.Fatal(err)
	}
	if n := countEvents(t, s); n != 5 {
		t.Fatalf("after Reset: %d events, want 5", n)
	}

	// Another Store appends behind s's back: s's next batch fails rather
	// than store anything wrongly, and its retry succeeds.
	other, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.AppendEvents(ctx, tailEvents("c", 5, at)); err != nil {
		t.Fatal(err)
	}
	if err := other.Close(); err != nil {
		t.Fatal(err)
	}
	batch := append(tailEvents("c", 5, at), tailEvents("d", 5, at)...)
	if err := s.AppendEvents(ctx, batch); err == nil {
		t.Log("append after another writer succeeded at once")
	}
	if err := s.AppendEvents(ctx, batch); err != nil {
		t.Fatalf("retry after another writer: %v", err)
	}
	if n := countEvents(t, s); n != 15 {
		t.Fatalf("after another writer: %d events, want 15", n)
	}
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
}

// TestWriterCacheSettings checks that the writer's cache settings took
// effect.
func TestWriterCacheSettings(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	c := <-s.writer
	defer func() { s.writer <- c }()
	var size, spill int
	if err := c.c.QueryRowContext(context.Background(), "PRAGMA cache_size").Scan(&size); err != nil {
		t.Fatal(err)
	}
	if err := c.c.QueryRowContext(context.Background(), "PRAGMA cache_spill").Scan(&spill); err != nil {
		t.Fatal(err)
	}
	if size != -writerCacheKiB || spill != writerSpillPages {
		t.Fatalf("cache_size %d, cache_spill %d pages; want %d and %d", size, spill, -writerCacheKiB, writerSpillPages)
	}
}
