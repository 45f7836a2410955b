package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"runtime"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

const (
	sqlMaxEventSeq = `SELECT coalesce(max(seq), 0) FROM events`
	sqlMaxEventID  = `SELECT max(event_id) FROM events`
	sqlInsertBatch = `INSERT INTO event_batches (first_seq, events, min_time, max_time, postings)
		VALUES (?, ?, ?, ?, ?)`
	sqlLevel0Size    = `SELECT count(*), coalesce(sum(events), 0) FROM event_batches`
	sqlLevel0        = `SELECT first_seq, max_time, postings FROM event_batches ORDER BY first_seq`
	sqlClearLevel0   = `DELETE FROM event_batches`
	sqlInsertPosting = `INSERT INTO event_postings (account_id, attr, value, max_time, first_seq, min_time, postings)
		VALUES (?, ?, ?, ?, ?, ?, ?)`
	sqlInsertAccount = `INSERT INTO event_accounts (account_id) VALUES (?) ON CONFLICT DO NOTHING`
)

// eventTuning holds the sizes that shape the posting lists. Only tests
// change them, to exercise level 1 with a handful of events.
type eventTuning struct {
	// Level 0 is merged into level 1 once it holds compactEvents events or
	// compactBatches batches. More means fewer, larger merges (each dirties
	// a page per group, whatever its size) but more batch indexes for a
	// lookup to read.
	compactEvents  int
	compactBatches int
	// bucketShift: the times of a level 1 run lie within one aligned span
	// of 2^bucketShift nanoseconds. This is part of the file format: a
	// lookup relies on it to know where to start reading (see
	// queryPostings), so a build that lowered it would need a migration.
	// A lookup that starts at an upper time bound (a page after the first,
	// or one with an EndTime) steps over the runs of the bucket after that
	// time, which at 50,000 events a second are a few hundred for a
	// value common to all events; a smaller bucket cuts the runs of a
	// quiet log into pieces of an event or two.
	bucketShift uint
	// maxRunLen is the most entries a level 1 run holds.
	maxRunLen int
}

var defaultTuning = eventTuning{
	compactEvents:  16384,
	compactBatches: 64,
	bucketShift:    34, // about 17 s
	maxRunLen:      4096,
}

// insertChunks are the numbers of rows per INSERT statement that
// appending uses, largest first. Binding is the driver's main cost per
// statement, so a batch goes in a few statements of many rows each (a
// recorder's full batch of 512 in two; 256 rows are 512 parameters, far
// below SQLite's limit of 32766); the sizes are fixed so that each is
// prepared once per connection.
var insertChunks = []int{256, 64, 16, 4, 1}

// AppendEvents writes events durably in one transaction: all of them or, on
// error, none. An event whose EventID is already stored, or appears earlier
// in the batch, is skipped, so a batch retried after an error of unknown
// outcome (a timeout during the commit) does not store anything twice.
// Every event needs an EventID.
func (s *Store) AppendEvents(ctx context.Context, events []store.EventRecord) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if events[i].EventID == "" {
			return fmt.Errorf("sqlite store: append events: event %d of %d has no EventID", i, len(events))
		}
	}
	a := s.appender
	return s.writeTx(ctx, func(c *conn) error {
		if err := a.appendNew(ctx, c, events); err != nil {
			return fmt.Errorf("sqlite store: append events: %w", err)
		}
		return nil
	}, a.settle)
}

// appender writes batches of events on the writer connection and keeps the
// memory it needs from one batch to the next. It is used by one goroutine
// at a time: the holder of the writer slot.
type appender struct {
	tuning eventTuning

	// tail is the end of the log as of the last transaction this appender
	// committed, and next what it will be if the running one commits.
	// Keeping it saves a batch three queries (the greatest seq, the
	// greatest id, the size of level 0) that would otherwise each cost a
	// statement execution. Only this Store's writer appends events, so the
	// tail stays true from one batch to the next; after a transaction that
	// did not commit, or a Reset, it is read again. Were another process
	// to append behind the Store's back anyway, nothing would be stored
	// wrongly: a stale last seq fails the row number check in store, and a
	// stale greatest id lets a duplicate through to the unique index, which
	// fails the insert; either way the batch fails, the tail is forgotten,
	// and a retry reads it afresh.
	tail, next logTail

	postings *postingBuilder
	evs      []*store.EventRecord
	seqs     []int64 // of the events being stored
	args     []any
	records  []byte
	offsets  []int
	buf      []byte
	list     []posting
}

