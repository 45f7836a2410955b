package loadgen

import (
	"math"
	"math/bits"
	"time"
)

// Histogram layout: values (nanoseconds) below 256 get one exact bucket each;
// above that, every power-of-two range [2^e, 2^(e+1)) is split into 128
// equal buckets, so a reported quantile is never more than 1/128 (0.8%) above
// the true value. Values of 2^40 ns (about 18 minutes) and more are clamped.
const (
	subBits    = 7
	subCount   = 1 << subBits
	maxExp     = 40
	maxValue   = 1<<maxExp - 1
	numBuckets = (maxExp - subBits + 1) * subCount
)

// Histogram is a fixed-size log-linear latency histogram. Record does not
// allocate and takes a few nanoseconds, so every response of a run can be
// recorded on the hot path; each load-generating goroutine owns one and the
// runner merges them at the end. The zero value is empty and ready to use. A
// Histogram is not safe for concurrent use.
type Histogram struct {
	counts [numBuckets]uint64
	total  uint64
	sum    uint64
	min    uint64
	max    uint64
}

// bucketOf returns the bucket index of v (nanoseconds).
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	if v > maxValue {
		v = maxValue
	}
	shift := bits.Len64(v) - 1 - subBits
	return (shift+1)*subCount + int(v>>uint(shift)) - subCount
}

// bucketHigh returns the largest value that falls into bucket i.
func bucketHigh(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	shift := uint(i/subCount - 1)
	low := uint64(i%subCount+subCount) << shift
	return low + 1<<shift - 1
}

// Record adds one observation. Negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	v := uint64(0)
	if d > 0 {
		v = uint64(d)
	}
	h.counts[bucketOf(v)]++
	if h.total == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.total++
	h.sum += v
}

// Merge adds every observation of o to h.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Count returns the number of observations.
func (h *Histogram) Count() uint64 { return h.total }

// Min returns the smallest observation (exact), or 0 when empty.
func (h *Histogram) Min() time.Duration { return time.Duration(h.min) }

// Max returns the largest observation (exact), or 0 when empty.
func (h *Histogram) Max() time.Duration { return time.Duration(h.max) }

// Mean returns the arithmetic mean (exact), or 0 when empty.
func (h *Histogram) Mean() time.Duration {
	if h.total == 0 {
		return 0
	}
	return time.Duration(h.sum / h.total)
}

// Quantile returns the value at quantile q (0 < q <= 1): the upper bound of
// the bucket holding the ceil(q*n)-th smallest observation, clamped to the
// observed min and max. It therefore never under-reports a latency, and
// over-reports it by at most 0.8%.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.total)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var cum uint64
	for i, c := range h.counts {
		cum += c
		if cum >= rank {
			v := bucketHigh(i)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return time.Duration(v)
		}
	}
	return time.Duration(h.max)
}
