package protocol

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// HeaderFieldPrefix marks an Error field that travels as an HTTP header
// rather than in the body: Fields["header:Retry-After"] = "5" sends
// "Retry-After: 5". Error shapes of rest-json services bind members such as
// retryAfterSeconds to headers; their constructors use this prefix.
const HeaderFieldPrefix = "header:"

// headerFieldName returns the HTTP header name of an Error field key that
// carries HeaderFieldPrefix.
func headerFieldName(key string) (string, bool) {
	if strings.HasPrefix(key, HeaderFieldPrefix) {
		return key[len(HeaderFieldPrefix):], true
	}
	return "", false
}

// Response header names. Go canonicalizes header names on the wire; AWS
// spells them x-amzn-RequestId and x-amzn-ErrorType, which every client
// matches case-insensitively.
const (
	headerRequestID = "X-Amzn-Requestid"
	headerErrorType = "X-Amzn-Errortype"
)

// bufPool recycles encoding buffers between responses.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// maxPooledBuf keeps unusually large buffers out of the pool.
const maxPooledBuf = 64 << 10

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// jsonContentType is the awsJson content type of svc ("1.1" unless the
// service says "1.0").
func jsonContentType(svc *Service) string {
	if svc != nil && svc.JSONVersion == "1.0" {
		return "application/x-amz-json-1.0"
	}
	return "application/x-amz-json-1.1"
}

// WriteResponse encodes out (a pointer to the operation's output struct, or
// nil) as the success response of op in its service's protocol: the query
// protocol's XML document, an awsJson body, or rest-json's status code,
// headers and body. It sets Content-Type, Content-Length and
// x-amzn-RequestId. The returned error reports an output that cannot be
// encoded or a failed write; nothing has been written in the first case.
func WriteResponse(w http.ResponseWriter, op *Operation, requestID string, out any) error {
	if op == nil || op.Service == nil {
		return errors.New("protocol: WriteResponse needs an operation with its Service set")
	}
	bp := getBuf()
	defer putBuf(bp)
	status := http.StatusOK
	h := w.Header()
	contentType := ""
	switch op.Service.Protocol {
	case Query:
		e := xmlEncoder{buf: (*bp)[:0]}
		if err := e.appendQueryResponse(op, requestID, out); err != nil {
			return err
		}
		*bp = e.buf
		contentType = "text/xml"
	case RestJSON:
		var err error
		if status, err = encodeRestResponse(h, op, out, bp); err != nil {
			return err
		}
	default:
		e := jsonEncoder{buf: (*bp)[:0]}
		if v, ok := structOf(out); ok {
			if err := e.encodeStruct(v, cachedPlan(&op.outPlan, v.Type()).str, false, 0); err != nil {
				return err
			}
		} else {
			e.buf = append(e.buf, '{', '}')
		}
		*bp = e.buf
		contentType = jsonContentType(op.Service)
	}
	// The header values share one backing array (each a full slice, so
	// that appending to one cannot overwrite the next), and the keys are
	// canonical already: assigning them directly skips Header.Set's
	// canonicalization and an allocation per header on this hot path.
	vals := make([]string, 3)
	vals[0], vals[1], vals[2] = requestID, strconv.Itoa(len(*bp)), contentType
	h[headerRequestID] = vals[0:1:1]
	h["Content-Length"] = vals[1:2:2]
	if contentType != "" {
		h["Content-Type"] = vals[2:3:3]
	}
	w.WriteHeader(status)
	if len(*bp) == 0 {
		return nil
	}
	_, err := w.Write(*bp)
	return err
}

// WriteError encodes err in the error shape of svc's protocol, with its
// status code and the x-amzn-RequestId header:
//
//   - query: <ErrorResponse><Error><Type/><Code/><Message/></Error>
//     <RequestId/></ErrorResponse> as text/xml;
//   - awsJson: {"__type":"Code","message":"m",...fields} with
//     x-amzn-ErrorType: Code;
//   - rest-json: the same body as application/json with x-amzn-ErrorType.
//
// svc may be nil when the request could not be routed; Route then returns
// a Request whose Service says which protocol the request looked like, and
// callers should pass that. With a nil svc the body is JSON, unless the
// error is one only query routing produces (MissingAction, InvalidAction,
// MalformedQueryString), which is answered in XML. A nil err is answered as
// InternalFailure.
func WriteError(w http.ResponseWriter, svc *Service, requestID string, err *Error) {
	if err == nil {
		err = InternalFailure(requestID)
	}
	proto := JSON
	if svc != nil {
		proto = svc.Protocol
	} else if isQueryRoutingCode(err.Code) {
		proto = Query
	}
	status := err.Status
	if status == 0 {
		status = http.StatusBadRequest
		if err.Receiver {
			status = http.StatusInternalServerError
		}
	}
	h := w.Header()
	for k, v := range err.Fields {
		if name, ok := headerFieldName(k); ok {
			if s, ok := headerText(v); ok {
				h.Set(name, s)
			}
		}
	}
	bp := getBuf()
	defer putBuf(bp)
	switch proto {
	case Query:
		ns := ""
		if svc != nil {
			ns = svc.XMLNamespace
		}
		e := xmlEncoder{buf: (*bp)[:0]}
		e.appendQueryError(ns, requestID, err)
		*bp = e.buf
		h.Set("Content-Type", "text/xml")
	default:
		*bp = appendJSONError((*bp)[:0], err)
		if proto == RestJSON {
			h.Set("Content-Type", "application/json")
		} else {
			h.Set("Content-Type", jsonContentType(svc))
		}
		h.Set(headerErrorType, err.Code)
	}
	h.Set(headerRequestID, requestID)
	h.Set("Content-Length", strconv.Itoa(len(*bp)))
	w.WriteHeader(status)
	_, _ = w.Write(*bp)
}

// appendJSONError writes {"__type":"Code","message":"m",...} with the
// error's body fields after, by wire name in sorted order. A field spelled
// like the message or type is not repeated.
func appendJSONError(dst []byte, err *Error) []byte {
	dst = append(dst, `{"__type":`...)
	dst = appendJSONString(dst, err.Code)
	if err.Message != "" {
		dst = append(dst, `,"message":`...)
		dst = appendJSONString(dst, err.Message)
	}
	for _, k := range bodyFieldKeys(err.Fields) {
		switch k {
		case "message", "Message", "__type":
			continue
		}
		e := jsonEncoder{buf: dst}
		mark := len(dst)
		e.buf = append(e.buf, ',')
		e.buf = appendJSONString(e.buf, k)
		e.buf = append(e.buf, ':')
		if encErr := e.encodeAny(err.Fields[k], 0); encErr != nil {
			e.buf = e.buf[:mark]
		}
		dst = e.buf
	}
	return append(dst, '}')
}

// isQueryRoutingCode reports codes that only the routing of query-protocol
// requests produces.
func isQueryRoutingCode(code string) bool {
	switch code {
	case "MissingAction", "InvalidAction", "MalformedQueryString":
		return true
	}
	return false
}
