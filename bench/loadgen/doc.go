// Package loadgen is gatehouse's closed-loop HTTP/1.1 load generator.
//
// It exists because net/http's client spends more CPU per request than a
// fast server under test, and on a 2-core machine that CPU comes out of the
// server's share. loadgen instead signs a pool of requests once with real
// SigV4 (aws-sdk-go-v2's signer), serializes each to raw bytes, and replays
// them: each of N goroutines owns one keep-alive net.Conn, writes a request,
// reads and minimally parses the response (status line, headers,
// Content-Length or chunked body), checks the status and records the
// latency in a fixed-bucket histogram. Nothing on that path allocates.
//
// Runs are bounded: they stop by themselves after warm-up plus duration
// (capped at MaxRunTime), and they only ever target loopback addresses.
//
// A benchmark is a Scenario: a declarative Request (service, region,
// method, path, headers, body, expected status), optionally preceded by
// setup Steps. See Builtin.
package loadgen
