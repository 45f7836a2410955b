package sqlite

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"
)

func BenchmarkDropExp(b *testing.B) {
	for _, drop := range []string{"", "ALL"} {
		b.Run("drop="+drop, func(b *testing.B) {
			s := openTemp(b)
			defer s.Close()
			c := <-s.writer
			names := []string{drop}
			if drop == "ALL" {
				names = []string{"events_by_time", "events_by_name", "events_by_source", "events_by_username", "events_by_access_key", "events_by_read_only", "event_resources_by_name"}
			}
			for _, n := range names {
				if n != "" {
					if _, err := c.c.ExecContext(context.Background(), "DROP INDEX "+n); err != nil {
						b.Fatal(err)
					}
				}
			}
			if drop == "ALL" {
				c.c.ExecContext(context.Background(), "DELETE FROM event_resources")
			}
			s.writer <- c
			pool := benchEvents(256, 8, time.Now())
			if drop == "ALL" {
				for i := range pool {
					pool[i].Resources = nil
				}
			}
			at := time.Now()
			cpu0 := cpuTime()
			n := 0
			for b.Loop() {
				for j := range pool {
					at = at.Add(time.Microsecond)
					pool[j].EventTime = at
					pool[j].EventID = uuid7(at)
				}
				n += 256
				if err := s.AppendEvents(context.Background(), pool); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(n), "cpu-µs/event")
		})
	}
	_ = os.Getenv
	_ = strings.Contains
}
