package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"net/url"
	"strconv"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// busyTimeoutMillis bounds how long a statement waits for a lock held by
// another process (a backup tool, the sqlite3 shell). Within gatehouse only
// the one writer connection ever writes, so this process never waits on
// itself.
const busyTimeoutMillis = 10000

// Page cache sizes, in KiB (SQLite takes a negative cache_size as KiB).
//
// The writer mostly appends: each batch of events fills some 50 new pages
// at the end of the events table, and SQLite takes each new page's buffer
// from its cache, recycling the least recently used one once the cache is
// full, and clears it. A small cache keeps those buffers in the processor's
// caches; a large one cycles through memory that has long gone cold, and
// measured about 10% more CPU per appended event at 64 MiB than at 8 MiB.
// What the writer does read again stays cached either way: the last pages
// of the tables and indexes, touched by every batch. Merging the event
// posting lists (see postings.go) may find a few hundred pages of their
// index evicted since the last merge and read them back, once per 16384
// events.
//
// writerSpillPages is the writer's cache_spill threshold, in pages (64 MiB
// of 16 KiB pages): a transaction whose dirty pages outgrow the cache (a
// merge, a batch of large events) lets the cache grow up to this many
// rather than writing pages to the WAL before it commits. It is a page
// count because SQLite converts a size in KiB to pages when the pragma
// runs, which for a new database is before its page size is set.
const (
	writerCacheKiB   = 8 << 10
	writerSpillPages = 4096
	readerCacheKiB   = 16 << 10
)

// pageSize is the database page size for new databases (existing ones keep
// theirs). Appending events is the heaviest write: a batch dirties its rows'
// pages plus the last pages of a few indexes, and each dirty page costs a
// WAL frame, checksummed and written, and later a checkpoint copy. Against SQLite's default of 4 KiB, 16 KiB pages hold four
// times as many events, make the indexes shallower, and measured about 10%
// less CPU per appended event with fewer frames written; item reads and
// writes, dominated by the commit's fsync, do not notice the difference.
const pageSize = 16384

// journalSizeLimit is the size, in bytes, that the WAL file is truncated back
// to after a checkpoint, so a burst of writes does not leave a huge file
// behind for good.
const journalSizeLimit = 64 << 20

// dsn returns the connection string for the database at path (absolute).
// The writer sets what is a property of the database file (page size, WAL
// journal mode) before any reader opens. Readers are query_only, a guard that
// turns any accidental write on the read pool into an error, and repeat
// synchronous=FULL so that the checkpoint SQLite runs when the last
// connection closes syncs the same way whichever connection that is.
func dsn(path string, writer bool) string {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.Itoa(busyTimeoutMillis))
	q.Set("_synchronous", "FULL")
	q.Add("_pragma", "fullfsync(1)")
	q.Add("_pragma", "checkpoint_fullfsync(1)")
	q.Add("_pragma", "temp_store(MEMORY)")
	if writer {
		// Takes effect only when the database is created; it must
		// precede journal_mode, which the driver applies after _pragma.
		q.Add("_pragma", "page_size("+strconv.Itoa(pageSize)+")")
		q.Set("_journal_mode", "WAL")
		q.Add("_pragma", "journal_size_limit("+strconv.Itoa(journalSizeLimit)+")")
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(writerCacheKiB)+")")
		q.Add("_pragma", "cache_spill("+strconv.Itoa(writerSpillPages)+")")
	} else {
		q.Add("_pragma", "cache_size(-"+strconv.Itoa(readerCacheKiB)+")")
		// Applied by the driver after every other setting.
		q.Set("_query_only", "1")
	}
	// A file: URI, so that the path is percent-escaped and cannot be
	// confused with the query, whatever characters the directory has.
	u := url.URL{Scheme: "file", Path: path, RawQuery: q.Encode()}
	return u.String()
}

// conn is one database connection held for the life of the Store, with the
// statements prepared on it. database/sql would otherwise hand out pooled
// connections and re-prepare per transaction; holding the connection lets
// the hot paths (Get, Put, the event insert) run an already prepared
// statement with nothing in between.
//
// A conn is used by one goroutine at a time: the writer conn under the
// Store's writer slot, a reader conn while it is out of the read pool.
type conn struct {
	c     *sql.Conn
	stmts map[string]*sql.Stmt
	// broken is set when the connection may be left inside a transaction
	// (a ROLLBACK failed); the owner then discards it and opens a new one.
	broken bool
}

func newConn(ctx context.Context, db *sql.DB) (*conn, error) {
	c, err := db.Conn(ctx)
	if err != nil {
		return nil, err
	}
	return &conn{c: c, stmts: make(map[string]*sql.Stmt)}, nil
}

// stmt returns the statement for query, preparing it on first use.
// Preparation runs without the caller's cancellation: the driver watches a
// cancellable context with a goroutine per call, which costs more than the
// statement, and a prepare is too short to be worth interrupting.
func (c *conn) stmt(query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	s, err := c.c.PrepareContext(context.Background(), query)
	if err != nil {
		return nil, fmt.Errorf("prepare %q: %w", query, err)
	}
	c.stmts[query] = s
	return s, nil
}

// exec runs a prepared statement that returns no rows.
func (c *conn) exec(query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(context.Background(), args...)
}

// query runs a prepared statement that returns rows.
func (c *conn) query(query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(context.Background(), args...)
}

// queryRow runs a prepared statement that returns at most one row.
func (c *conn) queryRow(query string, args ...any) (*sql.Row, error) {
	s, err := c.stmt(query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(context.Background(), args...), nil
}

// rollback ends the open transaction without committing. If that fails the
// connection's state is unknown, so it is marked broken for its owner to
// replace; SQLite itself rolls a transaction back after some I/O errors,
// and a ROLLBACK then fails harmlessly, but telling that apart is not worth
// the risk of reusing a connection stuck in a transaction.
func (c *conn) rollback() {
	if _, err := c.exec("ROLLBACK"); err != nil {
		c.broken = true
	}
}

// close finalises the prepared statements and closes the connection. When
// the connection is broken it is discarded instead of going back to the
// database/sql pool it came from, where it would be handed out again.
func (c *conn) close() error {
	for _, s := range c.stmts {
		s.Close()
	}
	c.stmts = nil
	if c.broken {
		// Returning driver.ErrBadConn from Raw makes database/sql close
		// the driver connection rather than pool it.
		_ = c.c.Raw(func(any) error { return driver.ErrBadConn })
	}
	return c.c.Close()
}
