package protocol

import (
	"math"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

// plainShape uses the non-pointer and unusual field types the contract
// allows, to check every setter and reader.
type plainShape struct {
	Int     int                `aws:"Int" min:"1"`
	F32     float32            `aws:"F32"`
	PF32    *float32           `aws:"PF32"`
	When    time.Time          `aws:"When"`
	Times   []time.Time        `aws:"Times"`
	Flag    bool               `aws:"Flag"`
	Name    string             `aws:"Name"`
	PColor  *sinkColor         `aws:"PColor"`
	PBlob   *[]byte            `aws:"PBlob"`
	Ptrs    []*string          `aws:"Ptrs"`
	PtrMap  map[string]*string `aws:"PtrMap"`
	Inner   sinkLeaf           `aws:"Inner"`
	Docs    []any              `aws:"Docs"`
	DocText any                `aws:"DocText"`
}

func fullPlain() *plainShape {
	when := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	f := float32(2.5)
	c := sinkColor("BLUE")
	b := []byte("pb")
	return &plainShape{
		Int: 3, F32: 1.25, PF32: &f, When: when, Times: []time.Time{when, when.Add(time.Second)}, Flag: true,
		Name: "n", PColor: &c, PBlob: &b, Ptrs: []*string{ptr("a"), ptr("b")}, PtrMap: map[string]*string{"k": ptr("v")},
		Inner: sinkLeaf{Name: ptr("in")}, Docs: []any{"x", 2.0, map[string]any{"y": true}}, DocText: "text",
	}
}

func TestPlainShapeJSONRoundTrip(t *testing.T) {
	want := fullPlain()
	p := planOf(reflect.TypeOf(plainShape{}))
	var e jsonEncoder
	if err := e.encodeStruct(reflect.ValueOf(want).Elem(), p.str, false, 0); err != nil {
		t.Fatal(err)
	}
	var got plainShape
	if err := decodeJSONStruct(e.buf, reflect.ValueOf(&got).Elem(), p.str, false); err != nil {
		t.Fatalf("%s: %v", e.buf, err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("json %s\n got %+v\nwant %+v", e.buf, got, *want)
	}
}

func TestPlainShapeQueryRoundTrip(t *testing.T) {
	want := fullPlain()
	want.Docs, want.DocText = nil, nil // documents do not travel in the query protocol
	body := querySerialize(t, want, "X", "1")
	form, perr := parseForm(body)
	if perr != nil {
		t.Fatal(perr)
	}
	var got plainShape
	if err := decodeQuery(form, reflect.ValueOf(&got).Elem(), planOf(reflect.TypeOf(got)).str); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(&got, want) {
		t.Errorf("body %s\n got %+v\nwant %+v", body, got, *want)
	}
}

func TestPlainShapeXMLAndAudit(t *testing.T) {
	var x xmlEncoder
	p := planOf(reflect.TypeOf(plainShape{}))
	if err := x.encodeFields(reflect.ValueOf(fullPlain()).Elem(), p.str, 0); err != nil {
		t.Fatal(err)
	}
	want := `<Int>3</Int><F32>1.25</F32><PF32>2.5</PF32><When>2026-11-27T15:26:46Z</When>` +
		`<Times><member>2026-11-27T15:26:46Z</member><member>2026-11-27T15:26:47Z</member></Times><Flag>true</Flag>` +
		`<Name>n</Name><PColor>BLUE</PColor><PBlob>cGI=</PBlob><Ptrs><member>a</member><member>b</member></Ptrs>` +
		`<PtrMap><entry><key>k</key><value>v</value></entry></PtrMap><Inner><Name>in</Name></Inner>` +
		`<Docs><member>&quot;x&quot;</member><member>2</member><member>{&quot;y&quot;:true}</member></Docs><DocText>&quot;text&quot;</DocText>`
	if got := string(x.buf); got != want {
		t.Errorf("xml\n got %s\nwant %s", got, want)
	}
	audit := string(AuditJSON(nil, fullPlain()))
	wantAudit := `{"int":3,"f32":1.25,"pF32":2.5,"when":"Nov 27, 2026, 3:26:46 PM","times":["Nov 27, 2026, 3:26:46 PM","Nov 27, 2026, 3:26:47 PM"],` +
		`"flag":true,"name":"n","pColor":"BLUE","ptrs":["a","b"],"ptrMap":{"k":"v"},"inner":{"name":"in"},"docs":["x",2,{"y":true}],"docText":"text"}`
	if audit != wantAudit {
		t.Errorf("audit\n got %s\nwant %s", audit, wantAudit)
	}
	// Zero non-pointer values: absent strings and times, present numbers.
	var zero plainShape
	if got := string(AuditJSON(nil, &zero)); got != `{"int":0,"f32":0,"flag":false,"inner":{}}` {
		t.Errorf("zero audit %s", got)
	}
	if err := Validate(nil, &zero); err == nil || !strings.Contains(err.Message, "Value '0' at 'int'") {
		t.Errorf("zero validate %v", err)
	}
}

func TestRenderValue(t *testing.T) {
	when := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	p := planOf(reflect.TypeOf(sinkShape{})).str
	v := reflect.ValueOf(sinkShape{Bool: ptr(true), Float: ptr(math.Inf(1)), Time: &when,
		Map: map[string]string{"b": "2", "a": "1"}, Leaf: &sinkLeaf{Name: ptr("n"), Secret: ptr("s")}, Doc: map[string]any{"k": 1.0}})
	for name, want := range map[string]string{
		"Bool": "true", "Float": "Infinity", "Time": "Fri Nov 27 15:26:46 UTC 2026", "Map": "{a=1, b=2}",
		"Leaf": "{Name: n, Secret: ***}", "Doc": `{"k":1}`, "Str": "null", "Strings": "null",
	} {
		f := &p.fields[p.byName[name]]
		if got := renderValue(v.Field(f.index), f.t, 0); got != want {
			t.Errorf("%s: got %q want %q", name, got, want)
		}
	}
}

type headerOut struct {
	List  []string    `aws:"X-List" loc:"header"`
	Times []time.Time `aws:"X-Times" loc:"header"`
	F     *float64    `aws:"X-F" loc:"header"`
	B     *bool       `aws:"X-B" loc:"header"`
	Blob  []byte      `aws:"X-Blob" loc:"header"`
	Epoch *time.Time  `aws:"X-Epoch" loc:"header" ts:"unixTimestamp"`
	Doc   *string     `aws:"doc" loc:"payload"`
}

func TestRestJSONHeaderOutput(t *testing.T) {
	when := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	svc := &Service{ID: "h", Protocol: RestJSON}
	op := &Operation{Name: "H", HTTPMethod: "GET", RequestURI: "/h", Service: svc}
	w := httptest.NewRecorder()
	if err := WriteResponse(w, op, "r", &headerOut{List: []string{"a", "b,c", `d"e`}, Times: []time.Time{when, when},
		F: ptr(math.NaN()), B: ptr(false), Blob: []byte("hi"), Epoch: &when, Doc: ptr("plain text")}); err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"X-List": `a,"b,c","d\"e"`, "X-Times": "Fri, 27 Nov 2026 15:26:46 GMT,Fri, 27 Nov 2026 15:26:46 GMT",
		"X-F": "NaN", "X-B": "false", "X-Blob": "aGk=", "X-Epoch": "1795793206", "Content-Type": "text/plain",
	} {
		wantHeader(t, w.Header(), name, want)
	}
	wantBody(t, w, "plain text")

	// And back: the same headers decode into the same values.
	r := httptest.NewRequest("GET", "/h", strings.NewReader("plain text"))
	for k, v := range w.Header() {
		r.Header[k] = v
	}
	in := &headerOut{}
	req := &Request{Op: op}
	if err := decodeRestJSON(req, r, []byte("plain text"), reflect.ValueOf(in).Elem(), planOf(reflect.TypeOf(*in)).str); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in.List, []string{"a", "b,c", `d"e`}) || len(in.Times) != 2 || !math.IsNaN(*in.F) || *in.B ||
		string(in.Blob) != "hi" || !in.Epoch.Equal(when) || *in.Doc != "plain text" {
		t.Errorf("decoded %+v", in)
	}
}

