package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// RunItems checks the item operations of Tx and the transaction semantics of
// View and Update.
func RunItems(t *testing.T, open Opener) {
	subtest(t, open, "GetMissing", testGetMissing)
	subtest(t, open, "PutGet", testPutGet)
	subtest(t, open, "EmptyValue", testEmptyValue)
	subtest(t, open, "Insert", testInsert)
	subtest(t, open, "Delete", testDelete)
	subtest(t, open, "KindsAreSeparate", testKindsAreSeparate)
	subtest(t, open, "ValuesAreCopied", testValuesAreCopied)
	subtest(t, open, "RollbackOnError", testRollbackOnError)
	subtest(t, open, "RollbackOnPanic", testRollbackOnPanic)
	subtest(t, open, "ReadYourWrites", testReadYourWrites)
	subtest(t, open, "ViewDoesNotWaitForUpdate", testViewDoesNotWaitForUpdate)
	subtest(t, open, "ViewRejectsWrites", testViewRejectsWrites)
	subtest(t, open, "TxUnusableAfterReturn", testTxUnusableAfterReturn)
	subtest(t, open, "CancelledContext", testCancelledContext)
	subtest(t, open, "ConcurrentUpdates", testConcurrentUpdates)
}

var ctx = context.Background()

// put stores kind/key=value in its own Update.
func put(t *testing.T, s store.Store, kind, key string, value []byte) {
	t.Helper()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put(kind, key, value) }); err != nil {
		t.Fatalf("Put %s/%q: %v", kind, key, err)
	}
}

// get reads kind/key in its own View.
func get(t *testing.T, s store.Store, kind, key string) ([]byte, error) {
	t.Helper()
	var v []byte
	err := s.View(ctx, func(tx store.Tx) error {
		var err error
		v, err = tx.Get(kind, key)
		return err
	})
	return v, err
}

func mustGet(t *testing.T, s store.Store, kind, key string, want []byte) {
	t.Helper()
	v, err := get(t, s, kind, key)
	if err != nil {
		t.Fatalf("Get %s/%q: %v", kind, key, err)
	}
	if !bytes.Equal(v, want) {
		t.Fatalf("Get %s/%q = %q, want %q", kind, key, v, want)
	}
}

func mustBeMissing(t *testing.T, s store.Store, kind, key string) {
	t.Helper()
	if v, err := get(t, s, kind, key); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("Get %s/%q = %q, %v; want ErrNotFound", kind, key, v, err)
	}
}

// The sentinel errors are compared with == on purpose here and below: Tx
// promises store.ErrNotFound and store.ErrExists themselves, and Update
// promises fn's error unchanged, so callers may compare directly.

func testGetMissing(t *testing.T, s store.Store) {
	v, err := get(t, s, "k", "nope")
	if err != store.ErrNotFound {
		t.Fatalf("Get missing = %q, %v; want store.ErrNotFound", v, err)
	}
}

func testPutGet(t *testing.T, s store.Store) {
	put(t, s, "iam/user", "alice", []byte(`{"n":1}`))
	mustGet(t, s, "iam/user", "alice", []byte(`{"n":1}`))
	put(t, s, "iam/user", "alice", []byte(`{"n":2}`))
	mustGet(t, s, "iam/user", "alice", []byte(`{"n":2}`))

	big := bytes.Repeat([]byte("0123456789abcdef"), 1<<14) // 256 KiB, spills to overflow pages
	put(t, s, "iam/user", "big", big)
	mustGet(t, s, "iam/user", "big", big)

	binary := []byte{0, 1, 2, 0xff, 0, 0xfe}
	put(t, s, "kms/key", "\x00bin\xff", binary)
	mustGet(t, s, "kms/key", "\x00bin\xff", binary)
}

func testEmptyValue(t *testing.T, s store.Store) {
	put(t, s, "k", "empty", []byte{})
	put(t, s, "k", "nil", nil)
	for _, key := range []string{"empty", "nil"} {
		v, err := get(t, s, "k", key)
		if err != nil || len(v) != 0 {
			t.Fatalf("Get %q = %q, %v; want empty value", key, v, err)
		}
	}
	put(t, s, "k", "", []byte("empty key"))
	mustGet(t, s, "k", "", []byte("empty key"))
}

func testInsert(t *testing.T, s store.Store) {
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Insert("k", "a", []byte("1")) }); err != nil {
		t.Fatalf("Insert new: %v", err)
	}
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Insert("k", "a", []byte("2")) })
	if err != store.ErrExists {
		t.Fatalf("Insert existing = %v, want store.ErrExists", err)
	}
	mustGet(t, s, "k", "a", []byte("1"))

	// Insert reports ErrExists for a key put earlier in the same
	// transaction, and the transaction can go on after it.
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", "b", []byte("1")); err != nil {
			return err
		}
		if err := tx.Insert("k", "b", []byte("2")); err != store.ErrExists {
			return fmt.Errorf("Insert after Put = %v, want ErrExists", err)
		}
		return tx.Insert("k", "c", []byte("3"))
	})
	if err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "k", "b", []byte("1"))
	mustGet(t, s, "k", "c", []byte("3"))
}

