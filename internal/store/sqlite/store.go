package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// FileName is the name of the database file inside the data directory.
const FileName = "gatehouse.db"

// ErrClosed is returned by every method of a Store after Close.
var ErrClosed = errors.New("sqlite store: closed")

// ErrTxDone is returned by a Tx method called after the function given to
// View or Update has returned.
var ErrTxDone = errors.New("sqlite store: transaction already finished")

// ErrReadOnly is returned by Put, Insert and Delete on the Tx of a View.
var ErrReadOnly = errors.New("sqlite store: write in a read-only transaction")

// ErrInvalidNextToken is returned by QueryEvents for a NextToken that a
// previous page of the same query did not produce. It is the same value as
// lookup.ErrInvalidNextToken, re-exported so that callers holding only this
// package can test for it with errors.Is.
var ErrInvalidNextToken = lookup.ErrInvalidNextToken

// Store is the SQLite implementation of store.Store. It is safe for
// concurrent use. Functions given to View and Update must not call View or
// Update on the same Store: Update holds the only writer, and nested Views
// can exhaust the read pool.
type Store struct {
	path string

	writeDB *sql.DB
	readDB  *sql.DB

	// writer and readers are pools of connection slots: a caller takes a
	// slot by receiving from the channel and gives it back by sending.
	// writer has one slot, which is how writes are serialised. A slot
	// holds nil until its connection is opened (or after a broken one was
	// discarded).
	writer  chan *conn
	readers chan *conn

	closing   chan struct{}
	closeOnce sync.Once
	closeErr  error

	// tuning shapes the event posting lists; appender writes events and
	// belongs to whoever holds the writer slot.
	tuning   eventTuning
	appender *appender
}

var _ store.Store = (*Store)(nil)

// Open opens the store in dir, creating the directory (mode 0700) and the
// database file (mode 0600) if they do not exist, and migrating the schema
// of an existing database to the current version. An existing database file
// that group or other could read is narrowed to 0600.
func Open(ctx context.Context, dir string) (*Store, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: resolve data directory %q: %w", dir, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("sqlite store: create data directory: %w", err)
	}
	path := filepath.Join(abs, FileName)
	if err := prepareFile(path); err != nil {
		return nil, err
	}

	s := &Store{
		path:    path,
		writer:  make(chan *conn, 1),
		readers: make(chan *conn, readPoolSize()),
		closing: make(chan struct{}),
	}
	s.setTuning(defaultTuning)
	if err := s.openWriter(ctx); err != nil {
		return nil, err
	}

	s.readDB, err = sql.Open("sqlite", dsn(path, false))
	if err != nil {
		s.abortOpen()
		return nil, fmt.Errorf("sqlite store: open %s for reading: %w", path, err)
	}
	s.readDB.SetMaxOpenConns(cap(s.readers))
	s.readDB.SetMaxIdleConns(cap(s.readers))
	for range cap(s.readers) {
		s.readers <- nil
	}
	return s, nil
}

// readPoolSize is the number of read connections: reads are CPU-bound inside
// SQLite, so a few more than there are processors to use.
func readPoolSize() int {
	return max(4, runtime.GOMAXPROCS(0))
}

// prepareFile creates the database file with mode 0600 before SQLite opens
// it (SQLite would create it with 0644 less the umask; the -wal and -shm
// files it creates later copy the database file's mode), or narrows the mode
// of an existing file that group or other may access.
func prepareFile(path string) error {
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			return nil // created concurrently; SQLite will open it
		}
		if err != nil {
			return fmt.Errorf("sqlite store: create %s: %w", path, err)
		}
		return f.Close()
	case err != nil:
		return fmt.Errorf("sqlite store: stat %s: %w", path, err)
	case !fi.Mode().IsRegular():
		return fmt.Errorf("sqlite store: %s is not a regular file", path)
	case fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("sqlite store: narrow mode of %s to 0600: %w", path, err)
		}
	}
	return nil
}

