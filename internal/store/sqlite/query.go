package sqlite

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

const (
	sqlEventByID = `SELECT record FROM events WHERE event_id = ?`
	// sqlLevel0Batches lists the batch indexes whose time bounds meet
	// [lo, hi]; level 0 holds a few dozen rows at most.
	sqlLevel0Batches = `SELECT first_seq, max_time FROM event_batches WHERE max_time >= ? AND min_time <= ?`
	sqlBatchIndex    = `SELECT postings FROM event_batches WHERE first_seq = ?`
	// sqlRuns reads the next level 1 runs of a group in reading order
	// (max_time, then first_seq, descending): given lo and a position
	// (max, first) in that order, those with max_time >= lo that come
	// after the position. The index covers it; sqlRun fetches a run's
	// postings. The LIMIT is
	// spliced in (see level1Runs) rather than bound: SQLite plans with a
	// bound LIMIT's value, so a statement whose LIMIT parameter changes
	// is prepared again, which costs more than the query.
	sqlRuns = `SELECT max_time, first_seq, min_time, id FROM event_postings
		WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? AND max_time <= ?
		AND (max_time < ? OR first_seq < ?)
		ORDER BY max_time DESC, first_seq DESC LIMIT `
	sqlRun      = `SELECT postings FROM event_postings WHERE id = ?`
	sqlAccounts = `SELECT account_id FROM event_accounts ORDER BY account_id`
)

