package sqlite

import (
	"context"
	"fmt"
)

// migration moves the schema from version-1 to version. Migrations are
// append-only: a released one is never edited, a later change is a new
// migration, so that any older data directory can be brought forward step by
// step. The version lives in the database header (PRAGMA user_version) and
// is written in the same transaction as the migration's changes.
type migration struct {
	version int
	name    string
	stmts   []string
	// fn, if set, runs after stmts in the same transaction, for what SQL
	// alone cannot do (re-encoding rows).
	fn func(c *conn) error
}

// migrations lists every schema version in order; the last one is the
// version this build writes.
var migrations = []migration{
	{
		version: 1,
		name:    "items, events and event resources",
		stmts: []string{
			// Items: one table for every kind, clustered by (kind, key) so
			// that Get is one b-tree descent and List one range scan.
			`CREATE TABLE items (
				kind  TEXT NOT NULL,
				key   TEXT NOT NULL,
				value BLOB NOT NULL,
				PRIMARY KEY (kind, key)
			) WITHOUT ROWID`,

			// Events: seq is an internal row number that event_resources
			// points at (an integer is a cheaper reference than the event
			// id); event_time is Unix nanoseconds; read_only is 0 or 1;
			// resources is the event's resource list in its own encoding
			// (see resources.go), kept for LookupEvents output.
			`CREATE TABLE events (
				seq           INTEGER PRIMARY KEY,
				event_id      TEXT    NOT NULL,
				event_time    INTEGER NOT NULL,
				event_name    TEXT    NOT NULL,
				event_source  TEXT    NOT NULL,
				username      TEXT    NOT NULL,
				access_key_id TEXT    NOT NULL,
				read_only     INTEGER NOT NULL,
				account_id    TEXT    NOT NULL,
				resources     BLOB,
				json          BLOB    NOT NULL
			)`,
			`CREATE UNIQUE INDEX events_by_id ON events (event_id)`,
			// One index per LookupEvents filter, each ending in event_time
			// so that a page is a range scan read backwards. The first one
			// also serves queries without an attribute.
			`CREATE INDEX events_by_time ON events (account_id, event_time)`,
			`CREATE INDEX events_by_name ON events (account_id, event_name, event_time)`,
			`CREATE INDEX events_by_source ON events (account_id, event_source, event_time)`,
			`CREATE INDEX events_by_username ON events (account_id, username, event_time)`,
			`CREATE INDEX events_by_access_key ON events (account_id, access_key_id, event_time)`,
			`CREATE INDEX events_by_read_only ON events (account_id, read_only, event_time)`,

			// Event resources: one row per distinct (type, name) of an
			// event, repeating the event's account and time so that the
			// ResourceType and ResourceName lookups are range scans too.
			// The table is clustered for the ResourceType lookup; an index
			// serves ResourceName. event_seq refers to events.seq. Events
			// are only ever deleted all at once (Reset), so there is no
			// foreign key to check on the insert path.
			`CREATE TABLE event_resources (
				account_id TEXT    NOT NULL,
				type       TEXT    NOT NULL,
				event_time INTEGER NOT NULL,
				event_seq  INTEGER NOT NULL,
				name       TEXT    NOT NULL,
				PRIMARY KEY (account_id, type, event_time, event_seq, name)
			) WITHOUT ROWID`,
			`CREATE INDEX event_resources_by_name ON event_resources (account_id, name, event_time)`,
		},
	},
	{
		version: 2,
		name:    "events as records searched by posting lists",
		stmts: []string{
			// The version 1 table is renamed and read back below; its
			// indexes go first, so that the new unique index can take
			// the name events_by_id.
			`DROP INDEX events_by_id`,
			`DROP INDEX events_by_time`,
			`DROP INDEX events_by_name`,
			`DROP INDEX events_by_source`,
			`DROP INDEX events_by_username`,
			`DROP INDEX events_by_access_key`,
			`DROP INDEX events_by_read_only`,
			`DROP TABLE event_resources`,
			`ALTER TABLE events RENAME TO events_v1`,

			// Events: seq is the row number posting lists refer to,
			// handed out in append order, so rows are appended at the
			// end of the table. record is everything but the id, in
			// the encoding of record.go. The unique index on event_id
			// makes appending idempotent and serves EventId lookups;
			// with time-ordered (version 7 UUID) ids its inserts land
			// at its end too.
			`CREATE TABLE events (
				seq      INTEGER PRIMARY KEY,
				event_id TEXT NOT NULL,
				record   BLOB NOT NULL
			)`,
			`CREATE UNIQUE INDEX events_by_id ON events (event_id)`,

			// Level 0 of the posting lists (see postings.go): one row
			// per batch not yet merged into level 1, with the batch's
			// first seq, its number of events, its time bounds (Unix
			// nanoseconds), and the posting lists of all its groups.
			`CREATE TABLE event_batches (
				first_seq INTEGER PRIMARY KEY,
				events    INTEGER NOT NULL,
				min_time  INTEGER NOT NULL,
				max_time  INTEGER NOT NULL,
				postings  BLOB    NOT NULL
			)`,

			// Level 1: runs of the posting list of (account, attribute
			// code, value), each with its time bounds and its first
			// seq. A merge appends its runs at the end of the table;
			// the index, which holds everything but the postings, keeps
			// a group's runs together, so that a lookup reads its
			// newest ones by one range scan and fetches the postings of
			// those it needs. (Clustering the table itself by group
			// would write each group's postings into its own pages,
			// splitting them: measured, five times the pages per
			// merge.)
			`CREATE TABLE event_postings (
				id         INTEGER PRIMARY KEY,
				account_id TEXT    NOT NULL,
				attr       INTEGER NOT NULL,
				value      TEXT    NOT NULL,
				max_time   INTEGER NOT NULL,
				first_seq  INTEGER NOT NULL,
				min_time   INTEGER NOT NULL,
				postings   BLOB    NOT NULL
			)`,
			`CREATE UNIQUE INDEX event_postings_by_group
				ON event_postings (account_id, attr, value, max_time, first_seq, min_time)`,

			// The accounts that have events, for lookups across all of
			// them.
			`CREATE TABLE event_accounts (account_id TEXT PRIMARY KEY) WITHOUT ROWID`,
		},
		fn: migrateEventsV1,
	},
}

