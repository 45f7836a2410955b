package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	orgsdk "github.com/aws/aws-sdk-go-v2/service/organizations"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// accountTestMember starts a node on a data directory, creates an
// organization and a member account, and returns the node and the
// member's id.
func accountTestMember(t *testing.T) (*testserver.Server, string) {
	t.Helper()
	srv := testserver.Start(t, testserver.Options{})
	ctx := context.Background()
	client := orgsdk.NewFromConfig(srv.RootConfig())
	if _, err := client.CreateOrganization(ctx, &orgsdk.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := client.CreateAccount(ctx, &orgsdk.CreateAccountInput{AccountName: aws.String("hr"), Email: aws.String("hr@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	st, err := client.DescribeCreateAccountStatus(ctx, &orgsdk.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
	if err != nil || aws.ToString(st.CreateAccountStatus.AccountId) == "" {
		t.Fatalf("DescribeCreateAccountStatus: %v %+v", err, st)
	}
	return srv, aws.ToString(st.CreateAccountStatus.AccountId)
}

func TestAccountRootCredentials(t *testing.T) {
	srv, member := accountTestMember(t)
	ctx := context.Background()

	var out bytes.Buffer
	if err := run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", member, "--output", "json"}, &out, io.Discard); err != nil {
		t.Fatalf("root-credentials: %v", err)
	}
	var creds rootCredentialsOutput
	if err := json.Unmarshal(out.Bytes(), &creds); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if creds.AccountID != member || !strings.HasPrefix(creds.AccessKeyID, "AKIA") || len(creds.SecretAccessKey) != 40 {
		t.Fatalf("credentials = %+v", creds)
	}
	// The key works against the running node: it signs as the member's
	// root user.
	who, err := stssdk.NewFromConfig(srv.Config(creds.AccessKeyID, creds.SecretAccessKey, "")).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:iam::"+member+":root" {
		t.Fatalf("GetCallerIdentity with the new key: %v %+v", err, who)
	}

	// Text output; then the third key is refused, as on AWS.
	out.Reset()
	if err := run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", member}, &out, io.Discard); err != nil {
		t.Fatalf("root-credentials (text): %v", err)
	}
	if !strings.Contains(out.String(), "AccessKeyId      AKIA") || !strings.Contains(out.String(), "SecretAccessKey") {
		t.Fatalf("text output = %q", out.String())
	}
	err = run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", member}, io.Discard, io.Discard)
	if !errors.Is(err, organizations.ErrRootKeyQuota) {
		t.Fatalf("third key: %v, want the quota error", err)
	}

	// Bad input.
	if err := run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", "12"}, io.Discard, io.Discard); err == nil {
		t.Fatal("a malformed account id was accepted")
	}
	if err := run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", "100000000001"}, io.Discard, io.Discard); err == nil || !strings.Contains(err.Error(), "no account") {
		t.Fatalf("unknown account: %v", err)
	}
	if err := run([]string{"account", "root-credentials", "--data", srv.DataDir, "--account", member, "--output", "yaml"}, io.Discard, io.Discard); err == nil {
		t.Fatal("--output yaml was accepted")
	}
	if err := run([]string{"account", "bogus"}, io.Discard, io.Discard); err == nil {
		t.Fatal("an unknown subcommand was accepted")
	}

	// With its own root credentials the member may now leave.
	memberOrgs := orgsdk.NewFromConfig(srv.Config(creds.AccessKeyID, creds.SecretAccessKey, ""))
	if _, err := memberOrgs.LeaveOrganization(ctx, &orgsdk.LeaveOrganizationInput{}); err != nil {
		t.Fatalf("LeaveOrganization after root-credentials: %v", err)
	}
}

func TestAccountList(t *testing.T) {
	srv, member := accountTestMember(t)
	var out bytes.Buffer
	if err := run([]string{"account", "list", "--data", srv.DataDir, "--output", "json"}, &out, io.Discard); err != nil {
		t.Fatalf("list: %v", err)
	}
	var got struct{ Accounts []accountListEntry }
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("output %q: %v", out.String(), err)
	}
	if len(got.Accounts) != 2 {
		t.Fatalf("accounts = %+v", got.Accounts)
	}
	seen := map[string]accountListEntry{}
	for _, e := range got.Accounts {
		seen[e.ID] = e
	}
	mgmt, m := seen[srv.Root.AccountID], seen[member]
	if !mgmt.Management || mgmt.Organization == "" || m.Management || m.Organization != mgmt.Organization ||
		m.Name != "hr" || m.Email != "hr@example.com" || m.Status != "ACTIVE" {
		t.Fatalf("entries = %+v", seen)
	}
	out.Reset()
	if err := run([]string{"account", "list", "--data", srv.DataDir}, &out, io.Discard); err != nil {
		t.Fatalf("list (text): %v", err)
	}
	if !strings.Contains(out.String(), member) || !strings.Contains(out.String(), "(management)") {
		t.Fatalf("text output = %q", out.String())
	}
}

// TestAccountListOfflineDataDir lists a data directory no server runs on.
func TestAccountListOfflineDataDir(t *testing.T) {
	dir := t.TempDir()
	node, err := app.Open(context.Background(), app.Config{DataDir: dir, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mgmt := node.Created.AccountID
	if err := node.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run([]string{"account", "list", "--data", dir}, &out, io.Discard); err != nil {
		t.Fatalf("list: %v", err)
	}
	if !strings.Contains(out.String(), mgmt) || !strings.Contains(out.String(), account.DefaultRootEmail) {
		t.Fatalf("text output = %q", out.String())
	}
}