// QueryEvents returns the events matching q, newest first (by EventTime,
// then EventID, both descending), at most one page of lookup.MaxLimit, and a
// NextToken when more follow. Invalid queries fail with the errors of package
// lookup: ErrInvalidAttribute, ErrInvalidTimeRange, ErrInvalidNextToken.
//
// A query with an AccountID reads the posting list of its account and
// attribute (see queryPostings), or for EventId the id index. A query
// without one runs once per account and merges the results, which is meant
// for administration, not for the request path.
func (s *Store) QueryEvents(ctx context.Context, q store.EventQuery) ([]store.EventRecord, string, error) {
	plan, err := lookup.NewPlan(q)
	if err != nil {
		return nil, "", err
	}
	want := plan.Limit + 1 // one more than a page tells whether another follows
	var page []storedEvent
	err = s.read(ctx, func(c *conn) error {
		if plan.Attr == lookup.AttrEventID {
			var err error
			page, err = queryEventID(c, plan)
			return err
		}
		accounts := []string{plan.AccountID}
		if plan.AccountID == "" {
			var err error
			if accounts, err = listAccounts(c); err != nil {
				return err
			}
		}
		for _, account := range accounts {
			part, err := s.queryPostings(ctx, c, plan, account, want)
			if err != nil {
				return err
			}
			page = append(page, part...)
		}
		if len(accounts) > 1 {
			slices.SortFunc(page, func(a, b storedEvent) int { return comparePosition(b.pos, a.pos) })
			page = page[:min(len(page), want)]
		}
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	var next string
	if len(page) > plan.Limit {
		page = page[:plan.Limit]
		next = plan.NextToken(page[len(page)-1].pos)
	}
	out := make([]store.EventRecord, len(page))
	for i := range page {
		out[i] = page[i].rec
	}
	return out, next, nil
}

// storedEvent is an event as read back with its position in the order.
type storedEvent struct {
	rec store.EventRecord
	pos lookup.Position
}

func comparePosition(a, b lookup.Position) int {
	if c := cmp.Compare(a.Time, b.Time); c != 0 {
		return c
	}
	return strings.Compare(a.EventID, b.EventID)
}

// queryEventID looks an event up by id: at most one event, which the
// account, time range and position filters may still exclude.
func queryEventID(c *conn, plan lookup.Plan) ([]storedEvent, error) {
	row, err := c.queryRow(sqlEventByID, plan.Value)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	var record []byte
	if err := row.Scan(&record); errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	rec, ns, err := decodeRecord(plan.Value, record)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: event %q: %w", plan.Value, err)
	}
	lo, hi := plan.TimeBounds()
	pos := lookup.Position{Time: ns, EventID: rec.EventID}
	switch {
	case plan.AccountID != "" && rec.AccountID != plan.AccountID,
		ns < lo || ns > hi,
		plan.HasAfter && comparePosition(pos, plan.After) >= 0:
		return nil, nil
	}
	return []storedEvent{{rec: rec, pos: pos}}, nil
}

// candidate is an event found in a posting list: its row number and time,
// and its id once that was needed to order it among events of equal time.
type candidate struct {
	seq, time int64
	id        string
	hasID     bool
}

// run is a posting list run not read yet: a level 1 row or a level 0
// batch index, whose postings are read when its turn comes. maxTime bounds
// the times of its events from above, which is all the order of reading
// needs.
type run struct {
	maxTime, firstSeq int64
	minTime           int64 // level 1 only; level 0 rows are filtered in SQL
	level0            bool
	id                int64 // of the level 1 row
}

// postingSearch is one account's part of a query: it reads the runs of a
// group newest first and keeps the events that qualify.
type postingSearch struct {
	c      *conn
	plan   lookup.Plan
	key    groupKey
	lo, hi int64 // inclusive time bounds
	want   int

	cands   []candidate
	atAfter []int64 // seqs at the time of plan.After, their ids unchecked
	list    []posting
}

// queryPostings returns up to want events of one account matching plan,
// newest first.
//
// The runs of the group come from two places: the batch indexes of level 0
// and the level 1 rows, the latter by one index range scan read backwards.
// They are read in descending order of their maximum time, merged, and
// the search stops as soon as want events are known to be newer than
// anything in the runs not read yet: the events of a run are not ordered,
// and runs may overlap in time, but no event of an unread run is newer than
// that run's maximum time, and no unread run has a greater one. Times come
// from the posting lists, so an event is read only once it is on the page;
// event ids are read only to order events of equal time (and those at the
// time the query continues from). A page that ends inside a run, or in the
// middle of events of equal time, continues exactly there, because a page
// is always the first events after a position.
//
// Where the scan of level 1 starts follows from the query's upper time
// bound hi: a level 1 run lies within one aligned bucket of 2^bucketShift
// nanoseconds, so a run with an event at or before hi has its maximum time
// before the end of hi's bucket. Runs between hi and that are read and
// skipped by their minimum time.
func (s *Store) queryPostings(ctx context.Context, c *conn, plan lookup.Plan, account string, want int) ([]storedEvent, error) {
	code, ok := attrCode[plan.Attr]
	if !ok {
		return nil, fmt.Errorf("sqlite store: query events: attribute %d has no posting lists", plan.Attr)
	}
	q := &postingSearch{c: c, plan: plan, key: groupKey{account, code, plan.Value}, want: want}
	if plan.Attr == lookup.AttrNone {
		q.key.value = ""
	}
	q.lo, q.hi = plan.TimeBounds()

	level0, err := q.level0Runs()
	if err != nil {
		return nil, err
	}
	// Level 1 is read in growing chunks: most pages need one run or two.
	seekHi := q.hi
	if shift := s.tuning.bucketShift; q.hi>>shift < math.MaxInt64>>shift {
		seekHi = (q.hi>>shift+1)<<shift - 1
	}
	var (
		level1    []run
		more      = true
		chunk     = 2 // then 8, 32, 64
		lastMax   = seekHi
		lastFirst = int64(math.MaxInt64)
	)
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(level1) == 0 && more {
			if level1, err = q.level1Runs(lastMax, lastFirst, chunk); err != nil {
				return nil, err
			}
			more = len(level1) == chunk
			chunk = min(chunk*4, 64)
			if n := len(level1); n > 0 {
				lastMax, lastFirst = level1[n-1].maxTime, level1[n-1].firstSeq
			}
		}
		// The next run is the newer of the two heads.
		var next *run
		switch {
		case len(level0) > 0 && (len(level1) == 0 || newerRun(level0[0], level1[0])):
			next = &level0[0]
			level0 = level0[1:]
		case len(level1) > 0:
			next = &level1[0]
			level1 = level1[1:]
		}
		if next == nil || q.done(next.maxTime) {
			break
		}
		if err := q.read(next); err != nil {
			return nil, err
		}
	}
	return q.page()
}

// newerRun tells whether a comes before b in the order of reading.
func newerRun(a, b run) bool {
	if a.maxTime != b.maxTime {
		return a.maxTime > b.maxTime
	}
	return a.firstSeq > b.firstSeq
}