// logTail is what appending needs to know of the stored events.
type logTail struct {
	known   bool
	lastSeq int64  // the greatest seq, 0 if there are no events
	maxID   string // the greatest event id, if hasID
	hasID   bool
	// level0Batches and level0Events are the number of rows of
	// event_batches and the events they index.
	level0Batches, level0Events int
}

func newAppender(t eventTuning) *appender {
	return &appender{tuning: t, postings: newPostingBuilder()}
}

// appendNew stores the events of the batch that are not stored yet.
func (a *appender) appendNew(ctx context.Context, c *conn, events []store.EventRecord) error {
	defer a.release()
	a.next = a.tail
	if !a.next.known {
		if err := readTail(c, &a.next); err != nil {
			return err
		}
	}
	fresh, err := a.unstored(c, events)
	if err != nil || len(fresh) == 0 {
		return err
	}
	return a.store(ctx, c, fresh)
}

// settle ends a transaction of the appender: the tail it moved to becomes
// the known one if the transaction committed, and is read again by the
// next batch if not (or if its outcome is unknown).
func (a *appender) settle(committed bool) {
	if committed && a.next.known {
		a.tail = a.next
	} else {
		a.forget()
	}
}

// forget makes the next batch read the tail from the database.
func (a *appender) forget() {
	a.tail = logTail{}
	a.next = logTail{}
}

// readTail reads the end of the log into t.
func readTail(c *conn, t *logTail) error {
	row, err := c.queryRow(sqlMaxEventSeq)
	if err != nil {
		return err
	}
	if err := row.Scan(&t.lastSeq); err != nil {
		return fmt.Errorf("read last row number: %w", err)
	}
	if row, err = c.queryRow(sqlMaxEventID); err != nil {
		return err
	}
	var maxID sql.NullString
	if err := row.Scan(&maxID); err != nil {
		return fmt.Errorf("read greatest event id: %w", err)
	}
	t.maxID, t.hasID = maxID.String, maxID.Valid
	if row, err = c.queryRow(sqlLevel0Size); err != nil {
		return err
	}
	if err := row.Scan(&t.level0Batches, &t.level0Events); err != nil {
		return fmt.Errorf("read level 0 size: %w", err)
	}
	t.known = true
	return nil
}

// maxRetained bounds the memory an appender keeps for the next batch in
// each of its buffers: a batch far larger than usual should not pin its
// size for good.
const maxRetained = 4 << 20

// release drops the references to a batch's events and any buffer that
// grew too large to keep.
func (a *appender) release() {
	clear(a.evs)
	a.evs = a.evs[:0]
	if cap(a.records) > maxRetained {
		a.records = nil
	}
	if cap(a.buf) > maxRetained {
		a.buf = nil
	}
	if cap(a.list)*16 > maxRetained {
		a.list = nil
	}
	if cap(a.postings.entries)*24 > maxRetained || cap(a.postings.refs)*48 > maxRetained {
		a.postings = newPostingBuilder()
	}
}

