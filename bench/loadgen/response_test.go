package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	tests := []struct {
		name      string
		raw       string
		head      bool
		status    int
		keepAlive bool
		body      string
		err       error // nil, ErrMalformed or io.ErrUnexpectedEOF (matched with errors.Is)
	}{
		{
			name:   "content-length",
			raw:    "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: 5\r\n\r\nhello",
			status: 200, keepAlive: true, body: "hello",
		},
		{
			name:   "header names in any case, value padded",
			raw:    "HTTP/1.1 200 OK\r\ncOnTeNt-LeNgTh:   3  \r\n\r\nabc",
			status: 200, keepAlive: true, body: "abc",
		},
		{
			name:   "chunked with extension and trailer",
			raw:    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n",
			status: 200, keepAlive: true, body: "Wiki0123456789",
		},
		{
			name:   "connection close",
			raw:    "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok",
			status: 200, keepAlive: false, body: "ok",
		},
		{
			name:   "HTTP/1.0 defaults to close",
			raw:    "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok",
			status: 200, keepAlive: false, body: "ok",
		},
		{
			name:   "HTTP/1.0 keep-alive",
			raw:    "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok",
			status: 200, keepAlive: true, body: "ok",
		},
		{
			name:   "body delimited by end of connection",
			raw:    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil eof",
			status: 200, keepAlive: false, body: "until eof",
		},
		{
			name:   "interim 100 Continue skipped",
			raw:    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\ndeny",
			status: 403, keepAlive: true, body: "deny",
		},
		{
			name:   "204 has no body",
			raw:    "HTTP/1.1 204 No Content\r\n\r\n",
			status: 204, keepAlive: true,
		},
		{
			name:   "HEAD response has no body despite Content-Length",
			raw:    "HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n",
			head:   true,
			status: 200, keepAlive: true,
		},
		{
			name:   "bare LF line endings",
			raw:    "HTTP/1.1 200 OK\nContent-Length: 1\n\nx",
			status: 200, keepAlive: true, body: "x",
		},
		{
			name:   "status line without reason",
			raw:    "HTTP/1.1 500\r\nContent-Length: 0\r\n\r\n",
			status: 500, keepAlive: true,
		},
		{name: "not HTTP", raw: "SSH-2.0-OpenSSH\r\n\r\n", err: ErrMalformed},
		{name: "non-digit status", raw: "HTTP/1.1 2x0 OK\r\n\r\n", err: ErrMalformed},
		{name: "four-digit status", raw: "HTTP/1.1 2000 OK\r\n\r\n", err: ErrMalformed},
		{name: "header without colon", raw: "HTTP/1.1 200 OK\r\nbogus\r\n\r\n", err: ErrMalformed},
		{name: "bad content-length", raw: "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", err: ErrMalformed},
		{name: "bad chunk size", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", err: ErrMalformed},
		{name: "chunk without CRLF", raw: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n", err: ErrMalformed},
		{name: "truncated body", raw: "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", err: io.ErrUnexpectedEOF},
		{name: "truncated headers", raw: "HTTP/1.1 200 OK\r\nContent-Len", err: io.ErrUnexpectedEOF},
		{name: "header line longer than the buffer", raw: "HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("a", readBufferSize) + "\r\n\r\n", err: ErrMalformed},
		{name: "empty stream", raw: "", err: io.EOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			br := bufio.NewReaderSize(strings.NewReader(tc.raw), readBufferSize)
			var body bytes.Buffer
			resp, err := readResponse(br, tc.head, &body)
			if tc.err != nil {
				if !errors.Is(err, tc.err) {
					t.Fatalf("err = %v, want %v", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if resp.status != tc.status || resp.keepAlive != tc.keepAlive || body.String() != tc.body {
				t.Fatalf("got status %d keepAlive %v body %q; want %d %v %q",
					resp.status, resp.keepAlive, body.String(), tc.status, tc.keepAlive, tc.body)
			}
			// Without a sink the same response must parse identically.
			resp2, err := readResponse(bufio.NewReaderSize(strings.NewReader(tc.raw), readBufferSize), tc.head, nil)
			if err != nil || resp2 != resp {
				t.Fatalf("discarding parse: %+v, %v; want %+v", resp2, err, resp)
			}
		})
	}
}

// TestReadResponseSequence reads back-to-back responses from one stream, as
// on a keep-alive connection: each parse must stop exactly at its end.
func TestReadResponseSequence(t *testing.T) {
	stream := "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none" +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n" +
		"HTTP/1.1 404 Not Found\r\nContent-Length: 5\r\n\r\nthree"
	br := bufio.NewReader(strings.NewReader(stream))
	for i, want := range []struct {
		status int
		body   string
	}{{200, "one"}, {200, "two"}, {404, "three"}} {
		var body bytes.Buffer
		resp, err := readResponse(br, false, &body)
		if err != nil || resp.status != want.status || body.String() != want.body {
			t.Fatalf("response %d: %+v %q %v", i, resp, body.String(), err)
		}
	}
	if _, err := readResponse(br, false, nil); err != io.EOF {
		t.Fatalf("after last response: %v, want EOF", err)
	}
}

func TestReadResponseDoesNotAllocate(t *testing.T) {
	raw := []byte("HTTP/1.1 200 OK\r\nServer: x\r\nContent-Type: text/xml\r\nContent-Length: 400\r\n" +
		"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n" + string(TrivialBody) +
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
	src := bytes.NewReader(raw)
	br := bufio.NewReaderSize(src, readBufferSize)
	if n := testing.AllocsPerRun(1000, func() {
		src.Reset(raw)
		br.Reset(src)
		for range 2 {
			if _, err := readResponse(br, false, nil); err != nil {
				t.Fatal(err)
			}
		}
	}); n != 0 {
		t.Fatalf("readResponse allocates %v times per two responses", n)
	}
}

func BenchmarkReadResponse(b *testing.B) {
	raw := []byte("HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nx-amzn-RequestId: 0123456789\r\nContent-Length: 400\r\n" +
		"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n\r\n" + string(TrivialBody))
	src := bytes.NewReader(raw)
	br := bufio.NewReaderSize(src, readBufferSize)
	b.SetBytes(int64(len(raw)))
	for b.Loop() {
		src.Reset(raw)
		br.Reset(src)
		if _, err := readResponse(br, false, nil); err != nil {
			b.Fatal(err)
		}
	}
}
