package sqlite

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// The durability tests run a writer in a child process (this test binary,
// re-executed into TestHelperWriter), which prints a line for every write
// after the store acknowledged it. The parent kills the child with SIGKILL
// in mid-stream, reopens the store, checks the file's integrity and that
// every acknowledged write is there, complete. This is the crash the WAL
// with synchronous=FULL must survive without losing anything; power loss
// differs only in also dropping the kernel's page cache, which the fsync
// before each acknowledgement covers (see the package documentation).
const (
	helperModeEnv = "GATEHOUSE_SQLITE_HELPER_MODE"
	helperDirEnv  = "GATEHOUSE_SQLITE_HELPER_DIR"

	ackPrefix = "ACK "
	// helperMaxRuntime stops a helper whose parent died before killing it.
	helperMaxRuntime = 30 * time.Second
	// eventsPerBatch is the size of the helper's AppendEvents batches.
	eventsPerBatch = 16
)

// TestHelperWriter is not a test: it is the child process of the durability
// tests, and skips unless started by one of them.
func TestHelperWriter(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		t.Skip("helper process for the durability tests")
	}
	ctx := context.Background()
	s, err := Open(ctx, os.Getenv(helperDirEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper: open:", err)
		os.Exit(2)
	}
	// os.Stdout is unbuffered: each line is one write(2), in the pipe
	// before the next write to the store starts.
	deadline := time.Now().Add(helperMaxRuntime)
	for i := 0; time.Now().Before(deadline); i++ {
		var ack string
		switch mode {
		case "items":
			ack, err = helperUpdate(ctx, s, i)
		case "events":
			ack, err = helperAppend(ctx, s, i)
		default:
			err = fmt.Errorf("unknown mode %q", mode)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "helper:", err)
			os.Exit(2)
		}
		fmt.Fprintln(os.Stdout, ackPrefix+ack)
	}
	os.Exit(0) // without Close: the parent is meant to kill us first
}

// helperValue is the value written for item i: large enough that an Update
// spans several pages now and then.
func helperValue(i int) []byte {
	return []byte(strings.Repeat(strconv.Itoa(i)+";", 1+i%700))
}

// helperUpdate writes item i and an index entry for it in one Update, so
// that a torn transaction would show as one without the other.
func helperUpdate(ctx context.Context, s *Store, i int) (string, error) {
	key := fmt.Sprintf("key-%08d", i)
	err := s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Insert("durable", key, helperValue(i)); err != nil {
			return err
		}
		return tx.Put("durable-index", key, []byte(key))
	})
	return key, err
}

// helperAppend appends batch i of eventsPerBatch events.
func helperAppend(ctx context.Context, s *Store, i int) (string, error) {
	evs := make([]store.EventRecord, eventsPerBatch)
	json := []byte(strings.Repeat("x", 1500))
	for j := range evs {
		evs[j] = store.EventRecord{
			EventID:   fmt.Sprintf("batch-%08d-%02d", i, j),
			EventTime: time.Unix(1700000000, 0).Add(time.Duration(i*eventsPerBatch+j) * time.Millisecond),
			EventName: "PutItem", EventSource: "test", Username: "u", AccessKeyID: "AKIA",
			AccountID: "123456789012",
			Resources: []store.EventResource{{Type: "T", Name: fmt.Sprintf("r%d", j)}},
			JSON:      json,
		}
	}
	return strconv.Itoa(i), s.AppendEvents(ctx, evs)
}

// runAndKill starts the helper in mode against dir, SIGKILLs it once it
// has acknowledged at least killAfter writes, and returns every
// acknowledgement it printed before dying.
func runAndKill(t *testing.T, mode, dir string, killAfter int) []string {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperWriter$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperModeEnv+"="+mode, helperDirEnv+"="+dir)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []string
	killed := false
	sc := bufio.NewScanner(stdout)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, ackPrefix) {
			continue
		}
		acks = append(acks, strings.TrimPrefix(line, ackPrefix))
		if !killed && len(acks) >= killAfter {
			// Keep reading after the kill: lines already in the pipe
			// were acknowledged before the child died.
			if err := cmd.Process.Kill(); err != nil {
				t.Fatalf("kill helper: %v", err)
			}
			killed = true
		}
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("helper exited after %d acknowledgements without being killed: %v\n%s", len(acks), err, stderr.String())
	}
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("helper: %v", err)
	}
	if stderr.Len() > 0 && !strings.Contains(stderr.String(), "signal: killed") {
		t.Logf("helper stderr:\n%s", stderr.String())
	}
	return acks
}

