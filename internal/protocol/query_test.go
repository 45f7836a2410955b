package protocol

import (
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestQueryDecodeCreateUser(t *testing.T) {
	rt := testRouter()
	// The body botocore sends for iam.create_user(UserName=..., Tags=[...]).
	r := formRequest("Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fdivision%2F" +
		"&Tags.member.1.Key=team&Tags.member.1.Value=a%20b&Tags.member.2.Key=env&Tags.member.2.Value=")
	in := mustDecode(t, rt, r, "iam").(*iamCreateUserInput)
	want := &iamCreateUserInput{
		UserName: ptr("bob"), Path: ptr("/division/"),
		Tags: []iamTag{{Key: ptr("team"), Value: ptr("a b")}, {Key: ptr("env"), Value: ptr("")}},
	}
	if !reflect.DeepEqual(in, want) {
		t.Errorf("got %+v, want %+v", in, want)
	}
}

func TestQueryDecodeGETPresigned(t *testing.T) {
	rt := testRouter()
	r := newRequest("GET", "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=abc", "", "")
	body := []byte(nil)
	req, err := rt.Route(r, body, "sts")
	if err != nil {
		t.Fatal(err)
	}
	if req.Op.Name != "GetCallerIdentity" || req.Service.ID != "sts" {
		t.Fatalf("routed to %s %s", req.Service.ID, req.Op.Name)
	}
	if _, err := DecodeInput(req, r, body); err != nil {
		t.Fatal(err)
	}
}

func TestQueryDecodeIndexesOutOfOrderAndGaps(t *testing.T) {
	rt := testRouter()
	var form []string
	for i := 12; i >= 1; i -= 1 {
		if i == 5 {
			continue
		}
		form = append(form, "TransitiveTagKeys.member."+strconv.Itoa(i)+"="+strconv.Itoa(i))
	}
	r := formRequest("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&" + strings.Join(form, "&"))
	in := mustDecode(t, rt, r, "sts").(*stsAssumeRoleInput)
	got := strings.Join(in.TransitiveTagKeys, ",")
	if got != "1,2,3,4,6,7,8,9,10,11,12" {
		t.Errorf("TransitiveTagKeys = %s", got)
	}
}

func TestQueryDecodeEmptyList(t *testing.T) {
	rt := testRouter()
	r := formRequest("Action=AssumeRole&Version=2011-06-15&RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&TransitiveTagKeys=&PolicyArns=")
	in := mustDecode(t, rt, r, "sts").(*stsAssumeRoleInput)
	if in.TransitiveTagKeys == nil || len(in.TransitiveTagKeys) != 0 {
		t.Errorf("TransitiveTagKeys = %#v, want empty non-nil", in.TransitiveTagKeys)
	}
	if in.PolicyArns == nil || len(in.PolicyArns) != 0 {
		t.Errorf("PolicyArns = %#v, want empty non-nil", in.PolicyArns)
	}
	if in.Tags != nil {
		t.Errorf("Tags = %#v, want nil", in.Tags)
	}
}

// querySerialize encodes v as botocore's QuerySerializer does. It is an
// independent oracle for the decoder, written from the serializer's rules.
func querySerialize(t *testing.T, v any, action, version string) string {
	t.Helper()
	vals := url.Values{"Action": {action}, "Version": {version}}
	p := planOf(reflect.TypeOf(v).Elem())
	serializeStruct(vals, reflect.ValueOf(v).Elem(), p.str, "")
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, url.QueryEscape(k)+"="+url.QueryEscape(vals[k][0]))
	}
	return strings.Join(parts, "&")
}

func serializeStruct(vals url.Values, v reflect.Value, sp *structPlan, prefix string) {
	for i := range sp.fields {
		f := &sp.fields[i]
		fv := v.Field(f.index)
		if isAbsent(fv, f.t) {
			continue
		}
		name := f.name
		if prefix != "" {
			name = prefix + "." + name
		}
		serializeValue(vals, fv, f.t, f, name, true)
	}
}

