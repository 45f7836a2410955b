package artifact

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/keyring"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/store/sqlite"
)

// testClock is a settable clock for expiry tests.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newTestStore(t testing.TB) (*Store, *organizations.Store, *testClock) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	root := make([]byte, keyring.RootKeySize)
	if _, err := rand.Read(root); err != nil {
		t.Fatal(err)
	}
	kr, err := keyring.New(root)
	if err != nil {
		t.Fatal(err)
	}
	dir := iam.NewDirectory(st, kr, account.NewCredentials(st, kr), nil)
	orgs := organizations.New(dir)
	clock := &testClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	return New(orgs, Options{Now: clock.now}), orgs, clock
}

func pdf(text string) []byte { return []byte("%PDF-1.4\n% " + text + "\n%%EOF\n") }

func TestPublishReportVersions(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	p := Publication{Name: "SOC 2 Type II", Description: "Controls report", Category: "Certifications", Series: "SOC",
		CompanyName: "Gatehouse", ProductName: "gatehouse", Term: "Do not share.", Document: pdf("v1")}
	id, v, err := s.PublishReport(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !ValidReportID(id) || v != 1 {
		t.Fatalf("first publish: id %q version %d", id, v)
	}
	p.Document = pdf("v2")
	id2, v2, err := s.PublishReport(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if id2 != id || v2 != 2 {
		t.Fatalf("second publish of the same name: %q v%d, want %q v2", id2, v2, id)
	}
	other, _, err := s.PublishReport(ctx, Publication{Name: "ISO 27001", Document: pdf("iso")})
	if err != nil {
		t.Fatal(err)
	}
	latest, err := s.Report(ctx, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if latest.Version != 2 || latest.AcceptanceType != AcceptanceExplicit || latest.TermID == "" {
		t.Fatalf("latest: %+v", latest)
	}
	first, err := s.Report(ctx, id, 1)
	if err != nil {
		t.Fatal(err)
	}
	if first.TermID != latest.TermID {
		t.Fatalf("the same term text made two terms: %s and %s", first.TermID, latest.TermID)
	}
	_, body, err := s.ReadDocument(ctx, first.DocumentID)
	if err != nil || !bytes.Equal(body, pdf("v1")) {
		t.Fatalf("version 1 document: %q, %v", body, err)
	}
	if _, err := s.Report(ctx, id, 3); !errors.Is(err, ErrReportNotFound) {
		t.Fatalf("version 3: %v", err)
	}
	iso, err := s.Report(ctx, other, 0)
	if err != nil || iso.AcceptanceType != AcceptancePassthrough || iso.TermID != "" {
		t.Fatalf("report without a term: %+v %v", iso, err)
	}

	page1, more, err := s.Reports(ctx, "", 1)
	if err != nil || len(page1) != 1 || !more {
		t.Fatalf("reports page 1: %d more=%v %v", len(page1), more, err)
	}
	page2, more, err := s.Reports(ctx, page1[0].ID, 1)
	if err != nil || len(page2) != 1 || more || page2[0].ID == page1[0].ID {
		t.Fatalf("reports page 2: %v more=%v %v", page2, more, err)
	}
	versions, more, err := s.ReportVersions(ctx, id, 1, 10)
	if err != nil || more || len(versions) != 1 || versions[0].Version != 2 {
		t.Fatalf("versions after 1: %v more=%v %v", versions, more, err)
	}
}

func TestPublishReportLargeDocumentIsChunked(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	doc := append(pdf("big"), bytes.Repeat([]byte("0123456789"), (chunkSize*5/2)/10)...)
	id, _, err := s.PublishReport(ctx, Publication{Name: "Big", Document: doc})
	if err != nil {
		t.Fatal(err)
	}
	rv, _ := s.Report(ctx, id, 0)
	d, body, err := s.ReadDocument(ctx, rv.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Chunks != 3 || !bytes.Equal(body, doc) {
		t.Fatalf("chunks %d, equal %v", d.Chunks, bytes.Equal(body, doc))
	}
}

func TestPublishReportRejects(t *testing.T) {
	s, _, _ := newTestStore(t)
	ok := Publication{Name: "Report", Document: pdf("x")}
	for name, mutate := range map[string]func(*Publication){
		"no name":          func(p *Publication) { p.Name = "" },
		"name with <":      func(p *Publication) { p.Name = "a<b" },
		"long name":        func(p *Publication) { p.Name = strings.Repeat("a", 257) },
		"description <>":   func(p *Publication) { p.Description = "<script>" },
		"category pattern": func(p *Publication) { p.Category = "a/b" },
		"not a pdf":        func(p *Publication) { p.Document = []byte("hello") },
		"empty document":   func(p *Publication) { p.Document = nil },
		"too large":        func(p *Publication) { p.Document = append(pdf("x"), make([]byte, MaxDocumentSize)...) },
		"explicit no term": func(p *Publication) { p.AcceptanceType = AcceptanceExplicit },
		"bad acceptance":   func(p *Publication) { p.AcceptanceType = "MAYBE" },
		"bad filename":     func(p *Publication) { p.Filename = "a\nb.pdf" },
	} {
		p := ok
		mutate(&p)
		_, _, err := s.PublishReport(context.Background(), p)
		var inv *InvalidPublicationError
		if !errors.As(err, &inv) {
			t.Errorf("%s: got %v, want an InvalidPublicationError", name, err)
		}
	}
}

func TestTermToken(t *testing.T) {
	s, _, clock := newTestStore(t)
	const acct = "111122223333"
	tok, err := s.IssueTermToken(acct, "report-abcdefghijklmnop", 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) > maxTermTokenLen || strings.Trim(tok, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != "" {
		t.Fatalf("token %q does not fit the model's pattern", tok)
	}
	tok2, _ := s.IssueTermToken(acct, "report-abcdefghijklmnop", 2)
	if tok == tok2 {
		t.Fatal("two acceptances returned the same token")
	}
	if err := s.CheckTermToken(tok, acct, "report-abcdefghijklmnop", 2); err != nil {
		t.Fatalf("valid token refused: %v", err)
	}
	for name, check := range map[string]func() error{
		"other account": func() error { return s.CheckTermToken(tok, "999988887777", "report-abcdefghijklmnop", 2) },
		"other report":  func() error { return s.CheckTermToken(tok, acct, "report-zzzzzzzzzzzzzzzz", 2) },
		"other version": func() error { return s.CheckTermToken(tok, acct, "report-abcdefghijklmnop", 1) },
		"garbage":       func() error { return s.CheckTermToken("not-a-token", acct, "report-abcdefghijklmnop", 2) },
		"tampered": func() error {
			b := []byte(tok)
			b[len(b)/2] ^= 1
			return s.CheckTermToken(string(b), acct, "report-abcdefghijklmnop", 2)
		},
	} {
		if err := check(); !errors.Is(err, ErrInvalidTermToken) {
			t.Errorf("%s: %v, want ErrInvalidTermToken", name, err)
		}
	}
	clock.advance(TermTokenLifetime)
	if err := s.CheckTermToken(tok, acct, "report-abcdefghijklmnop", 2); !errors.Is(err, ErrInvalidTermToken) {
		t.Fatalf("expired token: %v", err)
	}
}

func TestDownloadHandler(t *testing.T) {
	s, _, clock := newTestStore(t)
	ctx := context.Background()
	doc := pdf("the report")
	id, _, err := s.PublishReport(ctx, Publication{Name: "Report", Document: doc, Filename: "report 2026.pdf"})
	if err != nil {
		t.Fatal(err)
	}
	rv, _ := s.Report(ctx, id, 0)
	hs := httptest.NewServer(s.DownloadHandler(nil))
	defer hs.Close()
	host := strings.TrimPrefix(hs.URL, "http://")
	raw, err := s.Presign(ctx, "http", host, rv.DocumentID, clock.now().Add(PresignedURLLifetime))
	if err != nil {
		t.Fatal(err)
	}
	get := func(u string) (int, http.Header, []byte) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, res.Header, b
	}
	status, h, body := get(raw)
	if status != 200 || !bytes.Equal(body, doc) {
		t.Fatalf("download: %d %q", status, body)
	}
	if h.Get("Content-Type") != "application/pdf" || h.Get("Content-Disposition") != `attachment; filename="report 2026.pdf"` {
		t.Fatalf("headers: %v", h)
	}

	u, _ := url.Parse(raw)
	q := u.Query()
	sig := []byte(q.Get("Signature"))
	if sig[0] == 'A' {
		sig[0] = 'B'
	} else {
		sig[0] = 'A'
	}
	q.Set("Signature", string(sig))
	tampered := *u
	tampered.RawQuery = q.Encode()
	if status, _, body := get(tampered.String()); status != 403 || bytes.Contains(body, doc) {
		t.Fatalf("tampered signature: %d %s", status, body)
	}
	q = u.Query()
	q.Set("Expires", "99999999999")
	extended := *u
	extended.RawQuery = q.Encode()
	if status, _, _ := get(extended.String()); status != 403 {
		t.Fatalf("extended expiry: %d", status)
	}
	other := strings.Replace(raw, rv.DocumentID, "doc-"+strings.Repeat("A", 20), 1)
	if status, _, _ := get(other); status != 403 {
		t.Fatalf("signature moved to another document: %d", status)
	}
	if status, _, _ := get(hs.URL + DownloadPathPrefix + rv.DocumentID); status != 403 {
		t.Fatalf("unsigned: %d", status)
	}

	clock.advance(PresignedURLLifetime)
	status, _, body = get(raw)
	if status != 403 || !bytes.Contains(body, []byte("expired")) {
		t.Fatalf("expired URL: %d %s", status, body)
	}
	res, err := http.Post(raw, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", res.StatusCode)
	}
}

// The signing key is shared through the store: a second Store on the same
// data (another process on the data directory) verifies the first's URLs.
func TestSigningKeyShared(t *testing.T) {
	s, orgs, clock := newTestStore(t)
	ctx := context.Background()
	raw, err := s.Presign(ctx, "http", "localhost", "doc-"+strings.Repeat("b", 20), clock.now().Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(raw)
	p, err := ParsePresignedURL(u.Path, u.RawQuery)
	if err != nil {
		t.Fatal(err)
	}
	s2 := New(orgs, Options{Now: clock.now})
	if err := s2.Verify(ctx, p); err != nil {
		t.Fatalf("second store: %v", err)
	}
}

func TestAgreements(t *testing.T) {
	s, orgs, clock := newTestStore(t)
	ctx := context.Background()
	const mgmt, member, outsider = "111111111111", "222222222222", "333333333333"
	err := orgs.Update(ctx, func(tx *organizations.Tx) error {
		o := &organizations.Organization{ID: "o-abcdefghij", FeatureSet: organizations.FeatureSetAll, ManagementAccountID: mgmt, RootID: "r-abcd"}
		if err := tx.PutOrganization(o); err != nil {
			return err
		}
		for _, a := range []string{mgmt, member} {
			if err := tx.PutMember(&organizations.Member{AccountID: a, OrgID: o.ID, ParentID: o.RootID, Status: organizations.StatusActive}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	baa, err := s.PublishAgreement(ctx, AgreementPublication{Name: "Business Associate Addendum", Description: "HIPAA",
		AcceptanceTerms: []string{"I agree."}, TerminateTerms: []string{"I end it."}})
	if err != nil {
		t.Fatal(err)
	}
	nda, err := s.PublishAgreement(ctx, AgreementPublication{Name: "NDA"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.PublishAgreement(ctx, AgreementPublication{Name: "x", Type: "OTHER"}); err == nil {
		t.Fatal("agreement type OTHER accepted")
	}

	if _, err := s.AcceptAgreement(ctx, member, baa.ID, true); !errors.Is(err, ErrNotManagementAccount) {
		t.Fatalf("member accepting for the organization: %v", err)
	}
	if _, err := s.AcceptAgreement(ctx, outsider, baa.ID, true); !errors.Is(err, ErrNotInOrganization) {
		t.Fatalf("outsider accepting for an organization: %v", err)
	}
	if _, err := s.AcceptAgreement(ctx, mgmt, "agreement-0000000000000000", false); !errors.Is(err, ErrAgreementNotFound) {
		t.Fatalf("unknown agreement: %v", err)
	}
	orgCA, err := s.AcceptAgreement(ctx, mgmt, baa.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if orgCA.OrganizationARN != "arn:aws:organizations::"+mgmt+":organization/o-abcdefghij" || !ValidCustomerAgreementID(orgCA.ID) {
		t.Fatalf("organization acceptance: %+v", orgCA)
	}
	if _, err := s.AcceptAgreement(ctx, mgmt, baa.ID, true); !errors.Is(err, ErrAlreadyAccepted) {
		t.Fatalf("second acceptance: %v", err)
	}
	clock.advance(time.Second)
	if _, err := s.AcceptAgreement(ctx, member, nda.ID, false); err != nil {
		t.Fatal(err)
	}

	ids := func(acct string) []string {
		t.Helper()
		list, err := s.ActiveAgreements(ctx, acct)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, a := range list {
			out = append(out, a.Agreement.Name)
		}
		return out
	}
	if got := strings.Join(ids(member), ","); got != "Business Associate Addendum,NDA" {
		t.Fatalf("member sees %q", got)
	}
	if got := strings.Join(ids(mgmt), ","); got != "Business Associate Addendum" {
		t.Fatalf("management account sees %q", got)
	}
	if got := ids(outsider); len(got) != 0 {
		t.Fatalf("outsider sees %q", got)
	}

	if _, err := s.TerminateAgreement(ctx, member, orgCA.ID); !errors.Is(err, ErrNotManagementAccount) {
		t.Fatalf("member terminating the organization's agreement: %v", err)
	}
	if _, err := s.TerminateAgreement(ctx, outsider, orgCA.ID); !errors.Is(err, ErrCustomerAgreementNotFound) {
		t.Fatalf("outsider terminating: %v", err)
	}
	ended, err := s.TerminateAgreement(ctx, mgmt, baa.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ended.State != CustomerAgreementTerminated || ended.EffectiveEnd == nil {
		t.Fatalf("terminated: %+v", ended)
	}
	if _, err := s.TerminateAgreement(ctx, mgmt, orgCA.ID); !errors.Is(err, ErrAlreadyTerminated) {
		t.Fatalf("terminating twice: %v", err)
	}
	if got := strings.Join(ids(member), ","); got != "NDA" {
		t.Fatalf("after termination the member sees %q", got)
	}
	// A terminated agreement can be accepted again.
	if _, err := s.AcceptAgreement(ctx, mgmt, baa.ID, true); err != nil {
		t.Fatalf("accepting again: %v", err)
	}
}

func TestAccountSettings(t *testing.T) {
	s, _, _ := newTestStore(t)
	ctx := context.Background()
	if got, err := s.AccountSettings(ctx, "111111111111"); err != nil || got != NotificationNotSubscribed {
		t.Fatalf("default: %q %v", got, err)
	}
	if err := s.PutAccountSettings(ctx, "111111111111", NotificationSubscribed); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.AccountSettings(ctx, "111111111111"); got != NotificationSubscribed {
		t.Fatalf("after put: %q", got)
	}
	if got, _ := s.AccountSettings(ctx, "222222222222"); got != NotificationNotSubscribed {
		t.Fatalf("another account: %q", got)
	}
	if err := s.PutAccountSettings(ctx, "111111111111", "MAYBE"); err == nil {
		t.Fatal("status MAYBE accepted")
	}
}
