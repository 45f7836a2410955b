package artifact_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// The aws-sdk-go-v2 module for Artifact is not available here, so these
// tests call the API with requests signed by the SDK's SigV4 signer, as
// any AWS client sends them.

// client calls the Artifact API of a node as one access key.
type client struct {
	t     *testing.T
	url   string
	creds aws.Credentials
}

// response is one API answer.
type response struct {
	status int
	body   map[string]any
	raw    []byte
}

func (r response) str(key string) string { s, _ := r.body[key].(string); return s }

func (r response) errCode() string {
	// rest-json errors name their type in the x-amzn-ErrorType header,
	// which the caller copies into the body under "__type".
	return r.str("__type")
}

func (c *client) call(method, path string, query url.Values, body any) response {
	c.t.Helper()
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			c.t.Fatal(err)
		}
	}
	u := c.url + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(payload))
	if err != nil {
		c.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	sum := sha256.Sum256(payload)
	if err := v4.NewSigner().SignHTTP(context.Background(), c.creds, req, hex.EncodeToString(sum[:]), "artifact", "us-east-1", time.Now()); err != nil {
		c.t.Fatal(err)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := response{status: res.StatusCode, raw: raw, body: map[string]any{}}
	if len(bytes.TrimSpace(raw)) > 0 {
		if err := json.Unmarshal(raw, &r.body); err != nil {
			c.t.Fatalf("%s %s: body is not JSON: %s", method, path, raw)
		}
	}
	if t := res.Header.Get("X-Amzn-Errortype"); t != "" {
		r.body["__type"], _, _ = strings.Cut(t, ":")
	}
	return r
}

func (c *client) ok(method, path string, query url.Values, body any) response {
	c.t.Helper()
	r := c.call(method, path, query, body)
	if r.status != 200 {
		c.t.Fatalf("%s %s %v: %d %s", method, path, query, r.status, r.raw)
	}
	return r
}

func download(t *testing.T, u string) (int, http.Header, []byte) {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, res.Header, b
}

func rootClient(t *testing.T, srv *testserver.Server) *client {
	return &client{t: t, url: srv.URL, creds: aws.Credentials{AccessKeyID: srv.Root.AccessKeyID, SecretAccessKey: srv.Root.SecretAccessKey}}
}

// memberAccount creates an account in the management account's
// organization (creating the organization if needed), with a root access
// key, and returns a client for it.
func memberAccount(t *testing.T, srv *testserver.Server, id string) *client {
	t.Helper()
	ctx := context.Background()
	mgmt := srv.Root.AccountID
	keyID, secret, err := account.NewKeyPair("AKIA")
	if err != nil {
		t.Fatal(err)
	}
	creds := srv.App.Directory().Credentials()
	err = srv.App.Organizations().Update(ctx, func(tx *organizations.Tx) error {
		org, err := tx.OrganizationOfAccount(mgmt)
		if err != nil {
			org = &organizations.Organization{ID: "o-artifact01", FeatureSet: organizations.FeatureSetAll, ManagementAccountID: mgmt, RootID: "r-art1"}
			if err := tx.PutOrganization(org); err != nil {
				return err
			}
			if err := tx.PutMember(&organizations.Member{AccountID: mgmt, OrgID: org.ID, ParentID: org.RootID, Status: organizations.StatusActive}); err != nil {
				return err
			}
		}
		if err := account.Put(tx.Tx, &account.Account{ID: id, Name: "member", Email: id + "@example.com", CreatedAt: time.Now()}); err != nil {
			return err
		}
		if err := tx.PutMember(&organizations.Member{AccountID: id, OrgID: org.ID, ParentID: org.RootID, Status: organizations.StatusActive}); err != nil {
			return err
		}
		return creds.PutAccessKey(tx.Tx, &account.AccessKey{ID: keyID, AccountID: id, PrincipalType: identity.Root,
			ARN: "arn:aws:iam::" + id + ":root", Status: account.StatusActive, CreatedAt: time.Now()}, secret)
	})
	if err != nil {
		t.Fatal(err)
	}
	creds.Invalidate(keyID)
	return &client{t: t, url: srv.URL, creds: aws.Credentials{AccessKeyID: keyID, SecretAccessKey: secret}}
}

func pdf(text string) []byte { return []byte("%PDF-1.7\n% " + text + "\n%%EOF\n") }

// TestReportWalkthrough publishes a report, lists it, fails to download
// it without accepting its term, accepts the term, and downloads it
// through the presigned URL gatehouse serves.
func TestReportWalkthrough(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	doc := pdf("SOC 2 report body")
	const term = "You may share this report only with your auditors."
	id, v, err := srv.App.Artifact().PublishReport(ctx, artifact.Publication{
		Name: "SOC 2 Type II", Description: "Controls over security", Category: "Certifications and Attestations",
		Series: "SOC", CompanyName: "Gatehouse", ProductName: "gatehouse", Term: term, AcceptanceType: "EXPLICIT",
		Document: doc, Filename: "soc2.pdf",
	})
	if err != nil || v != 1 {
		t.Fatalf("publish: %v v%d", err, v)
	}
	c := rootClient(t, srv)

	list := c.ok("GET", "/v1/report/list", nil, nil)
	reports, _ := list.body["reports"].([]any)
	if len(reports) != 1 {
		t.Fatalf("ListReports: %s", list.raw)
	}
	r0 := reports[0].(map[string]any)
	if r0["id"] != id || r0["name"] != "SOC 2 Type II" || r0["state"] != "PUBLISHED" || r0["acceptanceType"] != "EXPLICIT" ||
		r0["arn"] != "arn:aws:artifact:us-east-1::report/"+id+":1" || r0["series"] != "SOC" {
		t.Fatalf("report summary: %v", r0)
	}

	meta := c.ok("GET", "/v1/report/getMetadata", url.Values{"reportId": {id}}, nil)
	details, _ := meta.body["reportDetails"].(map[string]any)
	if details["version"] != 1.0 || !strings.HasPrefix(details["termArn"].(string), "arn:aws:artifact:::term/term-") || details["uploadState"] != "COMPLETE" {
		t.Fatalf("GetReportMetadata: %s", meta.raw)
	}

	// Before accepting the term: no token, a made-up token.
	noToken := c.call("GET", "/v1/report/get", url.Values{"reportId": {id}}, nil)
	if noToken.status != 400 || noToken.errCode() != "ValidationException" {
		t.Fatalf("GetReport without a token: %d %s", noToken.status, noToken.raw)
	}
	bogus := c.call("GET", "/v1/report/get", url.Values{"reportId": {id}, "termToken": {"made-up-token"}}, nil)
	if bogus.status != 400 || bogus.errCode() != "ValidationException" || bogus.str("reason") != "invalidToken" {
		t.Fatalf("GetReport with a made-up token: %d %s", bogus.status, bogus.raw)
	}
	if fl, _ := bogus.body["fieldList"].([]any); len(fl) != 1 || fl[0].(map[string]any)["name"] != "termToken" {
		t.Fatalf("fieldList: %s", bogus.raw)
	}

	// Accepting the term returns it and the token.
	accepted := c.ok("GET", "/v1/report/getTermForReport", url.Values{"reportId": {id}, "reportVersion": {"1"}}, nil)
	token := accepted.str("termToken")
	status, h, body := download(t, accepted.str("documentPresignedUrl"))
	if status != 200 || string(body) != term || !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		t.Fatalf("term download: %d %v %q", status, h, body)
	}

	got := c.ok("GET", "/v1/report/get", url.Values{"reportId": {id}, "reportVersion": {"1"}, "termToken": {token}}, nil)
	link := got.str("documentPresignedUrl")
	if !strings.HasPrefix(link, srv.URL+artifact.DownloadPathPrefix) {
		t.Fatalf("presigned URL %q does not point at the node %s", link, srv.URL)
	}
	status, h, body = download(t, link)
	if status != 200 || !bytes.Equal(body, doc) {
		t.Fatalf("report download: %d %q", status, body)
	}
	if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != `attachment; filename=soc2.pdf` {
		t.Fatalf("download headers: %v", h)
	}

	// A tampered signature and an expired URL are refused.
	tampered := strings.Replace(link, "Signature=", "Signature=A", 1)
	if status, _, body := download(t, tampered); status != 403 || bytes.Contains(body, doc) {
		t.Fatalf("tampered URL: %d %s", status, body)
	}
	u, _ := url.Parse(link)
	p, err := artifact.ParsePresignedURL(u.Path, u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	expired, err := srv.App.Artifact().Presign(ctx, "http", u.Host, p.DocumentID, time.Now().Add(-time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if status, _, body := download(t, expired); status != 403 || !bytes.Contains(body, []byte("expired")) {
		t.Fatalf("expired URL: %d %s", status, body)
	}

	// The token is for version 1: a second version needs its own.
	doc2 := pdf("SOC 2 report, next period")
	if _, v, err := srv.App.Artifact().PublishReport(ctx, artifact.Publication{Name: "SOC 2 Type II", Term: term, Document: doc2}); err != nil || v != 2 {
		t.Fatalf("publish v2: %v v%d", err, v)
	}
	if r := c.call("GET", "/v1/report/get", url.Values{"reportId": {id}, "termToken": {token}}, nil); r.status != 400 || r.str("reason") != "invalidToken" {
		t.Fatalf("version 1's token for the latest version: %d %s", r.status, r.raw)
	}
	tok2 := c.ok("GET", "/v1/report/getTermForReport", url.Values{"reportId": {id}}, nil).str("termToken")
	link2 := c.ok("GET", "/v1/report/get", url.Values{"reportId": {id}, "termToken": {tok2}}, nil).str("documentPresignedUrl")
	if _, _, body := download(t, link2); !bytes.Equal(body, doc2) {
		t.Fatalf("version 2 download: %q", body)
	}

	// Another account cannot use this account's token.
	other := memberAccount(t, srv, "210987654321")
	if r := other.call("GET", "/v1/report/get", url.Values{"reportId": {id}, "termToken": {tok2}}, nil); r.status != 400 || r.str("reason") != "invalidToken" {
		t.Fatalf("another account's token: %d %s", r.status, r.raw)
	}
}

func TestReportListsAndErrors(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	st := srv.App.Artifact()
	var id string
	for i := 0; i < 3; i++ {
		var err error
		if id, _, err = st.PublishReport(ctx, artifact.Publication{Name: "PCI DSS", Document: pdf(strconv.Itoa(i))}); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := st.PublishReport(ctx, artifact.Publication{Name: "ISO 27001", Document: pdf("iso")}); err != nil {
		t.Fatal(err)
	}
	c := rootClient(t, srv)

	// ListReports pages.
	seen := map[string]bool{}
	var token string
	for pages := 0; ; pages++ {
		q := url.Values{"maxResults": {"1"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.ok("GET", "/v1/report/list", q, nil)
		for _, rep := range r.body["reports"].([]any) {
			seen[rep.(map[string]any)["name"].(string)] = true
		}
		token = r.str("nextToken")
		if token == "" {
			break
		}
		if pages > 3 {
			t.Fatal("ListReports does not end")
		}
	}
	if len(seen) != 2 || !seen["PCI DSS"] || !seen["ISO 27001"] {
		t.Fatalf("ListReports saw %v", seen)
	}

	// ListReportVersions pages through the three versions.
	var versions []float64
	token = ""
	for {
		q := url.Values{"reportId": {id}, "maxResults": {"2"}}
		if token != "" {
			q.Set("nextToken", token)
		}
		r := c.ok("GET", "/v1/report/listVersions", q, nil)
		for _, rep := range r.body["reports"].([]any) {
			versions = append(versions, rep.(map[string]any)["version"].(float64))
		}
		if token = r.str("nextToken"); token == "" {
			break
		}
	}
	if len(versions) != 3 || versions[0] != 1 || versions[2] != 3 {
		t.Fatalf("versions: %v", versions)
	}

	// A token of one list is not one of another.
	listTok := c.ok("GET", "/v1/report/list", url.Values{"maxResults": {"1"}}, nil).str("nextToken")
	if r := c.call("GET", "/v1/report/listVersions", url.Values{"reportId": {id}, "nextToken": {listTok}}, nil); r.status != 400 || r.str("reason") != "invalidToken" {
		t.Fatalf("foreign next token: %d %s", r.status, r.raw)
	}

	const missing = "report-0000000000000000"
	for _, path := range []string{"/v1/report/getMetadata", "/v1/report/getTermForReport", "/v1/report/listVersions"} {
		r := c.call("GET", path, url.Values{"reportId": {missing}}, nil)
		if r.status != 404 || r.errCode() != "ResourceNotFoundException" || r.str("resourceId") != missing || r.str("resourceType") != "report" {
			t.Errorf("%s of a missing report: %d %s", path, r.status, r.raw)
		}
	}
	if r := c.call("GET", "/v1/report/getMetadata", url.Values{"reportId": {id}, "reportVersion": {"9"}}, nil); r.status != 404 {
		t.Errorf("missing version: %d %s", r.status, r.raw)
	}
	if r := c.call("GET", "/v1/report/getMetadata", url.Values{"reportId": {"not-a-report"}}, nil); r.status != 400 || r.str("reason") != "fieldValidationFailed" {
		t.Errorf("malformed report id: %d %s", r.status, r.raw)
	}
}

func TestAccountSettings(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	c := rootClient(t, srv)
	settings := func(r response) string {
		s, _ := r.body["accountSettings"].(map[string]any)
		v, _ := s["notificationSubscriptionStatus"].(string)
		return v
	}
	if got := settings(c.ok("GET", "/v1/account-settings/get", nil, nil)); got != "NOT_SUBSCRIBED" {
		t.Fatalf("default: %q", got)
	}
	if got := settings(c.ok("PUT", "/v1/account-settings/put", nil, map[string]string{"notificationSubscriptionStatus": "SUBSCRIBED"})); got != "SUBSCRIBED" {
		t.Fatalf("put: %q", got)
	}
	if got := settings(c.ok("GET", "/v1/account-settings/get", nil, nil)); got != "SUBSCRIBED" {
		t.Fatalf("after put: %q", got)
	}
	if r := c.call("PUT", "/v1/account-settings/put", nil, map[string]string{"notificationSubscriptionStatus": "MAYBE"}); r.status != 400 {
		t.Fatalf("bad status: %d %s", r.status, r.raw)
	}
	other := memberAccount(t, srv, "210987654321")
	if got := settings(other.ok("GET", "/v1/account-settings/get", nil, nil)); got != "NOT_SUBSCRIBED" {
		t.Fatalf("another account: %q", got)
	}
}

// TestOrganizationAgreements: the management account accepts an agreement
// for the organization, and every member account lists it.
func TestOrganizationAgreements(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	st := srv.App.Artifact()
	member := memberAccount(t, srv, "210987654321")
	mgmt := rootClient(t, srv)
	baa, err := st.PublishAgreement(ctx, artifact.AgreementPublication{Name: "AWS Business Associate Addendum",
		Description: "For HIPAA workloads", AcceptanceTerms: []string{"I have read the addendum."}, TerminateTerms: []string{"I end it."}})
	if err != nil {
		t.Fatal(err)
	}
	nda, err := st.PublishAgreement(ctx, artifact.AgreementPublication{Name: "Nondisclosure Agreement"})
	if err != nil {
		t.Fatal(err)
	}
	agreements := func(c *client) []map[string]any {
		t.Helper()
		var out []map[string]any
		token := ""
		for {
			q := url.Values{"maxResults": {"1"}}
			if token != "" {
				q.Set("nextToken", token)
			}
			r := c.ok("GET", "/v1/customer-agreement/list", q, nil)
			for _, a := range r.body["customerAgreements"].([]any) {
				out = append(out, a.(map[string]any))
			}
			if token = r.str("nextToken"); token == "" {
				return out
			}
		}
	}
	if got := agreements(member); len(got) != 0 {
		t.Fatalf("before acceptance: %v", got)
	}
	if _, err := st.AcceptAgreement(ctx, "210987654321", baa.ID, true); err == nil {
		t.Fatal("a member account accepted for the organization")
	}
	ca, err := st.AcceptAgreement(ctx, srv.Root.AccountID, baa.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.AcceptAgreement(ctx, "210987654321", nda.ID, false); err != nil {
		t.Fatal(err)
	}
	got := agreements(member)
	if len(got) != 2 {
		t.Fatalf("member lists %v", got)
	}
	var org map[string]any
	for _, a := range got {
		if a["name"] == "AWS Business Associate Addendum" {
			org = a
		}
	}
	if org == nil || org["id"] != ca.ID || org["state"] != "ACTIVE" || org["awsAccountId"] != srv.Root.AccountID ||
		org["organizationArn"] != "arn:aws:organizations::"+srv.Root.AccountID+":organization/o-artifact01" ||
		org["agreementArn"] != "arn:aws:artifact:::agreement/"+baa.ID ||
		org["arn"] != "arn:aws:artifact::"+srv.Root.AccountID+":customer-agreement/"+ca.ID {
		t.Fatalf("organization agreement as the member sees it: %v", org)
	}
	if terms, _ := org["acceptanceTerms"].([]any); len(terms) != 1 || terms[0] != "I have read the addendum." {
		t.Fatalf("acceptance terms: %v", org["acceptanceTerms"])
	}
	if got := agreements(mgmt); len(got) != 1 || got[0]["id"] != ca.ID {
		t.Fatalf("management account lists %v", got)
	}
	if _, err := st.TerminateAgreement(ctx, srv.Root.AccountID, ca.ID); err != nil {
		t.Fatal(err)
	}
	if got := agreements(member); len(got) != 1 || got[0]["name"] != "Nondisclosure Agreement" {
		t.Fatalf("after termination the member lists %v", got)
	}
}

// TestAuthorization: an IAM user needs artifact permissions like any
// other action.
func TestAuthorization(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	id, _, err := srv.App.Artifact().PublishReport(ctx, artifact.Publication{Name: "Report", Document: pdf("x")})
	if err != nil {
		t.Fatal(err)
	}
	iamc := iam.NewFromConfig(srv.RootConfig())
	if _, err := iamc.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("auditor")}); err != nil {
		t.Fatal(err)
	}
	key, err := iamc.CreateAccessKey(ctx, &iam.CreateAccessKeyInput{UserName: aws.String("auditor")})
	if err != nil {
		t.Fatal(err)
	}
	auditor := &client{t: t, url: srv.URL, creds: aws.Credentials{AccessKeyID: *key.AccessKey.AccessKeyId, SecretAccessKey: *key.AccessKey.SecretAccessKey}}
	if r := auditor.call("GET", "/v1/report/list", nil, nil); r.status != 403 || r.errCode() != "AccessDeniedException" ||
		!strings.Contains(r.str("message"), "artifact:ListReports") {
		t.Fatalf("ListReports without permission: %d %s", r.status, r.raw)
	}
	_, err = iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("reports"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["artifact:ListReports","artifact:GetReportMetadata"],"Resource":"*"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		r := auditor.call("GET", "/v1/report/list", nil, nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ListReports with permission: %d %s", r.status, r.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	auditor.ok("GET", "/v1/report/getMetadata", url.Values{"reportId": {id}}, nil)
	if r := auditor.call("GET", "/v1/report/getTermForReport", url.Values{"reportId": {id}}, nil); r.status != 403 {
		t.Fatalf("GetTermForReport without permission: %d %s", r.status, r.raw)
	}

	// A policy naming the report version's ARN, as ReportDetail.arn
	// spells it, allows the calls that name that version.
	arn := reportARNOf(auditor.ok("GET", "/v1/report/getMetadata", url.Values{"reportId": {id}, "reportVersion": {"1"}}, nil))
	_, err = iamc.PutUserPolicy(ctx, &iam.PutUserPolicyInput{UserName: aws.String("auditor"), PolicyName: aws.String("terms"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"artifact:GetTermForReport","Resource":"` + arn + `"}]}`)})
	if err != nil {
		t.Fatal(err)
	}
	deadline = time.Now().Add(5 * time.Second)
	for {
		r := auditor.call("GET", "/v1/report/getTermForReport", url.Values{"reportId": {id}, "reportVersion": {"1"}}, nil)
		if r.status == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GetTermForReport allowed on %s: %d %s", arn, r.status, r.raw)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if r := auditor.call("GET", "/v1/report/getTermForReport", url.Values{"reportId": {id}, "reportVersion": {"2"}}, nil); r.status != 403 {
		t.Fatalf("GetTermForReport of another version: %d %s", r.status, r.raw)
	}
}

func reportARNOf(r response) string {
	d, _ := r.body["reportDetails"].(map[string]any)
	arn, _ := d["arn"].(string)
	return arn
}