// unstored returns the events of the batch whose ids are neither stored
// nor repeated earlier in the batch. Time-ordered ids make this cheap: an id
// greater than the greatest stored one (a.next.maxID) cannot be stored, so
// only ids at or below it (random ones, or a retried batch) are looked up
// one by one.
func (a *appender) unstored(c *conn, events []store.EventRecord) ([]*store.EventRecord, error) {
	a.evs = a.evs[:0]
	ascending := true
	for i := 1; i < len(events) && ascending; i++ {
		ascending = events[i-1].EventID < events[i].EventID
	}
	var seen map[string]bool // ids earlier in the batch, unless ascending
	if !ascending {
		seen = make(map[string]bool, len(events))
	}
	maxID, hasID := a.next.maxID, a.next.hasID
	var check []string
	for i := range events {
		e := &events[i]
		if seen != nil {
			if seen[e.EventID] {
				continue
			}
			seen[e.EventID] = true
		}
		if hasID && e.EventID <= maxID {
			check = append(check, e.EventID)
		}
		a.evs = append(a.evs, e)
	}
	if len(check) == 0 {
		return a.evs, nil
	}
	stored, err := storedIDs(c, check)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		return a.evs, nil
	}
	fresh := a.evs[:0]
	for _, e := range a.evs {
		if !stored[e.EventID] {
			fresh = append(fresh, e)
		}
	}
	a.evs = fresh
	return fresh, nil
}

