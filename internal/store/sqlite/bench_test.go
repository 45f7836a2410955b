package sqlite

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	mrand "math/rand/v2"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// BenchmarkGet measures a point read in its own View over 10,000 items.
func BenchmarkGet(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	const n = 10000
	value := make([]byte, 512)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put("iam/user", fmt.Sprintf("user-%06d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("user-%06d", i%n)
		i++
		if err := s.View(ctx, func(tx store.Tx) error {
			_, err := tx.Get("iam/user", key)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetParallel is BenchmarkGet from GOMAXPROCS goroutines.
func BenchmarkGetParallel(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	const n = 10000
	value := make([]byte, 512)
	err := s.Update(ctx, func(tx store.Tx) error {
		for i := range n {
			if err := tx.Put("iam/user", fmt.Sprintf("user-%06d", i), value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			key := fmt.Sprintf("user-%06d", i%n)
			i += 7
			if err := s.View(ctx, func(tx store.Tx) error {
				_, err := tx.Get("iam/user", key)
				return err
			}); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkUpdatePut measures one durable Update that puts one item: the
// cost of a commit, dominated by the fsync of the WAL.
func BenchmarkUpdatePut(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	value := make([]byte, 512)
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		key := fmt.Sprintf("user-%09d", i)
		i++
		if err := s.Update(ctx, func(tx store.Tx) error { return tx.Put("iam/user", key, value) }); err != nil {
			b.Fatal(err)
		}
	}
}

// benchEvents returns n events shaped like gatehouse's audit records: ~1.5
// KB of JSON, one of 40 event names from 6 sources, one of principals users
// each with its own access key, the user as a resource and, for every fourth
// event, the access key as a second one.
func benchEvents(n, principals int, start time.Time) []store.EventRecord {
	evs := make([]store.EventRecord, n)
	json := benchJSON()
	sources := []string{"iam.amazonaws.com", "sts.amazonaws.com", "kms.amazonaws.com",
		"cloudtrail.amazonaws.com", "organizations.amazonaws.com", "signin.amazonaws.com"}
	for i := range evs {
		p := i % principals
		evs[i] = store.EventRecord{
			EventID:     uuid4(start),
			EventTime:   start.Add(time.Duration(i) * time.Microsecond),
			EventName:   fmt.Sprintf("Action%02d", i%40),
			EventSource: sources[i%len(sources)],
			Username:    fmt.Sprintf("user-%d", p),
			AccessKeyID: fmt.Sprintf("AKIA%016d", p),
			ReadOnly:    i%3 != 0,
			AccountID:   "123456789012",
			Resources: []store.EventResource{
				{Type: "AWS::IAM::User", Name: fmt.Sprintf("user-%d", p)},
			},
			JSON: json,
		}
		if i%4 == 0 {
			evs[i].Resources = append(evs[i].Resources, store.EventResource{Type: "AWS::IAM::AccessKey", Name: evs[i].AccessKeyID})
		}
	}
	return evs
}

func benchJSON() []byte {
	json := make([]byte, 1500)
	for i := range json {
		json[i] = 'a' + byte(i%26)
	}
	return json
}

// mixedEvents returns n events in the mix a busy gatehouse records: three
// accounts, 20 principals (each with its own access key, each in one
// account), 30 event names from 4 sources, two thirds of calls read-only,
// and 0 to 2 resources of 4 types named by ARN.
func mixedEvents(n int, rng *mrand.Rand) []store.EventRecord {
	json := benchJSON()
	accounts := []string{"111111111111", "222222222222", "333333333333"}
	sources := []string{"iam.amazonaws.com", "sts.amazonaws.com", "kms.amazonaws.com", "cloudtrail.amazonaws.com"}
	types := []string{"AWS::IAM::User", "AWS::IAM::Role", "AWS::KMS::Key", "AWS::IAM::AccessKey"}
	evs := make([]store.EventRecord, n)
	for i := range evs {
		p := rng.IntN(20)
		account := accounts[p%len(accounts)]
		e := store.EventRecord{
			EventName:   fmt.Sprintf("Action%02d", rng.IntN(30)),
			EventSource: sources[rng.IntN(len(sources))],
			Username:    fmt.Sprintf("user-%d", p),
			AccessKeyID: fmt.Sprintf("AKIA%016d", p),
			ReadOnly:    rng.IntN(3) != 0,
			AccountID:   account,
			JSON:        json,
		}
		for range rng.IntN(3) {
			k := rng.IntN(24)
			e.Resources = append(e.Resources, store.EventResource{
				Type: types[k%len(types)],
				Name: fmt.Sprintf("arn:aws:iam::%s:thing/resource-%d", account, k),
			})
		}
		evs[i] = e
	}
	return evs
}

// BenchmarkAppendEvents appends batches of events to a growing log and
// reports events per second and the process's CPU time per event (the
// writer's and the background checkpointer's). b.N counts batches.
//
// The sub-benchmarks vary what decides how many pages a batch dirties, and
// so how much it writes: the mix of attribute values (mix=8 and mix=200 are
// benchEvents with that many principals in one account, mix=real is
// mixedEvents), the batch size, and the event ids: random version 4 UUIDs
// land all over the event_id index and each needs a look-up to rule out a
// duplicate, while time-ordered ones (version 7, as audit.NewEventID makes
// them) append at its end and need none.
func BenchmarkAppendEvents(b *testing.B) {
	type idFunc = func(time.Time) string
	for _, c := range []struct {
		mix   string
		batch int
		ids   string
	}{
		{"real", 256, "uuid7"}, {"real", 512, "uuid7"},
		{"8", 256, "uuid4"}, {"8", 256, "uuid7"},
		{"200", 256, "uuid4"}, {"200", 256, "uuid7"},
	} {
		newID := map[string]idFunc{"uuid4": uuid4, "uuid7": uuid7}[c.ids]
		b.Run(fmt.Sprintf("mix=%s/batch=%d/%s", c.mix, c.batch, c.ids), func(b *testing.B) {
			var pool []store.EventRecord
			switch c.mix {
			case "real":
				pool = mixedEvents(c.batch*16, mrand.New(mrand.NewPCG(1, 2)))
			case "8":
				pool = benchEvents(c.batch, 8, time.Now())
			case "200":
				pool = benchEvents(c.batch, 200, time.Now())
			}
			benchAppendEvents(b, pool, c.batch, newID)
		})
	}
}

// benchAppendEvents appends batches of batch events, taken in turn from
// pool, with fresh times and ids.
func benchAppendEvents(b *testing.B, pool []store.EventRecord, batch int, newID func(time.Time) string) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	b.SetBytes(int64(batch * 1500))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	n := 0
	at := time.Now()
	for b.Loop() {
		evs := pool[n%len(pool):][:batch]
		for j := range evs {
			at = at.Add(time.Microsecond)
			evs[j].EventTime = at
			evs[j].EventID = newID(at)
		}
		n += batch
		if err := s.AppendEvents(ctx, evs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/event")
}

// cpuTime is the CPU time (user and system) this process has used so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// idRand is the randomness of the benchmarks' event ids. It is not
// crypto/rand, whose cost per call would be counted as the store's: the
// recorder draws its ids' random bits 512 ids at a time. Benchmarks run
// one at a time, so it needs no lock.
var idRand = mrand.New(mrand.NewPCG(7, 7))

// uuid4 returns a random version 4 UUID in canonical form.
func uuid4(time.Time) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[0:], idRand.Uint64())
	binary.LittleEndian.PutUint64(b[8:], idRand.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuid7 returns a version 7 UUID for time at, laid out as
// audit.NewEventID lays it out: 48 bits of Unix milliseconds, the version,
// 12 bits of the fraction of the millisecond, then random bits. Ids for
// increasing times (at least 1/4096 ms apart) increase.
func uuid7(at time.Time) string {
	var b [16]byte
	binary.LittleEndian.PutUint64(b[8:], idRand.Uint64())
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	frac := uint64(at.Nanosecond()%1e6) * 4096 / 1e6
	b[6] = 0x70 | byte(frac>>8)
	b[7] = byte(frac)
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	var s [36]byte
	hex.Encode(s[0:8], b[0:4])
	s[8] = '-'
	hex.Encode(s[9:13], b[4:6])
	s[13] = '-'
	hex.Encode(s[14:18], b[6:8])
	s[18] = '-'
	hex.Encode(s[19:23], b[8:10])
	s[23] = '-'
	hex.Encode(s[24:36], b[10:16])
	return string(s[:])
}

// BenchmarkQueryEvents reads one page of 50 events from a log of 100,000
// (mixedEvents, appended in batches of 500 over about 100 seconds), per
// lookup attribute: the first page, and a page an hour back through the
// EndTime, which starts the search in the middle of the posting lists. The
// values are common ones (a third of the events or more for ReadOnly,
// ResourceType and none) and rare ones, whose pages spread over the whole
// log.
func BenchmarkQueryEvents(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	start := time.Now().Add(-2 * time.Hour)
	at := start
	rng := mrand.New(mrand.NewPCG(3, 4))
	pool := mixedEvents(500, rng)
	var someID string
	for i := range 200 {
		for j := range pool {
			at = at.Add(time.Millisecond)
			if i == 100 && j == 0 {
				at = at.Add(time.Hour) // the log's second half is an hour later
			}
			pool[j].EventTime = at
			pool[j].EventID = uuid7(at)
		}
		if err := s.AppendEvents(ctx, pool); err != nil {
			b.Fatal(err)
		}
		if i == 50 {
			someID = pool[100].EventID
		}
	}
	// A user with a single event, long ago.
	rare := mixedEvents(1, rng)[0]
	rare.EventID, rare.EventTime, rare.Username, rare.AccountID = uuid7(start), start, "rare-user", "111111111111"
	if err := s.AppendEvents(ctx, []store.EventRecord{rare}); err != nil {
		b.Fatal(err)
	}
	for _, q := range []store.EventQuery{
		{},
		{Attribute: "EventId", Value: someID},
		{Attribute: "EventName", Value: "Action03"},
		{Attribute: "EventSource", Value: "kms.amazonaws.com"},
		{Attribute: "ReadOnly", Value: "false"},
		{Attribute: "Username", Value: "user-6"},
		{Attribute: "Username", Value: "rare-user"},
		{Attribute: "AccessKeyId", Value: "AKIA0000000000000003"},
		{Attribute: "ResourceType", Value: "AWS::IAM::Role"},
		{Attribute: "ResourceName", Value: "arn:aws:iam::111111111111:thing/resource-9"},
	} {
		q.AccountID = "111111111111"
		if q.Attribute == "EventId" {
			q.AccountID = ""
		}
		for _, back := range []bool{false, true} {
			name := q.Attribute
			if name == "" {
				name = "none"
			}
			if q.Attribute == "Username" {
				name += "=" + q.Value
			}
			if back {
				name += "/hour-back"
				q.EndTime = at.Add(-time.Hour)
			}
			b.Run(name, func(b *testing.B) {
				for b.Loop() {
					evs, _, err := s.QueryEvents(ctx, q)
					if err != nil || (len(evs) == 0 && q.Attribute != "EventId") {
						b.Fatalf("%d events, %v", len(evs), err)
					}
				}
			})
		}
	}
}
