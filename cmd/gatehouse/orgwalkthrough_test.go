package main

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// orgWalkthroughSCP denies every IAM and KMS write: the README's policy for
// the hr and legal accounts.
const orgWalkthroughSCP = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "DenyIAMWrites",
      "Effect": "Deny",
      "Action": ["iam:Add*", "iam:Attach*", "iam:Change*", "iam:Create*", "iam:Deactivate*", "iam:Delete*", "iam:Detach*",
                 "iam:Enable*", "iam:Put*", "iam:Remove*", "iam:Reset*", "iam:Resync*", "iam:Set*", "iam:Tag*",
                 "iam:Untag*", "iam:Update*", "iam:Upload*"],
      "Resource": "*"
    },
    {
      "Sid": "DenyKMSWrites",
      "Effect": "Deny",
      "Action": ["kms:Cancel*", "kms:Connect*", "kms:Create*", "kms:Delete*", "kms:Disable*", "kms:Disconnect*",
                 "kms:Enable*", "kms:Import*", "kms:Put*", "kms:Replicate*", "kms:Retire*", "kms:Revoke*",
                 "kms:Rotate*", "kms:Schedule*", "kms:Tag*", "kms:Untag*", "kms:Update*"],
      "Resource": "*"
    }
  ]
}`

// TestOrganizationsWalkthrough plays the README's Organizations walkthrough
// with the aws CLI against a gatehouse binary: the company creates its
// organization and the accounts finance, it, hr and legal, puts hr and
// legal into an OU whose SCP denies every IAM and KMS write, and then even
// hr's root user is denied them while finance's is not; the management
// account is never bound, even by an SCP attached to it; an administrator
// of the management account who assumes OrganizationAccountAccessRole in
// hr is bound by hr's SCPs.
func TestOrganizationsWalkthrough(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	cli := newAWSCLI(t, p)
	rootID, rootSecret := rootKey(t, data)
	cli.addProfile("management", rootID, rootSecret)
	type session = cliSession
	run, must := cli.run, cli.must
	const scpDenial = "with an explicit deny in a service control policy"
	denied := func(profile string, s *session, args ...string) {
		t.Helper()
		cli.denied(profile, s, scpDenial, args...)
	}
	// notDeniedBySCP runs a call that the SCPs must not stop: it succeeds,
	// or fails for a reason other than authorization (KMS before gatehouse
	// serves it answers NotImplemented).
	notDeniedBySCP := func(profile string, s *session, args ...string) {
		t.Helper()
		out, ok := run(profile, s, args...)
		if !ok && strings.Contains(out, "AccessDenied") {
			t.Fatalf("aws %s: denied, want allowed:\n%s", strings.Join(args, " "), out)
		}
	}
	str := jsonString

	// 1. The organization, with all features.
	org := must("management", nil, "organizations", "create-organization", "--feature-set", "ALL")
	management := str(org, "Organization", "MasterAccountId")
	if management == "" {
		t.Fatalf("create-organization: %v", org)
	}
	rootOfOrg := str(must("management", nil, "organizations", "list-roots")["Roots"].([]any)[0], "Id")
	// SCPs are enabled on the root, which attaches FullAWSAccess to the
	// root and to every OU and account, now and later.
	must("management", nil, "organizations", "enable-policy-type", "--root-id", rootOfOrg, "--policy-type", "SERVICE_CONTROL_POLICY")

	// 2. The accounts: creation is asynchronous, as on AWS.
	accounts := map[string]string{}
	for _, name := range []string{"finance", "it", "hr", "legal"} {
		st := must("management", nil, "organizations", "create-account", "--account-name", name, "--email", name+"@example.com")
		req := str(st, "CreateAccountStatus", "Id")
		deadline := time.Now().Add(30 * time.Second)
		for {
			st = must("management", nil, "organizations", "describe-create-account-status", "--create-account-request-id", req)
			state := str(st, "CreateAccountStatus", "State")
			if state == "SUCCEEDED" {
				accounts[name] = str(st, "CreateAccountStatus", "AccountId")
				break
			}
			if state != "IN_PROGRESS" || time.Now().After(deadline) {
				t.Fatalf("account %s: %v", name, st)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	listed := must("management", nil, "organizations", "list-accounts")["Accounts"].([]any)
	if len(listed) != 5 {
		t.Fatalf("list-accounts: %d accounts, want 5 (management and four members)", len(listed))
	}

	// 3. hr and legal go into the OU "restricted", whose SCP denies every
	// IAM and KMS write.
	ou := str(must("management", nil, "organizations", "create-organizational-unit",
		"--parent-id", rootOfOrg, "--name", "restricted"), "OrganizationalUnit", "Id")
	for _, name := range []string{"hr", "legal"} {
		must("management", nil, "organizations", "move-account", "--account-id", accounts[name],
			"--source-parent-id", rootOfOrg, "--destination-parent-id", ou)
	}
	policy := str(must("management", nil, "organizations", "create-policy", "--name", "DenyIAMAndKMSWrites",
		"--type", "SERVICE_CONTROL_POLICY", "--description", "No IAM or KMS writes",
		"--content", orgWalkthroughSCP), "Policy", "PolicySummary", "Id")
	must("management", nil, "organizations", "attach-policy", "--policy-id", policy, "--target-id", ou)
	// The management account is never bound, even by an SCP attached to
	// it directly.
	must("management", nil, "organizations", "attach-policy", "--policy-id", policy, "--target-id", management)

	// 4. The operator gives hr's and finance's root users an access key,
	// as a password recovery would give them a password.
	for _, name := range []string{"hr", "finance"} {
		out, err := exec.Command(buildBinary(t), "account", "root-credentials", "--data", data,
			"--account", accounts[name], "--output", "json").CombinedOutput()
		if err != nil {
			t.Fatalf("gatehouse account root-credentials: %v\n%s", err, out)
		}
		var key struct{ AccessKeyId, SecretAccessKey string }
		if err := json.Unmarshal(out, &key); err != nil || key.AccessKeyId == "" {
			t.Fatalf("gatehouse account root-credentials: %v\n%s", err, out)
		}
		cli.addProfile(name+"-root", key.AccessKeyId, key.SecretAccessKey)
	}

	// 5. In hr even the root user is denied IAM and KMS writes; reads still
	// work. finance's root user is not bound.
	if got := str(must("hr-root", nil, "sts", "get-caller-identity"), "Arn"); got != "arn:aws:iam::"+accounts["hr"]+":root" {
		t.Fatalf("hr root identity = %s", got)
	}
	denied("hr-root", nil, "iam", "create-user", "--user-name", "payroll")
	denied("hr-root", nil, "kms", "create-key")
	must("hr-root", nil, "iam", "list-users")
	must("finance-root", nil, "iam", "create-user", "--user-name", "payroll")
	notDeniedBySCP("finance-root", nil, "kms", "create-key")
	must("management", nil, "iam", "create-user", "--user-name", "auditor")
	notDeniedBySCP("management", nil, "kms", "create-key")

	// 6. An administrator of the management account assumes
	// OrganizationAccountAccessRole in hr and in finance: hr's session is
	// bound by hr's SCPs, finance's is not.
	must("management", nil, "iam", "create-user", "--user-name", "admin")
	must("management", nil, "iam", "attach-user-policy", "--user-name", "admin",
		"--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	key := must("management", nil, "iam", "create-access-key", "--user-name", "admin")
	cli.addProfile("admin", str(key, "AccessKey", "AccessKeyId"), str(key, "AccessKey", "SecretAccessKey"))
	assume := func(account string) *session {
		out := must("admin", nil, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/OrganizationAccountAccessRole",
			"--role-session-name", "admin")
		return &session{str(out, "Credentials", "AccessKeyId"), str(out, "Credentials", "SecretAccessKey"), str(out, "Credentials", "SessionToken")}
	}
	hr, finance := assume(accounts["hr"]), assume(accounts["finance"])
	denied("", hr, "iam", "create-role", "--role-name", "x", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"`+management+`"},"Action":"sts:AssumeRole"}]}`)
	must("", hr, "iam", "list-roles")
	must("", finance, "iam", "create-user", "--user-name", "analyst")

	// 7. Moving hr back to the root lifts the restriction.
	must("management", nil, "organizations", "move-account", "--account-id", accounts["hr"],
		"--source-parent-id", ou, "--destination-parent-id", rootOfOrg)
	must("hr-root", nil, "iam", "create-user", "--user-name", "payroll")
}
