package sqlite

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
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
	json := make([]byte, 1500)
	for i := range json {
		json[i] = 'a' + byte(i%26)
	}
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

// BenchmarkAppendEvents appends batches of 256 events (see benchEvents) to a
// growing log and reports events per second and the process's CPU time per
// event (the writer's and the background checkpointer's). b.N counts
// batches.
//
// The sub-benchmarks vary what decides how many pages a batch dirties, and
// so how much it writes: the number of distinct principals (each index led
// by an attribute gets one page written per distinct value per commit), and
// the event ids: random version 4 UUIDs, as audit.NewEventID makes them,
// land all over the event_id index, while time-ordered ones (version 7
// layout) append at its end.
func BenchmarkAppendEvents(b *testing.B) {
	for _, principals := range []int{8, 200} {
		for _, ids := range []struct {
			name string
			fn   func(time.Time) string
		}{{"uuid4", uuid4}, {"uuid7", uuid7}} {
			b.Run(fmt.Sprintf("principals=%d/%s", principals, ids.name), func(b *testing.B) {
				benchAppendEvents(b, principals, ids.fn)
			})
		}
	}
}

func benchAppendEvents(b *testing.B, principals int, newID func(time.Time) string) {
	const batch = 256
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	pool := benchEvents(batch, principals, time.Now())
	b.SetBytes(int64(batch * 1500))
	b.ReportAllocs()
	cpu0 := cpuTime()
	b.ResetTimer()
	n := 0
	at := time.Now()
	for b.Loop() {
		for j := range pool {
			at = at.Add(time.Microsecond)
			pool[j].EventTime = at
			pool[j].EventID = newID(at)
		}
		n += batch
		if err := s.AppendEvents(ctx, pool); err != nil {
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

// uuid4 returns a random version 4 UUID in canonical form.
func uuid4(time.Time) string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

// uuid7 returns a UUID in the version 7 layout: 48 bits of Unix milliseconds
// first, then random bits.
func uuid7(at time.Time) string {
	var b [16]byte
	rand.Read(b[6:])
	ms := uint64(at.UnixMilli())
	for i := range 6 {
		b[i] = byte(ms >> (40 - 8*i))
	}
	b[6] = b[6]&0x0f | 0x70
	b[8] = b[8]&0x3f | 0x80
	return formatUUID(b)
}

func formatUUID(b [16]byte) string {
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// BenchmarkQueryEvents reads one page of 50 events from a log of 100,000
// (200 principals), per lookup attribute. Every page is an index range scan,
// so the cost does not grow with the log.
func BenchmarkQueryEvents(b *testing.B) {
	s := openTemp(b)
	defer s.Close()
	ctx := context.Background()
	at := time.Now().Add(-time.Hour)
	pool := benchEvents(500, 200, at)
	for i := range 200 {
		for j := range pool {
			at = at.Add(time.Microsecond)
			pool[j].EventTime = at
			pool[j].EventID = uuid4(at)
		}
		_ = i
		if err := s.AppendEvents(ctx, pool); err != nil {
			b.Fatal(err)
		}
	}
	for _, q := range []store.EventQuery{
		{},
		{Attribute: "Username", Value: "user-7"},
		{Attribute: "EventName", Value: "Action03"},
		{Attribute: "ReadOnly", Value: "false"},
		{Attribute: "ResourceName", Value: "user-7"},
		{Attribute: "ResourceType", Value: "AWS::IAM::AccessKey"},
		{Attribute: "EventId", Value: pool[100].EventID},
	} {
		q.AccountID = "123456789012"
		name := q.Attribute
		if name == "" {
			name = "none"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				evs, _, err := s.QueryEvents(ctx, q)
				if err != nil || len(evs) == 0 {
					b.Fatalf("%d events, %v", len(evs), err)
				}
			}
		})
	}
}
