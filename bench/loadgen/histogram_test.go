package loadgen

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

func TestBucketsCoverValuesWithBoundedError(t *testing.T) {
	prev := -1
	for _, v := range sampleValues() {
		i := bucketOf(v)
		if i < 0 || i >= numBuckets {
			t.Fatalf("bucketOf(%d) = %d, out of range", v, i)
		}
		if i < prev {
			t.Fatalf("bucketOf not monotonic at %d: %d < %d", v, i, prev)
		}
		prev = i
		if v > maxValue {
			continue
		}
		hi := bucketHigh(i)
		if hi < v {
			t.Fatalf("bucketHigh(bucketOf(%d)) = %d < value", v, hi)
		}
		if v >= subCount && float64(hi-v) > float64(v)/subCount {
			t.Fatalf("bucket of %d reaches %d: error above 1/%d", v, hi, subCount)
		}
		if i > 0 && bucketHigh(i-1) >= v {
			t.Fatalf("value %d also fits bucket %d", v, i-1)
		}
	}
	if got := bucketOf(1 << 62); got != numBuckets-1 {
		t.Fatalf("huge value goes to bucket %d, want last %d", got, numBuckets-1)
	}
}

// sampleValues returns sorted values around every bucket boundary.
func sampleValues() []uint64 {
	var vs []uint64
	for v := uint64(0); v < 1024; v++ {
		vs = append(vs, v)
	}
	for e := 10; e < 63; e++ {
		base := uint64(1) << e
		for _, d := range []int64{-1, 0, 1, int64(base / 3), int64(base / 2), int64(base) - 1} {
			vs = append(vs, uint64(int64(base)+d))
		}
	}
	slices.Sort(vs)
	return slices.Compact(vs)
}

func TestQuantilesMatchExactOnes(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	vals := make([]time.Duration, 100000)
	for i := range vals {
		// Log-normal-ish spread from ~10µs to ~100ms.
		vals[i] = time.Duration(10_000 * (1 + rng.ExpFloat64()*rng.ExpFloat64()*50))
		h.Record(vals[i])
	}
	slices.Sort(vals)
	if h.Count() != uint64(len(vals)) {
		t.Fatalf("Count = %d, want %d", h.Count(), len(vals))
	}
	if h.Min() != vals[0] || h.Max() != vals[len(vals)-1] {
		t.Fatalf("min/max = %v/%v, want %v/%v", h.Min(), h.Max(), vals[0], vals[len(vals)-1])
	}
	for _, q := range []float64{0.001, 0.5, 0.9, 0.99, 0.999, 1} {
		idx := int(float64(len(vals))*q+0.999999) - 1
		exact := vals[idx]
		got := h.Quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/subCount {
			t.Errorf("Quantile(%v) = %v, exact %v: outside [exact, exact*(1+1/%d)]", q, got, exact, subCount)
		}
	}
}

func TestHistogramSmallValuesAreExact(t *testing.T) {
	var h Histogram
	for v := 1; v <= 100; v++ {
		h.Record(time.Duration(v))
	}
	if got := h.Quantile(0.5); got != 50 {
		t.Fatalf("p50 = %v, want 50ns", got)
	}
	if got := h.Quantile(0.99); got != 99 {
		t.Fatalf("p99 = %v, want 99ns", got)
	}
	if got := h.Mean(); got != 50 {
		t.Fatalf("mean = %v, want 50ns", got)
	}
}

func TestHistogramEmptyNegativeAndMerge(t *testing.T) {
	var a, b Histogram
	if a.Quantile(0.99) != 0 || a.Mean() != 0 || a.Max() != 0 {
		t.Fatal("empty histogram must report zeros")
	}
	a.Record(-5)
	if a.Min() != 0 || a.Count() != 1 {
		t.Fatalf("negative value: min %v count %d", a.Min(), a.Count())
	}
	b.Record(time.Millisecond)
	b.Record(3 * time.Millisecond)
	a.Merge(&b)
	a.Merge(new(Histogram))
	if a.Count() != 3 || a.Min() != 0 || a.Max() != 3*time.Millisecond {
		t.Fatalf("after merge: count %d min %v max %v", a.Count(), a.Min(), a.Max())
	}
	var c Histogram
	c.Merge(&b)
	if c.Min() != time.Millisecond {
		t.Fatalf("merge into empty: min %v, want 1ms", c.Min())
	}
}

func TestHistogramRecordDoesNotAllocate(t *testing.T) {
	h := new(Histogram)
	d := time.Duration(1)
	if n := testing.AllocsPerRun(1000, func() {
		h.Record(d)
		d = d*3 + 7
	}); n != 0 {
		t.Fatalf("Record allocates %v times per call", n)
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	h := new(Histogram)
	for i := 0; b.Loop(); i++ {
		h.Record(time.Duration(i * 997))
	}
}
