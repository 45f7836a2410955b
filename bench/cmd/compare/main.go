// Command compare measures one scenario against moto_server and against
// gatehouse in the same run, on loopback, one server at a time, and checks
// gatehouse's acceptance targets: its throughput must be at least -min-ratio
// times moto's and its p99 latency below -max-p99.
//
//	go run ./bench/cmd/compare -gatehouse ./gatehouse -scenario getcalleridentity
//
// Exit status: 0 when every target is met (or gatehouse was skipped because
// its binary does not exist yet), 1 when a target is missed, 2 when the
// benchmark itself could not run.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
	"github.com/gatehouse/gatehouse/bench/serverproc"
)

// options are the command-line flags.
type options struct {
	scenario     string
	connections  int
	duration     time.Duration
	motoDuration time.Duration
	warmup       time.Duration
	pool         int
	moto         string
	gatehouse    string
	minRatio     float64
	maxP99       time.Duration
	maxErrorRate float64
	startTimeout time.Duration
	keepLogs     bool
	jsonPath     string
	waitQuiet    time.Duration
	requireSigV4 bool
	creds        loadgen.Credentials
}

func main() { os.Exit(run()) }

func run() int {
	var o options
	flag.StringVar(&o.scenario, "scenario", "getcalleridentity", "scenario: "+strings.Join(loadgen.Names(), ", "))
	flag.IntVar(&o.connections, "connections", 16, "concurrent keep-alive connections")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "measurement window for gatehouse")
	flag.DurationVar(&o.motoDuration, "moto-duration", 5*time.Second, "measurement window for moto (slow, so shorter)")
	flag.DurationVar(&o.warmup, "warmup", 2*time.Second, "unmeasured warm-up before each window")
	flag.IntVar(&o.pool, "pool", 256, "distinct signed requests replayed")
	flag.StringVar(&o.moto, "moto", "moto_server", "moto_server command; empty skips moto (no ratio)")
	flag.StringVar(&o.gatehouse, "gatehouse", "", "gatehouse binary, started as BIN serve --listen ADDR --data DIR --enforce on (not dev mode: requests are signed with the bootstrap root key from DIR/root-credentials, or with the IAM user a scenario creates, so SigV4 is verified and every request authorized); skipped while it does not exist")
	flag.Float64Var(&o.minRatio, "min-ratio", 40, "required gatehouse/moto throughput ratio")
	flag.DurationVar(&o.maxP99, "max-p99", 5*time.Millisecond, "required upper bound of gatehouse's p99 latency")
	flag.Float64Var(&o.maxErrorRate, "max-error-rate", 0, "largest accepted fraction of failed requests, for either server")
	flag.DurationVar(&o.startTimeout, "start-timeout", 60*time.Second, "how long a server may take to answer after start")
	flag.BoolVar(&o.keepLogs, "keep-logs", false, "keep the temporary directory with server logs and data")
	flag.StringVar(&o.jsonPath, "json", "", "also write the results as JSON to this file")
	flag.BoolVar(&o.requireSigV4, "require-sigv4", true, "fail unless gatehouse rejects a request with a forged signature (i.e. SigV4 verification is on the measured path)")
	flag.DurationVar(&o.waitQuiet, "wait-quiet", 2*time.Minute, "before each measurement, wait up to this long for other processes to leave the CPUs idle (0 disables)")
	flag.StringVar(&o.creds.AccessKeyID, "access-key", loadgen.DevCredentials.AccessKeyID, "access key id to sign moto's requests with")
	flag.StringVar(&o.creds.SecretAccessKey, "secret-key", loadgen.DevCredentials.SecretAccessKey, "secret access key to sign moto's requests with")
	flag.Parse()

	sc, ok := loadgen.Lookup(o.scenario)
	if !ok {
		fmt.Fprintf(os.Stderr, "compare: unknown scenario %q (have %s)\n", o.scenario, strings.Join(loadgen.Names(), ", "))
		return 2
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	defer stop()

	dir, err := os.MkdirTemp("", "gatehouse-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "compare:", err)
		return 2
	}
	keep := o.keepLogs
	defer func() {
		if keep {
			fmt.Printf("logs and data kept in %s\n", dir)
		} else {
			os.RemoveAll(dir)
		}
	}()

	fmt.Printf("scenario %s: %s; %d connections, warm-up %v, pool of %d signed requests\n",
		sc.Name, sc.Description, o.connections, o.warmup, o.pool)

	var rows []*measurement
	var motoM, ghM *measurement
	if o.moto != "" {
		motoM, err = measure(ctx, o, sc, target{
			name:     "moto",
			duration: o.motoDuration,
			argv: func(port int, _ string) []string {
				return []string{o.moto, "-H", "127.0.0.1", "-p", fmt.Sprint(port)}
			},
		}, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "compare: moto:", err)
			keep = true
			return 2
		}
		rows = append(rows, motoM)
	} else {
		fmt.Println("moto: skipped (-moto is empty); no ratio will be computed")
	}

	ghSkip := ""
	switch {
	case o.gatehouse == "":
		ghSkip = "no -gatehouse binary given"
	default:
		if st, err := os.Stat(o.gatehouse); err != nil || st.IsDir() {
			ghSkip = fmt.Sprintf("binary %s does not exist yet (build it, e.g. go build -o gatehouse ./cmd/gatehouse)", o.gatehouse)
		}
	}
	if ghSkip == "" {
		bin, _ := filepath.Abs(o.gatehouse)
		ghM, err = measure(ctx, o, sc, target{
			name:     "gatehouse",
			duration: o.duration,
			argv: func(port int, data string) []string {
				return []string{bin, "serve", "--listen", serverproc.Addr(port), "--data", data, "--enforce", "on"}
			},
			creds: rootCredentials,
		}, dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, "compare: gatehouse:", err)
			keep = true
			return 2
		}
		rows = append(rows, ghM)
	}

	fmt.Println()
	printTable(rows)
	fmt.Println()
	if o.jsonPath != "" {
		if err := writeJSON(o.jsonPath, sc.Name, rows); err != nil {
			fmt.Fprintln(os.Stderr, "compare:", err)
			return 2
		}
	}

	if ghSkip != "" {
		fmt.Printf("SKIP gatehouse: %s; targets (ratio >= %gx, p99 < %v) not evaluated\n", ghSkip, o.minRatio, o.maxP99)
		if motoM != nil {
			fmt.Printf("     gatehouse will need >= %.0f req/s to reach %gx moto\n", o.minRatio*motoM.res.Throughput(), o.minRatio)
		}
		return 0
	}
	if !checkTargets(o, motoM, ghM) {
		return 1
	}
	return 0
}

