package protocol

import (
	"encoding/xml"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestXMLGetCallerIdentityExact(t *testing.T) {
	op := stsService().Operations["GetCallerIdentity"]
	w := recordResponse(t, op, &stsGetCallerIdentityOutput{
		UserId: ptr("AIDAEXAMPLE"), Account: ptr("123456789012"), Arn: ptr("arn:aws:iam::123456789012:user/bob"),
	})
	wantBody(t, w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">`+
		`<GetCallerIdentityResult><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>`+
		`<Arn>arn:aws:iam::123456789012:user/bob</Arn></GetCallerIdentityResult>`+
		`<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
	wantHeader(t, w.Header(), "Content-Type", "text/xml")
	wantHeader(t, w.Header(), "x-amzn-RequestId", "req-1")
	if w.Code != 200 {
		t.Errorf("status %d", w.Code)
	}
}

func TestXMLNoOutputShape(t *testing.T) {
	op := iamService().Operations["DeleteUser"]
	w := recordResponse(t, op, nil)
	wantBody(t, w, `<DeleteUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">`+
		`<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></DeleteUserResponse>`)
}

func TestXMLCreateUserExact(t *testing.T) {
	op := iamService().Operations["CreateUser"]
	created := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	w := recordResponse(t, op, &iamCreateUserOutput{User: &iamUser{
		Path: ptr("/"), UserName: ptr("bob"), UserId: ptr("AIDA1"), Arn: ptr("arn:aws:iam::123456789012:user/bob"),
		CreateDate: &created, Tags: []iamTag{{Key: ptr("k<&>"), Value: ptr("v\"1\"")}},
	}})
	wantBody(t, w, `<CreateUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><CreateUserResult><User>`+
		`<Path>/</Path><UserName>bob</UserName><UserId>AIDA1</UserId><Arn>arn:aws:iam::123456789012:user/bob</Arn>`+
		`<CreateDate>2026-11-27T15:26:46Z</CreateDate><Tags><member><Key>k&lt;&amp;&gt;</Key><Value>v&quot;1&quot;</Value></member></Tags>`+
		`</User></CreateUserResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></CreateUserResponse>`)
}

func TestXMLRequiredEmptyListAndMap(t *testing.T) {
	op := iamService().Operations["ListUsers"]
	w := recordResponse(t, op, &iamListUsersOutput{IsTruncated: ptr(false)})
	wantBody(t, w, `<ListUsersResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListUsersResult>`+
		`<Users/><IsTruncated>false</IsTruncated></ListUsersResult>`+
		`<ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></ListUsersResponse>`)
	w = recordResponse(t, iamService().Operations["GetAccountSummary"], &iamGetAccountSummaryOutput{
		SummaryMap: map[iamSummaryKey]int32{"Users": 3, "Groups": 1},
	})
	wantBody(t, w, `<GetAccountSummaryResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountSummaryResult>`+
		`<SummaryMap><entry><key>Groups</key><value>1</value></entry><entry><key>Users</key><value>3</value></entry></SummaryMap>`+
		`</GetAccountSummaryResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></GetAccountSummaryResponse>`)
}

func TestXMLNilOutputHasEmptyResult(t *testing.T) {
	w := recordResponse(t, stsService().Operations["GetCallerIdentity"], nil)
	if !strings.Contains(w.Body.String(), "<GetCallerIdentityResult/>") {
		t.Errorf("body %s", w.Body.String())
	}
}

func TestXMLKitchenSinkExact(t *testing.T) {
	op := sinkQueryService().Operations["Everything"]
	s := fullSink()
	s.Float = ptr(math.Inf(-1))
	w := recordResponse(t, op, s)
	want := `<EverythingResponse xmlns="https://sinkq.amazonaws.com/doc/2020-01-01/"><EverythingResult>` +
		`<Str>a&amp;&lt;&gt;&quot;&apos; b</Str>`
	want = strings.ReplaceAll(want, "&apos;", "'")
	want += `<Bool>true</Bool><Int32>-5</Int32><Int64>1152921504606846976</Int64><Float>-Infinity</Float>` +
		`<Time>2026-11-27T15:26:46.123Z</Time><TimeEpoch>1795793206</TimeEpoch><TimeHTTP>Fri, 27 Nov 2026 15:26:46 GMT</TimeHTTP>` +
		`<TimeISO>2026-11-27T15:26:46.123Z</TimeISO><Blob>AAEC/w==</Blob><Color>GREEN</Color>` +
		`<Colors><member>RED</member><member>BLUE</member></Colors>` +
		`<Strings><member>x</member><member></member><member>z</member></Strings>` +
		`<Flat>f1</Flat><Flat>f2</Flat><Item>n1</Item>` +
		`<Named><Entry>e1</Entry><Entry>e2</Entry></Named>` +
		`<Leaves><member><Name>l1</Name><Count>3</Count><Color>RED</Color></member><member><Name>l2</Name><Secret>s</Secret></member></Leaves>` +
		`<LeafPtrs><member><Name>p1</Name></member></LeafPtrs>` +
		`<Nested><member><member>a</member><member>b</member></member><member/><member><member>c</member></member></Nested>` +
		`<Map><entry><key>k1</key><value>v1</value></entry><entry><key>k2</key><value></value></entry></Map>` +
		`<NamedMap><entry><Name>a</Name><Val>b</Val></entry></NamedMap>` +
		`<FlatMap><key>fk</key><value>fv</value></FlatMap>` +
		`<LeafMap><entry><key>m</key><value><Name>ml</Name></value></entry></LeafMap>` +
		`<ListMap><entry><key>l</key><value><member>1</member><member>2</member></value></entry></ListMap>` +
		`<Leaf><Name>leaf</Name><Count>0</Count></Leaf>` +
		`<Tree><Label>root</Label><Children><member><Label>c1</Label><Children><member><Label>gc</Label></member></Children></member><member><Label>c2</Label></member></Children></Tree>` +
		`<wire_name>renamed</wire_name><Token>tok</Token><Required>r</Required>` +
		`</EverythingResult><ResponseMetadata><RequestId>req-1</RequestId></ResponseMetadata></EverythingResponse>`
	wantBody(t, w, want)
	// Whatever the bytes, they must be well-formed XML.
	if err := xml.Unmarshal(w.Body.Bytes(), new(struct{})); err != nil {
		t.Errorf("not well-formed: %v", err)
	}
}

func TestXMLTextEscaping(t *testing.T) {
	for in, want := range map[string]string{
		"plain":           "plain",
		"a&b<c>d\"e'f":    "a&amp;b&lt;c&gt;d&quot;e'f",
		"line\r\nnext\t":  "line&#xD;\nnext\t",
		"nul\x00bell\x07": "nul\uFFFDbell\uFFFD",
		"bad\xffutf8":     "bad\uFFFDutf8",
		"日本語":             "日本語",
		"\uFFFE":          "\uFFFD",
	} {
		if got := string(appendXMLText(nil, in)); got != want {
			t.Errorf("appendXMLText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestXMLTimestampPrecision(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2026-01-02T03:04:05Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 999999, time.UTC), "2026-01-02T03:04:05Z"},
		{time.Date(2026, 1, 2, 3, 4, 5, 7e6, time.UTC), "2026-01-02T03:04:05.007Z"},
		{time.Date(2026, 1, 2, 4, 4, 5, 0, time.FixedZone("x", 3600)), "2026-01-02T03:04:05Z"},
	} {
		if got := string(appendTime(nil, tc.t, tsISO8601)); got != tc.want {
			t.Errorf("%v: got %s, want %s", tc.t, got, tc.want)
		}
	}
}

func TestQueryErrorExact(t *testing.T) {
	w := httptest.NewRecorder()
	WriteError(w, iamService(), "req-9", Errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", "bob<>"))
	wantBody(t, w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`+
		`<Code>NoSuchEntity</Code><Message>The user with name bob&lt;&gt; cannot be found.</Message></Error>`+
		`<RequestId>req-9</RequestId></ErrorResponse>`)
	if w.Code != 404 {
		t.Errorf("status %d", w.Code)
	}
	wantHeader(t, w.Header(), "Content-Type", "text/xml")
	wantHeader(t, w.Header(), "x-amzn-RequestId", "req-9")

	w = httptest.NewRecorder()
	WriteError(w, stsService(), "req-9", InternalFailure("req-9"))
	if !strings.Contains(w.Body.String(), "<Type>Receiver</Type><Code>InternalFailure</Code>") || w.Code != 500 {
		t.Errorf("receiver error: %d %s", w.Code, w.Body.String())
	}
}

func TestQueryErrorFields(t *testing.T) {
	w := httptest.NewRecorder()
	err := &Error{Code: "LimitExceeded", Status: 409, Message: "m", Fields: map[string]any{
		"Limit": int32(5), "Reason": "too many", "header:Retry-After": 3,
	}}
	WriteError(w, iamService(), "r", err)
	wantBody(t, w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type>`+
		`<Code>LimitExceeded</Code><Message>m</Message><Limit>5</Limit><Reason>too many</Reason></Error>`+
		`<RequestId>r</RequestId></ErrorResponse>`)
	wantHeader(t, w.Header(), "Retry-After", "3")
}