func TestDurabilityUpdate(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for round := range 2 {
		// Kill at a random point, then again on the reopened store to
		// cover recovery of a WAL written after a crash.
		acks := runAndKill(t, "items", dir, 200+rand.IntN(300))
		s, err := Open(ctx, dir)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if err := s.IntegrityCheck(ctx); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		err = s.View(ctx, func(tx store.Tx) error {
			for _, key := range acks {
				i, _ := strconv.Atoi(strings.TrimPrefix(key, "key-"))
				v, err := tx.Get("durable", key)
				if err != nil {
					return fmt.Errorf("acknowledged item %s: %w", key, err)
				}
				if string(v) != string(helperValue(i)) {
					return fmt.Errorf("acknowledged item %s has a wrong value", key)
				}
			}
			// Atomicity: every item has its index entry and no index
			// entry lacks its item, acknowledged or not.
			items, err := tx.List("durable", "", "", 0)
			if err != nil {
				return err
			}
			index, err := tx.List("durable-index", "", "", 0)
			if err != nil {
				return err
			}
			if len(items) != len(index) {
				return fmt.Errorf("%d items but %d index entries: a transaction was torn", len(items), len(index))
			}
			for i := range items {
				if items[i].Key != index[i].Key {
					return fmt.Errorf("item %s has index entry %s: a transaction was torn", items[i].Key, index[i].Key)
				}
			}
			if len(items) < len(acks) {
				return fmt.Errorf("%d items for %d acknowledgements", len(items), len(acks))
			}
			return nil
		})
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		t.Logf("round %d: %d acknowledged updates survived SIGKILL", round, len(acks))
		// The next helper continues after what is stored: Insert would
		// fail on keys of the previous round.
		if err := s.Update(ctx, func(tx store.Tx) error {
			items, err := tx.List("durable", "", "", 0)
			if err != nil {
				return err
			}
			for _, it := range items {
				if err := tx.Delete("durable", it.Key); err != nil {
					return err
				}
				if err := tx.Delete("durable-index", it.Key); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestDurabilityAppendEvents(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	acks := runAndKill(t, "events", dir, 100+rand.IntN(100))
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen after SIGKILL: %v", err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	perBatch := map[string]int{}
	err = s.read(ctx, func(c *conn) error {
		rows, err := c.query(`SELECT event_id FROM events`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				return err
			}
			batch, _, _ := strings.Cut(strings.TrimPrefix(id, "batch-"), "-")
			perBatch[batch]++
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ack := range acks {
		i, _ := strconv.Atoi(ack)
		if n := perBatch[fmt.Sprintf("%08d", i)]; n != eventsPerBatch {
			t.Errorf("acknowledged batch %d has %d of its %d events", i, n, eventsPerBatch)
		}
	}
	total := 0
	for batch, n := range perBatch {
		total += n
		if n != eventsPerBatch {
			t.Errorf("batch %s has %d of %d events: a transaction was torn", batch, n, eventsPerBatch)
		}
	}
	// The posting lists were written with their events: every event is
	// found through its account and through its resource, once.
	count := func(q store.EventQuery) int {
		q.AccountID = "123456789012"
		seen := map[string]bool{}
		for {
			evs, next, err := s.QueryEvents(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			for _, e := range evs {
				if seen[e.EventID] {
					t.Fatalf("%+v: %s found twice", q, e.EventID)
				}
				seen[e.EventID] = true
			}
			if next == "" {
				return len(seen)
			}
			q.NextToken = next
		}
	}
	if n := count(store.EventQuery{}); n != total {
		t.Errorf("%d events stored, %d found by account", total, n)
	}
	for j := range eventsPerBatch {
		if n := count(store.EventQuery{Attribute: "ResourceName", Value: fmt.Sprintf("r%d", j)}); n != len(perBatch) {
			t.Errorf("resource r%d: %d events found, want one per batch, %d", j, n, len(perBatch))
		}
	}
	// The lookup path sees them too.
	evs, _, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "123456789012", Attribute: "EventId",
		Value: fmt.Sprintf("batch-%08d-%02d", len(acks)-1, eventsPerBatch-1)})
	if err != nil || len(evs) != 1 {
		t.Errorf("last acknowledged event by EventId: %d events, %v", len(evs), err)
	}
	t.Logf("%d acknowledged batches (%d events) survived SIGKILL", len(acks), len(acks)*eventsPerBatch)
}