// target says how to start one server and how long to measure it.
type target struct {
	name     string
	duration time.Duration
	argv     func(port int, dataDir string) []string
	// creds, when set, gives the credentials to sign with once the server
	// is ready (gatehouse's bootstrap root key); otherwise -access-key and
	// -secret-key are used.
	creds func(dataDir string) (loadgen.Credentials, error)
}

// rootCredentials reads the bootstrap root key gatehouse wrote to
// <data>/root-credentials on its first start.
func rootCredentials(dataDir string) (loadgen.Credentials, error) {
	raw, err := os.ReadFile(filepath.Join(dataDir, "root-credentials"))
	if err != nil {
		return loadgen.Credentials{}, err
	}
	var c loadgen.Credentials
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		switch strings.TrimSpace(k) {
		case "aws_access_key_id":
			c.AccessKeyID = strings.TrimSpace(v)
		case "aws_secret_access_key":
			c.SecretAccessKey = strings.TrimSpace(v)
		}
	}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, fmt.Errorf("%s/root-credentials holds no access key", dataDir)
	}
	return c, nil
}

// measurement is one server's result plus the CPU it used in the window.
type measurement struct {
	name      string
	res       *loadgen.Result
	serverCPU time.Duration
	// forgedStatus is the status the server gave a request whose signature
	// was forged; 0 when not probed.
	forgedStatus int
	// expectStatus is the scenario's expected status.
	expectStatus int
}

// verifiesSigV4 reports whether the server rejected the forged signature.
func (m *measurement) verifiesSigV4() bool {
	return m.forgedStatus != 0 && m.forgedStatus != m.expectStatus
}

