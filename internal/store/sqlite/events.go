package sqlite

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

const (
	sqlMaxEventSeq = `SELECT coalesce(max(seq), 0) FROM events`
	sqlInsertEvent = `INSERT INTO events
		(seq, event_id, event_time, event_name, event_source, username, access_key_id, read_only, account_id, resources, json)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (event_id) DO NOTHING`
	sqlInsertResource = `INSERT INTO event_resources (account_id, type, event_time, event_seq, name)
		VALUES (?, ?, ?, ?, ?)
		ON CONFLICT DO NOTHING`
)

// ctxCheckEvery is how many events AppendEvents inserts between checks of
// its context.
const ctxCheckEvery = 64

// AppendEvents writes events durably in one transaction: all of them or, on
// error, none. An event whose EventID is already stored is skipped, so a
// batch retried after an error of unknown outcome (a timeout during the
// commit) does not store anything twice. Every event needs an EventID.
func (s *Store) AppendEvents(ctx context.Context, events []store.EventRecord) error {
	if len(events) == 0 {
		return nil
	}
	for i := range events {
		if events[i].EventID == "" {
			return fmt.Errorf("sqlite store: append events: event %d of %d has no EventID", i, len(events))
		}
	}
	return s.write(ctx, func(c *conn) error {
		// Row numbers are handed out here, under the write lock, so that
		// event_resources rows can name their event without reading
		// back the rowid of each insert.
		row, err := c.queryRow(sqlMaxEventSeq)
		if err != nil {
			return fmt.Errorf("sqlite store: append events: %w", err)
		}
		var seq int64
		if err := row.Scan(&seq); err != nil {
			return fmt.Errorf("sqlite store: append events: read last row number: %w", err)
		}
		insEvent, err := c.stmt(sqlInsertEvent)
		if err != nil {
			return fmt.Errorf("sqlite store: append events: %w", err)
		}
		insResource, err := c.stmt(sqlInsertResource)
		if err != nil {
			return fmt.Errorf("sqlite store: append events: %w", err)
		}
		var buf []byte
		for i := range events {
			e := &events[i]
			if i%ctxCheckEvery == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			seq++
			when := lookup.UnixNano(e.EventTime)
			buf = encodeResources(buf[:0], e.Resources)
			var res []byte
			if len(e.Resources) > 0 {
				res = buf
			}
			result, err := insEvent.ExecContext(context.Background(),
				seq, e.EventID, when, e.EventName, e.EventSource, e.Username,
				e.AccessKeyID, e.ReadOnly, e.AccountID, res, blob(e.JSON))
			if err != nil {
				return fmt.Errorf("sqlite store: append event %q: %w", e.EventID, err)
			}
			if n, err := result.RowsAffected(); err != nil {
				return fmt.Errorf("sqlite store: append event %q: %w", e.EventID, err)
			} else if n == 0 {
				seq-- // already stored: skipped, and its number is free again
				continue
			}
			for _, r := range e.Resources {
				if _, err := insResource.ExecContext(context.Background(), e.AccountID, r.Type, when, seq, r.Name); err != nil {
					return fmt.Errorf("sqlite store: append event %q: resource %s %q: %w", e.EventID, r.Type, r.Name, err)
				}
			}
		}
		return nil
	})
}
