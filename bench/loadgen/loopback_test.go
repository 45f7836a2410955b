package loadgen

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestLoopbackAddr(t *testing.T) {
	for in, want := range map[string]string{
		"127.0.0.1:80":         "127.0.0.1:80",
		"127.4.5.6:4566":       "127.4.5.6:4566",
		"[::1]:8080":           "[::1]:8080",
		"[::ffff:127.0.0.1]:1": "127.0.0.1:1",
	} {
		got, err := LoopbackAddr(in)
		if err != nil || got != want {
			t.Errorf("LoopbackAddr(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if got, err := LoopbackAddr("localhost:9"); err != nil || !(strings.HasPrefix(got, "127.") || strings.HasPrefix(got, "[::1]")) {
		t.Errorf("LoopbackAddr(localhost:9) = %q, %v", got, err)
	}
	for _, in := range []string{
		"10.0.0.1:80", "192.168.1.1:80", "172.16.0.1:80", "8.8.8.8:53", "[2001:db8::1]:80",
		"0.0.0.0:80", "example.com:80", "localhost.example.com:80", "127.0.0.1", "127.0.0.1:0", ":80",
	} {
		if got, err := LoopbackAddr(in); err == nil {
			t.Errorf("LoopbackAddr(%q) = %q, want refusal", in, got)
		}
	}
}

func TestRunRefusesNonLoopbackAndUnboundedRuns(t *testing.T) {
	pool := func(time.Time) ([][]byte, error) { return [][]byte{[]byte("GET / HTTP/1.1\r\n\r\n")}, nil }
	for name, cfg := range map[string]Config{
		"remote":       {Addr: "10.1.2.3:80", Duration: time.Second, Pool: pool},
		"public name":  {Addr: "example.com:80", Duration: time.Second, Pool: pool},
		"no duration":  {Addr: "127.0.0.1:9", Pool: pool},
		"too long":     {Addr: "127.0.0.1:9", Warmup: time.Minute, Duration: MaxRunTime, Pool: pool},
		"no pool":      {Addr: "127.0.0.1:9", Duration: time.Second},
		"resign >15m":  {Addr: "127.0.0.1:9", Duration: time.Second, Pool: pool, ResignInterval: 20 * time.Minute},
		"many conns":   {Addr: "127.0.0.1:9", Duration: time.Second, Pool: pool, Connections: MaxConnections + 1},
		"neg. warm-up": {Addr: "127.0.0.1:9", Duration: time.Second, Pool: pool, Warmup: -time.Second},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("%s: Run accepted %+v", name, cfg)
		}
	}
	if _, _, err := Probe(context.Background(), "10.1.2.3:80", []byte("x"), false); err == nil {
		t.Error("Probe accepted a non-loopback address")
	}
}
