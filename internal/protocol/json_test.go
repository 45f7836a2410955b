package protocol

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math"
	"math/bits"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func TestJSONRoundTripKitchenSink(t *testing.T) {
	rt := testRouter()
	want := fullSink()
	want.Doc = map[string]any{"a": []any{1.5, "x", true, nil, map[string]any{}}, "b": "c"}
	op := sinkJSONService().Operations["Everything"]
	w := recordResponse(t, op, want)
	wantHeader(t, w.Header(), "Content-Type", "application/x-amz-json-1.0")
	if !json.Valid(w.Body.Bytes()) {
		t.Fatalf("invalid JSON: %s", w.Body.String())
	}
	in := mustDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", w.Body.String()), "").(*sinkShape)
	if !reflect.DeepEqual(in, want) {
		t.Errorf("round trip differs\njson %s\n got %+v\nwant %+v", w.Body.String(), in, want)
	}
}

func TestJSONEncodeExact(t *testing.T) {
	op := kmsService().Operations["CreateKey"]
	created := time.Date(2019, 2, 25, 21, 13, 27, 775e6, time.UTC)
	w := recordResponse(t, op, &kmsCreateKeyOutput{KeyMetadata: &kmsKeyMetadata{
		AWSAccountId: ptr("123456789012"), KeyId: ptr("k1"), CreationDate: &created, Enabled: ptr(true),
		Description: ptr("line\n\"q\" \u2028 <b>"), KeyUsage: "ENCRYPT_DECRYPT",
		EncryptionAlgorithms: []kmsEncryptionAlgorithmSpec{"SYMMETRIC_DEFAULT"},
	}})
	wantBody(t, w, `{"KeyMetadata":{"AWSAccountId":"123456789012","KeyId":"k1","CreationDate":1551129207.775,`+
		`"Enabled":true,"Description":"line\n\"q\" \u2028 <b>","KeyUsage":"ENCRYPT_DECRYPT","EncryptionAlgorithms":["SYMMETRIC_DEFAULT"]}}`)
	wantHeader(t, w.Header(), "Content-Type", "application/x-amz-json-1.1")
	wantHeader(t, w.Header(), "X-Amzn-RequestId", "req-1")

	w = recordResponse(t, kmsService().Operations["ListKeys"], nil)
	wantBody(t, w, `{}`)
	w = recordResponse(t, kmsService().Operations["Encrypt"], &kmsEncryptOutput{CiphertextBlob: []byte("hi"), KeyId: ptr("k")})
	wantBody(t, w, `{"CiphertextBlob":"aGk=","KeyId":"k"}`)
}

func TestJSONFloatsAndEpochs(t *testing.T) {
	for _, tc := range []struct {
		f    float64
		want string
	}{
		{1.5, "1.5"}, {100, "100"}, {1e21, "1e+21"}, {1e-7, "1e-07"}, {math.NaN(), `"NaN"`},
		{math.Inf(1), `"Infinity"`}, {math.Inf(-1), `"-Infinity"`}, {-0.25, "-0.25"},
	} {
		if got := string(appendJSONFloat(nil, tc.f, 64)); got != tc.want {
			t.Errorf("%v: got %s want %s", tc.f, got, tc.want)
		}
	}
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Unix(1551129207, 775e6), "1551129207.775"},
		{time.Unix(1551129207, 0), "1551129207"},
		{time.Unix(1551129207, 500e6), "1551129207.5"},
		{time.Unix(1551129207, 1e6), "1551129207.001"},
		{time.Unix(-1, 500e6), "-0.5"},
	} {
		if got := string(appendEpoch(nil, tc.t)); got != tc.want {
			t.Errorf("%v: got %s want %s", tc.t, got, tc.want)
		}
	}
}

