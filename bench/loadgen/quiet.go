package loadgen

import (
	"context"
	"time"
)

// WaitQuiet waits until the machine's busy CPU, sampled over one-second
// intervals, stays below maxCores for one whole interval, or until maxWait
// passes or ctx ends. It returns the last sampled load and whether the
// machine was quiet. Benchmarks on a shared 2-core machine are only
// meaningful when nothing else runs, and the harness cannot stop other work;
// it can only wait for a lull and say when there was none.
func WaitQuiet(ctx context.Context, maxWait time.Duration, maxCores float64) (float64, bool) {
	deadline := time.Now().Add(maxWait)
	load := -1.0
	for {
		before, err := MachineCPU()
		if err != nil {
			return 0, true // cannot tell; do not block the run
		}
		t0 := time.Now()
		select {
		case <-ctx.Done():
			return load, false
		case <-time.After(time.Second):
		}
		after, _ := MachineCPU()
		load = (after - before).Seconds() / time.Since(t0).Seconds()
		if load < maxCores {
			return load, true
		}
		if time.Now().After(deadline) {
			return load, false
		}
	}
}
