package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
)

// terraformMirror finds the local filesystem mirror that holds the
// hashicorp/aws provider: GATEHOUSE_TF_MIRROR, or the machine's usual place.
func terraformMirror() string {
	if m := os.Getenv("GATEHOUSE_TF_MIRROR"); m != "" {
		return m
	}
	for _, dir := range []string{"/opt/tf-plugins", filepath.Join(os.Getenv("HOME"), ".terraform.d", "plugins")} {
		if _, err := os.Stat(filepath.Join(dir, "registry.terraform.io", "hashicorp", "aws", "5.100.0")); err == nil {
			return dir
		}
	}
	return ""
}

// TestTerraformIAM applies the IAM configuration in testdata/terraform-iam
// with Terraform and the hashicorp/aws provider against a gatehouse binary,
// checks what it created through the API, plans again (no changes
// expected) and destroys everything.
func TestTerraformIAM(t *testing.T) {
	tr := applyTerraform(t, "terraform-iam")

	// What Terraform created is there, as the API reports it.
	ctx := context.Background()
	client := iam.NewFromConfig(tr.sdkConfig())
	user, err := client.GetUser(ctx, &iam.GetUserInput{UserName: strPtr("cashier")})
	if err != nil {
		t.Fatal(err)
	}
	if got := *user.User.Arn; !strings.HasSuffix(got, ":user/shop/cashier") {
		t.Fatalf("cashier ARN = %s", got)
	}
	group, err := client.GetGroup(ctx, &iam.GetGroupInput{GroupName: strPtr("Cashiers")})
	if err != nil {
		t.Fatal(err)
	}
	if len(group.Users) != 2 {
		t.Fatalf("Cashiers has %d members, want 2", len(group.Users))
	}
	attached, err := client.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: strPtr("Inventory")})
	if err != nil {
		t.Fatal(err)
	}
	if len(attached.AttachedPolicies) != 1 || *attached.AttachedPolicies[0].PolicyName != "ListOneBucket" {
		t.Fatalf("Inventory's attached policies = %+v", attached.AttachedPolicies)
	}
	profile, err := client.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: strPtr("inventory-hosts")})
	if err != nil {
		t.Fatal(err)
	}
	if len(profile.InstanceProfile.Roles) != 1 {
		t.Fatalf("instance profile roles = %d", len(profile.InstanceProfile.Roles))
	}
	if _, err := client.GetLoginProfile(ctx, &iam.GetLoginProfileInput{UserName: strPtr("cashier")}); err != nil {
		t.Fatal(err)
	}
	pp, err := client.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if *pp.PasswordPolicy.MinimumPasswordLength != 14 {
		t.Fatalf("password policy = %+v", pp.PasswordPolicy)
	}

	// A second plan finds nothing to change: what gatehouse returns
	// matches what Terraform wrote.
	tr.planNoChanges()

	tr.destroy()
	users, err := client.ListUsers(ctx, &iam.ListUsersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(users.Users) != 0 {
		t.Fatalf("users left after destroy: %d", len(users.Users))
	}
	for _, check := range []func() error{
		func() error {
			_, err := client.GetRole(ctx, &iam.GetRoleInput{RoleName: strPtr("Inventory")})
			return err
		},
		func() error {
			_, err := client.GetGroup(ctx, &iam.GetGroupInput{GroupName: strPtr("Cashiers")})
			return err
		},
		func() error {
			_, err := client.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: strPtr("inventory-hosts")})
			return err
		},
		func() error {
			_, err := client.GetAccountPasswordPolicy(ctx, &iam.GetAccountPasswordPolicyInput{})
			return err
		},
	} {
		var nse *iamtypes.NoSuchEntityException
		if err := check(); !errors.As(err, &nse) {
			t.Fatalf("after destroy: err = %v, want NoSuchEntity", err)
		}
	}
	mfa, err := client.ListVirtualMFADevices(ctx, &iam.ListVirtualMFADevicesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(mfa.VirtualMFADevices) != 0 {
		t.Fatalf("MFA devices left after destroy: %d", len(mfa.VirtualMFADevices))
	}
}

