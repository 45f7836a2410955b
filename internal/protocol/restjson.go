package protocol

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
)

// The rest-json protocol binds members to parts of the HTTP message by
// their loc tags: URI labels, query-string parameters, headers, header
// prefix maps, the status code, or the whole body (payload); the rest
// travel as a JSON object in the body. Defaults for timestamps differ by
// place: ISO 8601 in the URI and query string, HTTP dates in headers,
// epoch seconds in the body.

// decodeRestJSON fills the input structure v of plan sp from a routed
// rest-json request.
func decodeRestJSON(req *Request, r *http.Request, body []byte, v reflect.Value, sp *structPlan) *Error {
	var query url.Values
	queryOf := func() url.Values {
		if query == nil {
			query = r.URL.Query()
		}
		return query
	}
	for i := range sp.fields {
		f := &sp.fields[i]
		fv := v.Field(f.index)
		switch f.loc {
		case locURI:
			s, ok := req.PathParams[f.name]
			if !ok {
				continue
			}
			if err := setFromText(fv, f.t, s, resolveTS(f, tsISO8601)); err != nil {
				return serializationError("Invalid value for URI label " + f.name + ": " + err.Error())
			}
		case locQuery:
			if f.t.kind == kindMap {
				continue
			}
			vals := queryOf()[f.name]
			if len(vals) == 0 {
				continue
			}
			if err := setTextValues(fv, f.t, f, vals, tsISO8601); err != nil {
				return serializationError("Invalid value for query parameter " + f.name + ": " + err.Error())
			}
		case locHeader:
			vals := r.Header.Values(f.name)
			if len(vals) == 0 {
				continue
			}
			if f.t.kind == kindList {
				vals = splitHeaderList(strings.Join(vals, ","), f.t.elem.kind == kindTime)
			}
			if err := setTextValues(fv, f.t, f, vals, tsHTTPDate); err != nil {
				return serializationError("Invalid value for header " + f.name + ": " + err.Error())
			}
		case locHeaders:
			if err := decodeHeaderMap(fv, f, r.Header); err != nil {
				return err
			}
		}
	}
	if sp.queryMap >= 0 {
		f := &sp.fields[sp.queryMap]
		if err := decodeQueryMap(v.Field(f.index), f, sp, queryOf()); err != nil {
			return err
		}
	}
	if sp.payload >= 0 {
		f := &sp.fields[sp.payload]
		return decodePayload(v.Field(f.index), f, body)
	}
	if sp.bodyFields > 0 {
		return decodeJSONStruct(body, v, sp, true)
	}
	return nil
}

// setTextValues stores one or more text values into v: every value for a
// list, the first for a scalar.
func setTextValues(v reflect.Value, t *typePlan, f *fieldPlan, vals []string, def tsFormat) error {
	ts := resolveTS(f, def)
	if t.kind != kindList {
		return setFromText(v, t, vals[0], ts)
	}
	if len(vals) > maxListLen {
		return errTooMany
	}
	lv := settable(v, t)
	lv.Set(reflect.MakeSlice(lv.Type(), len(vals), len(vals)))
	for i, s := range vals {
		if err := setFromText(lv.Index(i), t.elem, s, ts); err != nil {
			return err
		}
	}
	return nil
}

var errTooMany = errors.New("more than " + strconv.Itoa(maxListLen) + " values")

// decodeHeaderMap fills a loc:"headers" map with every header whose name
// starts with the member's prefix, keyed by the rest of the name in lower
// case (Go has already canonicalized the client's spelling).
func decodeHeaderMap(v reflect.Value, f *fieldPlan, h http.Header) *Error {
	if f.t.kind != kindMap {
		return nil
	}
	var m reflect.Value
	mt := f.t.base
	for name, vals := range h {
		if !hasPrefixFold(name, f.name) || len(name) == len(f.name) {
			continue
		}
		if !m.IsValid() {
			mv := settable(v, f.t)
			m = reflect.MakeMap(mt)
			mv.Set(m)
		}
		key := reflect.ValueOf(strings.ToLower(name[len(f.name):]))
		if key.Type() != mt.Key() {
			key = key.Convert(mt.Key())
		}
		ev := reflect.New(mt.Elem()).Elem()
		val := strings.Join(vals, ",")
		if err := setTextValues(ev, f.t.elem, f, []string{val}, tsHTTPDate); err != nil {
			return serializationError("Invalid value for header " + name + ": " + err.Error())
		}
		m.SetMapIndex(key, ev)
	}
	return nil
}