func serializeValue(vals url.Values, v reflect.Value, t *typePlan, f *fieldPlan, name string, top bool) {
	if t.ptr && t.kind != kindTime {
		v = v.Elem()
	}
	switch t.kind {
	case kindStruct:
		serializeStruct(vals, v, t.str, name)
	case kindList:
		if v.Len() == 0 {
			vals.Set(name, "")
			return
		}
		listPrefix := name + ".member"
		if top && f.flat {
			listPrefix = name
			if f.memberSet {
				listPrefix = name[:strings.LastIndex(name, ".")+1] + f.member
			}
		} else if top {
			listPrefix = name + "." + f.member
		}
		for i := 0; i < v.Len(); i++ {
			serializeValue(vals, v.Index(i), t.elem, f, listPrefix+"."+strconv.Itoa(i+1), false)
		}
	case kindMap:
		prefix := name + ".entry"
		key, val := "key", "value"
		if top {
			if f.flat {
				prefix = name
			}
			key, val = f.key, f.val
		}
		for i, k := range sortedKeys(v) {
			base := prefix + "." + strconv.Itoa(i+1) + "."
			vals.Set(base+key, k.String())
			serializeValue(vals, v.MapIndex(k), t.elem, f, base+val, false)
		}
	case kindTime:
		tm := timeOf(v, t).UTC()
		switch resolveTS(f, tsISO8601) {
		case tsEpoch:
			vals.Set(name, string(appendEpoch(nil, tm)))
		case tsHTTPDate:
			vals.Set(name, tm.Format(httpDate))
		default:
			vals.Set(name, tm.Format("2006-01-02T15:04:05.000000Z"))
		}
	default:
		var x xmlEncoder
		_ = x.appendScalar(v, &typePlan{kind: t.kind, bits: t.bits, typ: t.base, base: t.base}, f)
		vals.Set(name, unescapeXML(string(x.buf)))
	}
}

func unescapeXML(s string) string {
	return strings.NewReplacer("&amp;", "&", "&lt;", "<", "&gt;", ">", "&quot;", `"`, "&#xD;", "\r").Replace(s)
}

// fullSink is a kitchen-sink value with every member set.
func fullSink() *sinkShape {
	ts := time.Date(2026, 11, 27, 15, 26, 46, 123000000, time.UTC)
	return &sinkShape{
		Str: ptr("a&<>\"' b"), Bool: ptr(true), Int32: ptr(int32(-5)), Int64: ptr(int64(1) << 60),
		Float: ptr(1.5), Time: &ts, TimeEpoch: ptr(ts.Truncate(time.Second)), TimeHTTP: ptr(ts.Truncate(time.Second)),
		TimeISO: &ts, Blob: []byte{0, 1, 2, 0xff}, Color: "GREEN", Colors: []sinkColor{"RED", "BLUE"},
		Strings: []string{"x", "", "z"}, Flat: []string{"f1", "f2"}, FlatNamed: []string{"n1"}, Named: []string{"e1", "e2"},
		Leaves:   []sinkLeaf{{Name: ptr("l1"), Count: ptr(int64(3)), Color: "RED"}, {Name: ptr("l2"), Secret: ptr("s")}},
		LeafPtrs: []*sinkLeaf{{Name: ptr("p1")}},
		Nested:   [][]string{{"a", "b"}, {}, {"c"}},
		Map:      map[string]string{"k1": "v1", "k2": ""}, NamedMap: map[string]string{"a": "b"},
		FlatMap: map[string]string{"fk": "fv"}, LeafMap: map[string]sinkLeaf{"m": {Name: ptr("ml")}},
		ListMap: map[string][]string{"l": {"1", "2"}},
		Leaf:    &sinkLeaf{Name: ptr("leaf"), Count: ptr(int64(0))},
		Tree:    &sinkNode{Label: ptr("root"), Children: []sinkNode{{Label: ptr("c1"), Children: []sinkNode{{Label: ptr("gc")}}}, {Label: ptr("c2")}}},
		Renamed: ptr("renamed"), Token: ptr("tok"), Required: ptr("r"),
	}
}

func TestQueryRoundTripKitchenSink(t *testing.T) {
	rt := testRouter()
	want := fullSink()
	body := querySerialize(t, want, "Everything", "2020-01-01")
	in := mustDecode(t, rt, formRequest(body), "sinkq").(*sinkShape)
	if !reflect.DeepEqual(in, want) {
		t.Errorf("round trip differs\nbody %s\n got %+v\nwant %+v", body, in, want)
	}
}

func TestQueryFlattenedAndNamedKeys(t *testing.T) {
	rt := testRouter()
	body := "Action=Everything&Version=2020-01-01&Required=r&Flat.1=a&Flat.2=b&Item.1=n&Named.Entry.1=e" +
		"&NamedMap.entry.1.Name=k&NamedMap.entry.1.Val=v&FlatMap.1.key=fk&FlatMap.1.value=fv&wire_name=w" +
		"&Nested.member.1.member.1=x&Leaf.Name=n&Leaf.Count=7&Tree.Children.member.1.Children.member.1.Label=deep"
	in := mustDecode(t, rt, formRequest(body), "").(*sinkShape)
	if got := strings.Join(in.Flat, ","); got != "a,b" {
		t.Errorf("Flat = %s", got)
	}
	if got := strings.Join(in.FlatNamed, ","); got != "n" {
		t.Errorf("FlatNamed = %s", got)
	}
	if got := strings.Join(in.Named, ","); got != "e" {
		t.Errorf("Named = %s", got)
	}
	if in.NamedMap["k"] != "v" || in.FlatMap["fk"] != "fv" || *in.Renamed != "w" {
		t.Errorf("maps/renamed: %v %v %v", in.NamedMap, in.FlatMap, in.Renamed)
	}
	if len(in.Nested) != 1 || in.Nested[0][0] != "x" {
		t.Errorf("Nested = %v", in.Nested)
	}
	if *in.Leaf.Count != 7 || *in.Tree.Children[0].Children[0].Label != "deep" {
		t.Errorf("nested structs wrong")
	}
	if in.Token == nil || len(*in.Token) != 36 {
		t.Errorf("idempotency token not filled: %v", in.Token)
	}
}