func TestJSONDecodeEncrypt(t *testing.T) {
	rt := testRouter()
	// The body aws-sdk-go-v2 sends for kms.Encrypt.
	body := `{"EncryptionAlgorithm":"SYMMETRIC_DEFAULT","EncryptionContext":{"purpose":"test","\u00e9":"\ud83d\ude00"},` +
		`"GrantTokens":["g1","g2"],"KeyId":"alias/app","Plaintext":"aGVsbG8="}`
	in := mustDecode(t, rt, jsonRequest("TrentService.Encrypt", "1.1", body), "kms").(*kmsEncryptInput)
	want := &kmsEncryptInput{
		KeyId: ptr("alias/app"), Plaintext: []byte("hello"), EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
		EncryptionContext: map[string]string{"purpose": "test", "é": "😀"}, GrantTokens: []string{"g1", "g2"},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v want %+v", in, want)
	}
}

func TestJSONEmptyBodies(t *testing.T) {
	rt := testRouter()
	for _, body := range []string{"", "{}", "  \n", "null"} {
		in := mustDecode(t, rt, jsonRequest("TrentService.ListKeys", "1.1", body), "kms").(*kmsListKeysInput)
		if in.Limit != nil || in.Marker != nil {
			t.Errorf("%q: %+v", body, in)
		}
		req, err := rt.Route(jsonRequest("SinkJ_20200101.Nothing", "1.0", body), []byte(body), "")
		if err != nil {
			t.Fatal(err)
		}
		if in, err := DecodeInput(req, nil, []byte(body)); in != nil || err != nil {
			t.Errorf("no-input op: %v %v", in, err)
		}
	}
}

func TestJSONDecodeNullsAndUnknown(t *testing.T) {
	rt := testRouter()
	body := `{"Required":"r","Str":null,"Strings":["a",null,"b"],"Map":{"k":null,"j":"v"},"Unknown":{"deep":[1,{"x":[true,false,null]}]},"Leaf":null}`
	in := mustDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", body), "").(*sinkShape)
	if in.Str != nil || in.Leaf != nil || strings.Join(in.Strings, ",") != "a,b" || len(in.Map) != 1 {
		t.Errorf("got %+v", in)
	}
}

