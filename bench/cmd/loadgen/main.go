// Command loadgen runs one scenario of the closed-loop load generator
// against a server that is already listening on a loopback address, or,
// with -trivial, against a do-nothing net/http server in this process, which
// measures the ceiling of the machine plus load generator.
//
//	go run ./bench/cmd/loadgen -target 127.0.0.1:4566 -scenario getcalleridentity -connections 16
//	go run ./bench/cmd/loadgen -trivial -connections 16
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

func main() { os.Exit(run()) }

func run() int {
	target := flag.String("target", "", "loopback host:port of the server under test")
	trivial := flag.Bool("trivial", false, "serve a fixed 400-byte XML answer from an in-process net/http server and load it")
	scenario := flag.String("scenario", "getcalleridentity", "scenario: "+strings.Join(loadgen.Names(), ", "))
	connections := flag.Int("connections", 16, "concurrent keep-alive connections")
	duration := flag.Duration("duration", 10*time.Second, "measurement window")
	warmup := flag.Duration("warmup", 2*time.Second, "unmeasured warm-up")
	poolSize := flag.Int("pool", 256, "distinct signed requests replayed")
	setup := flag.Bool("setup", true, "run the scenario's setup steps first")
	jsonOut := flag.Bool("json", false, "print the result as JSON")
	waitQuiet := flag.Duration("wait-quiet", 0, "first wait up to this long for other processes to leave the CPUs idle")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the run (load generator, and the server with -trivial) to this file")
	var creds loadgen.Credentials
	flag.StringVar(&creds.AccessKeyID, "access-key", loadgen.DevCredentials.AccessKeyID, "access key id to sign with")
	flag.StringVar(&creds.SecretAccessKey, "secret-key", loadgen.DevCredentials.SecretAccessKey, "secret access key to sign with")
	flag.Parse()

	fail := func(err error) int {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		return 2
	}
	sc, ok := loadgen.Lookup(*scenario)
	if !ok {
		return fail(fmt.Errorf("unknown scenario %q (have %s)", *scenario, strings.Join(loadgen.Names(), ", ")))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *trivial {
		if *target != "" {
			return fail(fmt.Errorf("-trivial and -target are exclusive"))
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fail(err)
		}
		srv := &http.Server{Handler: loadgen.TrivialHandler()}
		go srv.Serve(ln)
		defer srv.Close()
		*target = ln.Addr().String()
		*setup = false // the trivial server creates nothing
	}
	if *target == "" {
		return fail(fmt.Errorf("-target or -trivial is required"))
	}
	addr, err := loadgen.LoopbackAddr(*target)
	if err != nil {
		return fail(err)
	}

	req := sc.Request
	if *setup {
		if req, creds, err = sc.PrepareAs(ctx, addr, creds); err != nil {
			return fail(fmt.Errorf("setup: %w", err))
		}
	} else if len(sc.Setup) > 0 && !*trivial {
		fmt.Fprintln(os.Stderr, "loadgen: warning: -setup=false; placeholders stay unfilled")
	}
	raw, err := req.Sign(addr, creds, time.Now(), "00000000-0000-4000-8000-000000000000")
	if err != nil {
		return fail(err)
	}
	status, body, err := loadgen.Probe(ctx, addr, raw, req.Method == "HEAD")
	if err != nil {
		return fail(fmt.Errorf("probe: %w", err))
	}
	if status != req.Status {
		return fail(fmt.Errorf("probe: status %d, want %d; body: %.400s", status, req.Status, body))
	}

	if *waitQuiet > 0 {
		if load, quiet := loadgen.WaitQuiet(ctx, *waitQuiet, 0.15); !quiet {
			fmt.Fprintf(os.Stderr, "loadgen: machine still busy (%.2f cores) after %v; measuring anyway\n", load, *waitQuiet)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return fail(err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fail(err)
		}
		defer pprof.StopCPUProfile()
	}
	res, err := loadgen.Run(ctx, loadgen.Config{
		Addr:         addr,
		Connections:  *connections,
		Warmup:       *warmup,
		Duration:     *duration,
		Pool:         loadgen.SignedPool(req, addr, creds, *poolSize),
		ExpectStatus: req.Status,
		HeadRequest:  req.Method == "HEAD",
	})
	if err != nil {
		return fail(err)
	}
	if *jsonOut {
		b, _ := json.MarshalIndent(res.Summary(), "", "  ")
		fmt.Println(string(b))
	} else {
		fmt.Printf("scenario      %s (%s)\n", sc.Name, sc.Description)
		fmt.Print(res.String())
		if *trivial {
			fmt.Println("(-trivial: the server runs in this process, so loadgen cpu includes it)")
		}
	}
	if res.Errors.Total() > 0 {
		return 1
	}
	return 0
}