func testDelete(t *testing.T, s store.Store) {
	err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("k", "missing") })
	if err != store.ErrNotFound {
		t.Fatalf("Delete missing = %v, want store.ErrNotFound", err)
	}
	put(t, s, "k", "a", []byte("1"))
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Delete("k", "a") }); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	mustBeMissing(t, s, "k", "a")
	// Deleted keys can be inserted again.
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Insert("k", "a", []byte("2")) }); err != nil {
		t.Fatalf("Insert after Delete: %v", err)
	}
	mustGet(t, s, "k", "a", []byte("2"))
}

func testKindsAreSeparate(t *testing.T, s store.Store) {
	put(t, s, "iam/user", "x", []byte("user"))
	put(t, s, "iam/role", "x", []byte("role"))
	put(t, s, "iam/user/", "x", []byte("other"))
	mustGet(t, s, "iam/user", "x", []byte("user"))
	mustGet(t, s, "iam/role", "x", []byte("role"))
	mustBeMissing(t, s, "iam", "x")
	err := s.View(ctx, func(tx store.Tx) error {
		items, err := tx.List("iam/user", "", "", 0)
		if err != nil {
			return err
		}
		if len(items) != 1 || string(items[0].Value) != "user" {
			return fmt.Errorf("List iam/user = %v, want only the user item", items)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func testValuesAreCopied(t *testing.T, s store.Store) {
	in := []byte("original")
	if err := s.Update(ctx, func(tx store.Tx) error {
		err := tx.Put("k", "a", in)
		copy(in, "CHANGED!") // the caller may reuse its buffer at once
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "k", "a", []byte("original"))
	v, err := get(t, s, "k", "a")
	if err != nil {
		t.Fatal(err)
	}
	copy(v, "CHANGED!") // the result belongs to the caller
	mustGet(t, s, "k", "a", []byte("original"))
}

var errAbort = errors.New("storetest: abort")

func testRollbackOnError(t *testing.T, s store.Store) {
	put(t, s, "k", "keep", []byte("1"))
	put(t, s, "k", "doomed", []byte("1"))
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", "new", []byte("x")); err != nil {
			return err
		}
		if err := tx.Put("k", "keep", []byte("changed")); err != nil {
			return err
		}
		if err := tx.Insert("k", "inserted", []byte("x")); err != nil {
			return err
		}
		if err := tx.Delete("k", "doomed"); err != nil {
			return err
		}
		return errAbort
	})
	if err != errAbort {
		t.Fatalf("Update returned %v, want fn's error unchanged", err)
	}
	mustBeMissing(t, s, "k", "new")
	mustBeMissing(t, s, "k", "inserted")
	mustGet(t, s, "k", "keep", []byte("1"))
	mustGet(t, s, "k", "doomed", []byte("1"))

	// A wrapped error is returned as is, too.
	wrapped := fmt.Errorf("context: %w", errAbort)
	if err := s.Update(ctx, func(tx store.Tx) error { return wrapped }); err != wrapped {
		t.Fatalf("Update returned %v, want %v", err, wrapped)
	}
	// And so is a View's.
	if err := s.View(ctx, func(tx store.Tx) error { return errAbort }); err != errAbort {
		t.Fatalf("View returned %v, want fn's error unchanged", err)
	}
}

func testRollbackOnPanic(t *testing.T, s store.Store) {
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the panic value to propagate", r)
			}
		}()
		_ = s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Put("k", "a", []byte("1")); err != nil {
				return err
			}
			panic("boom")
		})
	}()
	mustBeMissing(t, s, "k", "a")
	// The store is still usable: the writer was released.
	put(t, s, "k", "b", []byte("2"))
	mustGet(t, s, "k", "b", []byte("2"))

	func() {
		defer func() { _ = recover() }()
		_ = s.View(ctx, func(tx store.Tx) error { panic("boom") })
	}()
	mustGet(t, s, "k", "b", []byte("2"))
}