func TestJSONDecodeNumbers(t *testing.T) {
	rt := testRouter()
	ok := map[string]func(*sinkShape) bool{
		`"Int32":1000`:                         func(s *sinkShape) bool { return *s.Int32 == 1000 },
		`"Int32":5.0`:                          func(s *sinkShape) bool { return *s.Int32 == 5 },
		`"Int32":1e2`:                          func(s *sinkShape) bool { return *s.Int32 == 100 },
		`"Int64":-9223372036854775808`:         func(s *sinkShape) bool { return *s.Int64 == math.MinInt64 },
		`"Float":"NaN"`:                        func(s *sinkShape) bool { return math.IsNaN(*s.Float) },
		`"Float":"Infinity"`:                   func(s *sinkShape) bool { return math.IsInf(*s.Float, 1) },
		`"Float":1E+2`:                         func(s *sinkShape) bool { return *s.Float == 100 },
		`"Time":1551129207.775`:                func(s *sinkShape) bool { return s.Time.Equal(time.Unix(1551129207, 775e6)) },
		`"Time":1.551129207775E9`:              func(s *sinkShape) bool { return s.Time.Equal(time.Unix(1551129207, 775e6)) },
		`"Time":"2019-02-25T21:13:27.775Z"`:    func(s *sinkShape) bool { return s.Time.Equal(time.Unix(1551129207, 775e6)) },
		`"TimeISO":"2019-02-25T21:13:27.775Z"`: func(s *sinkShape) bool { return s.TimeISO.Equal(time.Unix(1551129207, 775e6)) },
		`"TimeHTTP":"Mon, 25 Feb 2019 21:13:27 GMT"`: func(s *sinkShape) bool {
			return s.TimeHTTP.Equal(time.Unix(1551129207, 0))
		},
	}
	for member, check := range ok {
		in := mustDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", `{"Required":"r",`+member+`}`), "").(*sinkShape)
		if !check(in) {
			t.Errorf("%s: got %+v", member, in)
		}
	}
	bad := []string{
		`"Int32":2147483648`, `"Int32":1.5`, `"Int64":9223372036854775808`, `"Int64":1e400`,
		`"Float":1e400`, `"Float":"nan"`, `"Float":"1.5"`, `"Int32":"5"`, `"Bool":"true"`, `"Bool":1`,
		`"Str":5`, `"Strings":"a"`, `"Map":[]`, `"Leaf":"x"`, `"Blob":"***"`, `"Time":"yesterday"`,
		`"Time":1e300`, `"Int32":01`, `"Int32":-`, `"Int32":1.`, `"Int32":.5`, `"Int32":+1`,
		`"Str":"\x"`, `"Str":"a` + "\x01" + `"`, `"Str":"` + "\xff" + `"`,
		`"Str":tru`, `"Str"`, `"Str":"a",`, `"Str":"a"}}`, `"Str":"a"} x`,
	}
	for _, member := range bad {
		_, err := routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", `{"Required":"r",`+member+`}`), "")
		if err == nil || err.Code != "SerializationException" || err.Status != 400 {
			t.Errorf("%s: err = %v, want SerializationException", member, err)
		}
	}
	// A lone surrogate decodes to U+FFFD rather than failing.
	in := mustDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", `{"Required":"r","Renamed":"x","wire_name":"\ud800x"}`), "").(*sinkShape)
	if *in.Renamed != "\uFFFDx" {
		t.Errorf("lone surrogate: %q", *in.Renamed)
	}
	for _, body := range []string{`[]`, `"x"`, `{`, `{"Required":}`, `{"Required" "r"}`, `{,}`, `{"a":1,}`, `[1]`} {
		_, err := routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", body), "")
		if err == nil || err.Code != "SerializationException" {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}

func TestJSONLimits(t *testing.T) {
	rt := testRouter()
	deep := `{"Required":"r","Tree":` + strings.Repeat(`{"Children":[`, 40) + strings.Repeat(`]}`, 40) + `}`
	_, err := routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", deep), "")
	if err == nil || err.Code != "SerializationException" {
		t.Errorf("deep tree: %v", err)
	}
	deepDoc := `{"Required":"r","Doc":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}`
	_, err = routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", deepDoc), "")
	if err == nil || err.Code != "SerializationException" {
		t.Errorf("deep document: %v", err)
	}
	deepUnknown := `{"Required":"r","Unknown":` + strings.Repeat(`{"a":`, 100) + `1` + strings.Repeat(`}`, 100) + `}`
	_, err = routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", deepUnknown), "")
	if err == nil || err.Code != "SerializationException" {
		t.Errorf("deep unknown: %v", err)
	}
	long := `{"Required":"r","Colors":[` + strings.TrimSuffix(strings.Repeat(`"RED",`, maxListLen+1), ",") + `]}`
	_, err = routeAndDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", long), "")
	if err == nil || err.Code != "SerializationException" {
		t.Errorf("long list: %v", err)
	}
	okLong := `{"Required":"r","Colors":[` + strings.TrimSuffix(strings.Repeat(`"RED",`, maxListLen), ",") + `]}`
	in := mustDecode(t, rt, jsonRequest("SinkJ_20200101.Everything", "1.0", okLong), "").(*sinkShape)
	if len(in.Colors) != maxListLen {
		t.Errorf("len = %d", len(in.Colors))
	}
}

func TestJSONErrorExact(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, kmsService(), "req-2", Errorf(400, "NotFoundException", "Key 'arn:aws:kms:us-east-1:123456789012:key/x' does not exist"))
	wantBody(t, w, `{"__type":"NotFoundException","message":"Key 'arn:aws:kms:us-east-1:123456789012:key/x' does not exist"}`)
	wantHeader(t, w.Header(), "x-amzn-ErrorType", "NotFoundException")
	wantHeader(t, w.Header(), "x-amzn-RequestId", "req-2")
	wantHeader(t, w.Header(), "Content-Type", "application/x-amz-json-1.1")
	if w.Code != 400 {
		t.Errorf("status %d", w.Code)
	}

	w = httptest.NewRecorder()
	WriteError(w, sinkJSONService(), "r", &Error{Code: "ConflictException", Status: 409, Message: "m",
		Fields: map[string]any{"ResourceId": "x", "Count": 2, "message": "dup", "Reasons": []string{"a"},
			"Leaf": &sinkLeaf{Name: ptr("n")}}})
	wantBody(t, w, `{"__type":"ConflictException","message":"m","Count":2,"Leaf":{"Name":"n"},"Reasons":["a"],"ResourceId":"x"}`)
	wantHeader(t, w.Header(), "Content-Type", "application/x-amz-json-1.0")

	w = httptest.NewRecorder()
	WriteError(w, nil, "r", &Error{Code: "UnknownOperationException", Status: 400})
	wantBody(t, w, `{"__type":"UnknownOperationException"}`)
}

// appendJSONStringBytewise is appendJSONString without its eight-byte
// scan: the reference the fast path must agree with.
func appendJSONStringBytewise(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for len(s) > 0 {
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		switch {
		case r == '"' || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\n':
			dst = append(dst, `\n`...)
		case r == '\r':
			dst = append(dst, `\r`...)
		case r == '\t':
			dst = append(dst, `\t`...)
		case r == '\b':
			dst = append(dst, `\b`...)
		case r == '\f':
			dst = append(dst, `\f`...)
		case r < 0x20:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[r>>4], hexDigits[r&0xf])
		case r == utf8.RuneError && size == 1:
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			dst = utf8.AppendRune(dst, r)
		}
	}
	return append(dst, '"')
}

