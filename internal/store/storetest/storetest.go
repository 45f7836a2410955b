// Package storetest is the conformance suite for store.Store. Every
// implementation runs it from its own tests, so that the embedded SQLite
// store and a later PostgreSQL one are held to the same behaviour, item by
// item and page by page.
package storetest

import (
	"testing"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Opener returns a new, empty store for one test. The suite closes it.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite against the stores that open returns.
func Run(t *testing.T, open Opener) {
	t.Run("Items", func(t *testing.T) { RunItems(t, open) })
	t.Run("List", func(t *testing.T) { RunList(t, open) })
	t.Run("Events", func(t *testing.T) { RunEvents(t, open) })
	subtest(t, open, "Reset", testReset)
}

// subtest runs fn as a subtest on a fresh store of its own and closes the
// store afterwards.
func subtest(t *testing.T, open Opener, name string, fn func(t *testing.T, s store.Store)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		s := open(t)
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
		})
		fn(t, s)
	})
}
