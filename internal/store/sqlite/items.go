package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
)

// Item statements. Keys and kinds are bound as TEXT and compared with
// SQLite's BINARY collation, which is memcmp: byte order, whatever the bytes
// are, as store.Tx.List requires.
const (
	sqlGetItem    = `SELECT value FROM items WHERE kind = ? AND key = ?`
	sqlPutItem    = `INSERT INTO items (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET value = excluded.value`
	sqlInsertItem = `INSERT INTO items (kind, key, value) VALUES (?, ?, ?) ON CONFLICT (kind, key) DO NOTHING`
	sqlDeleteItem = `DELETE FROM items WHERE kind = ? AND key = ?`
)

// tx implements store.Tx on one connection inside an open transaction.
type tx struct {
	// ctx is the context of the View or Update call. Statements run
	// without it (see conn.stmt); each method checks it first instead, so
	// a cancelled transaction stops at the next statement.
	ctx      context.Context
	c        *conn
	writable bool
	done     bool
	// err is the first statement error. After a statement fails, SQLite
	// may already have rolled the whole transaction back (it does after
	// SQLITE_FULL or an I/O error), and further statements would then run
	// and commit one by one. So the transaction is poisoned instead: every
	// later call returns err, and Update does not commit.
	err error
}

// finish marks the transaction as over so that a Tx kept past its function
// fails instead of touching a connection someone else now uses.
func (t *tx) finish() { t.done = true }

func (t *tx) check(write bool) error {
	if t.done {
		return ErrTxDone
	}
	if t.err != nil {
		return t.err
	}
	if write && !t.writable {
		return ErrReadOnly
	}
	return t.ctx.Err()
}

// Get returns the value of kind/key or store.ErrNotFound.
func (t *tx) Get(kind, key string) ([]byte, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	row, err := t.c.queryRow(sqlGetItem, kind, key)
	if err != nil {
		return nil, t.fail(itemError("get", kind, key, err))
	}
	var v []byte
	if err := row.Scan(&v); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, store.ErrNotFound
		}
		return nil, t.fail(itemError("get", kind, key, err))
	}
	if v == nil {
		v = []byte{} // the driver returns an empty BLOB as nil
	}
	return v, nil
}

// Put creates or replaces kind/key.
func (t *tx) Put(kind, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	if _, err := t.c.exec(sqlPutItem, kind, key, blob(value)); err != nil {
		return t.fail(itemError("put", kind, key, err))
	}
	return nil
}

// Insert creates kind/key or returns store.ErrExists.
func (t *tx) Insert(kind, key string, value []byte) error {
	if err := t.check(true); err != nil {
		return err
	}
	res, err := t.c.exec(sqlInsertItem, kind, key, blob(value))
	if err != nil {
		return t.fail(itemError("insert", kind, key, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail(itemError("insert", kind, key, err))
	}
	if n == 0 {
		return store.ErrExists
	}
	return nil
}

// Delete removes kind/key or returns store.ErrNotFound.
func (t *tx) Delete(kind, key string) error {
	if err := t.check(true); err != nil {
		return err
	}
	res, err := t.c.exec(sqlDeleteItem, kind, key)
	if err != nil {
		return t.fail(itemError("delete", kind, key, err))
	}
	n, err := res.RowsAffected()
	if err != nil {
		return t.fail(itemError("delete", kind, key, err))
	}
	if n == 0 {
		return store.ErrNotFound
	}
	return nil
}

// List returns the items of kind whose keys start with prefix and sort after
// startAfter, in key order, at most limit of them (limit <= 0: all). An
// empty startAfter starts at the beginning of the prefix.
//
// The prefix becomes the key range [prefix, prefixEnd(prefix)), an index
// range scan that is exact for arbitrary bytes; LIKE would need escaping and,
// with SQLite's case-insensitive default, would be wrong for ASCII letters.
func (t *tx) List(kind, prefix, startAfter string, limit int) ([]store.Item, error) {
	if err := t.check(false); err != nil {
		return nil, err
	}
	var q strings.Builder
	q.WriteString(`SELECT key, value FROM items WHERE kind = ? AND key >= ?`)
	args := []any{kind, prefix}
	if end, ok := prefixEnd(prefix); ok {
		q.WriteString(` AND key < ?`)
		args = append(args, end)
	}
	if startAfter != "" {
		q.WriteString(` AND key > ?`)
		args = append(args, startAfter)
	}
	q.WriteString(` ORDER BY key LIMIT ?`)
	if limit <= 0 {
		limit = -1 // SQLite: no limit
	}
	args = append(args, limit)

	rows, err := t.c.query(q.String(), args...)
	if err != nil {
		return nil, t.fail(listError(kind, prefix, err))
	}
	defer rows.Close()
	var items []store.Item
	for rows.Next() {
		var it store.Item
		if err := rows.Scan(&it.Key, &it.Value); err != nil {
			return nil, t.fail(listError(kind, prefix, err))
		}
		if it.Value == nil {
			it.Value = []byte{}
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, t.fail(listError(kind, prefix, err))
	}
	return items, nil
}

// prefixEnd returns the smallest string greater than every string that has
// prefix as a prefix, in byte order: drop trailing 0xff bytes (nothing can
// follow them) and increment the last remaining byte. ok is false when there
// is no such string (the prefix is empty or all 0xff), meaning the range has
// no upper bound.
func prefixEnd(prefix string) (end string, ok bool) {
	b := []byte(prefix)
	for i := len(b) - 1; i >= 0; i-- {
		if b[i] != 0xff {
			b[i]++
			return string(b[:i+1]), true
		}
	}
	return "", false
}

// blob keeps an empty value from being stored as NULL: the driver binds a nil
// []byte as NULL, a non-nil empty one as an empty BLOB.
func blob(v []byte) []byte {
	if v == nil {
		return []byte{}
	}
	return v
}

// fail records a statement error (see tx.err) and returns it.
func (t *tx) fail(err error) error {
	if t.err == nil {
		t.err = err
	}
	return err
}

func itemError(op, kind, key string, err error) error {
	return fmt.Errorf("sqlite store: %s %s/%q: %w", op, kind, key, err)
}

func listError(kind, prefix string, err error) error {
	return fmt.Errorf("sqlite store: list %s prefix %q: %w", kind, prefix, err)
}
