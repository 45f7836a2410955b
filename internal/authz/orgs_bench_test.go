package authz

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/model"
	iamapi "github.com/gatehouse/gatehouse/internal/model/iam"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// orgChain puts acct in a new organization (management account
// 999988887777) under depth nested OUs, with FullAWSAccess at every level
// and a deny SCP on the root, the middle OU and the account, and returns
// an authorizer that reads it.
func orgChain(t testing.TB, f *fixture, depth int) *Authorizer {
	t.Helper()
	orgs := organizations.New(f.dir)
	now := time.Now()
	org := &organizations.Organization{ID: "o-abcdefghij", RootID: "r-abcd", FeatureSet: organizations.FeatureSetAll,
		ManagementAccountID: "999988887777", CreatedAt: now,
		PolicyTypes: []organizations.PolicyTypeStatus{{Type: organizations.TypeSCP, Status: "ENABLED"}}}
	deny := &organizations.Policy{ID: "p-denyec2x", OrgID: org.ID, Name: "no-ec2", Type: organizations.TypeSCP,
		Content: `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":["ec2:*","iam:CreateUser"],"Resource":"*"}]}`}
	err := orgs.Update(context.Background(), func(tx *organizations.Tx) error {
		if err := tx.PutOrganization(org); err != nil {
			return err
		}
		if err := tx.PutPolicy(deny); err != nil {
			return err
		}
		targets := []string{org.RootID}
		parent := org.RootID
		for i := 0; i < depth; i++ {
			ou := &organizations.OU{ID: "ou-abcd-0000000" + strconv.Itoa(i), OrgID: org.ID, Name: "ou" + strconv.Itoa(i), ParentID: parent}
			if err := tx.PutOU(ou); err != nil {
				return err
			}
			targets = append(targets, ou.ID)
			parent = ou.ID
		}
		if err := tx.PutMember(&organizations.Member{AccountID: acct, OrgID: org.ID, ParentID: parent, Status: organizations.StatusActive}); err != nil {
			return err
		}
		targets = append(targets, acct)
		for i, target := range targets {
			if err := organizations.AttachDefaults(tx, org, target, now); err != nil {
				return err
			}
			if i == 0 || i == len(targets)/2 || i == len(targets)-1 {
				if err := tx.Attach(org.ID, &organizations.Attachment{PolicyID: deny.ID, TargetID: target, AttachedAt: now}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	az, err := New(Config{Directory: f.dir, Services: model.All(), Mode: On, Organizations: orgs})
	if err != nil {
		t.Fatal(err)
	}
	return az
}

func TestOrgChainDecisions(t *testing.T) {
	f := newFixture(t, On)
	u := f.user("bench", "/", map[string]string{"all": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`})
	az := orgChain(t, f, 5)
	ctx := context.Background()
	if err := az.Authorize(ctx, newCall(userPrincipal(u), iamapi.Service, "GetUser"), &iamapi.GetUserInput{UserName: str("bench")}); err != nil {
		t.Errorf("GetUser under FullAWSAccess at 7 levels: %v", err)
	}
	err := az.Authorize(ctx, newCall(userPrincipal(u), iamapi.Service, "CreateUser"), &iamapi.CreateUserInput{UserName: str("x")})
	pe, _ := err.(interface{ Error() string })
	if err == nil || pe == nil {
		t.Fatal("CreateUser under a deny SCP was allowed")
	}
	want := "User: " + u.ARN() + " is not authorized to perform: iam:CreateUser on resource: arn:aws:iam::" + acct + ":user/x with an explicit deny in a service control policy"
	if got := err.Error(); !contains(got, want) {
		t.Errorf("CreateUser denial = %q, want it to say %q", got, want)
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// BenchmarkAuthorizeOrganization measures GetUser by an IAM user (one
// inline policy) with no organization, and with its account under a root
// and five nested OUs, FullAWSAccess at every level and a deny SCP at
// three: the difference is what the SCP chain costs a decision.
func BenchmarkAuthorizeOrganization(b *testing.B) {
	for _, depth := range []int{-1, 5} {
		name := "NoOrganization"
		if depth >= 0 {
			name = "FiveOUs"
		}
		b.Run(name, func(b *testing.B) {
			f := newFixture(b, On)
			u := f.user("bench", "/", map[string]string{"read": allowGetUser})
			az := f.az
			if depth >= 0 {
				az = orgChain(b, f, depth)
			}
			c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
			in := &iamapi.GetUserInput{UserName: str("bench")}
			ctx := context.Background()
			if err := az.Authorize(ctx, c, in); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			cpu0 := processCPU()
			for i := 0; i < b.N; i++ {
				if err := az.Authorize(ctx, c, in); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(processCPU()-cpu0)/float64(b.N), "cpu-ns/op")
		})
	}
}

// BenchmarkSCPChainAddedLatency reports, in one run, what a root + five
// OUs + account SCP chain adds to a decision: the same GetUser by the same
// kind of user is decided b.N times without an organization and b.N times
// under the chain, and chain-added-ns is the difference per decision (the
// Organizations issue's target is under 1 µs).
func BenchmarkSCPChainAddedLatency(b *testing.B) {
	ctx := context.Background()
	setup := func(depth int) (*Authorizer, *call.Call, *iamapi.GetUserInput) {
		f := newFixture(b, On)
		u := f.user("bench", "/", map[string]string{"read": allowGetUser})
		az := f.az
		if depth >= 0 {
			az = orgChain(b, f, depth)
		}
		c := newCall(userPrincipal(u), iamapi.Service, "GetUser")
		in := &iamapi.GetUserInput{UserName: str("bench")}
		if err := az.Authorize(ctx, c, in); err != nil {
			b.Fatal(err)
		}
		return az, c, in
	}
	plainAZ, plainCall, plainIn := setup(-1)
	orgAZ, orgCall, orgIn := setup(5)
	b.ReportAllocs()
	b.ResetTimer()
	var plain, chained time.Duration
	for i := 0; i < b.N; i++ {
		t0 := time.Now()
		if err := plainAZ.Authorize(ctx, plainCall, plainIn); err != nil {
			b.Fatal(err)
		}
		t1 := time.Now()
		if err := orgAZ.Authorize(ctx, orgCall, orgIn); err != nil {
			b.Fatal(err)
		}
		t2 := time.Now()
		plain += t1.Sub(t0)
		chained += t2.Sub(t1)
	}
	b.StopTimer()
	b.ReportMetric(float64(plain)/float64(b.N), "plain-ns")
	b.ReportMetric(float64(chained)/float64(b.N), "chain-ns")
	b.ReportMetric(float64(chained-plain)/float64(b.N), "chain-added-ns")
}
