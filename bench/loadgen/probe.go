package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"time"
)

// ProbeTimeout bounds a single Probe exchange.
const ProbeTimeout = 10 * time.Second

// Probe sends one raw request to addr (which must be a loopback address) on
// a new connection and returns the response status and body. It goes through
// the same response parser as the load loop, so a scenario that probes
// correctly is measured correctly; the harness probes before every run so
// that a misconfigured scenario fails loudly with the server's error body
// instead of producing a throughput figure for error responses.
func Probe(ctx context.Context, addr string, raw []byte, headRequest bool) (int, []byte, error) {
	addr, err := LoopbackAddr(addr)
	if err != nil {
		return 0, nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, ProbeTimeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return 0, nil, err
	}
	defer conn.Close()
	deadline, _ := ctx.Deadline()
	_ = conn.SetDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Now()) })
	defer stop()
	if _, err := conn.Write(raw); err != nil {
		return 0, nil, err
	}
	var body bytes.Buffer
	resp, err := readResponse(bufio.NewReader(conn), headRequest, &body)
	if err != nil {
		return 0, body.Bytes(), err
	}
	return resp.status, body.Bytes(), nil
}
