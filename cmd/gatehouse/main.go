// Command gatehouse runs the gatehouse server: the AWS security services
// (IAM, STS, Organizations, KMS, WAF, Shield, GuardDuty, Inspector, Artifact,
// CloudTrail) on one endpoint, with embedded storage.
//
//	gatehouse serve [flags]     run the server
//	gatehouse audit             check every account against the auditing security checklist
//	gatehouse artifact          publish Artifact reports and agreements, accept agreements
//	gatehouse account           operator actions on accounts (root credentials)
//	gatehouse responsibility    the shared responsibility model, with each item's state
//	gatehouse version           print the version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/authz"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gatehouse:", err)
		// Commands that report findings (gatehouse audit: 3 when a control
		// fails) choose their exit status; every other error is 1.
		var coded interface{ ExitCode() int }
		if errors.As(err, &coded) {
			os.Exit(coded.ExitCode())
		}
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stderr)
		return errors.New("no command given")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr)
	case "audit":
		return auditCommand(args[1:], stdout, stderr)
	case "artifact":
		return artifactCommand(args[1:], stdout, stderr)
	case "account":
		return accountCommand(args[1:], stdout, stderr)
	case "responsibility":
		return responsibilityCommand(args[1:], stdout, stderr)
	case "version":
		fmt.Fprintln(stdout, "gatehouse", version)
		return nil
	case "help", "-h", "--help":
		usage(stdout)
		return nil
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: gatehouse <command> [flags]

commands:
  serve            run the server (gatehouse serve -h for its flags)
  audit            check every account against the auditing security checklist
  artifact         publish Artifact reports and agreements; accept agreements
  account          operator actions on accounts (root credentials of member accounts)
  responsibility   what gatehouse secures and what you must, with each item's state
  version          print the version
