package sqlite

import (
	"strconv"
	"syscall"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"time"
	"context"
	"strings"
	"testing"
)

func BenchmarkProtoExecOverhead(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	c := <-s.writer
	defer func() { s.writer <- c }()
	c.c.ExecContext(ctx, `CREATE TABLE noptab (a,b,c,d,e,f,g,h,i,j,k)`)
	js := make([]byte, 1500)
	for _, n := range []int{1, 6, 11} {
		q := "INSERT INTO noptab (" + "a,b,c,d,e,f,g,h,i,j,k"[:2*n-1] + ") SELECT " + strings.TrimSuffix(strings.Repeat("?,", n), ",") + " WHERE 0"
		st, err := c.stmt(q)
		if err != nil {
			b.Fatal(err)
		}
		args := []any{int64(1), "0190a4b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b", int64(1700000000000000000), "CreateUser", "iam.amazonaws.com", "user-1", "AKIA0000000000000001", true, "123456789012", []byte("xxxxxxxxxxxxxxxxxxxxxxxxxxxxx"), js}
		c.c.ExecContext(ctx, "BEGIN IMMEDIATE")
		b.Run("params"+string(rune('0'+n/10))+string(rune('0'+n%10)), func(b *testing.B) {
			for b.Loop() {
				if _, err := st.ExecContext(context.Background(), args[11-n:]...); err != nil {
					b.Fatal(err)
				}
			}
		})
		c.c.ExecContext(ctx, "ROLLBACK")
	}
}

func TestProtoFrames(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := <-s.writer
	c.c.ExecContext(ctx, "PRAGMA wal_autocheckpoint=0")
	s.writer <- c
	for _, principals := range []int{8, 200} {
		pool := benchEvents(256, principals, time.Now())
		at := time.Now()
		walSize := func() int64 {
			fi, _ := os.Stat(filepath.Join(dir, FileName+"-wal"))
			return fi.Size()
		}
		for round := 0; round < 3; round++ {
			w0 := walSize()
			for i := 0; i < 64; i++ {
				for j := range pool {
					at = at.Add(time.Microsecond)
					pool[j].EventTime = at
					pool[j].EventID = uuid7(at)
				}
				if err := s.AppendEvents(ctx, pool); err != nil {
					t.Fatal(err)
				}
			}
			t.Logf("principals=%d: %.1f frames per batch", principals, float64(walSize()-w0)/(16384+24)/64)
		}
	}
}

func TestProtoDBStat(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	s := openTemp(t)
	defer s.Close()
	pool := benchEvents(256, 200, time.Now())
	at := time.Now()
	for i := 0; i < 200; i++ {
		for j := range pool {
			at = at.Add(time.Microsecond)
			pool[j].EventTime = at
			pool[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, pool); err != nil {
			t.Fatal(err)
		}
	}
	c := <-s.writer
	defer func() { s.writer <- c }()
	rows, err := c.c.QueryContext(ctx, "SELECT name, count(*), sum(payload), sum(unused), sum(pgsize) FROM dbstat GROUP BY name")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var n, payload, unused, size int64
		rows.Scan(&name, &n, &payload, &unused, &size)
		t.Logf("%-20s pages=%6d payload=%10d unused=%10d", name, n, payload, unused)
	}
}

func TestProtoUserSys(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	s := openTemp(t)
	defer s.Close()
	if cs := os.Getenv("CACHE"); cs != "" {
		c := <-s.writer
		c.c.ExecContext(ctx, "PRAGMA cache_size="+cs)
		s.writer <- c
	}
	pool := mixedEvents(256*16, mrand.New(mrand.NewPCG(1, 2)))
	at := time.Now()
	warm := 0
	if w := os.Getenv("WARM"); w != "" {
		warm, _ = strconv.Atoi(w)
	}
	for i := 0; i < warm; i++ {
		evs := pool[(i*256)%len(pool):][:256]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	var ru0, ru1 syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru0)
	n := 0
	for i := 0; i < 1000; i++ {
		evs := pool[n%len(pool):][:256]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = uuid7(at)
		}
		n += 256
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru1)
	u := time.Duration(ru1.Utime.Nano() - ru0.Utime.Nano())
	sy := time.Duration(ru1.Stime.Nano() - ru0.Stime.Nano())
	t.Logf("user %.2f µs/event, sys %.2f µs/event, vol ctx %d, invol %d, inblock %d, oublock %d, minflt/batch %.1f", float64(u.Microseconds())/float64(n), float64(sy.Microseconds())/float64(n), ru1.Nvcsw-ru0.Nvcsw, ru1.Nivcsw-ru0.Nivcsw, ru1.Inblock-ru0.Inblock, ru1.Oublock-ru0.Oublock, float64(ru1.Minflt-ru0.Minflt)/1000)
}