func testReadYourWrites(t *testing.T, s store.Store) {
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", "a", []byte("1")); err != nil {
			return err
		}
		v, err := tx.Get("k", "a")
		if err != nil || string(v) != "1" {
			return fmt.Errorf("Get in the same Update = %q, %v", v, err)
		}
		items, err := tx.List("k", "", "", 0)
		if err != nil || len(items) != 1 {
			return fmt.Errorf("List in the same Update = %v, %v", items, err)
		}
		if err := tx.Delete("k", "a"); err != nil {
			return err
		}
		if _, err := tx.Get("k", "a"); !errors.Is(err, store.ErrNotFound) {
			return fmt.Errorf("Get after Delete = %v, want ErrNotFound", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// testViewDoesNotWaitForUpdate holds an Update open and checks that a View
// meanwhile completes and sees the last committed state, not the open one.
func testViewDoesNotWaitForUpdate(t *testing.T, s store.Store) {
	put(t, s, "k", "a", []byte("committed"))
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(tx store.Tx) error {
			if err := tx.Put("k", "a", []byte("uncommitted")); err != nil {
				return err
			}
			if err := tx.Put("k", "b", []byte("uncommitted")); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	viewDone := make(chan error, 1)
	go func() {
		viewDone <- s.View(ctx, func(tx store.Tx) error {
			v, err := tx.Get("k", "a")
			if err != nil {
				return err
			}
			if string(v) != "committed" {
				return fmt.Errorf("View saw %q, want the committed value", v)
			}
			if _, err := tx.Get("k", "b"); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("View saw an uncommitted insert: %v", err)
			}
			return nil
		})
	}()
	select {
	case err := <-viewDone:
		if err != nil {
			t.Error(err)
		}
	case <-time.After(5 * time.Second):
		t.Error("View blocked behind an open Update")
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	mustGet(t, s, "k", "a", []byte("uncommitted"))
}

func testViewRejectsWrites(t *testing.T, s store.Store) {
	err := s.View(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", "a", []byte("1")); err == nil {
			return errors.New("Put in View succeeded")
		}
		if err := tx.Insert("k", "a", []byte("1")); err == nil {
			return errors.New("Insert in View succeeded")
		}
		if err := tx.Delete("k", "a"); err == nil {
			return errors.New("Delete in View succeeded")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustBeMissing(t, s, "k", "a")
}

func testTxUnusableAfterReturn(t *testing.T, s store.Store) {
	var kept store.Tx
	if err := s.Update(ctx, func(tx store.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if err := kept.Put("k", "late", []byte("1")); err == nil {
		t.Error("Put on a finished Update transaction succeeded")
	}
	if err := s.View(ctx, func(tx store.Tx) error { kept = tx; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := kept.Get("k", "late"); err == nil || errors.Is(err, store.ErrNotFound) {
		t.Errorf("Get on a finished View transaction = %v, want a usage error", err)
	}
	mustBeMissing(t, s, "k", "late")
}

func testCancelledContext(t *testing.T, s store.Store) {
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	called := false
	err := s.Update(cctx, func(tx store.Tx) error { called = true; return tx.Put("k", "a", []byte("1")) })
	if err == nil {
		t.Fatal("Update with a cancelled context succeeded")
	}
	if called {
		// An implementation may run fn, but then must not commit.
		t.Log("fn ran under a cancelled context")
	}
	mustBeMissing(t, s, "k", "a")

	// Cancelled while fn runs: nothing is committed.
	cctx, cancel = context.WithCancel(ctx)
	err = s.Update(cctx, func(tx store.Tx) error {
		if err := tx.Put("k", "b", []byte("1")); err != nil {
			return err
		}
		cancel()
		return nil
	})
	if err == nil {
		t.Fatal("Update whose context was cancelled before commit succeeded")
	}
	mustBeMissing(t, s, "k", "b")
}

func testConcurrentUpdates(t *testing.T, s store.Store) {
	// Read-modify-write increments from several goroutines: serialisable
	// updates lose none.
	const workers, each = 4, 25
	put(t, s, "k", "counter", []byte{0})
	errs := make(chan error, workers)
	for range workers {
		go func() {
			for range each {
				err := s.Update(ctx, func(tx store.Tx) error {
					v, err := tx.Get("k", "counter")
					if err != nil {
						return err
					}
					return tx.Put("k", "counter", []byte{v[0] + 1})
				})
				if err != nil {
					errs <- err
					return
				}
			}
			errs <- nil
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mustGet(t, s, "k", "counter", []byte{workers * each})
}

func testReset(t *testing.T, s store.Store) {
	put(t, s, "k", "a", []byte("1"))
	put(t, s, "other", "b", []byte("2"))
	appendEvents(t, s, makeEvent("e1", "111111111111", base, nil))
	if err := s.Reset(ctx); err != nil {
		t.Fatalf("Reset: %v", err)
	}
	mustBeMissing(t, s, "k", "a")
	mustBeMissing(t, s, "other", "b")
	evs, next, err := s.QueryEvents(ctx, store.EventQuery{})
	if err != nil || len(evs) != 0 || next != "" {
		t.Fatalf("QueryEvents after Reset = %d events, %q, %v; want none", len(evs), next, err)
	}
	// The store works as usual afterwards, including reusing event ids.
	put(t, s, "k", "a", []byte("3"))
	mustGet(t, s, "k", "a", []byte("3"))
	appendEvents(t, s, makeEvent("e1", "111111111111", base, nil))
	evs, _, err = s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111"})
	if err != nil || len(evs) != 1 {
		t.Fatalf("QueryEvents after Reset and append = %d events, %v; want 1", len(evs), err)
	}
}
