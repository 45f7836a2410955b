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
// Audit events are rows of the events table, with one index per
// LookupEvents attribute, each led by the account and ending in the event
// time, so that every lookup is an index range scan read newest first and
// stopped after one page. Resources live in event_resources, which repeats
// the account and time of their event so the same holds for ResourceType and
// ResourceName. Pages continue from a (time, event id) position carried in an
// opaque token; see package lookup. An event id that is already stored is
// skipped, which makes retrying a batch safe.
//
// Each index costs a page write per distinct attribute value per batch, and
// the event_id index one per event when ids are random: time-ordered event
// ids (UUIDv7) and larger batches make appending markedly cheaper. See
// BenchmarkAppendEvents.
package sqlite
