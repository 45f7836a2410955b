package iam_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
)

const policyViolation = "Password does not conform to the account password policy."

func TestLoginProfileLifecycle(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "liam")
	create := func(user, password string) (*iam.CreateLoginProfileOutput, error) {
		return n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String(user), Password: aws.String(password), PasswordResetRequired: true})
	}

	// Without a password policy, AWS's default one applies: at least 8
	// characters from at least three character classes.
	_, err := create("liam", "Sh0rt!")
	expectError(t, err, "PasswordPolicyViolation", policyViolation)
	_, err = create("liam", "onlylowercase1")
	expectError(t, err, "PasswordPolicyViolation", policyViolation)
	_, err = create("ghost", "Corr3ct-Horse")
	expectError(t, err, "NoSuchEntity", "The user with name ghost cannot be found.")
	_, err = n.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("liam")})
	expectError(t, err, "NoSuchEntity", "Login Profile for User liam cannot be found.")

	out, err := create("liam", "Corr3ct-Horse")
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.LoginProfile.UserName) != "liam" || !out.LoginProfile.PasswordResetRequired || out.LoginProfile.CreateDate == nil {
		t.Errorf("created login profile = %+v", out.LoginProfile)
	}
	_, err = create("liam", "An0ther-Horse")
	expectError(t, err, "EntityAlreadyExists", "Login Profile for user liam already exists.")

	if _, err := n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("liam"), PasswordResetRequired: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	got, err := n.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("liam")})
	if err != nil {
		t.Fatal(err)
	}
	if got.LoginProfile.PasswordResetRequired || !got.LoginProfile.CreateDate.Equal(*out.LoginProfile.CreateDate) {
		t.Errorf("login profile after update = %+v", got.LoginProfile)
	}
	_, err = n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("liam"), Password: aws.String("weak")})
	expectError(t, err, "PasswordPolicyViolation", policyViolation)

	if _, err := n.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("liam")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.DeleteLoginProfile(ctx, &iam.DeleteLoginProfileInput{UserName: aws.String("liam")})
	expectError(t, err, "NoSuchEntity", "Login Profile for User liam cannot be found.")
	_, err = n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("liam"), PasswordResetRequired: aws.Bool(true)})
	expectError(t, err, "NoSuchEntity", "Login Profile for User liam cannot be found.")
	// Root must name the user: it has no login profile of its own here.
	_, err = n.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{})
	expectError(t, err, "ValidationError", "")
}

func TestLoginProfilesFollowTheAccountPasswordPolicy(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "mia")
	if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(12), RequireSymbols: true, RequireNumbers: true,
		RequireUppercaseCharacters: true, RequireLowercaseCharacters: true,
		PasswordReusePrevention: aws.Int32(2),
	}); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"Sh0rt!Pass", "nouppercase1!x", "NOLOWERCASE1!X", "NoNumbersHere!", "NoSymbols1234x"} {
		_, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String(bad)})
		expectError(t, err, "PasswordPolicyViolation", policyViolation)
	}
	if _, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("First-Passw0rd")}); err != nil {
		t.Fatal(err)
	}
	// Reuse prevention covers the current password and the one before it.
	_, err := n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("First-Passw0rd")})
	expectError(t, err, "PasswordPolicyViolation", policyViolation)
	if _, err := n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("Second-Passw0rd")}); err != nil {
		t.Fatal(err)
	}
	_, err = n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("First-Passw0rd")})
	expectError(t, err, "PasswordPolicyViolation", policyViolation)
	if _, err := n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("Third-Passw0rd")}); err != nil {
		t.Fatal(err)
	}
	// Two changes later the first password may come back.
	if _, err := n.iam.UpdateLoginProfile(ctx, &iam.UpdateLoginProfileInput{UserName: aws.String("mia"), Password: aws.String("First-Passw0rd")}); err != nil {
		t.Errorf("reusing a password older than the policy remembers: %v", err)
	}
}

