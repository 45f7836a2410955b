package sqlite

import (
	"context"
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// migrateChunk is how many version 1 events migrateEventsV1 moves at a
// time: one batch index each, as if they had been appended in batches of
// that size.
const migrateChunk = 512

// migrationTuning shapes the posting lists the migration builds; a test
// makes them small.
var migrationTuning = defaultTuning

// migrateEventsV1 moves the events of schema version 1 (renamed events_v1
// by the migration's statements) into the version 2 layout, in the order of
// their row numbers (which version 1 handed out as version 2 does, so they
// keep them), and builds their posting lists through the same code as
// AppendEvents. The old table is dropped at the end; a database of a
// million events takes a minute or so.
func migrateEventsV1(c *conn) error {
	const query = `SELECT seq, event_id, event_time, event_name, event_source, username,
		access_key_id, read_only, account_id, resources, json
		FROM events_v1 WHERE seq > ? ORDER BY seq LIMIT ?`
	a := newAppender(migrationTuning)
	var after int64
	for {
		evs, seqs, err := readEventsV1(c, query, after)
		if err != nil {
			return err
		}
		if len(evs) == 0 {
			break
		}
		ptrs := make([]*store.EventRecord, len(evs))
		for i := range evs {
			ptrs[i] = &evs[i]
		}
		if err := a.store(context.Background(), c, ptrs); err != nil {
			return fmt.Errorf("move events from seq %d: %w", seqs[0], err)
		}
		after = seqs[len(seqs)-1]
	}
	// What remains in level 0 stays there, as after any append.
	if _, err := c.c.ExecContext(context.Background(), `DROP TABLE events_v1`); err != nil {
		return err
	}
	return nil
}

func readEventsV1(c *conn, query string, after int64) ([]store.EventRecord, []int64, error) {
	rows, err := c.c.QueryContext(context.Background(), query, after, migrateChunk)
	if err != nil {
		return nil, nil, fmt.Errorf("read version 1 events: %w", err)
	}
	defer rows.Close()
	var (
		evs  []store.EventRecord
		seqs []int64
	)
	for rows.Next() {
		var (
			e         store.EventRecord
			seq, ns   int64
			resources []byte
		)
		if err := rows.Scan(&seq, &e.EventID, &ns, &e.EventName, &e.EventSource, &e.Username,
			&e.AccessKeyID, &e.ReadOnly, &e.AccountID, &resources, &e.JSON); err != nil {
			return nil, nil, fmt.Errorf("read version 1 events: %w", err)
		}
		e.EventTime = time.Unix(0, ns).UTC()
		if e.Resources, err = decodeResources(resources); err != nil {
			return nil, nil, fmt.Errorf("version 1 event %q: %w", e.EventID, err)
		}
		evs = append(evs, e)
		seqs = append(seqs, seq)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read version 1 events: %w", err)
	}
	return evs, seqs, nil
}
