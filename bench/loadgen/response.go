package loadgen

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// ErrMalformed marks a response that is not valid HTTP/1.x. Errors wrapping
// it are counted as protocol errors; every other read error is a connection
// error.
var ErrMalformed = errors.New("malformed HTTP response")

// Pre-built errors so that the hot path never allocates, even when a server
// misbehaves for a whole run.
var (
	errStatusLine   = fmt.Errorf("%w: bad status line", ErrMalformed)
	errHeaderLine   = fmt.Errorf("%w: bad header line", ErrMalformed)
	errLineTooLong  = fmt.Errorf("%w: line longer than the read buffer", ErrMalformed)
	errContentLen   = fmt.Errorf("%w: bad Content-Length", ErrMalformed)
	errChunkSize    = fmt.Errorf("%w: bad chunk size", ErrMalformed)
	errChunkEnd     = fmt.Errorf("%w: chunk not followed by CRLF", ErrMalformed)
	errTooManyInter = fmt.Errorf("%w: too many interim 1xx responses", ErrMalformed)
)

// response is what the load loop needs to know about one response.
type response struct {
	status int
	// keepAlive is false when the server will close the connection after
	// this response (Connection: close, HTTP/1.0 without keep-alive, or a
	// body delimited by the end of the connection).
	keepAlive bool
}

// readResponse reads one complete HTTP/1.x response from br: the status line,
// the headers up to the empty line, and the body as delimited by
// Content-Length, chunked transfer coding, or the end of the connection. The
// body is discarded unless sink is non-nil. headRequest says the request was
// HEAD, whose response never has a body. Interim 1xx responses are skipped.
// With a nil sink it does not allocate.
func readResponse(br *bufio.Reader, headRequest bool, sink io.Writer) (response, error) {
	for interim := 0; ; interim++ {
		if interim > 8 {
			return response{}, errTooManyInter
		}
		resp, contentLength, chunked, err := readHead(br)
		if err != nil {
			return response{}, err
		}
		if resp.status >= 100 && resp.status < 200 && resp.status != 101 {
			continue
		}
		switch {
		case headRequest || resp.status == 204 || resp.status == 304 || resp.status == 101:
			// No body by definition.
		case chunked:
			err = readChunked(br, sink)
		case contentLength >= 0:
			err = readN(br, contentLength, sink)
		default:
			// Delimited by the end of the connection.
			resp.keepAlive = false
			if sink == nil {
				sink = io.Discard
			}
			_, err = io.Copy(sink, br)
		}
		return resp, err
	}
}

// readHead parses the status line and the header block.
func readHead(br *bufio.Reader) (resp response, contentLength int64, chunked bool, err error) {
	line, err := readLine(br)
	if err != nil {
		return resp, 0, false, err
	}
	// "HTTP/1.1 200 OK"; the reason phrase may be empty or absent.
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' ||
		(len(line) > 12 && line[12] != ' ') {
		return resp, 0, false, errStatusLine
	}
	status := 0
	for _, c := range line[9:12] {
		if c < '0' || c > '9' {
			return resp, 0, false, errStatusLine
		}
		status = status*10 + int(c-'0')
	}
	resp.status = status
	resp.keepAlive = line[7] != '0' // HTTP/1.1 defaults to keep-alive, 1.0 to close
	contentLength = -1
	for {
		line, err = readLine(br)
		if err != nil {
			return resp, 0, false, err
		}
		if len(line) == 0 {
			return resp, contentLength, chunked, nil
		}
		colon := -1
		for i, c := range line {
			if c == ':' {
				colon = i
				break
			}
		}
		if colon <= 0 {
			return resp, 0, false, errHeaderLine
		}
		name, value := line[:colon], trimSpace(line[colon+1:])
		switch {
		case equalFold(name, "content-length"):
			n, ok := parseDecimal(value)
			if !ok {
				return resp, 0, false, errContentLen
			}
			contentLength = n
		case equalFold(name, "transfer-encoding"):
			// The last coding must be chunked for the body to be chunked.
			chunked = hasSuffixFold(value, "chunked")
		case equalFold(name, "connection"):
			if containsFold(value, "close") {
				resp.keepAlive = false
			} else if containsFold(value, "keep-alive") {
				resp.keepAlive = true
			}
		}
	}
}

// readLine returns the next line without its CRLF (or bare LF). The slice is
// only valid until the next read from br.
func readLine(br *bufio.Reader) ([]byte, error) {
	line, err := br.ReadSlice('\n')
	if err != nil {
		if errors.Is(err, bufio.ErrBufferFull) {
			return nil, errLineTooLong
		}
		if err == io.EOF && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readN consumes exactly n body bytes.
func readN(br *bufio.Reader, n int64, sink io.Writer) error {
	if sink != nil {
		_, err := io.CopyN(sink, br, n)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return err
	}
	for n > 0 {
		step := n
		if step > 1<<30 {
			step = 1 << 30
		}
		d, err := br.Discard(int(step))
		n -= int64(d)
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return err
		}
	}
	return nil
}

// readChunked consumes a chunked body including its trailer section.
func readChunked(br *bufio.Reader, sink io.Writer) error {
	for {
		line, err := readLine(br)
		if err != nil {
			return err
		}
		size, ok := parseChunkSize(line)
		if !ok {
			return errChunkSize
		}
		if size == 0 {
			for { // trailer fields, up to the empty line
				line, err = readLine(br)
				if err != nil {
					return err
				}
				if len(line) == 0 {
					return nil
				}
			}
		}
		if err := readN(br, size, sink); err != nil {
			return err
		}
		line, err = readLine(br)
		if err != nil {
			return err
		}
		if len(line) != 0 {
			return errChunkEnd
		}
	}
}

// parseChunkSize parses the hexadecimal chunk size, ignoring extensions.
func parseChunkSize(b []byte) (int64, bool) {
	var n int64
	digits := 0
	for _, c := range b {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		case c == ';' || c == ' ' || c == '\t':
			return n, digits > 0
		default:
			return 0, false
		}
		if digits >= 15 {
			return 0, false
		}
		n = n<<4 | int64(d)
		digits++
	}
	return n, digits > 0
}

// parseDecimal parses a non-negative decimal of at most 18 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// equalFold reports whether b equals the lower-case ASCII string s, ignoring
// case, without allocating.
func equalFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range b {
		if lower(b[i]) != s[i] {
			return false
		}
	}
	return true
}

// hasSuffixFold reports whether b ends with the lower-case ASCII string s.
func hasSuffixFold(b []byte, s string) bool {
	return len(b) >= len(s) && equalFold(b[len(b)-len(s):], s)
}

// containsFold reports whether b contains the lower-case ASCII string s.
func containsFold(b []byte, s string) bool {
	for i := 0; i+len(s) <= len(b); i++ {
		if equalFold(b[i:i+len(s)], s) {
			return true
		}
	}
	return false
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