func TestQueryScalarFormats(t *testing.T) {
	rt := testRouter()
	for _, tc := range []struct {
		param string
		check func(*sinkShape) bool
	}{
		{"Bool=false", func(s *sinkShape) bool { return s.Bool != nil && !*s.Bool }},
		{"Bool=1", func(s *sinkShape) bool { return *s.Bool }},
		{"Int32=-5", func(s *sinkShape) bool { return *s.Int32 == -5 }},
		{"Float=NaN", func(s *sinkShape) bool { return *s.Float != *s.Float }},
		{"Float=Infinity", func(s *sinkShape) bool { return *s.Float > 1e308 }},
		{"Float=2.5e3", func(s *sinkShape) bool { return *s.Float == 2500 }},
		{"Time=2026-11-27T15:26:46Z", func(s *sinkShape) bool { return s.Time.Equal(time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)) }},
		{"Time=2026-11-27T15:26:46.5%2B01:00", func(s *sinkShape) bool { return s.Time.Equal(time.Date(2026, 11, 27, 14, 26, 46, 5e8, time.UTC)) }},
		{"TimeEpoch=" + strconv.FormatInt(time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC).Unix(), 10) + ".25", func(s *sinkShape) bool { return s.TimeEpoch.Equal(time.Date(2026, 11, 27, 15, 26, 46, 25e7, time.UTC)) }},
		{"TimeHTTP=Fri,+27+Nov+2026+15:26:46+GMT", func(s *sinkShape) bool { return s.TimeHTTP.Equal(time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)) }},
		{"Blob=AAEC%2Fw%3D%3D", func(s *sinkShape) bool { return string(s.Blob) == "\x00\x01\x02\xff" }},
		{"Blob=AAEC%2Fw", func(s *sinkShape) bool { return string(s.Blob) == "\x00\x01\x02\xff" }},
	} {
		in := mustDecode(t, rt, formRequest("Action=Everything&Version=2020-01-01&Required=r&"+tc.param), "").(*sinkShape)
		if !tc.check(in) {
			t.Errorf("%s: decoded %+v", tc.param, in)
		}
	}
}

func TestQueryMalformedValues(t *testing.T) {
	rt := testRouter()
	for _, param := range []string{"Bool=yes", "Int32=abc", "Int32=3000000000", "Int64=1.5", "Float=inf", "Float=0x10",
		"Time=yesterday", "Blob=%%%", "Leaf.Count=x", "Leaves.member.1.Count=1e3"} {
		_, err := routeAndDecode(t, rt, formRequest("Action=Everything&Version=2020-01-01&Required=r&"+strings.ReplaceAll(param, "%%%", "%21%21")), "")
		if err == nil || err.Code != "MalformedInput" || err.Status != 400 {
			t.Errorf("%s: err = %v, want MalformedInput", param, err)
		}
	}
}

func TestQueryLimits(t *testing.T) {
	rt := testRouter()
	var sb strings.Builder
	sb.WriteString("Action=Everything&Version=2020-01-01&Required=r")
	for i := 1; i <= maxListLen+1; i++ {
		sb.WriteString("&Strings.member." + strconv.Itoa(i) + "=x")
	}
	_, err := routeAndDecode(t, rt, formRequest(sb.String()), "")
	if err == nil || err.Code != "MalformedInput" {
		t.Errorf("long list: %v", err)
	}
	// A recursive shape nested far deeper than the limit.
	deep := "Tree" + strings.Repeat(".Children.member.1", 100) + ".Label=x"
	_, err = routeAndDecode(t, rt, formRequest("Action=Everything&Version=2020-01-01&Required=r&"+deep), "")
	if err == nil || err.Code != "MalformedInput" {
		t.Errorf("deep: %v", err)
	}
}

func TestQueryIgnoresNonIndexKeys(t *testing.T) {
	rt := testRouter()
	in := mustDecode(t, rt, formRequest("Action=Everything&Version=2020-01-01&Required=r&Strings.member.0=a&Strings.member.01=b&Strings.member.x=c&Strings.member.2=d&Unknown=1"), "").(*sinkShape)
	if got := strings.Join(in.Strings, ","); got != "d" {
		t.Errorf("Strings = %q", got)
	}
}
