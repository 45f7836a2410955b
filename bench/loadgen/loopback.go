package loadgen

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"time"
)

// LoopbackAddr checks that addr ("host:port") names this machine's loopback
// interface and returns it in canonical "ip:port" form. It accepts IP
// literals in 127.0.0.0/8 or ::1 and the name "localhost" when every address
// it resolves to is a loopback address; it refuses anything else without
// resolving it. The load generator sends traffic only to addresses that pass
// this check: a benchmark must never load a host that is not ours.
func LoopbackAddr(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("target %q: %w", addr, err)
	}
	if port == "" || port == "0" {
		return "", fmt.Errorf("target %q: missing port", addr)
	}
	if host == "localhost" {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		if err != nil || len(ips) == 0 {
			return "", fmt.Errorf("target %q: cannot resolve localhost: %v", addr, err)
		}
		for _, ip := range ips {
			if !ip.Unmap().IsLoopback() {
				return "", fmt.Errorf("target %q: localhost resolves to non-loopback %s; refusing", addr, ip)
			}
		}
		return net.JoinHostPort(ips[0].Unmap().String(), port), nil
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return "", fmt.Errorf("target %q: only loopback IP literals or localhost are allowed", addr)
	}
	ip = ip.Unmap()
	if !ip.IsLoopback() {
		return "", fmt.Errorf("target %q: %s is not a loopback address; refusing to send load to it", addr, ip)
	}
	return net.JoinHostPort(ip.String(), port), nil
}
