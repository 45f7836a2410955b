// Package sqlite is gatehouse's embedded default implementation of
// store.Store: one SQLite database file, <dir>/gatehouse.db, driven through the
// pure-Go modernc.org/sqlite driver so that gatehouse stays a single cgo-free
// binary.
//
// # Connections
//
// All writes (Update, AppendEvents, Reset) go through one writer connection,
// taken by one caller at a time, and every write transaction starts with BEGIN
// IMMEDIATE so it owns SQLite's write lock from its first statement and never
// fails halfway with SQLITE_BUSY. Reads (View, QueryEvents) use a separate
// pool of read-only connections. The database is in WAL mode, where a reader
// sees the last committed snapshot and neither blocks nor is blocked by the
// writer. The shape (one serialized writer, a pool of snapshot readers, SQL
// that is plain enough to port) is what a PostgreSQL implementation would
// have as well, minus the serialization of writers.
//
// # Durability
//
// The writer runs with journal_mode=WAL and synchronous=FULL. In WAL mode a
// transaction commits by appending its pages and a commit frame to the -wal
// file; with synchronous=FULL SQLite calls fsync on the WAL file before COMMIT
// returns, so a commit that Update or AppendEvents acknowledged is on stable
// storage and survives both a SIGKILL of the process and a power loss or
// kernel crash on a disk that honours flushes. When SQLite creates the WAL
// file it also fsyncs the directory, so the file's name survives too.
//
// The settings that were rejected, and why:
//
//   - synchronous=NORMAL, the usual WAL recommendation, syncs the WAL only at
//     checkpoints. A committed transaction then survives a process crash
//     (its frames are in the kernel's page cache) but not a power loss: the
//     last transactions roll back. Update promises more than that.
//   - synchronous=EXTRA differs from FULL only by syncing the directory after
//     a rollback journal is deleted, which never happens in WAL mode; it
//     would cost nothing here but adds nothing either.
//
// PRAGMA fullfsync and checkpoint_fullfsync are switched on as well. They
// matter only on macOS, whose fsync does not flush the drive's write cache;
// there SQLite then uses F_FULLFSYNC. On Linux they change nothing.
//
// Checkpoints copy WAL pages into the database file and fsync it before the
// WAL is reused, so they never endanger committed data.
//
// # Events
//
// The audit log is written far more than it is read: every API call appends
// an event (in batches, see audit.Recorder), while LookupEvents reads a page
// of 50 now and then. So the layout keeps appending to a few pages at the
// end of a few tables, and makes lookups do the sorting.
//
// Each event is one row of the events table: an integer row number (seq),
// handed out in append order, the event id, and a record holding the
// attributes and the CloudTrail JSON (record.go). Rows are appended at the
// end of the table. A unique index on the event id makes appending
// idempotent (an id that is already stored is skipped, so retrying a batch is
// safe) and serves EventId lookups; event ids are time-ordered (version 7
// UUIDs, see audit.NewEventID), so that index grows at its end as well, and
// a batch of ids greater than the greatest stored one needs no look-up to
// rule out duplicates.
//
// Every other lookup, including the one without an attribute, goes through
// posting lists (postings.go): for each account, attribute and value, the
// row numbers and times of its events. A batch writes the posting lists of
// all its values as a single row, its batch index, into event_batches
// (level 0). When level 0 holds 16384 events (or 64 batches) its lists are
// merged per value and appended to event_postings (level 1) as runs of at
// most 4096 events within one 2^34 ns (about 17 s) time bucket, indexed by
// account, attribute, value and maximum time, and level 0 is emptied, in the
// same transaction as the batch that filled it. An index entry per value per
// batch would dirty a page per value per batch; this way a batch dirties
// one, and a merge one per value for 16384 events.
//
// A lookup reads the runs of its account, attribute and value newest first
// (level 0's batch indexes, and level 1's by one index range scan read
// backwards), takes the events in its time range, and stops once it holds a
// page of events newer than anything in the runs left to read. Times come
// with the posting lists, so the only events read are those of the page;
// ids are read only to order events of equal time. Pages continue from a
// (time, event id) position carried in an opaque token; see package lookup.
//
// What an append costs is mostly writing its pages: about 40 WAL frames of
// 16 KiB for 256 events of 1.5 KB JSON, of which 31 are the events' rows,
// 5 the id index, 2 the posting lists and the rest the pages every commit
// rewrites (the database header, the tables' last interior pages); each is
// written to the WAL and later, by a checkpoint, to the database file. The
// rest is SQLite inserting the rows and the driver binding them, which is
// why a batch goes in a few multi-row INSERTs of two parameters per event.
// See BenchmarkAppendEvents and BenchmarkQueryEvents.
package sqlite
