package sqlite

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

var ctx = context.Background()

func TestFileModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data", "nested")
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "a", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	checkMode := func(path string, want fs.FileMode) {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s has mode %04o, want %04o", path, got, want)
		}
	}
	checkMode(dir, 0o700)
	checkMode(filepath.Join(dir, FileName), 0o600)
	checkMode(filepath.Join(dir, FileName+"-wal"), 0o600)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	// A database file opened up to others is narrowed on open.
	if err := os.Chmod(filepath.Join(dir, FileName), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	checkMode(filepath.Join(dir, FileName), 0o600)
}

func TestReopenPersists(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "a", []byte("persisted")) }); err != nil {
		t.Fatal(err)
	}
	ev := store.EventRecord{EventID: "e1", EventTime: time.Now(), AccountID: "111111111111", JSON: []byte("{}"),
		Resources: []store.EventResource{{Type: "T", Name: "N"}}}
	if err := s.AppendEvents(ctx, []store.EventRecord{ev}); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	// Close checkpoints into the database file and leaves no WAL behind.
	if fi, err := os.Stat(filepath.Join(dir, FileName+"-wal")); err == nil && fi.Size() > 0 {
		t.Errorf("WAL holds %d bytes after Close", fi.Size())
	}

	s, err = Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	err = s.View(ctx, func(tx store.Tx) error {
		v, err := tx.Get("k", "a")
		if err != nil || string(v) != "persisted" {
			return fmt.Errorf("Get after reopen = %q, %v", v, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111", Attribute: "ResourceName", Value: "N"})
	if err != nil || len(evs) != 1 || evs[0].EventID != "e1" {
		t.Fatalf("QueryEvents after reopen = %v, %v", evs, err)
	}
	// A later event keeps getting a fresh row number after reopening.
	ev.EventID = "e2"
	if err := s.AppendEvents(ctx, []store.EventRecord{ev}); err != nil {
		t.Fatal(err)
	}
	evs, _, err = s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111", Attribute: "ResourceType", Value: "T"})
	if err != nil || len(evs) != 2 {
		t.Fatalf("QueryEvents after a second append = %d events, %v", len(evs), err)
	}
}

func TestSettings(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	c := <-s.writer
	var mode string
	var sync, page int
	c.c.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode)
	c.c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
	c.c.QueryRowContext(ctx, "PRAGMA page_size").Scan(&page)
	s.writer <- c
	if mode != "wal" || sync != 2 || page != pageSize {
		t.Errorf("writer: journal_mode=%s synchronous=%d page_size=%d, want wal, 2 (FULL) and %d", mode, sync, page, pageSize)
	}
	err := s.read(ctx, func(c *conn) error {
		var queryOnly, sync int
		c.c.QueryRowContext(ctx, "PRAGMA query_only").Scan(&queryOnly)
		c.c.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync)
		if queryOnly != 1 || sync != 2 {
			return fmt.Errorf("reader: query_only=%d synchronous=%d, want 1 and 2", queryOnly, sync)
		}
		if _, err := c.c.ExecContext(ctx, `INSERT INTO items VALUES ('k', 'x', x'00')`); err == nil {
			return errors.New("a reader connection could write")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestFailedStatementPoisonsUpdate fills the database (max_page_count) so
// that a Put fails with SQLITE_FULL, after which SQLite may have rolled the
// transaction back on its own. An fn that ignores the error must not get its
// later writes committed one by one, and Update must fail.
func TestFailedStatementPoisonsUpdate(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "before", []byte("1")) }); err != nil {
		t.Fatal(err)
	}
	// max_page_count is a setting of the writer connection.
	c, err := s.acquire(ctx, s.writer, s.writeDB)
	if err != nil {
		t.Fatal(err)
	}
	var pages int
	c.c.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages)
	if _, err := c.c.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+1)); err != nil {
		t.Fatal(err)
	}
	s.release(s.writer, c)

	var putErr, laterErr error
	err = s.Update(ctx, func(tx store.Tx) error {
		if err := tx.Put("k", "first", []byte("small")); err != nil {
			return err
		}
		putErr = tx.Put("k", "huge", make([]byte, 1<<20))
		laterErr = tx.Put("k", "after", []byte("x")) // ignoring putErr
		return nil
	})
	if putErr == nil {
		t.Fatal("a 1 MiB Put into a full database succeeded")
	}
	if laterErr == nil {
		t.Error("Put after a failed statement succeeded")
	}
	if err == nil {
		t.Fatal("Update committed although a statement failed")
	}

	// The writer connection may have been replaced after the failure (its
	// ROLLBACK finds nothing to roll back); lift the limit either way.
	if c, err = s.acquire(ctx, s.writer, s.writeDB); err != nil {
		t.Fatal(err)
	}
	if _, err := c.c.ExecContext(ctx, "PRAGMA max_page_count = 4294967294"); err != nil {
		t.Fatal(err)
	}
	s.release(s.writer, c)
	err = s.View(ctx, func(tx store.Tx) error {
		for _, key := range []string{"first", "huge", "after"} {
			if _, err := tx.Get("k", key); !errors.Is(err, store.ErrNotFound) {
				return fmt.Errorf("%s after the failed Update: %v, want ErrNotFound", key, err)
			}
		}
		_, err := tx.Get("k", "before")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("k", "later", []byte("ok")) }); err != nil {
		t.Fatalf("Update after the failure: %v", err)
	}
}