// storedIDs returns which of ids are stored.
func storedIDs(c *conn, ids []string) (map[string]bool, error) {
	stored := make(map[string]bool)
	args := make([]any, 0, insertChunks[0])
	for len(ids) > 0 {
		n := chunkSize(len(ids))
		args = args[:0]
		for _, id := range ids[:n] {
			args = append(args, id)
		}
		ids = ids[n:]
		rows, err := c.query(`SELECT event_id FROM events WHERE event_id IN (`+placeholders(n, 1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			stored[id] = true
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return stored, nil
}

// chunkSize is the largest of insertChunks that is at most n.
func chunkSize(n int) int {
	for _, size := range insertChunks {
		if size <= n {
			return size
		}
	}
	return 1
}

// placeholders returns rows groups of cols question marks: "(?, ?), (?, ?)"
// for a multi-row VALUES list, or "?, ?" for an IN list (cols 1).
func placeholders(rows, cols int) string {
	var b strings.Builder
	for i := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		if cols > 1 {
			b.WriteString("(")
		}
		for j := range cols {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("?")
		}
		if cols > 1 {
			b.WriteString(")")
		}
	}
	return b.String()
}

// store writes evs under the row numbers that follow the last one, adds
// their batch index to level 0, and merges level 0 into level 1 when it is
// full.
//
// SQLite numbers the rows: a row inserted without a rowid gets one more than
// the greatest in the table, which, under the write lock, is known, and the
// last number is checked after each statement. Naming the rowids instead
// would cost a look-up of each one for a conflict.
func (a *appender) store(ctx context.Context, c *conn, evs []*store.EventRecord) error {
	last := a.next.lastSeq
	a.seqs = a.seqs[:0]
	for i := range evs {
		a.seqs = append(a.seqs, last+1+int64(i))
	}
	seqs := a.seqs

	// Records first, into one buffer, so that the rows' arguments can
	// point into it.
	a.records = a.records[:0]
	offsets := a.offsets[:0]
	for _, e := range evs {
		offsets = append(offsets, len(a.records))
		a.records = appendRecord(a.records, e)
	}
	offsets = append(offsets, len(a.records))
	a.offsets = offsets

	for i := 0; i < len(evs); {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := chunkSize(len(evs) - i)
		a.args = a.args[:0]
		for j := i; j < i+n; j++ {
			a.args = append(a.args, evs[j].EventID, a.records[offsets[j]:offsets[j+1]:offsets[j+1]])
		}
		ins, err := c.stmt(`INSERT OR FAIL INTO events (event_id, record) VALUES ` + placeholders(n, 2))
		if err != nil {
			return err
		}
		res, err := ins.ExecContext(context.Background(), a.args...)
		if err != nil {
			return fmt.Errorf("insert events %q to %q: %w", evs[i].EventID, evs[i+n-1].EventID, err)
		}
		i += n
		// A batch's inserts take milliseconds; between statements the
		// writer lets the goroutines serving requests run first, so
		// that the trail's writes do not hold up the requests whose
		// events they are.
		runtime.Gosched()
		if got, err := res.LastInsertId(); err != nil || got != seqs[i-1] {
			return fmt.Errorf("insert events: last row number is %d (%v), want %d", got, err, seqs[i-1])
		}
	}
	clear(a.args)

	b := a.postings
	b.reset()
	minTime, maxTime := int64(1<<63-1), int64(-1<<63)
	for i, e := range evs {
		t := lookup.UnixNano(e.EventTime)
		minTime, maxTime = min(minTime, t), max(maxTime, t)
		b.addEvent(e, posting{seqs[i], t})
	}
	for _, acct := range b.used {
		if _, err := c.exec(sqlInsertAccount, acct.account); err != nil {
			return fmt.Errorf("record account %q: %w", acct.account, err)
		}
	}
	a.buf, a.list = appendBatchIndex(a.buf[:0], b, seqs[0], maxTime, a.list)
	if _, err := c.exec(sqlInsertBatch, seqs[0], len(evs), minTime, maxTime, a.buf); err != nil {
		return fmt.Errorf("write batch index: %w", err)
	}
	t := &a.next
	t.lastSeq = seqs[len(seqs)-1]
	if maxID := maxEventID(evs); !t.hasID || maxID > t.maxID {
		// A copy: the id may share memory with the caller's batch.
		t.maxID, t.hasID = strings.Clone(maxID), true
	}
	t.level0Batches++
	t.level0Events += len(evs)
	if t.level0Batches >= a.tuning.compactBatches || t.level0Events >= a.tuning.compactEvents {
		if err := a.compact(c); err != nil {
			return err
		}
		t.level0Batches, t.level0Events = 0, 0
	}
	return nil
}

// maxEventID returns the greatest id of evs, which is not empty.
func maxEventID(evs []*store.EventRecord) string {
	id := evs[0].EventID
	for _, e := range evs[1:] {
		id = max(id, e.EventID)
	}
	return id
}

// compact merges level 0 into level 1: it reads every batch index, joins
// the runs of each group, writes them as level 1 runs to event_postings,
// and empties event_batches.
func (a *appender) compact(c *conn) error {
	rows, err := c.query(sqlLevel0)
	if err != nil {
		return err
	}
	type level0Row struct {
		first, maxTime int64
		index          []byte
	}
	var level0 []level0Row
	for rows.Next() {
		var r level0Row
		if err := rows.Scan(&r.first, &r.maxTime, &r.index); err != nil {
			rows.Close()
			return fmt.Errorf("read level 0: %w", err)
		}
		level0 = append(level0, r)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read level 0: %w", err)
	}

	b := a.postings
	b.reset()
	for _, r := range level0 {
		x, err := parseBatchIndex(r.index)
		for i := 0; err == nil && i < x.n; i++ {
			var account, value, run []byte
			var code int
			if account, code, value, run, err = x.entry(i); err == nil {
				b.addRun(account, code, value, run, r.first, r.maxTime)
			}
		}
		if err != nil {
			return fmt.Errorf("batch index at seq %d: %w", r.first, err)
		}
	}
	for _, gi := range b.sorted() {
		g := &b.groups[gi]
		if a.list, err = b.decodeRuns(a.list[:0], g); err != nil {
			return fmt.Errorf("level 0 postings of %q %d %q: %w", g.key.account, g.key.code, g.key.value, err)
		}
		err := splitRuns(a.list, a.tuning.bucketShift, a.tuning.maxRunLen, func(run []posting) error {
			lo, hi := timeBounds(run)
			a.buf = appendRun(a.buf[:0], run, run[0].seq, hi)
			_, err := c.exec(sqlInsertPosting, g.key.account, g.key.code, g.key.value, hi, run[0].seq, lo, a.buf)
			return err
		})
		if err != nil {
			return fmt.Errorf("write postings of %q %d %q: %w", g.key.account, g.key.code, g.key.value, err)
		}
	}
	if _, err := c.exec(sqlClearLevel0); err != nil {
		return fmt.Errorf("clear level 0: %w", err)
	}
	return nil
}