// schemaVersion is the version this build creates and expects.
func schemaVersion() int { return migrations[len(migrations)-1].version }

// migrate brings the database on c up to schemaVersion, one migration per
// transaction. It refuses a database written by a newer build, whose schema
// this code would misread.
func migrate(c *conn) error {
	for _, m := range migrations {
		if err := applyMigration(c, m); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(c *conn, m migration) (err error) {
	if _, err := c.exec("BEGIN IMMEDIATE"); err != nil {
		return fmt.Errorf("begin schema migration: %w", err)
	}
	defer func() {
		if err != nil {
			c.rollback()
		}
	}()
	var current int
	if err := c.c.QueryRowContext(context.Background(), "PRAGMA user_version").Scan(&current); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if current > schemaVersion() {
		return fmt.Errorf("database schema version %d is newer than this build supports (%d): upgrade gatehouse", current, schemaVersion())
	}
	if current >= m.version {
		_, err := c.exec("COMMIT")
		return err
	}
	if current != m.version-1 {
		return fmt.Errorf("schema version %d cannot migrate to %d", current, m.version)
	}
	for _, stmt := range m.stmts {
		if _, err := c.c.ExecContext(context.Background(), stmt); err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", m.version, m.name, err)
		}
	}
	if m.fn != nil {
		if err := m.fn(c); err != nil {
			return fmt.Errorf("schema migration %d (%s): %w", m.version, m.name, err)
		}
	}
	// PRAGMA takes no parameters; the version is an integer from this file.
	if _, err := c.c.ExecContext(context.Background(), fmt.Sprintf("PRAGMA user_version = %d", m.version)); err != nil {
		return fmt.Errorf("schema migration %d (%s): set version: %w", m.version, m.name, err)
	}
	if _, err := c.exec("COMMIT"); err != nil {
		return fmt.Errorf("schema migration %d (%s): commit: %w", m.version, m.name, err)
	}
	return nil
}