// measure starts the server, waits until it answers, runs the scenario's
// setup, checks one request by hand, runs the load, and stops the server
// again so that it does not compete for the cores with the next one.
func measure(ctx context.Context, o options, sc loadgen.Scenario, t target, dir string) (*measurement, error) {
	port, err := serverproc.FreePort()
	if err != nil {
		return nil, err
	}
	addr := serverproc.Addr(port)
	data := filepath.Join(dir, t.name+"-data")
	if err := os.MkdirAll(data, 0o755); err != nil {
		return nil, err
	}
	srv, err := serverproc.Start(t.name, addr, filepath.Join(dir, t.name+".log"), t.argv(port, data))
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	fmt.Printf("%s: started pid %d on %s, waiting for it to answer\n", t.name, srv.Pid(), addr)
	if err := srv.WaitReady(ctx, o.startTimeout); err != nil {
		return nil, err
	}

	creds := o.creds
	if t.creds != nil {
		if creds, err = t.creds(data); err != nil {
			return nil, err
		}
	}
	req, creds, err := sc.PrepareAs(ctx, addr, creds)
	if err != nil {
		return nil, fmt.Errorf("setup: %w", err)
	}
	raw, err := req.Sign(addr, creds, time.Now(), "00000000-0000-4000-8000-000000000000")
	if err != nil {
		return nil, err
	}
	status, body, err := loadgen.Probe(ctx, addr, raw, req.Method == "HEAD")
	if err != nil {
		return nil, fmt.Errorf("probe: %w", err)
	}
	if status != req.Status {
		return nil, fmt.Errorf("probe: status %d, want %d; body: %.400s", status, req.Status, body)
	}
	m := &measurement{name: t.name, expectStatus: req.Status}
	if forged := loadgen.ForgeSignature(raw); forged != nil {
		status, _, err := loadgen.Probe(ctx, addr, forged, req.Method == "HEAD")
		if err != nil {
			return nil, fmt.Errorf("forged-signature probe: %w", err)
		}
		m.forgedStatus = status
		if status == req.Status {
			fmt.Printf("%s: accepts a request with a forged signature (status %d): SigV4 verification is NOT on the measured path\n", t.name, status)
		} else {
			fmt.Printf("%s: rejects a forged signature (status %d): SigV4 verification is on the measured path\n", t.name, status)
		}
	}

	if o.waitQuiet > 0 {
		if load, quiet := loadgen.WaitQuiet(ctx, o.waitQuiet, foreignLoadWarning); !quiet {
			fmt.Printf("%s: machine still busy (%.2f cores) after waiting %v; measuring anyway\n", t.name, load, o.waitQuiet)
		}
	}
	fmt.Printf("%s: running %v warm-up + %v\n", t.name, o.warmup, t.duration)
	var cpu0 time.Duration
	res, err := loadgen.Run(ctx, loadgen.Config{
		Addr:         addr,
		Connections:  o.connections,
		Warmup:       o.warmup,
		Duration:     t.duration,
		Pool:         loadgen.SignedPool(req, addr, creds, o.pool),
		ExpectStatus: req.Status,
		HeadRequest:  req.Method == "HEAD",
		OnWindow: func(begin bool) {
			c, _ := srv.CPU()
			if begin {
				cpu0 = c
			} else {
				m.serverCPU = c - cpu0
			}
		},
	})
	if err != nil {
		return nil, err
	}
	m.res = res
	fmt.Printf("%s: %.0f req/s, p99 %s, %d errors\n", t.name, res.Throughput(), loadgen.FormatDuration(res.Latency.Quantile(0.99)), res.Errors.Total())
	if res.FirstError != nil {
		fmt.Printf("%s: first error: %v\n", t.name, res.FirstError)
	}
	return m, nil
}