func strPtr(s string) *string { return &s }

// requireTerraform skips the test when Terraform or the provider mirror is
// missing (outside CI, where both are required) and returns the mirror.
func requireTerraform(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("Terraform end-to-end test skipped in -short mode")
	}
	mirror := terraformMirror()
	if _, err := exec.LookPath("terraform"); err != nil || mirror == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("terraform and its provider mirror are required in CI (terraform: %v, mirror: %q)", err, mirror)
		}
		t.Skip("terraform or its provider mirror not installed")
	}
	return mirror
}

// terraformWorkspace copies testdata/<config>/main.tf into a new working
// directory and returns a function that runs terraform there, with the
// provider from the mirror and the given credentials and endpoint.
func terraformWorkspace(t *testing.T, mirror, config, url, id, secret string) func(args ...string) (string, error) {
	t.Helper()
	work := t.TempDir()
	src, err := os.ReadFile(filepath.Join("testdata", config, "main.tf"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(work, "main.tf"), src, 0o600); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(work, "terraformrc")
	rc := `provider_installation {
  filesystem_mirror {
    path    = "` + mirror + `"
    include = ["registry.terraform.io/hashicorp/aws"]
  }
}
`
	if err := os.WriteFile(cliConfig, []byte(rc), 0o600); err != nil {
		t.Fatal(err)
	}
	env := withoutEmpty(append(os.Environ(),
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		"AWS_ACCESS_KEY_ID="+id,
		"AWS_SECRET_ACCESS_KEY="+secret,
		"AWS_SESSION_TOKEN=", "AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
		"TF_VAR_endpoint="+url,
	))
	return func(args ...string) (string, error) {
		cmd := exec.Command("terraform", args...)
		cmd.Dir = work
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}
}

// terraformRun is a gatehouse binary with its own data directory and a
// Terraform workspace holding one configuration of testdata, applied.
type terraformRun struct {
	t          *testing.T
	p          *process
	data       string
	id, secret string
	tf         func(args ...string) (string, error)
}

// applyTerraform starts gatehouse, and runs terraform init and apply of
// testdata/config against it with the bootstrap root key. It skips the
// test when Terraform or the provider mirror is missing (requireTerraform).
func applyTerraform(t *testing.T, config string) *terraformRun {
	t.Helper()
	mirror := requireTerraform(t)
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	r := &terraformRun{t: t, p: p, data: data, id: id, secret: secret,
		tf: terraformWorkspace(t, mirror, config, p.url, id, secret)}
	if out, err := r.tf("init", "-no-color"); err != nil {
		t.Fatalf("terraform init: %v\n%s", err, out)
	}
	if out, err := r.tf("apply", "-auto-approve", "-no-color"); err != nil {
		t.Fatalf("terraform apply: %v\n%s\ngatehouse log:\n%s", err, out, p.logs.String())
	}
	return r
}

// planNoChanges plans again and fails the test unless Terraform finds
// nothing to change: what gatehouse returns matches what Terraform wrote.
func (r *terraformRun) planNoChanges() {
	r.t.Helper()
	out, err := r.tf("plan", "-detailed-exitcode", "-no-color")
	if err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) && exit.ExitCode() == 2 {
			r.t.Fatalf("second plan wants changes:\n%s", out)
		}
		r.t.Fatalf("terraform plan: %v\n%s", err, out)
	}
}

// sdkConfig is an SDK configuration for the run's gatehouse, signed with
// its bootstrap root key.
func (r *terraformRun) sdkConfig() aws.Config { return sdkConfig(r.p.url, r.id, r.secret) }

// destroy runs terraform destroy and fails the test if it fails.
func (r *terraformRun) destroy() {
	r.t.Helper()
	if out, err := r.tf("destroy", "-auto-approve", "-no-color"); err != nil {
		r.t.Fatalf("terraform destroy: %v\n%s\ngatehouse log:\n%s", err, out, r.p.logs.String())
	}
}
