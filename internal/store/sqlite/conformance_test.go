package sqlite

import (
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/storetest"
)

// openTemp opens a store in a fresh temporary directory.
func openTemp(t testing.TB) *Store {
	t.Helper()
	s, err := Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

// openTuned opens a store whose posting lists are shaped by tuning.
func openTuned(t testing.TB, tuning eventTuning) *Store {
	t.Helper()
	s := openTemp(t)
	s.setTuning(tuning)
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return openTemp(t) })
}

// smallTunings shape the posting lists so that the conformance suite's few
// hundred events exercise what the default sizes reach only after tens of
// thousands: merges into level 1 every few batches, runs cut by time bucket
// (2^30 ns is about a second; the suite's events are up to 5 s apart) and
// by length, and, in the second, a merge after every batch into runs of
// one event each, so that every page is pieced together from many runs.
var smallTunings = map[string]eventTuning{
	"Compacting": {compactEvents: 60, compactBatches: 3, bucketShift: 30, maxRunLen: 9},
	"TinyRuns":   {compactEvents: 1, compactBatches: 1, bucketShift: 10, maxRunLen: 1},
}

func TestConformanceEventsTuned(t *testing.T) {
	for name, tuning := range smallTunings {
		t.Run(name, func(t *testing.T) {
			storetest.RunEvents(t, func(t *testing.T) store.Store { return openTuned(t, tuning) })
		})
	}
}