// printTable prints one line per measured server.
func printTable(rows []*measurement) {
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "target\twindow\trequests\treq/s\tp50\tp90\tp99\tp99.9\tmax\terrors\tsrv cpu\tlg cpu\tother cpu\tsrv cpu/req\tlg cpu/req\t")
	for _, m := range rows {
		r := m.res
		s := r.Summary()
		perReq := func(d time.Duration) string {
			if s.OK == 0 || d <= 0 {
				return "-"
			}
			return loadgen.FormatDuration(d / time.Duration(s.OK))
		}
		fmt.Fprintf(tw, "%s\t%v\t%d\t%.0f\t%s\t%s\t%s\t%s\t%s\t%d\t%.2f\t%.2f\t%.2f\t%s\t%s\t\n",
			m.name, r.Window, s.Requests, s.Throughput,
			loadgen.FormatDuration(s.P50), loadgen.FormatDuration(s.P90), loadgen.FormatDuration(s.P99),
			loadgen.FormatDuration(s.P999), loadgen.FormatDuration(s.Max), r.Errors.Total(),
			cores(m.serverCPU, r.Window), cores(r.ClientCPU, r.Window), cores(m.otherCPU(), r.Window),
			perReq(m.serverCPU), perReq(r.ClientCPU))
	}
	tw.Flush()
	fmt.Println("(cpu columns: cores used on average in the window by the server, the load generator, and every other")
	fmt.Println(" process of the machine; cpu/req: CPU time per OK request)")
	for _, m := range rows {
		if c := cores(m.otherCPU(), m.res.Window); c > foreignLoadWarning {
			fmt.Printf("WARNING: other processes used %.2f cores during the %s window: its figures are skewed; re-run on a quiet machine\n", c, m.name)
		}
	}
}

// foreignLoadWarning is the average number of cores used by unrelated
// processes above which a measurement is flagged as unreliable.
const foreignLoadWarning = 0.15

func cores(d, window time.Duration) float64 { return d.Seconds() / window.Seconds() }

// otherCPU is the machine's busy time in the window not spent by the server
// or the load generator.
func (m *measurement) otherCPU() time.Duration {
	d := m.res.MachineCPU - m.res.ClientCPU - m.serverCPU
	if d < 0 {
		d = 0
	}
	return d
}

// checkTargets prints and evaluates the acceptance targets.
func checkTargets(o options, motoM, ghM *measurement) bool {
	pass := true
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		pass = false
		return "FAIL"
	}
	for _, m := range []*measurement{motoM, ghM} {
		if m == nil {
			continue
		}
		rate := m.res.ErrorRate()
		fmt.Printf("%-9s error rate %.4f%% (need <= %.4f%%)  %s\n", m.name, 100*rate, 100*o.maxErrorRate, verdict(rate <= o.maxErrorRate))
	}
	if motoM != nil {
		mt := motoM.res.Throughput()
		ok := mt > 0
		ratio := 0.0
		if ok {
			ratio = ghM.res.Throughput() / mt
		}
		fmt.Printf("ratio gatehouse/moto = %.1fx (need >= %gx)  %s\n", ratio, o.minRatio, verdict(ok && ratio >= o.minRatio))
	} else {
		fmt.Println("ratio gatehouse/moto: not evaluated (moto skipped)")
	}
	if o.requireSigV4 {
		fmt.Printf("gatehouse rejects forged signatures (status %d)  %s\n", ghM.forgedStatus, verdict(ghM.verifiesSigV4()))
	}
	p99 := ghM.res.Latency.Quantile(0.99)
	fmt.Printf("gatehouse p99 = %s (need < %s)  %s\n", loadgen.FormatDuration(p99), loadgen.FormatDuration(o.maxP99),
		verdict(ghM.res.OK > 0 && p99 < o.maxP99))
	return pass
}

// writeJSON saves the summaries for tooling.
func writeJSON(path, scenario string, rows []*measurement) error {
	type row struct {
		loadgen.Summary
		Name          string  `json:"name"`
		ServerCPUSec  float64 `json:"server_cpu_s"`
		ForgedStatus  int     `json:"forged_signature_status"`
		VerifiesSigV4 bool    `json:"verifies_sigv4"`
	}
	out := struct {
		Scenario string `json:"scenario"`
		Time     string `json:"time"`
		Results  []row  `json:"results"`
	}{Scenario: scenario, Time: time.Now().UTC().Format(time.RFC3339)}
	for _, m := range rows {
		out.Results = append(out.Results, row{
			Summary: m.res.Summary(), Name: m.name, ServerCPUSec: m.serverCPU.Seconds(),
			ForgedStatus: m.forgedStatus, VerifiesSigV4: m.verifiesSigV4(),
		})
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return errors.New("write JSON: " + err.Error())
	}
	return nil
}
