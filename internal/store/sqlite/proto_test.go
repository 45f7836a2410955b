package sqlite

import (
	"context"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

func realisticEvents(n int, rng *rand.Rand, at *time.Time) []store.EventRecord {
	json := make([]byte, 1500)
	for i := range json {
		json[i] = 'a' + byte(i%26)
	}
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	sources := []string{"iam.amazonaws.com", "sts.amazonaws.com", "kms.amazonaws.com", "cloudtrail.amazonaws.com"}
	evs := make([]store.EventRecord, n)
	for i := range evs {
		*at = at.Add(time.Microsecond * time.Duration(1+rng.IntN(20)))
		u := rng.IntN(20)
		acct := accounts[u%3]
		e := store.EventRecord{
			EventID:     uuid7(*at),
			EventTime:   *at,
			EventName:   fmt.Sprintf("Action%02d", rng.IntN(30)),
			EventSource: sources[rng.IntN(len(sources))],
			Username:    fmt.Sprintf("user-%d", u),
			AccessKeyID: fmt.Sprintf("AKIA%016d", u),
			ReadOnly:    rng.IntN(3) != 0,
			AccountID:   acct,
			JSON:        json,
		}
		for range rng.IntN(3) {
			k := rng.IntN(20)
			e.Resources = append(e.Resources, store.EventResource{Type: []string{"AWS::IAM::User", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::IAM::AccessKey"}[k%4], Name: fmt.Sprintf("arn:aws:iam::%s:user/thing-%d", acct, k)})
		}
		evs[i] = e
	}
	return evs
}

type protoVariant struct {
	name  string
	setup []string
	batch func(c *conn, evs []store.EventRecord, seq *int64) error
}

func protoInsertEvents(c *conn, evs []store.EventRecord, seq *int64) error {
	ins, err := c.stmt(`INSERT INTO ev (seq, event_id, event_time, event_name, event_source, username, access_key_id, read_only, account_id, resources, json) VALUES (?,?,?,?,?,?,?,?,?,?,?)`)
	if err != nil {
		return err
	}
	var buf []byte
	for i := range evs {
		e := &evs[i]
		*seq++
		buf = encodeResources(buf[:0], e.Resources)
		if _, err := ins.ExecContext(context.Background(), *seq, e.EventID, e.EventTime.UnixNano(), e.EventName, e.EventSource, e.Username, e.AccessKeyID, e.ReadOnly, e.AccountID, buf, e.JSON); err != nil {
			return err
		}
	}
	return nil
}

const protoEvTable = `CREATE TABLE ev (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, event_time INTEGER NOT NULL, event_name TEXT NOT NULL, event_source TEXT NOT NULL, username TEXT NOT NULL, access_key_id TEXT NOT NULL, read_only INTEGER NOT NULL, account_id TEXT NOT NULL, resources BLOB, json BLOB NOT NULL)`

type pkey struct {
	acct  string
	attr  int
	value string
}

func postings(evs []store.EventRecord, first int64) map[pkey][]int64 {
	m := map[pkey][]int64{}
	for i, e := range evs {
		s := first + int64(i)
		add := func(a int, v string) {
			k := pkey{e.AccountID, a, v}
			l := m[k]
			if len(l) > 0 && l[len(l)-1] == s {
				return
			}
			m[k] = append(l, s)
		}
		add(0, "")
		add(2, e.EventName)
		add(3, e.EventSource)
		add(4, e.Username)
		add(5, e.AccessKeyID)
		add(6, fmt.Sprint(e.ReadOnly))
		for _, r := range e.Resources {
			add(7, r.Type)
			add(8, r.Name)
		}
	}
	return m
}

func protoPostings(table string, withAccount bool) func(c *conn, evs []store.EventRecord, seq *int64) error {
	return func(c *conn, evs []store.EventRecord, seq *int64) error {
		first := *seq + 1
		if err := protoInsertEvents(c, evs, seq); err != nil {
			return err
		}
		ins, err := c.stmt(`INSERT INTO ` + table + ` (account_id, attr, value, max_time, min_time, seqs) VALUES (?,?,?,?,?,?)`)
		if err != nil {
			return err
		}
		m := postings(evs, first)
		keys := make([]pkey, 0, len(m))
		for k := range m {
			if k.attr == 0 && !withAccount {
				continue
			}
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if keys[i].acct != keys[j].acct {
				return keys[i].acct < keys[j].acct
			}
			if keys[i].attr != keys[j].attr {
				return keys[i].attr < keys[j].attr
			}
			return keys[i].value < keys[j].value
		})
		var blob []byte
		for _, k := range keys {
			l := m[k]
			blob = blob[:0]
			prev := int64(0)
			lo, hi := int64(1<<62), int64(-1<<62)
			for _, s := range l {
				blob = binary.AppendUvarint(blob, uint64(s-prev))
				prev = s
				t := evs[s-first].EventTime.UnixNano()
				lo, hi = min(lo, t), max(hi, t)
			}
			if _, err := ins.ExecContext(context.Background(), k.acct, k.attr, k.value, hi, lo, blob); err != nil {
				return err
			}
		}
		return nil
	}
}

func TestProto(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	batches := 400
	if n, _ := strconv.Atoi(os.Getenv("PROTO_BATCHES")); n > 0 {
		batches = n
	}
	variants := []protoVariant{
		{"rows only", []string{protoEvTable}, protoInsertEvents},
		{"rows+id", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`}, protoInsertEvents},
		{"rows+id+time", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`, `CREATE INDEX ev_time ON ev(account_id, event_time)`}, protoInsertEvents},
		{"rows+id+postings(scattered,+acct)", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`,
			`CREATE TABLE post (account_id TEXT NOT NULL, attr INTEGER NOT NULL, value TEXT NOT NULL, max_time INTEGER NOT NULL, min_time INTEGER NOT NULL, seqs BLOB NOT NULL, PRIMARY KEY (account_id, attr, value, max_time, min_time)) WITHOUT ROWID`}, protoPostings("post", true)},
		{"rows+id+postings(rowid+index,+acct)", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`,
			`CREATE TABLE post (id INTEGER PRIMARY KEY, account_id TEXT NOT NULL, attr INTEGER NOT NULL, value TEXT NOT NULL, max_time INTEGER NOT NULL, min_time INTEGER NOT NULL, seqs BLOB NOT NULL)`, `CREATE INDEX post_k ON post(account_id, attr, value, max_time)`}, protoPostings("post", true)},
	}
	only := os.Getenv("PROTO")
	for _, v := range variants {
		if only != "all" && !strings.Contains(v.name, only) {
			continue
		}
		s := openTemp(t)
		c := <-s.writer
		for _, st := range v.setup {
			if _, err := c.c.ExecContext(ctx, st); err != nil {
				t.Fatal(err)
			}
		}
		s.writer <- c
		rng := rand.New(rand.NewPCG(1, 2))
		at := time.Now()
		var seq int64
		var evs [][]store.EventRecord
		for range batches {
			evs = append(evs, realisticEvents(256, rng, &at))
		}
		cpu0 := cpuTime()
		t0 := time.Now()
		for i := range batches {
			if err := s.write(ctx, func(c *conn) error { return v.batch(c, evs[i], &seq) }); err != nil {
				t.Fatal(err)
			}
		}
		el := time.Since(t0)
		cpu := cpuTime() - cpu0
		n := batches * 256
		t.Logf("%-40s %6.2f cpu-µs/event %8.0f events/s", v.name, float64(cpu.Microseconds())/float64(n), float64(n)/el.Seconds())
		s.Close()
	}
}

func protoMulti(rowsPer int, packed bool) func(c *conn, evs []store.EventRecord, seq *int64) error {
	return func(c *conn, evs []store.EventRecord, seq *int64) error {
		cols := "(seq, event_id, event_time, event_name, event_source, username, access_key_id, read_only, account_id, resources, json)"
		ph := "(?,?,?,?,?,?,?,?,?,?,?)"
		if packed {
			cols = "(seq, event_id, event_time, account_id, event_name, json)"
			ph = "(?,?,?,?,?,?)"
		}
		var args []any
		var buf []byte
		flush := func() error {
			n := len(args) / strings.Count(ph, "?")
			q := "INSERT INTO ev " + cols + " VALUES " + strings.TrimSuffix(strings.Repeat(ph+",", n), ",")
			st, err := c.stmt(q)
			if err != nil {
				return err
			}
			_, err = st.ExecContext(context.Background(), args...)
			args = args[:0]
			return err
		}
		for i := range evs {
			e := &evs[i]
			*seq++
			if packed {
				buf = buf[:0]
				for _, s := range []string{e.EventName, e.EventSource, e.Username, e.AccessKeyID} {
					buf = binary.AppendUvarint(buf, uint64(len(s)))
					buf = append(buf, s...)
				}
				buf = encodeResources(buf, e.Resources)
				args = append(args, *seq, e.EventID, e.EventTime.UnixNano(), e.AccountID, string(buf), e.JSON)
			} else {
				args = append(args, *seq, e.EventID, e.EventTime.UnixNano(), e.EventName, e.EventSource, e.Username, e.AccessKeyID, e.ReadOnly, e.AccountID, encodeResources(nil, e.Resources), e.JSON)
			}
			if (i+1)%rowsPer == 0 {
				if err := flush(); err != nil {
					return err
				}
			}
		}
		if len(args) > 0 {
			return flush()
		}
		return nil
	}
}

func TestProto2(t *testing.T) {
	if os.Getenv("PROTO2") == "" {
		t.Skip()
	}
	packedTable := `CREATE TABLE ev (seq INTEGER PRIMARY KEY, event_id TEXT NOT NULL, event_time INTEGER NOT NULL, account_id TEXT NOT NULL, event_name BLOB NOT NULL, json BLOB NOT NULL)`
	variants := []protoVariant{
		{"rows single", []string{protoEvTable}, protoInsertEvents},
		{"rows multi1", []string{protoEvTable}, protoMulti(1, false)},
		{"rows multi16", []string{protoEvTable}, protoMulti(16, false)},
		{"rows multi64", []string{protoEvTable}, protoMulti(64, false)},
		{"rows packed1", []string{packedTable}, protoMulti(1, true)},
		{"rows packed64", []string{packedTable}, protoMulti(64, true)},
		{"rows+id multi64", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`}, protoMulti(64, false)},
		{"rows+id+time multi64", []string{protoEvTable, `CREATE UNIQUE INDEX ev_id ON ev(event_id)`, `CREATE INDEX ev_time ON ev(account_id, event_time)`}, protoMulti(64, false)},
	}
	for rep := 0; rep < 2; rep++ {
		for _, v := range variants {
			s := openTemp(t)
			c := <-s.writer
			for _, st := range v.setup {
				if _, err := c.c.ExecContext(ctx, st); err != nil {
					t.Fatal(err)
				}
			}
			s.writer <- c
			rng := rand.New(rand.NewPCG(1, 2))
			at := time.Now()
			var seq int64
			batches := 600
			var evs [][]store.EventRecord
			for range batches {
				evs = append(evs, realisticEvents(256, rng, &at))
			}
			cpu0 := cpuTime()
			t0 := time.Now()
			for i := range batches {
				if err := s.write(ctx, func(c *conn) error { return v.batch(c, evs[i], &seq) }); err != nil {
					t.Fatal(err)
				}
			}
			el := time.Since(t0)
			cpu := cpuTime() - cpu0
			n := batches * 256
			t.Logf("%-40s %6.2f cpu-µs/event %8.0f events/s", v.name, float64(cpu.Microseconds())/float64(n), float64(n)/el.Seconds())
			s.Close()
		}
	}
}
