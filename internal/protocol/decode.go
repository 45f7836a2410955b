package protocol

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"reflect"
)

// DecodeInput allocates req.Op's input (Op.NewInput) and fills it from the
// request by the service's protocol: the form parameters of query, the
// JSON body of awsJson, or rest-json's URI labels, query string, headers
// and body. Idempotency tokens the client left out are filled with new
// UUIDs, then the input is validated against the model.
//
// It returns (nil, nil) for operations without an input shape. Errors are
// *Error: a body or parameter that cannot be parsed is SerializationException
// (awsJson, rest-json) or MalformedInput (query; MalformedQueryString was
// already answered by Route); a model constraint failure is the service's
// ValidationErrorCode, and then the decoded input is returned with it so
// that the failed call can still be audited.
func DecodeInput(req *Request, r *http.Request, body []byte) (any, error) {
	if req == nil || req.Op == nil {
		return nil, &Error{Code: "UnknownOperationException", Status: http.StatusBadRequest}
	}
	op := req.Op
	if op.NewInput == nil {
		return nil, nil
	}
	in := op.NewInput()
	rv := reflect.ValueOf(in)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return nil, fmt.Errorf("protocol: %s.NewInput returned %T, want a pointer to a struct", op.Name, in)
	}
	v := rv.Elem()
	sp := cachedPlan(&op.inPlan, v.Type()).str
	var err *Error
	switch op.Service.Protocol {
	case Query:
		err = decodeQuery(req.Form, v, sp)
	case RestJSON:
		err = decodeRestJSON(req, r, body, v, sp)
	default:
		err = decodeJSONStruct(body, v, sp, false)
	}
	if err != nil {
		return nil, err
	}
	fillIdempotencyTokens(v, sp)
	if verr := validateStruct(op.Service, v, sp); verr != nil {
		return in, verr
	}
	return in, nil
}

// fillIdempotencyTokens sets every absent idem:"true" string member of the
// input to a fresh UUID, as the SDKs do when the caller gives none.
func fillIdempotencyTokens(v reflect.Value, sp *structPlan) {
	for i := range sp.fields {
		f := &sp.fields[i]
		if !f.idem || (f.t.kind != kindString && f.t.kind != kindEnum) {
			continue
		}
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) {
			setString(fv, f.t, newUUID())
		}
	}
}

// newUUID returns a random (version 4) UUID in its canonical text form.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	var out [36]byte
	j := 0
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out[j] = '-'
			j++
		}
		out[j] = hexDigits[c>>4]
		out[j+1] = hexDigits[c&0xf]
		j += 2
	}
	return string(out[:])
}
