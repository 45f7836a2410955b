package serverproc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

func TestWaitReadyReportsEarlyExit(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	srv, err := Start("dies", Addr(port), filepath.Join(t.TempDir(), "log"),
		[]string{"sh", "-c", "echo boom-from-child; exit 3"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	err = srv.WaitReady(context.Background(), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "boom-from-child") {
		t.Fatalf("WaitReady = %v", err)
	}
}

func TestStopKillsTheProcessGroup(t *testing.T) {
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	// The shell ignores SIGTERM and forks a sleeping child: Stop must still
	// end both, by escalating to SIGKILL on the whole group.
	srv, err := Start("stubborn", Addr(port), filepath.Join(t.TempDir(), "log"),
		[]string{"sh", "-c", "trap '' TERM; sleep 60 & wait"})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	pgid := srv.Pid()
	start := time.Now()
	srv.Stop()
	srv.Stop() // idempotent
	if el := time.Since(start); el > 8*time.Second {
		t.Fatalf("Stop took %v", el)
	}
	if alive := liveMembers(pgid); len(alive) > 0 {
		t.Fatalf("process group %d still has live members %v", pgid, alive)
	}
}

// liveMembers lists the processes of group pgid that are not zombies
// (zombies wait for a reaper, which a container's PID 1 may not be).
func liveMembers(pgid int) []string {
	deadline := time.Now().Add(2 * time.Second)
	for {
		var alive []string
		stats, _ := filepath.Glob("/proc/[0-9]*/stat")
		for _, p := range stats {
			b, err := os.ReadFile(p)
			if err != nil {
				continue
			}
			i := strings.LastIndexByte(string(b), ')')
			f := strings.Fields(string(b[i+1:]))
			if len(f) > 2 && f[2] == strconv.Itoa(pgid) && f[0] != "Z" {
				alive = append(alive, p)
			}
		}
		if len(alive) == 0 || time.Now().After(deadline) {
			return alive
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	if _, err := Start("x", "10.0.0.1:80", filepath.Join(t.TempDir(), "log"), []string{"true"}); err == nil {
		t.Fatal("Start accepted a non-loopback address")
	}
}

// TestBuiltinScenariosAgainstMoto checks every built-in scenario, setup
// included, against a real moto_server, and runs a short load on each. It is
// skipped where moto_server is not installed and in -short mode.
func TestBuiltinScenariosAgainstMoto(t *testing.T) {
	if testing.Short() {
		t.Skip("starts moto_server")
	}
	moto, err := exec.LookPath("moto_server")
	if err != nil {
		t.Skip("moto_server not installed")
	}
	port, err := FreePort()
	if err != nil {
		t.Fatal(err)
	}
	addr := Addr(port)
	srv, err := Start("moto", addr, filepath.Join(t.TempDir(), "moto.log"),
		[]string{moto, "-H", "127.0.0.1", "-p", strings.TrimPrefix(addr, "127.0.0.1:")})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	ctx := context.Background()
	if err := srv.WaitReady(ctx, 60*time.Second); err != nil {
		t.Fatal(err)
	}
	for _, sc := range loadgen.Builtin() {
		t.Run(sc.Name, func(t *testing.T) {
			req, err := sc.Prepare(ctx, addr, loadgen.DevCredentials)
			if err != nil {
				t.Fatal(err)
			}
			raw, err := req.Sign(addr, loadgen.DevCredentials, time.Now(), "00000000-0000-4000-8000-000000000001")
			if err != nil {
				t.Fatal(err)
			}
			status, body, err := loadgen.Probe(ctx, addr, raw, false)
			if err != nil || status != req.Status {
				t.Fatalf("probe: status %d, err %v, body %s", status, err, body)
			}
			res, err := loadgen.Run(ctx, loadgen.Config{
				Addr:         addr,
				Connections:  2,
				Duration:     300 * time.Millisecond,
				Pool:         loadgen.SignedPool(req, addr, loadgen.DevCredentials, 4),
				ExpectStatus: req.Status,
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.OK == 0 || res.Errors.Total() != 0 {
				t.Fatalf("load against moto:\n%s", res)
			}
			cpu, err := srv.CPU()
			if err != nil || cpu <= 0 {
				t.Fatalf("server CPU = %v, %v", cpu, err)
			}
		})
	}
}