// openWriter opens the writer database, checks that the durability settings
// took effect, and migrates the schema.
func (s *Store) openWriter(ctx context.Context) error {
	db, err := sql.Open("sqlite", dsn(s.path, true))
	if err != nil {
		return fmt.Errorf("sqlite store: open %s: %w", s.path, err)
	}
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	s.writeDB = db
	c, err := newConn(ctx, db)
	if err != nil {
		db.Close()
		return fmt.Errorf("sqlite store: open %s: %w", s.path, err)
	}
	if err := checkWriterSettings(c); err != nil {
		c.close()
		db.Close()
		return fmt.Errorf("sqlite store: %s: %w", s.path, err)
	}
	if err := migrate(c); err != nil {
		c.close()
		db.Close()
		return fmt.Errorf("sqlite store: %s: %w", s.path, err)
	}
	s.writer <- c
	return nil
}

// checkWriterSettings verifies what the durability argument in the package
// documentation rests on. PRAGMA journal_mode=WAL reports the mode it ended
// up in rather than failing, for example on a file system without the
// shared memory WAL needs, so it has to be read back.
func checkWriterSettings(c *conn) error {
	var mode string
	if err := c.c.QueryRowContext(context.Background(), "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return fmt.Errorf("journal mode is %q, not WAL: the file system may not support it", mode)
	}
	var sync int
	if err := c.c.QueryRowContext(context.Background(), "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous setting: %w", err)
	}
	if sync != 2 {
		return fmt.Errorf("synchronous is %d, not FULL (2)", sync)
	}
	return nil
}

// abortOpen releases what a failed Open had already opened.
func (s *Store) abortOpen() {
	if c := <-s.writer; c != nil {
		c.close()
	}
	s.writeDB.Close()
}

// acquire takes a connection slot from pool, opening the connection if the
// slot is empty. It gives up when ctx is done or the store closes.
func (s *Store) acquire(ctx context.Context, pool chan *conn, db *sql.DB) (*conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var c *conn
	select {
	case c = <-pool:
	case <-ctx.Done():
		return nil, ctx.Err()
	case <-s.closing:
		return nil, ErrClosed
	}
	select {
	case <-s.closing:
		pool <- c // Close is waiting to collect every slot
		return nil, ErrClosed
	default:
	}
	if c == nil {
		var err error
		if c, err = newConn(ctx, db); err != nil {
			pool <- nil
			return nil, fmt.Errorf("sqlite store: open connection to %s: %w", s.path, err)
		}
	}
	return c, nil
}

// release gives a slot back to pool, discarding a broken connection.
func (s *Store) release(pool chan *conn, c *conn) {
	if c.broken {
		c.close()
		c = nil
	}
	pool <- c
}

// View runs fn in a read-only transaction on a snapshot of the last
// committed state. It never waits for writers, only, when every read
// connection is busy, for one to be free.
func (s *Store) View(ctx context.Context, fn func(store.Tx) error) error {
	return s.read(ctx, func(c *conn) error {
		t := &tx{ctx: ctx, c: c}
		defer t.finish()
		return fn(t)
	})
}

// Update runs fn in a read-write transaction and commits it durably (see
// the package documentation) before returning nil. If fn returns an error,
// or ctx is done before the commit, nothing is written and that error is
// returned unchanged. If a statement failed and fn carried on regardless,
// nothing is written either and Update returns the statement's error.
// Writes (Update, AppendEvents, Reset) run one at a time.
func (s *Store) Update(ctx context.Context, fn func(store.Tx) error) error {
	return s.write(ctx, func(c *conn) error {
		t := &tx{ctx: ctx, c: c, writable: true}
		defer t.finish()
		if err := fn(t); err != nil {
			return err
		}
		// fn may have ignored a failed statement; never commit then.
		return t.err
	})
}

// read runs fn inside a read transaction on a reader connection.
func (s *Store) read(ctx context.Context, fn func(*conn) error) error {
	c, err := s.acquire(ctx, s.readers, s.readDB)
	if err != nil {
		return err
	}
	defer s.release(s.readers, c)
	if _, err := c.exec("BEGIN"); err != nil {
		c.broken = true
		return fmt.Errorf("sqlite store: begin read transaction: %w", err)
	}
	// A read transaction has nothing to commit; ending it with ROLLBACK
	// releases the snapshot the same way, also when fn panics.
	defer c.rollback()
	return fn(c)
}

