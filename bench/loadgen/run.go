package loadgen

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Limits that keep every run bounded.
const (
	// MaxRunTime caps warm-up plus duration of one run.
	MaxRunTime = 30 * time.Minute
	// MaxConnections caps the number of concurrent connections.
	MaxConnections = 4096
	// DefaultResignInterval is how often a long run re-signs its pool, well
	// inside SignatureLifetime.
	DefaultResignInterval = 5 * time.Minute
	// DefaultGrace is how long requests still in flight when the window
	// closes may take to finish before their connections are cut.
	DefaultGrace = 5 * time.Second
	// readBufferSize bounds the status line and each header line.
	readBufferSize = 32 << 10
	// dialTimeout bounds one TCP connect.
	dialTimeout = 5 * time.Second
	// dialBackoff is the pause after a failed connect, so a dead server
	// does not turn the run into a busy loop.
	dialBackoff = 10 * time.Millisecond
)

// Config describes one closed-loop run: Connections goroutines each keep one
// request outstanding on their own keep-alive connection to Addr, for Warmup
// plus Duration, and only responses completed inside the Duration window are
// counted.
type Config struct {
	// Addr is the target "host:port"; it must be a loopback address.
	Addr string
	// Connections is the number of concurrent connections (default 1).
	Connections int
	// Warmup is run but not measured.
	Warmup time.Duration
	// Duration is the measurement window; required.
	Duration time.Duration
	// Pool returns the raw requests to replay, signed at the given time (see
	// SignedPool). It is called once before the run and again every
	// ResignInterval while the run lasts.
	Pool func(at time.Time) ([][]byte, error)
	// ExpectStatus is the status every response must have (default 200).
	ExpectStatus int
	// HeadRequest says the requests are HEAD, whose responses have no body.
	HeadRequest bool
	// ResignInterval overrides DefaultResignInterval.
	ResignInterval time.Duration
	// Grace overrides DefaultGrace.
	Grace time.Duration
	// OnWindow, when set, is called with true when the measurement window
	// opens and with false when it closes, so a caller can sample the
	// server's CPU time over exactly the measured interval.
	OnWindow func(begin bool)
}

func (c Config) validate() (Config, error) {
	if c.Connections == 0 {
		c.Connections = 1
	}
	if c.ExpectStatus == 0 {
		c.ExpectStatus = 200
	}
	if c.ResignInterval <= 0 {
		c.ResignInterval = DefaultResignInterval
	}
	if c.Grace <= 0 {
		c.Grace = DefaultGrace
	}
	switch {
	case c.Pool == nil:
		return c, errors.New("loadgen: Config.Pool is required")
	case c.Connections < 0 || c.Connections > MaxConnections:
		return c, fmt.Errorf("loadgen: connections must be 1..%d", MaxConnections)
	case c.Duration <= 0:
		return c, errors.New("loadgen: duration must be positive")
	case c.Warmup < 0:
		return c, errors.New("loadgen: warm-up must not be negative")
	case c.Warmup+c.Duration > MaxRunTime:
		return c, fmt.Errorf("loadgen: warm-up plus duration exceeds %v", MaxRunTime)
	case c.ResignInterval >= SignatureLifetime:
		return c, fmt.Errorf("loadgen: resign interval must be below %v", SignatureLifetime)
	}
	addr, err := LoopbackAddr(c.Addr)
	if err != nil {
		return c, err
	}
	c.Addr = addr
	return c, nil
}

// runner is the state the workers of one run share. Times are offsets from
// base on the monotonic clock.
type runner struct {
	cfg       Config
	base      time.Time
	measureAt time.Duration
	stopAt    time.Duration
	pool      atomic.Pointer[[][]byte]
	aborted   atomic.Bool
	dialer    net.Dialer
}

func (r *runner) since() time.Duration { return time.Since(r.base) }

// Run performs one load run and returns its result. It refuses non-loopback
// targets and runs longer than MaxRunTime, and it returns by itself after
// Warmup + Duration (plus at most Grace for requests in flight). When ctx
// ends early it cuts all connections and returns the partial result with
// ctx's error.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg, err := cfg.validate()
	if err != nil {
		return nil, err
	}
	pool, err := cfg.Pool(time.Now())
	if err != nil {
		return nil, fmt.Errorf("loadgen: build request pool: %w", err)
	}
	if len(pool) == 0 {
		return nil, errors.New("loadgen: empty request pool")
	}
	r := &runner{
		cfg:       cfg,
		measureAt: cfg.Warmup,
		stopAt:    cfg.Warmup + cfg.Duration,
		dialer:    net.Dialer{Timeout: dialTimeout},
	}
	r.pool.Store(&pool)
	res := &Result{
		Target:      cfg.Addr,
		Connections: cfg.Connections,
		Window:      cfg.Duration,
		PoolSize:    len(pool),
		Latency:     new(Histogram),
		StatusCodes: map[int]uint64{},
	}

	workers := make([]*worker, cfg.Connections)
	var wg sync.WaitGroup
	r.base = time.Now()
	for i := range workers {
		w := &worker{first: i * len(pool) / cfg.Connections}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(r)
		}()
	}
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()

	resignDone := make(chan struct{})
	var resignErr error
	var resigns int
	go func() {
		defer close(resignDone)
		resigns, resignErr = r.resignLoop(done)
	}()

	abort := func() {
		r.aborted.Store(true)
		for _, w := range workers {
			w.cut()
		}
	}
	var runErr error
	if waitUntil(ctx, r.base.Add(r.measureAt), done) {
		cpuStart := processCPU()
		machineStart, _ := MachineCPU()
		if cfg.OnWindow != nil {
			cfg.OnWindow(true)
		}
		waitUntil(ctx, r.base.Add(r.stopAt), done)
		res.ClientCPU = processCPU() - cpuStart
		if m, err := MachineCPU(); err == nil && machineStart > 0 {
			res.MachineCPU = m - machineStart
		}
		if cfg.OnWindow != nil {
			cfg.OnWindow(false)
		}
	}
	if ctx.Err() != nil {
		runErr = ctx.Err()
		abort()
	}
	grace := time.NewTimer(cfg.Grace)
	select {
	case <-done:
	case <-grace.C:
		abort()
		<-done
	}
	grace.Stop()
	<-resignDone

	for _, w := range workers {
		res.Latency.Merge(&w.hist)
		res.Requests += w.requests
		res.OK += w.ok
		res.Errors.Status += w.statusErrs
		res.Errors.Conn += w.connErrs
		res.Errors.Protocol += w.protoErrs
		res.Errors.Timeout += w.timeouts
		res.Reconnects += w.reconnects
		for code, n := range w.codes {
			if n > 0 {
				res.StatusCodes[code] += n
			}
		}
		if res.FirstError == nil && w.firstErr != nil {
			res.FirstError = w.firstErr
		}
	}
	res.Resigns = resigns
	if runErr == nil && resignErr != nil {
		runErr = fmt.Errorf("loadgen: re-sign pool: %w", resignErr)
	}
	return res, runErr
}