func TestProtoWALBreakdown(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	dir := t.TempDir()
	s, err := Open(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	pool := mixedEvents(256*16, mrand.New(mrand.NewPCG(1, 2)))
	if os.Getenv("MIX200") != "" {
		pool = benchEvents(256, 200, time.Now())
	}
	if ce := os.Getenv("CE"); ce != "" {
		tu := defaultTuning
		tu.compactEvents, _ = strconv.Atoi(ce)
		tu.compactBatches = tu.compactEvents / 256
		s.setTuning(tu)
	}
	at := time.Now()
	n := 0
	appendN := func(k int) {
		for i := 0; i < k; i++ {
			evs := pool[n%len(pool):][:256]
			for j := range evs {
				at = at.Add(time.Microsecond)
				evs[j].EventTime = at
				evs[j].EventID = uuid7(at)
			}
			n += 256
			if err := s.AppendEvents(ctx, evs); err != nil {
				t.Fatal(err)
			}
		}
	}
	warmB := 300
	if w := os.Getenv("WARMB"); w != "" {
		warmB, _ = strconv.Atoi(w)
	}
	appendN(warmB)
	c := <-s.writer
	c.c.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)")
	c.c.ExecContext(ctx, "PRAGMA wal_autocheckpoint=0")
	s.writer <- c
	const batches = 256
	appendN(batches)
	wal, err := os.ReadFile(filepath.Join(dir, FileName+"-wal"))
	if err != nil {
		t.Fatal(err)
	}
	owner := map[uint32]string{}
	c = <-s.writer
	rows, err := c.c.QueryContext(ctx, "SELECT name, pageno, pagetype FROM dbstat")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name, typ string
		var pg uint32
		rows.Scan(&name, &pg, &typ)
		owner[pg] = name + "/" + typ
	}
	rows.Close()
	s.writer <- c
	counts := map[string]int{}
	distinct := map[uint32]bool{}
	const frame = 24 + 16384
	for off := 32; off+frame <= len(wal); off += frame {
		pg := uint32(wal[off])<<24 | uint32(wal[off+1])<<16 | uint32(wal[off+2])<<8 | uint32(wal[off+3])
		o := owner[pg]
		if o == "" {
			o = "free/unknown"
		}
		if pg == 1 {
			o = "page1"
		}
		counts[o]++
		distinct[pg] = true
	}
	total := 0
	for k, v := range counts {
		total += v
		t.Logf("%-32s %7.2f frames/batch", k, float64(v)/batches)
	}
	t.Logf("total %.2f frames/batch, %.2f distinct pages/batch", float64(total)/batches, float64(len(distinct))/batches)
}

