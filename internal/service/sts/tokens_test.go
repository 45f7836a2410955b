package sts_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/iam"
)

// mfaDevice creates a virtual MFA device through the IAM API and enables
// it for the user with two consecutive codes; it returns the serial number,
// the seed and the time step of the last code used.
func (n *node) mfaDevice(t *testing.T, userName string) (serial string, seed []byte, step int64) {
	t.Helper()
	ctx := context.Background()
	c := n.rootIAM()
	dev, err := c.CreateVirtualMFADevice(ctx, &iamsdk.CreateVirtualMFADeviceInput{VirtualMFADeviceName: aws.String(userName + "-phone")})
	if err != nil {
		t.Fatalf("CreateVirtualMFADevice: %v", err)
	}
	seed, err = iam.MFAEncoding.DecodeString(strings.TrimRight(string(dev.VirtualMFADevice.Base32StringSeed), "="))
	if err != nil {
		t.Fatalf("Base32StringSeed: %v", err)
	}
	// Keep clear of a step boundary, so the codes are the server's too.
	for time.Now().Unix()%iam.MFAStepSeconds > iam.MFAStepSeconds-5 {
		time.Sleep(time.Second)
	}
	step = iam.MFAStep(time.Now())
	serial = *dev.VirtualMFADevice.SerialNumber
	if _, err := c.EnableMFADevice(ctx, &iamsdk.EnableMFADeviceInput{
		UserName: &userName, SerialNumber: &serial,
		AuthenticationCode1: aws.String(mfaCode(t, seed, step-1)), AuthenticationCode2: aws.String(mfaCode(t, seed, step)),
	}); err != nil {
		t.Fatalf("EnableMFADevice: %v", err)
	}
	return serial, seed, step
}

func mfaCode(t *testing.T, seed []byte, step int64) string {
	t.Helper()
	code, err := iam.MFACode(seed, step)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestGetSessionTokenWithMFA(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	// Bob may list users only when MFA-authenticated.
	bob, bobARN := n.user(t, "bob", `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":["sts:GetSessionToken","sts:AssumeRole"],"Resource":"*"},
		{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`)
	serial, seed, step := n.mfaDevice(t, "bob")
	client := stssdk.NewFromConfig(bob)

	if _, err := iamsdk.NewFromConfig(bob).ListUsers(ctx, &iamsdk.ListUsersInput{}); err == nil {
		t.Fatal("ListUsers without MFA was allowed")
	}
	_, err := client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{SerialNumber: &serial, TokenCode: aws.String(wrongCode(mfaCode(t, seed, step+1)))})
	apiError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	_, err = client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{SerialNumber: &serial})
	apiError(t, err, "AccessDenied", "MultiFactorAuthentication failed, must provide both MFA serial number and one time pass code.")

	code := mfaCode(t, seed, step+1)
	out, err := client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{SerialNumber: &serial, TokenCode: &code})
	if err != nil {
		t.Fatalf("GetSessionToken with MFA: %v", err)
	}
	if d := time.Until(*out.Credentials.Expiration); d < 11*time.Hour || d > 13*time.Hour {
		t.Errorf("an IAM user's session lasts %v by default, want 12 hours", d)
	}
	session := n.session(out.Credentials)
	id, err := stssdk.NewFromConfig(session).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != bobARN {
		t.Errorf("the session of GetSessionToken is %s, want the user %s", *id.Arn, bobARN)
	}
	if _, err := iamsdk.NewFromConfig(session).ListUsers(ctx, &iamsdk.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers with the MFA session: %v", err)
	}
	// A code is accepted once.
	_, err = client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{SerialNumber: &serial, TokenCode: &code})
	apiError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	// A session without MFA does not pass the condition.
	plain, err := client.GetSessionToken(ctx, &stssdk.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := iamsdk.NewFromConfig(n.session(plain.Credentials)).ListUsers(ctx, &iamsdk.ListUsersInput{}); err == nil {
		t.Error("ListUsers with a session made without MFA was allowed")
	}
	// Temporary credentials cannot make more.
	_, err = stssdk.NewFromConfig(session).GetSessionToken(ctx, &stssdk.GetSessionTokenInput{})
	apiError(t, err, "AccessDenied", "Cannot call GetSessionToken with session credentials")

	// The root user's sessions last at most an hour.
	root, err := n.rootSTS().GetSessionToken(ctx, &stssdk.GetSessionTokenInput{DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(*root.Credentials.Expiration); d > time.Hour+time.Minute {
		t.Errorf("the root user's session lasts %v, want at most an hour", d)
	}
	rootID, err := stssdk.NewFromConfig(n.session(root.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *rootID.Arn != "arn:aws:iam::"+n.Account+":root" || *rootID.UserId != n.Account {
		t.Errorf("root session identity = %s %s", *rootID.Arn, *rootID.UserId)
	}
}

// wrongCode returns a six-digit code other than code.
func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

func TestAssumeRoleWithMFA(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	bob, bobARN := n.user(t, "bob", assumeRolePolicy)
	roleARN, _ := n.role(t, "Manager", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+bobARN+
		`"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}`, "", 0)
	serial, seed, step := n.mfaDevice(t, "bob")
	client := stssdk.NewFromConfig(bob)
	if _, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("close")}); err == nil {
		t.Fatal("AssumeRole of a role requiring MFA succeeded without MFA")
	}
	_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("close"),
		SerialNumber: &serial, TokenCode: aws.String(wrongCode(mfaCode(t, seed, step+1)))})
	apiError(t, err, "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code.")
	out, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("close"),
		SerialNumber: &serial, TokenCode: aws.String(mfaCode(t, seed, step+1))})
	if err != nil {
		t.Fatalf("AssumeRole with MFA: %v", err)
	}
	if want := "arn:aws:sts::" + n.Account + ":assumed-role/Manager/close"; *out.AssumedRoleUser.Arn != want {
		t.Errorf("AssumedRoleUser = %s", *out.AssumedRoleUser.Arn)
	}
}

func TestGetFederationToken(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:GetFederationToken","iam:ListUsers","iam:ListRoles"],"Resource":"*"}]}`)
	client := stssdk.NewFromConfig(alice)
	out, err := client.GetFederationToken(ctx, &stssdk.GetFederationTokenInput{
		Name:   aws.String("partner-bob"),
		Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`),
	})
	if err != nil {
		t.Fatalf("GetFederationToken: %v", err)
	}
	wantARN := "arn:aws:sts::" + n.Account + ":federated-user/partner-bob"
	if *out.FederatedUser.Arn != wantARN || *out.FederatedUser.FederatedUserId != n.Account+":partner-bob" {
		t.Errorf("FederatedUser = %s %s", *out.FederatedUser.Arn, *out.FederatedUser.FederatedUserId)
	}
	if out.PackedPolicySize == nil {
		t.Error("no PackedPolicySize for a session policy")
	}
	fed := n.session(out.Credentials)
	id, err := stssdk.NewFromConfig(fed).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *id.Arn != wantARN || *id.UserId != n.Account+":partner-bob" {
		t.Errorf("federated caller identity = %s %s", *id.Arn, *id.UserId)
	}
	// The federated user has what both alice and the session policy allow.
	if _, err := iamsdk.NewFromConfig(fed).ListUsers(ctx, &iamsdk.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers, allowed to alice and by the session policy: %v", err)
	}
	if _, err := iamsdk.NewFromConfig(fed).ListRoles(ctx, &iamsdk.ListRolesInput{}); err == nil {
		t.Error("ListRoles, allowed to alice but not by the session policy, was allowed")
	}
	// Temporary credentials cannot federate.
	_, err = stssdk.NewFromConfig(fed).GetFederationToken(ctx, &stssdk.GetFederationTokenInput{Name: aws.String("again")})
	apiError(t, err, "AccessDenied", "")
	_ = aliceARN
}