// decodeQueryMap fills a loc:"querystring" map with the query parameters
// no other member binds. Values are the first of each parameter, or all of
// them for a map of lists.
func decodeQueryMap(v reflect.Value, f *fieldPlan, sp *structPlan, q url.Values) *Error {
	var m reflect.Value
	mt := f.t.base
	n := 0
	for name, vals := range q {
		if i, ok := sp.byName[name]; ok && sp.fields[i].loc == locQuery && i != sp.queryMap {
			continue
		}
		if len(vals) == 0 {
			continue
		}
		if n++; n > maxListLen {
			return serializationError("Too many query parameters")
		}
		if !m.IsValid() {
			mv := settable(v, f.t)
			m = reflect.MakeMap(mt)
			mv.Set(m)
		}
		key := reflect.ValueOf(name)
		if key.Type() != mt.Key() {
			key = key.Convert(mt.Key())
		}
		ev := reflect.New(mt.Elem()).Elem()
		if err := setTextValues(ev, f.t.elem, f, vals, tsISO8601); err != nil {
			return serializationError("Invalid value for query parameter " + name + ": " + err.Error())
		}
		m.SetMapIndex(key, ev)
	}
	return nil
}

// decodePayload fills the loc:"payload" member from the whole body: raw
// bytes for a blob, text for a string, JSON for a structure or document.
func decodePayload(v reflect.Value, f *fieldPlan, body []byte) *Error {
	if len(body) == 0 {
		return nil
	}
	switch f.t.kind {
	case kindBlob:
		setBlob(v, f.t, append([]byte(nil), body...))
	case kindString, kindEnum:
		setString(v, f.t, string(body))
	case kindStruct:
		return decodeJSONStruct(body, settable(v, f.t), f.t.str, false)
	default:
		d := jsonDecoder{data: body}
		d.skipWS()
		if err := d.decodeValue(v, f.t, f, f.name); err != nil {
			return err
		}
		d.skipWS()
		if d.pos != len(d.data) {
			return serializationError("Unexpected content after the end of the JSON document")
		}
	}
	return nil
}

// splitHeaderList splits a comma-separated header list, honouring double
// quotes (with backslash escapes) around items that contain commas. For
// lists of HTTP dates, which contain a comma themselves, items are paired.
func splitHeaderList(s string, dates bool) []string {
	var out []string
	var cur strings.Builder
	inQuote := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote = !inQuote
		case c == ',' && !inQuote:
			out = append(out, strings.TrimSpace(cur.String()))
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	out = append(out, strings.TrimSpace(cur.String()))
	if dates && len(out)%2 == 0 {
		paired := make([]string, 0, len(out)/2)
		for i := 0; i < len(out); i += 2 {
			paired = append(paired, out[i]+", "+out[i+1])
		}
		return paired
	}
	return out
}

