// Package serverproc starts and stops the servers that the benchmark
// harness measures (gatehouse, moto_server) as child processes bound to a
// loopback port, and makes sure they never outlive the harness: each runs in
// its own process group, which Stop signals as a whole, and on Linux the
// kernel kills it if the harness dies.
package serverproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gatehouse/gatehouse/bench/loadgen"
)

// Server is a running child server process.
type Server struct {
	// Name labels the server in messages ("moto", "gatehouse").
	Name string
	// Addr is the loopback "ip:port" it listens on.
	Addr string
	// LogPath is the file receiving its stdout and stderr.
	LogPath string

	cmd     *exec.Cmd
	log     *os.File
	exited  chan struct{}
	waitErr error
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start runs argv as server name that will listen on addr, with its output
// appended to logPath (a file, never a pipe, so a chatty server cannot block
// on a full pipe and skew the measurement).
func Start(name, addr, logPath string, argv []string) (*Server, error) {
	if len(argv) == 0 {
		return nil, errors.New("serverproc: empty command")
	}
	if _, err := loadgen.LoopbackAddr(addr); err != nil {
		return nil, err
	}
	log, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = sysProcAttr()
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("start %s (%s): %w", name, argv[0], err)
	}
	s := &Server{Name: name, Addr: addr, LogPath: logPath, cmd: cmd, log: log, exited: make(chan struct{})}
	go func() {
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()
	return s, nil
}

// Pid returns the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// CPU returns the CPU time the server process has used so far.
func (s *Server) CPU() (time.Duration, error) { return loadgen.ProcessCPU(s.Pid()) }

// WaitReady polls the server until it answers an HTTP request (any status
// will do), the process exits, ctx ends, or timeout passes.
func (s *Server) WaitReady(ctx context.Context, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	ping := []byte("GET / HTTP/1.1\r\nHost: " + s.Addr + "\r\nConnection: close\r\n\r\n")
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if _, _, err := loadgen.Probe(ctx, s.Addr, ping, false); err == nil {
			return nil
		}
		select {
		case <-s.exited:
			return fmt.Errorf("%s exited before answering (%v); log %s:\n%s", s.Name, s.waitErr, s.LogPath, s.LogTail(20))
		case <-ctx.Done():
			return fmt.Errorf("%s did not answer on %s within %v: %w; log %s:\n%s", s.Name, s.Addr, timeout, ctx.Err(), s.LogPath, s.LogTail(20))
		case <-tick.C:
		}
	}
}

// Stop sends SIGTERM to the server's process group, waits up to five
// seconds for the server to exit, then sends SIGKILL to the group, which
// also ends any process the server forked. It is safe to call more than
// once.
func (s *Server) Stop() {
	pgid := -s.cmd.Process.Pid
	select {
	case <-s.exited:
	default:
		_ = syscall.Kill(pgid, syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(pgid, syscall.SIGKILL)
			<-s.exited
		}
		// The leader is gone; end whatever it forked into its group. The
		// group's ID cannot be reused while any member lives.
		_ = syscall.Kill(pgid, syscall.SIGKILL)
	}
	s.log.Close()
}

// LogTail returns the last n lines of the server's log.
func (s *Server) LogTail(n int) string {
	b, err := os.ReadFile(s.LogPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Addr returns the loopback "127.0.0.1:port" address for port.
func Addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }
