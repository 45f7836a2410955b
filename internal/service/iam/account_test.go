package iam_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

func TestAccountPasswordPolicy(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	noPolicy := "The Password Policy with domain name " + n.account + " cannot be found."
	_, err := n.iam.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	expectError(t, err, "NoSuchEntity", noPolicy)
	_, err = n.iam.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{})
	expectError(t, err, "NoSuchEntity", noPolicy)

	// Everything left out takes AWS's default.
	if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{RequireNumbers: true}); err != nil {
		t.Fatal(err)
	}
	got, err := n.iam.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	p := got.PasswordPolicy
	if aws.ToInt32(p.MinimumPasswordLength) != 6 || !p.RequireNumbers || p.RequireSymbols || p.AllowUsersToChangePassword ||
		p.ExpirePasswords || p.MaxPasswordAge != nil || p.PasswordReusePrevention != nil {
		t.Errorf("default-filled policy = %+v", p)
	}

	if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(14), RequireSymbols: true, AllowUsersToChangePassword: true,
		MaxPasswordAge: aws.Int32(90), PasswordReusePrevention: aws.Int32(24), HardExpiry: aws.Bool(true),
	}); err != nil {
		t.Fatal(err)
	}
	got, err = n.iam.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	p = got.PasswordPolicy
	if aws.ToInt32(p.MinimumPasswordLength) != 14 || !p.RequireSymbols || p.RequireNumbers || !p.AllowUsersToChangePassword ||
		!p.ExpirePasswords || aws.ToInt32(p.MaxPasswordAge) != 90 || aws.ToInt32(p.PasswordReusePrevention) != 24 || !aws.ToBool(p.HardExpiry) {
		t.Errorf("policy = %+v", p)
	}

	// Out of AWS's ranges.
	_, err = n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MinimumPasswordLength: aws.Int32(5)})
	expectError(t, err, "ValidationError", "")
	_, err = n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{PasswordReusePrevention: aws.Int32(25)})
	expectError(t, err, "ValidationError", "")
	_, err = n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(1096)})
	expectError(t, err, "ValidationError", "")

	if _, err := n.iam.DeleteAccountPasswordPolicy(ctx, &iam.DeleteAccountPasswordPolicyInput{}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	expectError(t, err, "NoSuchEntity", noPolicy)
}

func TestAccountAliases(t *testing.T) {
	srv := testserver.Start(t, testserver.Options{Dev: true})
	n := &identityNode{srv: srv, iam: iam.NewFromConfig(srv.RootConfig()), account: srv.Root.AccountID}
	ctx := context.Background()
	list := func(c *iam.Client) []string {
		t.Helper()
		out, err := c.ListAccountAliases(ctx, &iam.ListAccountAliasesInput{})
		if err != nil {
			t.Fatal(err)
		}
		return out.AccountAliases
	}
	if got := list(n.iam); len(got) != 0 {
		t.Fatalf("aliases of a new account = %v", got)
	}
	for _, bad := range []string{"-leading", "trailing-", "double--dash", "Upper", "under_score"} {
		_, err := n.iam.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String(bad)})
		expectError(t, err, "ValidationError", "1 validation error detected: Value '"+bad+"' at 'accountAlias' failed to satisfy constraint: Member must satisfy regular expression pattern: ^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$")
	}
	if _, err := n.iam.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
		t.Fatal(err)
	}
	// An account has one alias: a new one replaces it.
	if _, err := n.iam.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp-2")}); err != nil {
		t.Fatal(err)
	}
	if got := list(n.iam); !slices.Equal(got, []string{"example-corp-2"}) {
		t.Errorf("aliases = %v", got)
	}
	_, err := n.iam.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("example-corp")})
	expectError(t, err, "NoSuchEntity", "The account alias example-corp cannot be found.")

	// Aliases are unique across accounts: the dev-mode default account of
	// the same node (any unknown access key is its root) cannot take it.
	other := iam.NewFromConfig(n.srv.Config("AKIADEVMODEDEFAULT00", "unused", ""))
	_, err = other.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp-2")})
	expectError(t, err, "EntityAlreadyExists", "The account alias example-corp-2 already exists.")
	// The alias it replaced is free again.
	if _, err := other.CreateAccountAlias(ctx, &iam.CreateAccountAliasInput{AccountAlias: aws.String("example-corp")}); err != nil {
		t.Fatalf("taking a released alias: %v", err)
	}
	if got := list(other); !slices.Equal(got, []string{"example-corp"}) {
		t.Errorf("other account's aliases = %v", got)
	}

	if _, err := n.iam.DeleteAccountAlias(ctx, &iam.DeleteAccountAliasInput{AccountAlias: aws.String("example-corp-2")}); err != nil {
		t.Fatal(err)
	}
	if got := list(n.iam); len(got) != 0 {
		t.Errorf("aliases after delete = %v", got)
	}
}