func TestChangePassword(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "noah")
	n.allowIAM(t, "noah")
	if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
		MinimumPasswordLength: aws.Int32(10), AllowUsersToChangePassword: true, PasswordReusePrevention: aws.Int32(1),
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("noah"), Password: aws.String("original-pw"), PasswordResetRequired: true}); err != nil {
		t.Fatal(err)
	}
	noah := iam.NewFromConfig(n.userConfig(n.userKey(t, "noah")))
	change := func(oldPW, newPW string) error {
		_, err := noah.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String(oldPW), NewPassword: aws.String(newPW)})
		return err
	}
	expectError(t, change("wrong-password", "brand-new-pw"), "InvalidUserType", "")
	expectError(t, change("original-pw", "short"), "PasswordPolicyViolation", policyViolation)
	expectError(t, change("original-pw", "original-pw"), "PasswordPolicyViolation", policyViolation)
	if err := change("original-pw", "brand-new-pw"); err != nil {
		t.Fatal(err)
	}
	got, err := n.iam.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: aws.String("noah")})
	if err != nil {
		t.Fatal(err)
	}
	if got.LoginProfile.PasswordResetRequired {
		t.Error("PasswordResetRequired still set after the user changed the password")
	}
	// The old password no longer matches.
	expectError(t, change("original-pw", "another-new-pw"), "InvalidUserType", "")
	if err := change("brand-new-pw", "another-new-pw"); err != nil {
		t.Errorf("second change: %v", err)
	}
	// The caller's own login profile, without a UserName.
	self, err := noah.GetLoginProfile(ctx, &iam.GetLoginProfileInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(self.LoginProfile.UserName) != "noah" {
		t.Errorf("own login profile = %+v", self.LoginProfile)
	}

	// The root user is not an IAM user.
	_, err = n.iam.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("x"), NewPassword: aws.String("y")})
	expectError(t, err, "InvalidUserType", "")
}

// TestChangePasswordNeedsNoPolicyWhenThePolicyAllowsIt: with
// AllowUsersToChangePassword, a user without any policy may change its own
// password and read the password policy; without it, the authorizer denies.
func TestChangePasswordNeedsNoPolicyWhenThePolicyAllowsIt(t *testing.T) {
	n := startIdentityNode(t)
	ctx := context.Background()
	n.createUser(t, "ivy")
	if _, err := n.iam.CreateLoginProfile(ctx, &iam.CreateLoginProfileInput{UserName: aws.String("ivy"), Password: aws.String("Original-pw-1")}); err != nil {
		t.Fatal(err)
	}
	ivy := iam.NewFromConfig(n.userConfig(n.userKey(t, "ivy")))
	setPolicy := func(allow bool) {
		t.Helper()
		if _, err := n.iam.UpdateAccountPasswordPolicy(ctx, &iam.UpdateAccountPasswordPolicyInput{
			MinimumPasswordLength: aws.Int32(8), AllowUsersToChangePassword: allow,
		}); err != nil {
			t.Fatal(err)
		}
	}
	setPolicy(false)
	_, err := ivy.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Original-pw-1"), NewPassword: aws.String("Second-pw-22")})
	expectError(t, err, "AccessDenied", "")
	_, err = ivy.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	expectError(t, err, "AccessDenied", "")

	setPolicy(true)
	if _, err := ivy.ChangePassword(ctx, &iam.ChangePasswordInput{OldPassword: aws.String("Original-pw-1"), NewPassword: aws.String("Second-pw-22")}); err != nil {
		t.Fatalf("ChangePassword with AllowUsersToChangePassword: %v", err)
	}
	if _, err := ivy.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{}); err != nil {
		t.Fatalf("GetAccountPasswordPolicy with AllowUsersToChangePassword: %v", err)
	}
	// The grant covers only those two actions.
	_, err = ivy.ListUsers(ctx, &iam.ListUsersInput{})
	expectError(t, err, "AccessDenied", "")
}
