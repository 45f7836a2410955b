package sqlite

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
	"github.com/gatehouse/gatehouse/internal/store/lookup"
)

// writeV1 creates a database of schema version 1 in dir holding events, the
// way version 1's AppendEvents stored them.
func writeV1(t *testing.T, dir string, events []store.EventRecord) {
	t.Helper()
	db, err := sql.Open("sqlite", dsn(filepath.Join(dir, FileName), true))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	tx, err := db.Begin()
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range migrations[0].stmts {
		if _, err := tx.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tx.Exec("PRAGMA user_version = 1"); err != nil {
		t.Fatal(err)
	}
	for i, e := range events {
		seq := int64(i + 1)
		var res []byte
		if len(e.Resources) > 0 {
			res = encodeResources(nil, e.Resources)
		}
		if _, err := tx.Exec(`INSERT INTO events
			(seq, event_id, event_time, event_name, event_source, username, access_key_id, read_only, account_id, resources, json)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			seq, e.EventID, lookup.UnixNano(e.EventTime), e.EventName, e.EventSource, e.Username,
			e.AccessKeyID, e.ReadOnly, e.AccountID, res, e.JSON); err != nil {
			t.Fatal(err)
		}
		for _, r := range e.Resources {
			if _, err := tx.Exec(`INSERT INTO event_resources (account_id, type, event_time, event_seq, name)
				VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, e.AccountID, r.Type, lookup.UnixNano(e.EventTime), seq, r.Name); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
}

// v1Events returns n events with random (version 4) ids, as version 1
// stored them, with small JSON.
func v1Events(n int) []store.EventRecord {
	rng := rand.New(rand.NewPCG(5, 5))
	at := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	evs := mixedEvents(n, rng)
	for i := range evs {
		at = at.Add(time.Duration(rng.IntN(3000)) * time.Millisecond)
		evs[i].EventTime = at
		evs[i].EventID = uuid4(at)
		evs[i].JSON = fmt.Appendf(nil, `{"eventID":%q}`, evs[i].EventID)
	}
	evs[7].EventTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC) // clamped in version 1 too
	evs[9].Resources = []store.EventResource{{Type: "T", Name: "N"}, {Type: "T", Name: "N"}}
	return evs
}

// TestMigrateV1 opens a version 1 database: every event is kept, under its
// row number, and found by every lookup as before; the old tables are gone,
// and appending continues after the migrated events.
func TestMigrateV1(t *testing.T) {
	// Level 0 fills twice during the migration, and keeps some events.
	saved := migrationTuning
	migrationTuning.compactEvents = 1000
	t.Cleanup(func() { migrationTuning = saved })
	dir := t.TempDir()
	events := v1Events(3000)
	writeV1(t, dir, events)

	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatalf("open version 1 database: %v", err)
	}
	defer s.Close()
	if err := s.IntegrityCheck(ctx); err != nil {
		t.Fatal(err)
	}
	err = s.read(ctx, func(c *conn) error {
		var version, level0, level1, oldTables int
		c.c.QueryRowContext(ctx, "PRAGMA user_version").Scan(&version)
		c.c.QueryRowContext(ctx, "SELECT count(*) FROM event_batches").Scan(&level0)
		c.c.QueryRowContext(ctx, "SELECT count(*) FROM event_postings").Scan(&level1)
		c.c.QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE name IN ('events_v1', 'event_resources')").Scan(&oldTables)
		if version != schemaVersion() || level0 == 0 || level1 == 0 || oldTables != 0 {
			return fmt.Errorf("after migration: version %d, %d level 0 rows, %d level 1 rows, %d old tables",
				version, level0, level1, oldTables)
		}
		var seq int64
		var id string
		c.c.QueryRowContext(ctx, "SELECT seq, event_id FROM events WHERE seq = 1234").Scan(&seq, &id)
		if id != events[1233].EventID {
			return fmt.Errorf("row 1234 holds %q, want %q", id, events[1233].EventID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	check := func(q store.EventQuery) {
		t.Helper()
		var got []store.EventRecord
		for {
			page, next, err := s.QueryEvents(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			got = append(got, page...)
			if next == "" {
				break
			}
			q.NextToken = next
		}
		q.NextToken = ""
		want := referenceQuery(events, q)
		if len(got) != len(want) {
			t.Fatalf("%+v: %d events, want %d", q, len(got), len(want))
		}
		for i := range got {
			if got[i].EventID != want[i].EventID || !got[i].EventTime.Equal(want[i].EventTime) ||
				!slices.Equal(got[i].Resources, want[i].Resources) || string(got[i].JSON) != string(want[i].JSON) ||
				got[i].Username != want[i].Username || got[i].ReadOnly != want[i].ReadOnly {
				t.Fatalf("%+v: event %d is %+v, want %+v", q, i, got[i], want[i])
			}
		}
	}
	for _, q := range []store.EventQuery{
		{AccountID: "111111111111"},
		{AccountID: "222222222222", Attribute: "Username", Value: "user-5"},
		{AccountID: "333333333333", Attribute: "ResourceType", Value: "AWS::KMS::Key", EndTime: events[2000].EventTime},
		{AccountID: events[9].AccountID, Attribute: "ResourceName", Value: "N"},
		{Attribute: "EventId", Value: events[2345].EventID},
		{AccountID: events[7].AccountID, EndTime: time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		check(q)
	}

	// Appending continues: new events after the migrated ones, retried
	// old ones skipped.
	fresh := store.EventRecord{EventID: "after-migration", EventTime: time.Now(), AccountID: "111111111111", JSON: []byte("{}")}
	if err := s.AppendEvents(ctx, []store.EventRecord{events[5], fresh, events[len(events)-1]}); err != nil {
		t.Fatal(err)
	}
	events = append(events, fresh)
	check(store.EventQuery{AccountID: "111111111111", StartTime: events[len(events)-100].EventTime})
	err = s.read(ctx, func(c *conn) error {
		var seq int64
		c.c.QueryRowContext(ctx, "SELECT seq FROM events WHERE event_id = 'after-migration'").Scan(&seq)
		if want := int64(len(events)); seq != want {
			return fmt.Errorf("the first event after the migration has row %d, want %d", seq, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// referenceQuery is what q (without a token) returns over events, all
// pages together.
func referenceQuery(events []store.EventRecord, q store.EventQuery) []store.EventRecord {
	plan, err := lookup.NewPlan(q)
	if err != nil {
		panic(err)
	}
	lo, hi := plan.TimeBounds()
	var out []store.EventRecord
	for _, e := range events {
		t := lookup.UnixNano(e.EventTime)
		if (plan.AccountID != "" && e.AccountID != plan.AccountID) || t < lo || t > hi {
			continue
		}
		ok := false
		switch plan.Attr {
		case lookup.AttrNone:
			ok = true
		case lookup.AttrEventID:
			ok = e.EventID == plan.Value
		case lookup.AttrUsername:
			ok = e.Username == plan.Value
		case lookup.AttrResourceType:
			ok = slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Type == plan.Value })
		case lookup.AttrResourceName:
			ok = slices.ContainsFunc(e.Resources, func(r store.EventResource) bool { return r.Name == plan.Value })
		default:
			panic("attribute not covered")
		}
		if ok {
			e.EventTime = time.Unix(0, t).UTC()
			out = append(out, e)
		}
	}
	slices.SortFunc(out, func(a, b store.EventRecord) int {
		return comparePosition(lookup.Position{Time: lookup.UnixNano(b.EventTime), EventID: b.EventID},
			lookup.Position{Time: lookup.UnixNano(a.EventTime), EventID: a.EventID})
	})
	return out
}