func TestGetAccountSummary(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "olga")
	n.createUser(t, "pete")
	n.userKey(t, "olga")
	if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("g")}); err != nil {
		t.Fatal(err)
	}
	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{
		PolicyName:     aws.String("p"),
		PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("olga"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachGroupPolicy(ctx, &iam.AttachGroupPolicyInput{GroupName: aws.String("g"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.SetSecurityTokenServicePreferences(ctx, &iam.SetSecurityTokenServicePreferencesInput{GlobalEndpointTokenVersion: types.GlobalEndpointTokenVersionV2Token}); err != nil {
		t.Fatal(err)
	}
	out, err := n.iam.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int32{
		"Users": 2, "UsersQuota": 5000, "Groups": 1, "GroupsQuota": 300, "Roles": 0, "RolesQuota": 1000,
		"Policies": 1, "PoliciesQuota": 1500, "PolicyVersionsInUse": 2, "AccessKeysPerUserQuota": 2,
		"GroupsPerUserQuota": 10, "AttachedPoliciesPerUserQuota": 10, "VersionsPerPolicyQuota": 5,
		"AccountMFAEnabled": 0, "AccountAccessKeysPresent": 1, "AccountPasswordPresent": 1,
		"AccountSigningCertificatesPresent": 0, "MFADevices": 0, "MFADevicesInUse": 0, "InstanceProfiles": 0,
		"ServerCertificates": 0, "Providers": 0, "GlobalEndpointTokenVersion": 2, "PolicySizeQuota": 6144,
		"UserPolicySizeQuota": 2048, "GroupPolicySizeQuota": 5120, "RolePolicySizeQuota": 10240,
		"AssumeRolePolicySizeQuota": 2048, "InstanceProfilesQuota": 1000, "ServerCertificatesQuota": 20,
		"SigningCertificatesPerUserQuota": 2, "AttachedPoliciesPerGroupQuota": 10, "AttachedPoliciesPerRoleQuota": 10,
		"PolicyVersionsInUseQuota": 10000,
	}
	for k, v := range want {
		got, ok := out.SummaryMap[k]
		if !ok || got != v {
			t.Errorf("SummaryMap[%s] = %d (present %v), want %d", k, got, ok, v)
		}
	}
	for k := range out.SummaryMap {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected SummaryMap key %s", k)
		}
	}
}

func TestGetAccountAuthorizationDetails(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	p, err := n.iam.CreatePolicy(ctx, &iam.CreatePolicyInput{PolicyName: aws.String("reader"), PolicyDocument: aws.String(doc)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("quinn"), PermissionsBoundary: p.Policy.Arn,
		Tags: []types.Tag{{Key: aws.String("k"), Value: aws.String("v")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.CreateGroup(ctx, &iam.CreateGroupInput{GroupName: aws.String("readers")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddUserToGroup(ctx, &iam.AddUserToGroupInput{GroupName: aws.String("readers"), UserName: aws.String("quinn")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AttachUserPolicy(ctx, &iam.AttachUserPolicyInput{UserName: aws.String("quinn"), PolicyArn: p.Policy.Arn}); err != nil {
		t.Fatal(err)
	}
	n.createUser(t, "rita")

	all, err := n.iam.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(all.UserDetailList) != 2 || len(all.GroupDetailList) != 1 || len(all.Policies) != 1 || all.IsTruncated {
		t.Fatalf("details: %d users, %d groups, %d policies, truncated %v", len(all.UserDetailList), len(all.GroupDetailList), len(all.Policies), all.IsTruncated)
	}
	q := all.UserDetailList[0]
	if aws.ToString(q.UserName) != "quinn" || !slices.Equal(q.GroupList, []string{"readers"}) || len(q.AttachedManagedPolicies) != 1 ||
		aws.ToString(q.AttachedManagedPolicies[0].PolicyName) != "reader" || q.PermissionsBoundary == nil || len(q.Tags) != 1 {
		t.Errorf("user detail = %+v", q)
	}
	pd := all.Policies[0]
	if aws.ToInt32(pd.AttachmentCount) != 1 || aws.ToInt32(pd.PermissionsBoundaryUsageCount) != 1 || len(pd.PolicyVersionList) != 1 {
		t.Errorf("policy detail = %+v", pd)
	}
	v := pd.PolicyVersionList[0]
	if !v.IsDefaultVersion || aws.ToString(v.VersionId) != "v1" {
		t.Errorf("policy version = %+v", v)
	}
	// Documents come URL-encoded, as AWS sends them.
	if enc := aws.ToString(v.Document); !strings.Contains(enc, "%22") {
		t.Errorf("document is not URL-encoded: %s", enc)
	} else if dec, err := url.QueryUnescape(enc); err != nil || dec != doc {
		t.Errorf("decoded document = %q, %v", dec, err)
	}

	// Roles come with their instance profiles and inline policies.
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	if _, err := n.iam.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("web"), AssumeRolePolicyDocument: aws.String(trust)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("web"), PolicyName: aws.String("inline"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{InstanceProfileName: aws.String("web-profile")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String("web-profile"), RoleName: aws.String("web")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.PutGroupPolicy(ctx, &iam.PutGroupPolicyInput{GroupName: aws.String("readers"), PolicyName: aws.String("g-inline"), PolicyDocument: aws.String(doc)}); err != nil {
		t.Fatal(err)
	}
	roles, err := n.iam.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeRole, types.EntityTypeGroup}})
	if err != nil {
		t.Fatal(err)
	}
	if len(roles.RoleDetailList) != 1 || len(roles.GroupDetailList) != 1 || len(roles.UserDetailList) != 0 || len(roles.Policies) != 0 {
		t.Fatalf("filter Role,Group: %d roles, %d groups, %d users, %d policies", len(roles.RoleDetailList), len(roles.GroupDetailList), len(roles.UserDetailList), len(roles.Policies))
	}
	rd := roles.RoleDetailList[0]
	if dec, err := url.QueryUnescape(aws.ToString(rd.AssumeRolePolicyDocument)); err != nil || dec != trust {
		t.Errorf("role trust policy = %q (%v)", aws.ToString(rd.AssumeRolePolicyDocument), err)
	}
	if len(rd.RolePolicyList) != 1 || aws.ToString(rd.RolePolicyList[0].PolicyName) != "inline" {
		t.Errorf("role inline policies = %+v", rd.RolePolicyList)
	} else if dec, err := url.QueryUnescape(aws.ToString(rd.RolePolicyList[0].PolicyDocument)); err != nil || dec != doc {
		t.Errorf("role inline document = %q", aws.ToString(rd.RolePolicyList[0].PolicyDocument))
	}
	if len(rd.InstanceProfileList) != 1 || aws.ToString(rd.InstanceProfileList[0].InstanceProfileName) != "web-profile" ||
		len(rd.InstanceProfileList[0].Roles) != 1 || aws.ToString(rd.InstanceProfileList[0].Roles[0].RoleName) != "web" {
		t.Errorf("role instance profiles = %+v", rd.InstanceProfileList)
	}
	if gd := roles.GroupDetailList[0]; len(gd.GroupPolicyList) != 1 || aws.ToString(gd.GroupPolicyList[0].PolicyName) != "g-inline" {
		t.Errorf("group detail = %+v", gd)
	}

	// Filter and pagination.
	var names []string
	var marker *string
	for {
		out, err := n.iam.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
			Filter: []types.EntityType{types.EntityTypeUser}, MaxItems: aws.Int32(1), Marker: marker,
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.GroupDetailList)+len(out.Policies)+len(out.RoleDetailList) != 0 {
			t.Errorf("filter User returned other entities")
		}
		for _, u := range out.UserDetailList {
			names = append(names, aws.ToString(u.UserName))
		}
		if !out.IsTruncated {
			break
		}
		marker = out.Marker
	}
	if !slices.Equal(names, []string{"quinn", "rita"}) {
		t.Errorf("paged users = %v", names)
	}
	groupsOnly, err := n.iam.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []types.EntityType{types.EntityTypeGroup, types.EntityTypeLocalManagedPolicy}})
	if err != nil {
		t.Fatal(err)
	}
	if len(groupsOnly.UserDetailList) != 0 || len(groupsOnly.GroupDetailList) != 1 || len(groupsOnly.Policies) != 1 {
		t.Errorf("filter Group,LocalManagedPolicy: %d users, %d groups, %d policies", len(groupsOnly.UserDetailList), len(groupsOnly.GroupDetailList), len(groupsOnly.Policies))
	}
}

func TestCredentialReport(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	_, err := n.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	expectError(t, err, "ReportNotPresent", "")

	n.createUser(t, "sam")
	n.createUser(t, "tina")
	key := n.userKey(t, "sam")
	if _, err := n.iam.UpdateAccessKey(ctx, &iam.UpdateAccessKeyInput{UserName: aws.String("sam"), AccessKeyId: key.AccessKeyId, Status: types.StatusTypeInactive}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("tina"), Password: aws.String("Corr3ct-Horse")}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{MaxPasswordAge: aws.Int32(30)}); err != nil {
		t.Fatal(err)
	}

	gen, err := n.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if gen.State != types.ReportStateTypeStarted {
		t.Errorf("first GenerateCredentialReport state = %s, want STARTED", gen.State)
	}
	gen, err = n.iam.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if gen.State != types.ReportStateTypeComplete {
		t.Errorf("second GenerateCredentialReport state = %s, want COMPLETE", gen.State)
	}
	rep, err := n.iam.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.ReportFormat != types.ReportFormatTypeTextCsv || rep.GeneratedTime == nil || time.Since(*rep.GeneratedTime) > time.Minute {
		t.Errorf("report format %s generated %v", rep.ReportFormat, rep.GeneratedTime)
	}
	rows, err := csv.NewReader(bytes.NewReader(rep.Content)).ReadAll()
	if err != nil {
		t.Fatalf("report is not CSV: %v\n%s", err, rep.Content)
	}
	header := "user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active," +
		"access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service," +
		"access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service," +
		"cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated"
	if len(rows) != 4 || strings.Join(rows[0], ",") != header {
		t.Fatalf("report:\n%s", rep.Content)
	}
	col := func(row []string, name string) string {
		return row[slices.Index(rows[0], name)]
	}
	root, sam, tina := rows[1], rows[2], rows[3]
	if root[0] != "<root_account>" || root[1] != "arn:aws:iam::"+n.account+":root" || col(root, "password_enabled") != "not_supported" ||
		col(root, "password_last_changed") != "not_supported" || col(root, "password_next_rotation") != "not_supported" ||
		col(root, "access_key_1_active") != "true" || col(root, "access_key_2_active") != "false" || col(root, "access_key_2_last_rotated") != "N/A" {
		t.Errorf("root line = %v", root)
	}
	if sam[0] != "sam" || col(sam, "password_enabled") != "false" || col(sam, "password_last_used") != "N/A" ||
		col(sam, "access_key_1_active") != "false" || col(sam, "access_key_1_last_rotated") == "N/A" ||
		col(sam, "access_key_1_last_used_date") != "N/A" || col(sam, "access_key_1_last_used_service") != "N/A" ||
		col(sam, "mfa_active") != "false" || col(sam, "cert_1_active") != "false" || col(sam, "cert_1_last_rotated") != "N/A" {
		t.Errorf("sam's line = %v", sam)
	}
	changed, err := time.Parse("2006-01-02T15:04:05+00:00", col(tina, "password_last_changed"))
	if err != nil {
		t.Fatalf("tina's password_last_changed: %v", err)
	}
	next, err := time.Parse("2006-01-02T15:04:05+00:00", col(tina, "password_next_rotation"))
	if err != nil {
		t.Fatalf("tina's password_next_rotation: %v", err)
	}
	if tina[0] != "tina" || col(tina, "password_enabled") != "true" || col(tina, "password_last_used") != "no_information" ||
		!next.Equal(changed.AddDate(0, 0, 30)) || col(tina, "access_key_1_active") != "false" {
		t.Errorf("tina's line = %v", tina)
	}
	if strings.Contains(string(rep.Content), "Corr3ct-Horse") {
		t.Error("the report contains a password")
	}
}