// write runs fn inside a write transaction on the writer connection and
// commits if fn succeeds and ctx is still live.
func (s *Store) write(ctx context.Context, fn func(*conn) error) error {
	return s.writeTx(ctx, fn, nil)
}

// writeTx is write that, once it holds the writer, ends by calling settle
// (if not nil) with whether the transaction committed, before it gives the
// writer back, so that settle may update what belongs to the writer's
// holder.
func (s *Store) writeTx(ctx context.Context, fn func(*conn) error, settle func(committed bool)) error {
	c, err := s.acquire(ctx, s.writer, s.writeDB)
	if err != nil {
		return err
	}
	defer s.release(s.writer, c)
	if _, err := c.exec("BEGIN IMMEDIATE"); err != nil {
		c.broken = true
		if settle != nil {
			settle(false)
		}
		return fmt.Errorf("sqlite store: begin write transaction: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			c.rollback() // fn failed or panicked, or the commit failed
		}
		if settle != nil {
			settle(committed)
		}
	}()
	if err := fn(c); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if _, err := c.exec("COMMIT"); err != nil {
		return fmt.Errorf("sqlite store: commit: %w", err)
	}
	committed = true
	return nil
}

// setTuning sets the shape of the posting lists (tests make them small);
// it must be called before the store is used.
func (s *Store) setTuning(t eventTuning) {
	s.tuning = t
	s.appender = newAppender(t)
}

// Reset deletes every item and every event in one transaction.
func (s *Store) Reset(ctx context.Context) error {
	return s.write(ctx, func(c *conn) error {
		// Whether or not the deletes commit, the appender reads the end
		// of the log afresh.
		s.appender.forget()
		for _, table := range []string{"items", "events", "event_batches", "event_postings", "event_accounts"} {
			if _, err := c.exec("DELETE FROM " + table); err != nil {
				return fmt.Errorf("sqlite store: reset: delete from %s: %w", table, err)
			}
		}
		return nil
	})
}

// IntegrityCheck runs SQLite's PRAGMA integrity_check over the whole
// database and returns an error listing the problems it reports, if any. It
// reads every page, so it takes time proportional to the database size.
func (s *Store) IntegrityCheck(ctx context.Context) error {
	return s.read(ctx, func(c *conn) error {
		rows, err := c.c.QueryContext(ctx, "PRAGMA integrity_check")
		if err != nil {
			return fmt.Errorf("sqlite store: integrity check: %w", err)
		}
		defer rows.Close()
		var problems []string
		for rows.Next() {
			var msg string
			if err := rows.Scan(&msg); err != nil {
				return fmt.Errorf("sqlite store: integrity check: %w", err)
			}
			if msg != "ok" {
				problems = append(problems, msg)
			}
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite store: integrity check: %w", err)
		}
		if len(problems) > 0 {
			return fmt.Errorf("sqlite store: integrity check of %s failed: %s", s.path, strings.Join(problems, "; "))
		}
		return nil
	})
}

// Close waits for running transactions to finish, checkpoints the WAL into
// the database file, and closes every connection. Later calls do nothing
// and return nil; every other method then returns ErrClosed.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		close(s.closing)
		var errs []error
		for range cap(s.readers) {
			if c := <-s.readers; c != nil {
				errs = append(errs, c.close())
			}
		}
		errs = append(errs, s.readDB.Close())
		if c := <-s.writer; c != nil {
			// TRUNCATE copies every WAL frame into the database, syncs
			// it, and empties the WAL, leaving one self-contained file.
			if _, err := c.c.ExecContext(context.Background(), "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
				errs = append(errs, fmt.Errorf("checkpoint: %w", err))
			}
			errs = append(errs, c.close())
		}
		errs = append(errs, s.writeDB.Close())
		if err := errors.Join(errs...); err != nil {
			s.closeErr = fmt.Errorf("sqlite store: close %s: %w", s.path, err)
		}
	})
	if !first {
		return nil
	}
	return s.closeErr
}