// waitUntil sleeps until t and reports true, or reports false when ctx ends
// or all workers stopped first.
func waitUntil(ctx context.Context, t time.Time, done <-chan struct{}) bool {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	case <-done:
		return false
	}
}

// resignLoop re-signs the pool every ResignInterval until the workers are
// done, so that runs longer than SignatureLifetime stay valid.
func (r *runner) resignLoop(done <-chan struct{}) (int, error) {
	t := time.NewTicker(r.cfg.ResignInterval)
	defer t.Stop()
	n := 0
	for {
		select {
		case <-done:
			return n, nil
		case now := <-t.C:
			pool, err := r.cfg.Pool(now)
			if err != nil {
				return n, err
			}
			if len(pool) > 0 {
				r.pool.Store(&pool)
				n++
			}
		}
	}
}

// worker drives one connection. Its counters are private, so the hot path
// needs no atomics and no locks; mu only guards conn against cut.
type worker struct {
	first int // index of the first pool entry this worker sends

	mu   sync.Mutex
	conn net.Conn

	hist       Histogram
	requests   uint64
	ok         uint64
	statusErrs uint64
	connErrs   uint64
	protoErrs  uint64
	timeouts   uint64
	reconnects uint64
	codes      [600]uint64
	firstErr   error
}

// cut makes any blocked read or write of the worker return at once.
func (w *worker) cut() {
	w.mu.Lock()
	if w.conn != nil {
		_ = w.conn.SetDeadline(time.Unix(1, 0))
	}
	w.mu.Unlock()
}

// attach publishes a new connection, or refuses it when the run was
// aborted meanwhile.
func (w *worker) attach(r *runner, c net.Conn) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if r.aborted.Load() {
		return false
	}
	w.conn = c
	return true
}

func (w *worker) detach() {
	w.mu.Lock()
	c := w.conn
	w.conn = nil
	w.mu.Unlock()
	if c != nil {
		_ = c.Close()
	}
}

// run is the closed loop: write a request, read its response, record, repeat.
// The end time of one request is the start time of the next, which saves a
// clock read per request.
func (w *worker) run(r *runner) {
	defer w.detach()
	br := bufio.NewReaderSize(nil, readBufferSize)
	expect := r.cfg.ExpectStatus
	head := r.cfg.HeadRequest
	next := w.first
	var conn net.Conn
	start := r.since()
	for start < r.stopAt && !r.aborted.Load() {
		pool := *r.pool.Load()
		if next >= len(pool) {
			next = 0
		}
		raw := pool[next]
		next++

		if conn == nil {
			c, err := r.dialer.Dial("tcp", r.cfg.Addr)
			if err != nil {
				end := r.since()
				if end >= r.measureAt && end <= r.stopAt {
					w.connErrs++
					w.noteErr(err)
				}
				time.Sleep(dialBackoff)
				start = r.since()
				continue
			}
			if !w.attach(r, c) {
				_ = c.Close()
				return
			}
			conn = c
			br.Reset(conn)
		}

		_, err := conn.Write(raw)
		var resp response
		if err == nil {
			resp, err = readResponse(br, head, nil)
		}
		end := r.since()
		inWindow := end >= r.measureAt && end <= r.stopAt
		switch {
		case err != nil:
			if r.aborted.Load() {
				if end > r.stopAt {
					// Cut because it was still unanswered after the
					// grace period; an abort by ctx counts nothing.
					w.timeouts++
					w.noteErr(fmt.Errorf("no response within the %v grace period: %w", r.cfg.Grace, err))
				}
			} else if inWindow {
				if errors.Is(err, ErrMalformed) {
					w.protoErrs++
				} else {
					w.connErrs++
				}
				w.noteErr(err)
			}
			w.detach()
			conn = nil
		default:
			if inWindow {
				w.requests++
				if resp.status == expect {
					w.ok++
					w.hist.Record(end - start)
				} else {
					w.statusErrs++
					if resp.status < len(w.codes) {
						w.codes[resp.status]++
					}
				}
				if !resp.keepAlive {
					w.reconnects++
				}
			}
			if !resp.keepAlive {
				w.detach()
				conn = nil
			}
		}
		start = end
	}
}

func (w *worker) noteErr(err error) {
	if w.firstErr == nil {
		w.firstErr = err
	}
}

// processCPU returns the CPU time this process has used, or 0 where the
// platform does not report it.
func processCPU() time.Duration {
	d, _ := ProcessCPU(os.Getpid())
	return d
}
