package loadgen

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Errors counts failed requests inside the measurement window, by kind.
type Errors struct {
	// Status counts complete responses whose status was not the expected one.
	Status uint64 `json:"status"`
	// Conn counts connect, write and read failures (refused, reset, EOF
	// before a complete response).
	Conn uint64 `json:"conn"`
	// Protocol counts responses that were not valid HTTP/1.x.
	Protocol uint64 `json:"protocol"`
	// Timeout counts requests still unanswered when the window closed plus
	// the grace period.
	Timeout uint64 `json:"timeout"`
}

// Total returns the number of failed requests of every kind.
func (e Errors) Total() uint64 { return e.Status + e.Conn + e.Protocol + e.Timeout }

// Result is the outcome of one Run. Only requests that completed inside the
// measurement window are counted; Latency holds those with the expected
// status.
type Result struct {
	Target      string
	Connections int
	// Window is the length of the measurement window.
	Window time.Duration
	// Requests counts complete responses of any status.
	Requests uint64
	// OK counts responses with the expected status; only they count towards
	// throughput and latency, so a server that fails fast does not look fast.
	OK     uint64
	Errors Errors
	// StatusCodes counts the unexpected statuses seen.
	StatusCodes map[int]uint64
	// FirstError is the first connection or protocol error seen, for the
	// report.
	FirstError error
	// Reconnects counts responses after which the server closed the
	// connection (Connection: close), forcing a new TCP connect whose cost
	// is part of the next request's latency.
	Reconnects uint64
	// Latency is the distribution of the OK responses' latencies, measured
	// from just before the request is written (or its connection is opened)
	// to the last byte of the response.
	Latency *Histogram
	// ClientCPU is the CPU time the load generator's process used during
	// the window (including any server running in the same process).
	ClientCPU time.Duration
	// MachineCPU is the busy CPU time of the whole machine during the
	// window: load generator, server, and anything else running.
	MachineCPU time.Duration
	// PoolSize is the number of distinct signed requests replayed.
	PoolSize int
	// Resigns counts how often the pool was re-signed during the run.
	Resigns int
}

// Throughput returns OK responses per second of the window.
func (r *Result) Throughput() float64 {
	if r.Window <= 0 {
		return 0
	}
	return float64(r.OK) / r.Window.Seconds()
}

// ErrorRate returns failed requests as a fraction of all attempts.
func (r *Result) ErrorRate() float64 {
	failed := r.Errors.Total()
	attempts := r.OK + failed
	if attempts == 0 {
		return 0
	}
	return float64(failed) / float64(attempts)
}

// Summary is the flat, JSON-friendly form of a Result.
type Summary struct {
	Target        string         `json:"target"`
	Connections   int            `json:"connections"`
	WindowSec     float64        `json:"window_s"`
	Requests      uint64         `json:"requests"`
	OK            uint64         `json:"ok"`
	Errors        Errors         `json:"errors"`
	StatusCodes   map[int]uint64 `json:"unexpected_status,omitempty"`
	FirstError    string         `json:"first_error,omitempty"`
	Reconnects    uint64         `json:"reconnects"`
	Throughput    float64        `json:"req_per_s"`
	Mean          time.Duration  `json:"mean_ns"`
	P50           time.Duration  `json:"p50_ns"`
	P90           time.Duration  `json:"p90_ns"`
	P99           time.Duration  `json:"p99_ns"`
	P999          time.Duration  `json:"p999_ns"`
	Max           time.Duration  `json:"max_ns"`
	ClientCPUSec  float64        `json:"client_cpu_s"`
	MachineCPUSec float64        `json:"machine_cpu_s"`
	PoolSize      int            `json:"pool_size"`
	Resigns       int            `json:"resigns"`
}

// Summary returns the figures of r.
func (r *Result) Summary() Summary {
	s := Summary{
		Target:        r.Target,
		Connections:   r.Connections,
		WindowSec:     r.Window.Seconds(),
		Requests:      r.Requests,
		OK:            r.OK,
		Errors:        r.Errors,
		StatusCodes:   r.StatusCodes,
		Reconnects:    r.Reconnects,
		Throughput:    r.Throughput(),
		ClientCPUSec:  r.ClientCPU.Seconds(),
		MachineCPUSec: r.MachineCPU.Seconds(),
		PoolSize:      r.PoolSize,
		Resigns:       r.Resigns,
	}
	if r.FirstError != nil {
		s.FirstError = r.FirstError.Error()
	}
	if h := r.Latency; h != nil {
		s.Mean, s.Max = h.Mean(), h.Max()
		s.P50, s.P90, s.P99, s.P999 = h.Quantile(0.50), h.Quantile(0.90), h.Quantile(0.99), h.Quantile(0.999)
	}
	return s
}

// String renders r as a short human-readable report.
func (r *Result) String() string {
	s := r.Summary()
	var b strings.Builder
	fmt.Fprintf(&b, "target        %s, %d connections, %v window\n", s.Target, s.Connections, r.Window)
	fmt.Fprintf(&b, "requests      %d (%d ok, %d reconnects)\n", s.Requests, s.OK, s.Reconnects)
	fmt.Fprintf(&b, "errors        %d (status %d, conn %d, protocol %d, timeout %d)\n",
		r.Errors.Total(), s.Errors.Status, s.Errors.Conn, s.Errors.Protocol, s.Errors.Timeout)
	if len(s.StatusCodes) > 0 {
		fmt.Fprintf(&b, "unexpected    %s\n", formatCodes(s.StatusCodes))
	}
	if s.FirstError != "" {
		fmt.Fprintf(&b, "first error   %s\n", s.FirstError)
	}
	fmt.Fprintf(&b, "throughput    %.0f req/s\n", s.Throughput)
	fmt.Fprintf(&b, "latency       p50 %s  p90 %s  p99 %s  p99.9 %s  max %s  (mean %s)\n",
		FormatDuration(s.P50), FormatDuration(s.P90), FormatDuration(s.P99),
		FormatDuration(s.P999), FormatDuration(s.Max), FormatDuration(s.Mean))
	if s.OK > 0 && r.ClientCPU > 0 {
		fmt.Fprintf(&b, "loadgen cpu   %.2f cores, %s per request\n",
			r.ClientCPU.Seconds()/r.Window.Seconds(), FormatDuration(r.ClientCPU/time.Duration(s.OK)))
	}
	if r.MachineCPU > 0 {
		fmt.Fprintf(&b, "machine cpu   %.2f cores busy in the window (all processes)\n", r.MachineCPU.Seconds()/r.Window.Seconds())
	}
	return b.String()
}

func formatCodes(m map[int]uint64) string {
	codes := make([]int, 0, len(m))
	for c := range m {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	parts := make([]string, len(codes))
	for i, c := range codes {
		parts[i] = fmt.Sprintf("%d×%d", m[c], c)
	}
	return strings.Join(parts, ", ")
}

// FormatDuration prints a latency with about three significant digits in
// the unit that suits it (µs below a millisecond, ms below a second).
func FormatDuration(d time.Duration) string {
	switch {
	case d < time.Microsecond:
		return fmt.Sprintf("%dns", d.Nanoseconds())
	case d < time.Millisecond:
		return sig3(float64(d)/float64(time.Microsecond)) + "µs"
	case d < time.Second:
		return sig3(float64(d)/float64(time.Millisecond)) + "ms"
	default:
		return sig3(d.Seconds()) + "s"
	}
}

func sig3(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.2f", v)
	}
}
