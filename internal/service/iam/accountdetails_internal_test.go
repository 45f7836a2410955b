package iam

import (
	"context"
	"net/url"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/iam"
	api "github.com/gatehouse/gatehouse/internal/model/iam"
)

// fakeAWSPolicies serves a fixed set of AWS managed policies.
type fakeAWSPolicies []*iam.ManagedPolicy

func (f fakeAWSPolicies) Get(arn string) *iam.ManagedPolicy {
	for _, p := range f {
		if p.ARN() == arn {
			return p
		}
	}
	return nil
}

func (f fakeAWSPolicies) All() []*iam.ManagedPolicy { return f }

// TestAuthorizationDetailsListTheAWSManagedPoliciesInUse checks that the
// AWSManagedPolicy filter lists the AWS managed policies the account
// attaches or uses as boundaries, with the account's usage counts, and no
// others.
func TestAuthorizationDetailsListTheAWSManagedPoliciesInUse(t *testing.T) {
	created := time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC)
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	policy := func(name string) *iam.ManagedPolicy {
		return &iam.ManagedPolicy{AccountID: "aws", Name: name, Path: "/", ID: "ANPA" + name, DefaultVersion: "v1",
			CreateDate: created, UpdateDate: created, Versions: []iam.PolicyVersion{{ID: "v1", Document: doc, CreateDate: created}}}
	}
	admin, unused := policy("AdministratorAccess"), policy("UnusedAccess")
	cs := newClockedServiceWith(t, fakeAWSPolicies{admin, unused})
	ctx := context.Background()
	if _, err := cs.CreateUser(ctx, cs.root(), &api.CreateUserInput{UserName: ptr("zoe"), PermissionsBoundary: ptr(admin.ARN())}); err != nil {
		t.Fatal(err)
	}
	err := cs.dir.Update(ctx, func(tx *iam.Tx) error {
		u, err := tx.User(cs.account, "zoe")
		if err != nil {
			return err
		}
		u.Attached = []string{admin.ARN()}
		if err := tx.AddAWSPolicyUsage(cs.account, admin.Name, 1, 0); err != nil {
			return err
		}
		return tx.PutUser(u)
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := cs.GetAccountAuthorizationDetails(ctx, cs.root(), &api.GetAccountAuthorizationDetailsInput{Filter: []api.EntityType{api.EntityTypeAWSManagedPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Policies) != 1 || len(out.UserDetailList) != 0 {
		t.Fatalf("AWS managed policies in use = %d (users %d), want 1", len(out.Policies), len(out.UserDetailList))
	}
	p := out.Policies[0]
	if *p.Arn != "arn:aws:iam::aws:policy/AdministratorAccess" || *p.AttachmentCount != 1 || *p.PermissionsBoundaryUsageCount != 1 ||
		len(p.PolicyVersionList) != 1 || !*p.PolicyVersionList[0].IsDefaultVersion {
		t.Errorf("policy detail = %+v", p)
	}
	if dec, err := url.QueryUnescape(*p.PolicyVersionList[0].Document); err != nil || dec != doc {
		t.Errorf("document = %q", *p.PolicyVersionList[0].Document)
	}
	users, err := cs.GetAccountAuthorizationDetails(ctx, cs.root(), &api.GetAccountAuthorizationDetailsInput{Filter: []api.EntityType{api.EntityTypeUser}})
	if err != nil {
		t.Fatal(err)
	}
	if len(users.UserDetailList) != 1 || len(users.UserDetailList[0].AttachedManagedPolicies) != 1 ||
		*users.UserDetailList[0].AttachedManagedPolicies[0].PolicyName != "AdministratorAccess" {
		t.Errorf("user detail = %+v", users.UserDetailList)
	}
}