// level0Runs returns the batch indexes that may hold events of the search,
// in reading order. Their postings are read later, if at all.
func (q *postingSearch) level0Runs() ([]run, error) {
	rows, err := q.c.query(sqlLevel0Batches, q.lo, q.hi)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	defer rows.Close()
	var runs []run
	for rows.Next() {
		r := run{level0: true, minTime: math.MinInt64}
		if err := rows.Scan(&r.firstSeq, &r.maxTime); err != nil {
			return nil, fmt.Errorf("sqlite store: query events: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	slices.SortFunc(runs, func(a, b run) int {
		if newerRun(a, b) {
			return -1
		}
		return 1
	})
	return runs, nil
}

// level1Runs returns up to n level 1 runs of the group that follow
// (lastMax, lastFirst) in reading order and may hold events at or after lo.
func (q *postingSearch) level1Runs(lastMax, lastFirst int64, n int) ([]run, error) {
	rows, err := q.c.query(sqlRuns+strconv.Itoa(n), q.key.account, q.key.code, q.key.value, q.lo, lastMax, lastMax, lastFirst)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	defer rows.Close()
	var runs []run
	for rows.Next() {
		var r run
		if err := rows.Scan(&r.maxTime, &r.firstSeq, &r.minTime, &r.id); err != nil {
			return nil, fmt.Errorf("sqlite store: query events: %w", err)
		}
		runs = append(runs, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: query events: %w", err)
	}
	return runs, nil
}

// done tells whether the page is complete before a run with maximum time
// next: whether want candidates are newer than next (events of equal time
// might still be ordered among the run's, so they do not count), or no
// run from next on can hold an event in range.
func (q *postingSearch) done(next int64) bool {
	if next < q.lo {
		return true
	}
	n := 0
	for _, c := range q.cands {
		if c.time > next {
			n++
		}
	}
	return n >= q.want
}

// read adds the qualifying events of r to the candidates.
func (q *postingSearch) read(r *run) error {
	if r.minTime > q.hi {
		return nil // the run lies after the range
	}
	list := q.list[:0]
	query, arg := sqlRun, r.id
	if r.level0 {
		query, arg = sqlBatchIndex, r.firstSeq
	}
	row, err := q.c.queryRow(query, arg)
	if err != nil {
		return fmt.Errorf("sqlite store: query events: %w", err)
	}
	var postings []byte
	if err := row.Scan(&postings); err != nil {
		return fmt.Errorf("sqlite store: query events: read postings at seq %d: %w", r.firstSeq, err)
	}
	if r.level0 {
		var x batchIndex
		if x, err = parseBatchIndex(postings); err == nil {
			postings, err = x.find(q.key)
		}
	}
	if err == nil && postings != nil {
		list, _, err = decodeRun(list, postings, r.firstSeq, r.maxTime)
	}
	if err != nil {
		return fmt.Errorf("sqlite store: query events: run at seq %d: %w", r.firstSeq, err)
	}
	q.list = list
	for _, p := range list {
		switch {
		case p.time < q.lo || p.time > q.hi:
		case q.plan.HasAfter && p.time == q.plan.After.Time:
			q.atAfter = append(q.atAfter, p.seq)
		default:
			q.cands = append(q.cands, candidate{seq: p.seq, time: p.time})
		}
	}
	if len(q.atAfter) > 0 {
		// Events at the continuation time qualify if their id sorts
		// before the one the previous page ended with.
		ids, err := eventIDs(q.c, q.atAfter)
		if err != nil {
			return err
		}
		for _, seq := range q.atAfter {
			if id := ids[seq]; id < q.plan.After.EventID {
				q.cands = append(q.cands, candidate{seq: seq, time: q.plan.After.Time, id: id, hasID: true})
			}
		}
		q.atAfter = q.atAfter[:0]
	}
	if len(q.cands) > 4*q.want {
		q.trim()
	}
	return nil
}

// trim drops candidates that cannot make the page: all but the want newest
// and those of equal time to the last of them.
func (q *postingSearch) trim() {
	slices.SortFunc(q.cands, func(a, b candidate) int { return cmp.Compare(b.time, a.time) })
	if len(q.cands) <= q.want {
		return
	}
	cut := q.cands[q.want-1].time
	n := q.want
	for n < len(q.cands) && q.cands[n].time == cut {
		n++
	}
	q.cands = q.cands[:n]
}

// page reads the events of the page: the want newest candidates, with
// events of equal time at the cut ordered by id.
func (q *postingSearch) page() ([]storedEvent, error) {
	q.trim()
	if len(q.cands) > q.want {
		// More events share the last time than fit: their ids decide.
		cut := q.cands[q.want-1].time
		first := slices.IndexFunc(q.cands, func(c candidate) bool { return c.time == cut })
		ties := q.cands[first:]
		var unknown []int64
		for _, c := range ties {
			if !c.hasID {
				unknown = append(unknown, c.seq)
			}
		}
		ids, err := eventIDs(q.c, unknown)
		if err != nil {
			return nil, err
		}
		for i := range ties {
			if !ties[i].hasID {
				ties[i].id, ties[i].hasID = ids[ties[i].seq], true
			}
		}
		slices.SortFunc(ties, func(a, b candidate) int { return strings.Compare(b.id, a.id) })
		q.cands = q.cands[:q.want]
	}
	seqs := make([]int64, len(q.cands))
	for i, c := range q.cands {
		seqs[i] = c.seq
	}
	evs, err := eventsBySeq(q.c, seqs)
	if err != nil {
		return nil, err
	}
	for _, e := range evs {
		if e.rec.AccountID != q.key.account {
			return nil, fmt.Errorf("sqlite store: query events: posting list of account %q lists event %q of account %q",
				q.key.account, e.rec.EventID, e.rec.AccountID)
		}
	}
	slices.SortFunc(evs, func(a, b storedEvent) int { return comparePosition(b.pos, a.pos) })
	return evs, nil
}

// eventIDs returns the ids of the events at seqs.
func eventIDs(c *conn, seqs []int64) (map[int64]string, error) {
	ids := make(map[int64]string, len(seqs))
	err := bySeq(c, "seq, event_id", seqs, func(rows *sql.Rows) error {
		var seq int64
		var id string
		if err := rows.Scan(&seq, &id); err != nil {
			return err
		}
		ids[seq] = id
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(ids) != len(seqs) {
		return nil, missingEvents(seqs, func(seq int64) bool { _, ok := ids[seq]; return ok })
	}
	return ids, nil
}

// eventsBySeq reads the events at seqs, in no particular order.
func eventsBySeq(c *conn, seqs []int64) ([]storedEvent, error) {
	evs := make([]storedEvent, 0, len(seqs))
	found := make(map[int64]bool, len(seqs))
	err := bySeq(c, "seq, event_id, record", seqs, func(rows *sql.Rows) error {
		var (
			seq    int64
			id     string
			record []byte
		)
		if err := rows.Scan(&seq, &id, &record); err != nil {
			return err
		}
		rec, ns, err := decodeRecord(id, record)
		if err != nil {
			return fmt.Errorf("event %q: %w", id, err)
		}
		found[seq] = true
		evs = append(evs, storedEvent{rec: rec, pos: lookup.Position{Time: ns, EventID: id}})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(evs) != len(seqs) {
		return nil, missingEvents(seqs, func(seq int64) bool { return found[seq] })
	}
	return evs, nil
}

func missingEvents(seqs []int64, found func(int64) bool) error {
	for _, seq := range seqs {
		if !found(seq) {
			return fmt.Errorf("sqlite store: query events: a posting list names event %d, which does not exist", seq)
		}
	}
	return fmt.Errorf("sqlite store: query events: a posting list names an event twice")
}

// bySeq runs "SELECT cols FROM events WHERE seq IN (seqs)" and calls scan
// for every row. The IN list has one of the fixed lengths of insertChunks,
// so that its statements are prepared once; a short list is padded with
// seq 0, which no event has.
func bySeq(c *conn, cols string, seqs []int64, scan func(*sql.Rows) error) error {
	args := make([]any, 0, insertChunks[0])
	for len(seqs) > 0 {
		n := insertChunks[0]
		for _, size := range insertChunks {
			if size >= len(seqs) {
				n = size
			}
		}
		args = args[:0]
		for i := range n {
			var seq int64
			if i < len(seqs) {
				seq = seqs[i]
			}
			args = append(args, seq)
		}
		seqs = seqs[min(n, len(seqs)):]
		rows, err := c.query(`SELECT `+cols+` FROM events WHERE seq IN (`+placeholders(n, 1)+`)`, args...)
		if err != nil {
			return fmt.Errorf("sqlite store: query events: %w", err)
		}
		for rows.Next() {
			if err := scan(rows); err != nil {
				rows.Close()
				return fmt.Errorf("sqlite store: query events: %w", err)
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		if err := rows.Err(); err != nil {
			return fmt.Errorf("sqlite store: query events: %w", err)
		}
	}
	return nil
}

// listAccounts returns the accounts that have events.
func listAccounts(c *conn) ([]string, error) {
	rows, err := c.query(sqlAccounts)
	if err != nil {
		return nil, fmt.Errorf("sqlite store: list event accounts: %w", err)
	}
	defer rows.Close()
	var accounts []string
	for rows.Next() {
		var account string
		if err := rows.Scan(&account); err != nil {
			return nil, fmt.Errorf("sqlite store: list event accounts: %w", err)
		}
		accounts = append(accounts, account)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite store: list event accounts: %w", err)
	}
	return accounts, nil
}