`)
}

// env returns the environment variable's value or def.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}

func envBool(name string) bool {
	switch strings.ToLower(os.Getenv(name)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

func serve(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", env("GATEHOUSE_LISTEN", "127.0.0.1:4566"), "address to listen on (GATEHOUSE_LISTEN)")
	dataDir := fs.String("data", env("GATEHOUSE_DATA", "./gatehouse-data"), "data directory (GATEHOUSE_DATA)")
	rootKey := fs.String("root-key-file", env("GATEHOUSE_ROOT_KEY_FILE", ""), "file holding the root key that encrypts secrets at rest; default <data>/root.key (GATEHOUSE_ROOT_KEY_FILE; GATEHOUSE_ROOT_KEY supplies the key itself, base64)")
	accountID := fs.String("account-id", env("GATEHOUSE_ACCOUNT_ID", ""), "management account id created on first start; default random (GATEHOUSE_ACCOUNT_ID)")
	rootEmail := fs.String("root-email", env("GATEHOUSE_ROOT_EMAIL", ""), "root user email on first start (GATEHOUSE_ROOT_EMAIL)")
	dev := fs.Bool("dev", envBool("GATEHOUSE_DEV"), "dev mode: any access key is the root user of the default account, and POST /moto-api/reset wipes state (GATEHOUSE_DEV=1)")
	enforce := fs.String("enforce", env("GATEHOUSE_ENFORCE", ""), "authorization enforcement: on (deny what IAM policies do not allow), soft (log and record would-be denials, allow) or off (authorize nothing); soft and off need --dev, whose default is off (GATEHOUSE_ENFORCE)")
	devAccount := fs.String("default-account", env("GATEHOUSE_DEFAULT_ACCOUNT", app.DefaultDevAccountID), "dev mode's default account id (GATEHOUSE_DEFAULT_ACCOUNT)")
	tlsCert := fs.String("tls-cert", env("GATEHOUSE_TLS_CERT", ""), "TLS certificate file; serve HTTPS when set with -tls-key (GATEHOUSE_TLS_CERT)")
	tlsKey := fs.String("tls-key", env("GATEHOUSE_TLS_KEY", ""), "TLS private key file (GATEHOUSE_TLS_KEY)")
	logFormat := fs.String("log-format", env("GATEHOUSE_LOG_FORMAT", "text"), "log format: text or json (GATEHOUSE_LOG_FORMAT)")
	logLevel := fs.String("log-level", env("GATEHOUSE_LOG_LEVEL", "info"), "log level: debug, info, warn, error (GATEHOUSE_LOG_LEVEL)")
	shutdownTimeout := fs.Duration("shutdown-timeout", 30*time.Second, "how long in-flight requests may take to finish on SIGTERM")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		return errors.New("-tls-cert and -tls-key go together")
	}
	logger, err := newLogger(stderr, *logFormat, *logLevel)
	if err != nil {
		return err
	}
	tuneGC()
	tuneProcs()

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	node, err := app.Open(ctx, app.Config{
		DataDir: *dataDir, RootKeyFile: *rootKey, AccountID: *accountID, RootEmail: *rootEmail,
		Dev: *dev, DevAccountID: *devAccount, Enforce: *enforce, Logger: logger,
	})
	if err != nil {
		return err
	}
	if *dev {
		logger.Warn("DEV MODE: any access key is accepted, unsigned, as the root user of the default account, and POST /moto-api/reset wipes all state. Never expose a dev-mode server.",
			"default_account", *devAccount)
	}

	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return errors.Join(err, node.Close(context.Background()))
	}
	httpServer := &http.Server{
		Handler:           node.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if *tlsCert != "" {
		scheme = "https"
	}
	url := scheme + "://" + ln.Addr().String()
	if node.Created != nil {
		printBootstrap(stdout, node, url)
	}
	logger.Info("gatehouse listening", "url", url, "data", *dataDir,
		"management_account", node.ManagementAccountID, "enforce", node.Enforcement.String(), "version", version)
	if node.Enforcement != authz.On {
		logger.Warn("authorization enforcement is "+node.Enforcement.String()+": requests that IAM policies deny are let through",
			"enforce", node.Enforcement.String())
	}

	serveErr := make(chan error, 1)
	go func() {
		if *tlsCert != "" {
			serveErr <- httpServer.ServeTLS(ln, *tlsCert, *tlsKey)
		} else {
			serveErr <- httpServer.Serve(ln)
		}
	}()

	select {
	case err := <-serveErr:
		return errors.Join(err, node.Close(context.Background()))
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), *shutdownTimeout)
	defer cancel()
	shutdownErr := httpServer.Shutdown(shutdownCtx)
	closeErr := node.Close(shutdownCtx)
	if err := errors.Join(shutdownErr, closeErr); err != nil {
		return err
	}
	logger.Info("gatehouse stopped cleanly")
	return nil
}

// tuneGC raises the garbage collector's target unless GOGC is set: a
// gatehouse node keeps a small live heap (tens of MB) but allocates quickly
// under load, so the default target makes it collect many times a second.
// At 400 it collects a quarter as often, for a few tens of MB more memory,
// which cuts both GC CPU and request tail latency (measured with bench/).
func tuneGC() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(400)
	}
}

// minProcs is the fewest processors (GOMAXPROCS) a server runs with.
const minProcs = 8

// tuneProcs gives the Go scheduler at least minProcs processors, unless
// GOMAXPROCS is set. gatehouse usually shares a small machine with its
// clients (a laptop, a CI runner with two cores, the test suite calling
// it). With one processor per core, each of its threads holds a queue of
// ready requests, and when the kernel lets a client run in its place those
// requests wait for the thread's next time slice, milliseconds later. With
// more processors than cores the ready requests are spread thinner and
// the threads still running pick them up; the kernel also gives the server
// a larger share of the cores its clients are waiting on anyway. On the
// 2-core development machine, with the load generator on the same cores,
// KMS Encrypt at 16 connections had a p99 of 4.3-5.1 ms with 2
// processors, 3.9-4.6 ms with 4 and 3.5-4.1 ms with 8 (16 did no better),
// with 5-15% more throughput (bench/README.md). Machines with 8 cores or
// more, and containers held to a CPU quota, keep the runtime's default.
func tuneProcs() {
	if _, set := os.LookupEnv("GOMAXPROCS"); set {
		return
	}
	procs := runtime.GOMAXPROCS(0)
	if procs < runtime.NumCPU() {
		// The runtime's default follows a CPU quota (a container's
		// cgroup limit): threads beyond it would only be throttled.
		return
	}
	if procs < minProcs {
		runtime.GOMAXPROCS(minProcs)
	}
}

// printBootstrap shows the first start's root credentials, once. They go to
// stdout only, never to the log.
func printBootstrap(w io.Writer, node *app.App, url string) {
	rc := node.Created
	fmt.Fprintf(w, `
gatehouse created management account %s and its root user.
These credentials are shown once; they are also in %s (mode 0600).

  console email:      %s
  console password:   %s
  access key id:      %s
  secret access key:  %s

  AWS_SHARED_CREDENTIALS_FILE=%s AWS_PROFILE=gatehouse-root \
    aws --endpoint-url %s sts get-caller-identity

`, rc.AccountID, node.CredentialsFile, rc.Email, rc.Password, rc.AccessKeyID, rc.SecretAccessKey, node.CredentialsFile, url)
}

func newLogger(w io.Writer, format, level string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("-log-level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format must be text or json, not %q", format)
}