func TestSchemaVersion(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	c := <-s.writer
	var v int
	if err := c.c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		t.Fatal(err)
	}
	if v != schemaVersion() {
		t.Errorf("user_version = %d, want %d", v, schemaVersion())
	}
	// Pretend a newer build wrote the file.
	if _, err := c.c.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion()+1)); err != nil {
		t.Fatal(err)
	}
	s.writer <- c
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, dir)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a database from a newer build = %v, want a refusal", err)
	}
}

func TestMigrationsAreOrdered(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 {
			t.Errorf("migration %d has version %d, want %d", i, m.version, i+1)
		}
		if m.name == "" || len(m.stmts) == 0 {
			t.Errorf("migration %d is empty", m.version)
		}
	}
}

func TestClosed(t *testing.T) {
	s := openTemp(t)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
	nop := func(store.Tx) error { return nil }
	checks := map[string]error{
		"View":           s.View(ctx, nop),
		"Update":         s.Update(ctx, nop),
		"AppendEvents":   s.AppendEvents(ctx, []store.EventRecord{{EventID: "x"}}),
		"Reset":          s.Reset(ctx),
		"IntegrityCheck": s.IntegrityCheck(ctx),
	}
	_, _, checks["QueryEvents"] = s.QueryEvents(ctx, store.EventQuery{})
	for name, err := range checks {
		if !errors.Is(err, ErrClosed) {
			t.Errorf("%s after Close = %v, want ErrClosed", name, err)
		}
	}
}

// TestCloseWaitsForTransactions closes the store while an Update and a View
// are running: Close waits, both finish normally.
func TestCloseWaitsForTransactions(t *testing.T) {
	s := openTemp(t)
	inside := make(chan struct{}, 2)
	release := make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- s.Update(ctx, func(tx store.Tx) error {
			inside <- struct{}{}
			<-release
			return tx.Put("k", "a", []byte("1"))
		})
	}()
	go func() {
		errs <- s.View(ctx, func(tx store.Tx) error {
			inside <- struct{}{}
			<-release
			_, err := tx.Get("k", "a")
			if errors.Is(err, store.ErrNotFound) {
				err = nil
			}
			return err
		})
	}()
	<-inside
	<-inside
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		t.Fatalf("Close returned (%v) while transactions were running", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	for range 2 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
}

func TestUpdateWaitHonoursContext(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	inside, release := make(chan struct{}), make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Update(ctx, func(store.Tx) error { close(inside); <-release; return nil })
	}()
	<-inside
	cctx, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	err := s.Update(cctx, func(store.Tx) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Update waiting for the writer = %v, want DeadlineExceeded", err)
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

// TestAppendEventsSkipsDuplicates checks the retry guarantee: an event id
// that is already stored is skipped, within a batch and across batches, and
// the rest of the batch is stored.
func TestAppendEventsSkipsDuplicates(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	mk := func(id string, name string) store.EventRecord {
		return store.EventRecord{EventID: id, EventTime: time.Unix(1700000000, 0), EventName: name,
			AccountID: "111111111111", Resources: []store.EventResource{{Type: "T", Name: id}}, JSON: []byte(id)}
	}
	if err := s.AppendEvents(ctx, []store.EventRecord{mk("a", "first"), mk("b", "first"), mk("a", "dup-in-batch")}); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendEvents(ctx, []store.EventRecord{mk("b", "retry"), mk("c", "new")}); err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111"})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.EventID+"="+e.EventName)
	}
	if want := []string{"c=new", "b=first", "a=first"}; !slices.Equal(got, want) {
		t.Fatalf("events = %q, want %q", got, want)
	}
	for _, id := range []string{"a", "b", "c"} {
		evs, _, err := s.QueryEvents(ctx, store.EventQuery{AccountID: "111111111111", Attribute: "ResourceName", Value: id})
		if err != nil || len(evs) != 1 || evs[0].EventID != id {
			t.Errorf("ResourceName %s: %d events, %v; want its one event", id, len(evs), err)
		}
	}
}

func TestAppendEventsRequiresID(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	err := s.AppendEvents(ctx, []store.EventRecord{{EventID: "ok"}, {EventID: ""}})
	if err == nil {
		t.Fatal("AppendEvents accepted an event without EventID")
	}
	evs, _, _ := s.QueryEvents(ctx, store.EventQuery{})
	if len(evs) != 0 {
		t.Fatalf("a rejected batch stored %d events", len(evs))
	}
}