func TestHeaderText(t *testing.T) {
	when := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	for _, tc := range []struct {
		v    any
		want string
		ok   bool
	}{
		{"s", "s", true}, {ptr("p"), "p", true}, {(*string)(nil), "", false}, {7, "7", true}, {int32(8), "8", true},
		{int64(9), "9", true}, {ptr(int32(10)), "10", true}, {ptr(int64(11)), "11", true}, {true, "true", true},
		{when, "Fri, 27 Nov 2026 15:26:46 GMT", true}, {1.5, "", false},
	} {
		if got, ok := headerText(tc.v); got != tc.want || ok != tc.ok {
			t.Errorf("%v: %q %v", tc.v, got, ok)
		}
	}
}

func TestQueryErrorFieldKinds(t *testing.T) {
	when := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	w := httptest.NewRecorder()
	WriteError(w, iamService(), "r", &Error{Code: "C", Status: 400, Fields: map[string]any{
		"A": ptr("p"), "B": when, "C": true, "D": 1.5, "E": &sinkLeaf{Name: ptr("n")}, "F": []string{"x"}, "G": nil, "H": struct{ X chan int }{},
	}})
	body := w.Body.String()
	for _, want := range []string{"<A>p</A>", "<B>2026-11-27T15:26:46Z</B>", "<C>true</C>", "<D>1.5</D>", "<E><Name>n</Name></E>", "<F><member>x</member></F>", "<H>{&lt;nil&gt;}</H>"} {
		if !strings.Contains(body, want) {
			t.Errorf("missing %s in %s", want, body)
		}
	}
	if strings.Contains(body, "<G>") {
		t.Errorf("nil field written: %s", body)
	}
	if w.Header().Get("Content-Type") != "text/xml" || w.Code != http.StatusBadRequest {
		t.Errorf("headers %v", w.Header())
	}
}
