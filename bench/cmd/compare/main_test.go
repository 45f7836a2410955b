package main

import (
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

// fake returns a measurement of ok requests over one second, all at latency
// lat, plus errs status errors.
func fake(name string, ok uint64, lat time.Duration, errs uint64) *measurement {
	h := new(loadgen.Histogram)
	for range ok {
		h.Record(lat)
	}
	return &measurement{name: name, expectStatus: 200, forgedStatus: 403, res: &loadgen.Result{
		Window:  time.Second,
		OK:      ok,
		Latency: h,
		Errors:  loadgen.Errors{Status: errs},
	}}
}

func TestCheckTargets(t *testing.T) {
	o := options{minRatio: 40, maxP99: 5 * time.Millisecond}
	for _, tc := range []struct {
		name     string
		moto, gh *measurement
		wantPass bool
	}{
		{"meets both", fake("moto", 100, 50*time.Millisecond, 0), fake("gatehouse", 4000, time.Millisecond, 0), true},
		{"ratio too low", fake("moto", 100, 50*time.Millisecond, 0), fake("gatehouse", 3999, time.Millisecond, 0), false},
		{"p99 too high", fake("moto", 100, 50*time.Millisecond, 0), fake("gatehouse", 5000, 5*time.Millisecond, 0), false},
		{"gatehouse errors", fake("moto", 100, 50*time.Millisecond, 0), fake("gatehouse", 5000, time.Millisecond, 1), false},
		{"moto errors", fake("moto", 100, 50*time.Millisecond, 3), fake("gatehouse", 5000, time.Millisecond, 0), false},
		{"moto answered nothing", fake("moto", 0, 0, 0), fake("gatehouse", 5000, time.Millisecond, 0), false},
		{"no moto: p99 only", nil, fake("gatehouse", 10, time.Millisecond, 0), true},
		{"gatehouse answered nothing", nil, fake("gatehouse", 0, 0, 0), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := checkTargets(o, tc.moto, tc.gh); got != tc.wantPass {
				t.Fatalf("checkTargets = %v, want %v", got, tc.wantPass)
			}
		})
	}

	// A gatehouse that accepts forged signatures fails unless allowed.
	moto, gh := fake("moto", 100, 50*time.Millisecond, 0), fake("gatehouse", 4000, time.Millisecond, 0)
	gh.forgedStatus = 200
	o.requireSigV4 = true
	if checkTargets(o, moto, gh) {
		t.Fatal("a server that skips SigV4 verification passed")
	}
	gh.forgedStatus = 403
	if !checkTargets(o, moto, gh) {
		t.Fatal("a verifying server failed")
	}
}