// TestJSONStringScan puts every byte at every position of the eight-byte
// windows the encoder and decoder scan strings by, and checks both against
// what a byte-by-byte reading gives.
func TestJSONStringScan(t *testing.T) {
	for n := 0; n <= 20; n++ {
		for p := 0; p < n; p++ {
			for b := 0; b < 256; b++ {
				// No letter of the filler is an escape (\b, \n, ...).
				raw := []byte(strings.Repeat("acdeghij", 3)[:n])
				raw[p] = byte(b)
				s := string(raw)
				if got, want := appendJSONString(nil, s), appendJSONStringBytewise(nil, s); !bytes.Equal(got, want) {
					t.Fatalf("appendJSONString(%q) = %s, want %s", s, got, want)
				}
				d := jsonDecoder{data: []byte(`"` + s + `"`)}
				got, err := d.readString()
				var want []byte
				var wantErr string
				switch {
				case b == '"':
					want = raw[:p]
				case b == '\\' && p == n-1:
					wantErr = "Unterminated string" // it escapes the closing quote
				case b == '\\':
					wantErr = "Invalid escape in string"
				case b < 0x20:
					wantErr = "Unescaped control character in string at offset " + strconv.Itoa(p+1)
				case b >= 0x80:
					wantErr = "Invalid UTF-8 in string"
				default:
					want = raw
				}
				if wantErr != "" {
					if err == nil || err.Message != wantErr {
						t.Fatalf("readString(%q) = %q, %v; want error %q", s, got, err, wantErr)
					}
				} else if err != nil || !bytes.Equal(got, want) {
					t.Fatalf("readString(%q) = %q, %v; want %q", s, got, err, want)
				}
			}
		}
	}
}

// TestSpecialBytes8 checks the eight-byte scan against a byte-by-byte
// one for every pair of bytes at every pair of positions: every special
// byte is flagged, and the lowest flagged byte is always special.
func TestSpecialBytes8(t *testing.T) {
	special := func(c byte) bool { return c < 0x20 || c >= 0x80 || c == '"' || c == '\\' }
	w := []byte("acdeghij")
	for p1 := 0; p1 < 8; p1++ {
		for p2 := p1 + 1; p2 < 8; p2++ {
			for b1 := 0; b1 < 256; b1++ {
				for b2 := 0; b2 < 256; b2++ {
					copy(w, "acdeghij")
					w[p1], w[p2] = byte(b1), byte(b2)
					m := specialBytes8(binary.LittleEndian.Uint64(w))
					for i, c := range w {
						if special(c) && m&(0x80<<(8*i)) == 0 {
							t.Fatalf("%q: byte %d not flagged (mask %#x)", w, i, m)
						}
					}
					if m != 0 && !special(w[bits.TrailingZeros64(m)/8]) {
						t.Fatalf("%q: lowest flagged byte %d is not special (mask %#x)", w, bits.TrailingZeros64(m)/8, m)
					}
				}
			}
		}
	}
}