// encodeRestResponse writes the headers of a rest-json response into h and
// its body into *bp, and returns the status code: the statusCode member
// when set, else the operation's ResponseCode.
func encodeRestResponse(h http.Header, op *Operation, out any, bp *[]byte) (int, error) {
	status := op.ResponseCode
	if status == 0 {
		status = http.StatusOK
	}
	noBody := status == http.StatusNoContent || status == http.StatusNotModified
	v, p := structValue(out)
	if p == nil {
		if !noBody {
			*bp = append((*bp)[:0], '{', '}')
			h.Set("Content-Type", "application/json")
		} else {
			*bp = (*bp)[:0]
		}
		return status, nil
	}
	sp := p.str
	for i := range sp.fields {
		f := &sp.fields[i]
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) {
			continue
		}
		switch f.loc {
		case locHeader:
			if s, ok := headerValueText(fv, f.t, f); ok {
				h.Set(f.name, s)
			}
		case locHeaders:
			if f.t.kind != kindMap {
				continue
			}
			mv := deref(fv, f.t)
			for _, k := range sortedKeys(mv) {
				if s, ok := headerValueText(mv.MapIndex(k), f.t.elem, f); ok {
					h.Set(f.name+k.String(), s)
				}
			}
		case locStatus:
			if f.t.kind == kindInt {
				if code := int(deref(fv, f.t).Int()); code >= 100 && code <= 999 {
					status = code
				}
			}
		}
	}
	noBody = status == http.StatusNoContent || status == http.StatusNotModified
	e := jsonEncoder{buf: (*bp)[:0]}
	switch {
	case noBody:
	case sp.payload >= 0:
		f := &sp.fields[sp.payload]
		fv := v.Field(f.index)
		switch {
		case isAbsent(fv, f.t):
			if f.t.kind == kindStruct || f.t.kind == kindDocument {
				e.buf = append(e.buf, '{', '}')
				h.Set("Content-Type", "application/json")
			}
		case f.t.kind == kindBlob:
			e.buf = append(e.buf, deref(fv, f.t).Bytes()...)
			setDefaultHeader(h, "Content-Type", "application/octet-stream")
		case f.t.kind == kindString || f.t.kind == kindEnum:
			e.buf = append(e.buf, deref(fv, f.t).String()...)
			setDefaultHeader(h, "Content-Type", "text/plain")
		default:
			if err := e.encodeValue(fv, f.t, f, 0); err != nil {
				return 0, err
			}
			h.Set("Content-Type", "application/json")
		}
	default:
		if err := e.encodeStruct(v, sp, true, 0); err != nil {
			return 0, err
		}
		h.Set("Content-Type", "application/json")
	}
	*bp = e.buf
	return status, nil
}

func setDefaultHeader(h http.Header, name, value string) {
	if h.Get(name) == "" {
		h.Set(name, value)
	}
}

// headerValueText formats a header-bound value: HTTP dates for timestamps
// unless tagged otherwise, base64 for blobs, comma-joined lists with items
// quoted when they contain a comma or quote.
func headerValueText(v reflect.Value, t *typePlan, f *fieldPlan) (string, bool) {
	if t.ptr && v.IsNil() {
		return "", false
	}
	if t.kind == kindTime {
		return string(appendTime(nil, timeOf(v, t), resolveTS(f, tsHTTPDate))), true
	}
	v = deref(v, t)
	switch t.kind {
	case kindString, kindEnum:
		return v.String(), true
	case kindBool:
		return strconv.FormatBool(v.Bool()), true
	case kindInt:
		return strconv.FormatInt(v.Int(), 10), true
	case kindFloat:
		return string(appendFloatWord(nil, v.Float(), t.bits)), true
	case kindBlob:
		return base64.StdEncoding.EncodeToString(v.Bytes()), true
	case kindList:
		var sb strings.Builder
		for i := 0; i < v.Len(); i++ {
			s, ok := headerValueText(v.Index(i), t.elem, f)
			if !ok {
				continue
			}
			if sb.Len() > 0 {
				sb.WriteByte(',')
			}
			if t.elem.kind != kindTime && strings.ContainsAny(s, ",\"") {
				s = `"` + strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`) + `"`
			}
			sb.WriteString(s)
		}
		return sb.String(), true
	}
	return "", false
}

// headerText formats an Error field bound to a header.
func headerText(x any) (string, bool) {
	switch x := x.(type) {
	case string:
		return x, true
	case *string:
		if x == nil {
			return "", false
		}
		return *x, true
	case int:
		return strconv.Itoa(x), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case *int32:
		if x == nil {
			return "", false
		}
		return strconv.FormatInt(int64(*x), 10), true
	case *int64:
		if x == nil {
			return "", false
		}
		return strconv.FormatInt(*x, 10), true
	case bool:
		return strconv.FormatBool(x), true
	case time.Time:
		return x.UTC().Format(httpDate), true
	}
	return "", false
}