// TestEventTimesAtTheEdges stores times outside the int64-nanosecond range
// and checks they still sort at the ends.
func TestEventTimesAtTheEdges(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	acct := "111111111111"
	err := s.AppendEvents(ctx, []store.EventRecord{
		{EventID: "early", EventTime: time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), AccountID: acct},
		{EventID: "now", EventTime: time.Now(), AccountID: acct},
		{EventID: "late", EventTime: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), AccountID: acct},
	})
	if err != nil {
		t.Fatal(err)
	}
	evs, _, err := s.QueryEvents(ctx, store.EventQuery{AccountID: acct})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		got = append(got, e.EventID)
	}
	if want := []string{"late", "now", "early"}; !slices.Equal(got, want) {
		t.Fatalf("order = %q, want %q", got, want)
	}
}

// TestQueryPlans checks that every statement of the event log is an index
// seek or range scan in index order, never a scan of a table that grows with
// the log or a sort. (event_batches is scanned: it is level 0 of the posting
// lists, a few dozen rows at most.)
func TestQueryPlans(t *testing.T) {
	s := openTemp(t)
	defer s.Close()
	cases := []struct {
		query string
		want  string // in the plan
	}{
		{sqlRuns + "8", "SEARCH event_postings USING COVERING INDEX event_postings_by_group (account_id=? AND attr=? AND value=? AND max_time>? AND max_time<?)"},
		{sqlRun, "SEARCH event_postings USING INTEGER PRIMARY KEY (rowid=?)"},
		{sqlEventByID, "SEARCH events USING INDEX events_by_id (event_id=?)"},
		{sqlMaxEventID, "SEARCH events USING COVERING INDEX events_by_id"},
		{sqlMaxEventSeq, "SEARCH events"},
		{`SELECT event_id FROM events WHERE event_id IN (` + placeholders(16, 1) + `)`, "SEARCH events USING COVERING INDEX events_by_id (event_id=?)"},
		{`SELECT seq, event_id, record FROM events WHERE seq IN (` + placeholders(64, 1) + `)`, "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)"},
		{sqlBatchIndex, "SEARCH event_batches USING INTEGER PRIMARY KEY (rowid=?)"},
		{sqlLevel0Batches, "SCAN event_batches"},
		{sqlLevel0, "SCAN event_batches"},
		{sqlAccounts, "SCAN event_accounts"},
	}
	err := s.read(ctx, func(c *conn) error {
		for _, tc := range cases {
			args := make([]any, strings.Count(tc.query, "?"))
			for i := range args {
				args[i] = 1
			}
			rows, err := c.c.QueryContext(ctx, "EXPLAIN QUERY PLAN "+tc.query, args...)
			if err != nil {
				return fmt.Errorf("%s: %w", tc.query, err)
			}
			var plan []string
			for rows.Next() {
				var id, parent, notused int
				var detail string
				if err := rows.Scan(&id, &parent, &notused, &detail); err != nil {
					return err
				}
				plan = append(plan, detail)
			}
			rows.Close()
			text := strings.Join(plan, " | ")
			if !strings.Contains(text, tc.want) {
				t.Errorf("%s\nplan: %s\nwant: %s", tc.query, text, tc.want)
			}
			for _, bad := range []string{"SCAN events", "SCAN event_postings", "TEMP B-TREE"} {
				if strings.Contains(text, bad) {
					t.Errorf("%s\n%s in plan: %s", tc.query, bad, text)
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPrefixEnd(t *testing.T) {
	cases := []struct {
		prefix, end string
		ok          bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"a\xff", "b", true},
		{"a\xff\xff", "b", true},
		{"\xff", "", false},
		{"\xff\xff", "", false},
		{"ab\x00", "ab\x01", true},
		{"a%", "a&", true},
		{"é", "\xc3\xaa", true},
	}
	for _, c := range cases {
		end, ok := prefixEnd(c.prefix)
		if end != c.end || ok != c.ok {
			t.Errorf("prefixEnd(%q) = %q, %v; want %q, %v", c.prefix, end, ok, c.end, c.ok)
		}
	}
}

func TestResourcesCodec(t *testing.T) {
	for _, rs := range [][]store.EventResource{
		{{Type: "", Name: ""}},
		{{Type: "AWS::IAM::User", Name: "alice"}, {Type: "AWS::IAM::User", Name: "alice"}},
		{{Type: strings.Repeat("t", 300), Name: "\x00\xff"}},
	} {
		got, err := decodeResources(encodeResources(nil, rs))
		if err != nil || !slices.Equal(got, rs) {
			t.Errorf("round trip of %q = %q, %v", rs, got, err)
		}
	}
	if got, err := decodeResources(nil); got != nil || err != nil {
		t.Errorf("decode(nil) = %v, %v", got, err)
	}
}

func FuzzDecodeResources(f *testing.F) {
	f.Add(encodeResources(nil, []store.EventResource{{Type: "T", Name: "N"}}))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Add([]byte{2, 1, 'a'})
	f.Fuzz(func(t *testing.T, b []byte) {
		rs, err := decodeResources(b)
		if err == nil && len(b) > 0 {
			if again := encodeResources(nil, rs); string(again) != string(b) {
				// Non-canonical varints decode too; they must at least
				// decode to the same resources again.
				if rs2, err := decodeResources(again); err != nil || !slices.Equal(rs, rs2) {
					t.Fatalf("decode/encode/decode differs: %q vs %q (%v)", rs, rs2, err)
				}
			}
		}
	})
}