func TestProtoReprepare(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	s := openTemp(t)
	defer s.Close()
	pool := mixedEvents(256*16, mrand.New(mrand.NewPCG(1, 2)))
	at := time.Now()
	for i := 0; i < 100; i++ {
		evs := pool[(i*256)%len(pool):][:256]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	variants := map[string]string{
		"A current": sqlRuns,
		"B no OR": `SELECT max_time, first_seq, min_time, id FROM event_postings
		WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? AND max_time <= ?
		AND ? AND ?
		ORDER BY max_time DESC, first_seq DESC LIMIT ?`,
		"C no LIMIT param": `SELECT max_time, first_seq, min_time, id FROM event_postings
		WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? AND max_time <= ?
		AND (max_time < ? OR first_seq < ?)
		ORDER BY max_time DESC, first_seq DESC LIMIT 8+?-?`,
		"D rowvalue": `SELECT max_time, first_seq, min_time, id FROM event_postings
		WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? AND max_time <= ?
		AND (max_time, first_seq) < (?, ?)
		ORDER BY max_time DESC, first_seq DESC LIMIT ?`,
	}
	err := s.read(ctx, func(c *conn) error {
		for name, q := range variants {
			t0 := time.Now()
			for i := 0; i < 2000; i++ {
				rows, err := c.query(q, "111111111111", 1, "x", int64(-i), int64(1000000+i), int64(1000000+i), int64(i), 8)
				if err != nil {
					t.Logf("%s: %v", name, err)
					break
				}
				for rows.Next() {
				}
				rows.Close()
			}
			t.Logf("%-20s %v per query", name, time.Since(t0)/2000)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestProtoReprepare2(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	s := openTemp(t)
	defer s.Close()
	pool := mixedEvents(256*16, mrand.New(mrand.NewPCG(1, 2)))
	at := time.Now()
	for i := 0; i < 100; i++ {
		evs := pool[(i*256)%len(pool):][:256]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []string{sqlRuns,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? AND max_time <= ? ORDER BY max_time DESC, first_seq DESC LIMIT ?`,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? AND attr = ? AND value = ? ORDER BY max_time DESC, first_seq DESC LIMIT ?`,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? AND attr = ? AND value = ? AND max_time <= ? ORDER BY max_time DESC, first_seq DESC LIMIT 4`,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? AND attr = ? AND value = ? AND max_time >= ? ORDER BY max_time DESC, first_seq DESC LIMIT 4`,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? AND attr = ? AND value = ? LIMIT 4`,
		`SELECT max_time, first_seq, min_time, id FROM event_postings WHERE account_id = ? LIMIT 4`,
		`SELECT seq, event_id, record FROM events WHERE seq IN (` + placeholders(64, 1) + `)`,
		sqlLevel0Batches, sqlBatchIndex, sqlAccounts} {
		n := strings.Count(q, "?")
		args := make([]any, n)
		t0 := time.Now()
		for i := 0; i < 2000; i++ {
			for k := range args {
				args[k] = int64(i + k)
			}
			err := s.read(ctx, func(c *conn) error {
				rows, err := c.query(q, args...)
				if err != nil {
					return err
				}
				for rows.Next() {
				}
				return rows.Close()
			})
			if err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%v per query: %.150s", time.Since(t0)/2000, q)
	}
}

func TestProtoFetch(t *testing.T) {
	if os.Getenv("PROTO") == "" {
		t.Skip()
	}
	s := openTemp(t)
	defer s.Close()
	pool := mixedEvents(256*16, mrand.New(mrand.NewPCG(1, 2)))
	at := time.Now()
	for i := 0; i < 100; i++ {
		evs := pool[(i*256)%len(pool):][:256]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
	}
	seqs := make([]int64, 51)
	for i := range seqs {
		seqs[i] = int64(1000 + i*37)
	}
	for name, fn := range map[string]func(c *conn) error{
		"bySeq": func(c *conn) error {
			_, err := eventsBySeq(c, seqs)
			return err
		},
		"point": func(c *conn) error {
			for _, seq := range seqs {
				row, err := c.queryRow(`SELECT seq, event_id, record FROM events WHERE seq = ?`, seq)
				if err != nil {
					return err
				}
				var a int64
				var b string
				var r []byte
				if err := row.Scan(&a, &b, &r); err != nil {
					return err
				}
			}
			return nil
		},
		"in-nofetch": func(c *conn) error {
			args := make([]any, 64)
			for i := range args {
				args[i] = int64(1000 + i*37)
			}
			rows, err := c.query(`SELECT seq FROM events WHERE seq IN (`+placeholders(64, 1)+`)`, args...)
			if err != nil {
				return err
			}
			for rows.Next() {
			}
			return rows.Close()
		},
	} {
		t0 := time.Now()
		for i := 0; i < 500; i++ {
			if err := s.read(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		t.Logf("%-12s %v", name, time.Since(t0)/500)
	}
}
