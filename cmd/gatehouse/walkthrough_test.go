package main

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base32"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCoffeeShopWalkthrough plays the README's walkthrough with the aws
// CLI against a gatehouse binary with enforcement on: the shop's owner (the
// root user) creates the cashier, whose calls are denied until a group
// grants them; an employee assumes role Cashier, then role Inventory, and
// loses what only Cashier could do; a role whose trust policy requires MFA
// is refused without a TOTP code and granted with one.
func TestCoffeeShopWalkthrough(t *testing.T) {
	data := t.TempDir()
	p := startServer(t, data)
	cli := newAWSCLI(t, p)
	rootID, rootSecret := rootKey(t, data)
	cli.addProfile("owner", rootID, rootSecret)
	type session = cliSession
	must, denied := cli.must, cli.denied
	field := func(v map[string]any, path ...string) string { return jsonString(v, path...) }
	account := field(must("owner", nil, "sts", "get-caller-identity"), "Account")

	// 1. The owner creates the cashier, who can do nothing yet.
	must("owner", nil, "iam", "create-user", "--user-name", "cashier")
	key := must("owner", nil, "iam", "create-access-key", "--user-name", "cashier")
	cli.addProfile("cashier", field(key, "AccessKey", "AccessKeyId"), field(key, "AccessKey", "SecretAccessKey"))
	cashierARN := "arn:aws:iam::" + account + ":user/cashier"
	denied("cashier", nil, "User: "+cashierARN+" is not authorized to perform: iam:ListUsers", "iam", "list-users")
	denied("cashier", nil, "because no identity-based policy allows the iam:ListUsers action", "iam", "list-users")

	// 2. A group's policy lets the cashier list one bucket, and only it.
	must("owner", nil, "iam", "create-group", "--group-name", "Cashiers")
	must("owner", nil, "iam", "put-group-policy", "--group-name", "Cashiers", "--policy-name", "ListShopBucket",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::AWSDOC-EXAMPLE-BUCKET"}]}`)
	must("owner", nil, "iam", "add-user-to-group", "--group-name", "Cashiers", "--user-name", "cashier")
	simulate := func(bucket string) string {
		v := must("owner", nil, "iam", "simulate-principal-policy", "--policy-source-arn", cashierARN,
			"--action-names", "s3:ListBucket", "--resource-arns", "arn:aws:s3:::"+bucket)
		results, _ := v["EvaluationResults"].([]any)
		if len(results) != 1 {
			t.Fatalf("simulate-principal-policy: %v", v)
		}
		decision, _ := results[0].(map[string]any)["EvalDecision"].(string)
		return decision
	}
	if got := simulate("AWSDOC-EXAMPLE-BUCKET"); got != "allowed" {
		t.Fatalf("s3:ListBucket on the shop's bucket: %s, want allowed", got)
	}
	if got := simulate("another-bucket"); got != "implicitDeny" {
		t.Fatalf("s3:ListBucket on another bucket: %s, want implicitDeny", got)
	}

	// 3. An employee assumes role Cashier, then role Inventory: the second
	// session has Inventory's permissions only.
	must("owner", nil, "iam", "create-user", "--user-name", "employee")
	key = must("owner", nil, "iam", "create-access-key", "--user-name", "employee")
	cli.addProfile("employee", field(key, "AccessKey", "AccessKeyId"), field(key, "AccessKey", "SecretAccessKey"))
	employeeARN := "arn:aws:iam::" + account + ":user/employee"
	trust := func(principal, condition string) string {
		return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + principal +
			`"},"Action":"sts:AssumeRole"` + condition + `}]}`
	}
	must("owner", nil, "iam", "create-role", "--role-name", "Cashier", "--assume-role-policy-document", trust(employeeARN, ""))
	must("owner", nil, "iam", "put-role-policy", "--role-name", "Cashier", "--policy-name", "Till",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["iam:ListUsers","sts:AssumeRole"],"Resource":"*"}]}`)
	must("owner", nil, "iam", "create-role", "--role-name", "Inventory",
		"--assume-role-policy-document", trust("arn:aws:iam::"+account+":role/Cashier", ""))
	must("owner", nil, "iam", "put-role-policy", "--role-name", "Inventory", "--policy-name", "Stock",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)

	credsOf := func(v map[string]any) *session {
		return &session{field(v, "Credentials", "AccessKeyId"), field(v, "Credentials", "SecretAccessKey"), field(v, "Credentials", "SessionToken")}
	}
	cashierSession := credsOf(must("employee", nil, "sts", "assume-role",
		"--role-arn", "arn:aws:iam::"+account+":role/Cashier", "--role-session-name", "morning"))
	must("", cashierSession, "iam", "list-users")
	inventorySession := credsOf(must("", cashierSession, "sts", "assume-role",
		"--role-arn", "arn:aws:iam::"+account+":role/Inventory", "--role-session-name", "stocktake"))
	must("", inventorySession, "iam", "list-roles")
	denied("", inventorySession, "arn:aws:sts::"+account+":assumed-role/Inventory/stocktake is not authorized to perform: iam:ListUsers",
		"iam", "list-users")

	// 4. A role that requires MFA: refused without a code, granted with one.
	must("owner", nil, "iam", "create-role", "--role-name", "Manager", "--assume-role-policy-document",
		trust(employeeARN, `,"Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}`))
	// The CLI writes the device's Base32 seed to a file, as a user would
	// scan or type it into an authenticator app.
	seedFile := filepath.Join(t.TempDir(), "employee-phone.seed")
	device := must("owner", nil, "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "employee-phone",
		"--outfile", seedFile, "--bootstrap-method", "Base32StringSeed")
	serial := field(device, "VirtualMFADevice", "SerialNumber")
	seed, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.TrimSpace(string(seed)), "="))
	if err != nil {
		t.Fatalf("Base32StringSeed %q: %v", seed, err)
	}
	// Stay clear of a 30-second boundary so that the codes computed here
	// are the ones the server expects.
	for time.Now().Unix()%30 > 25 {
		time.Sleep(time.Second)
	}
	step := time.Now().Unix() / 30
	must("owner", nil, "iam", "enable-mfa-device", "--user-name", "employee", "--serial-number", serial,
		"--authentication-code1", totp(secret, step-1), "--authentication-code2", totp(secret, step))
	denied("employee", nil, "sts:AssumeRole", "sts", "assume-role",
		"--role-arn", "arn:aws:iam::"+account+":role/Manager", "--role-session-name", "close")
	manager := must("employee", nil, "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/Manager",
		"--role-session-name", "close", "--serial-number", serial, "--token-code", totp(secret, step+1))
	if field(manager, "AssumedRoleUser", "Arn") != "arn:aws:sts::"+account+":assumed-role/Manager/close" {
		t.Fatalf("assume-role with MFA: %v", manager)
	}
}

// totp computes an RFC 6238 code (HMAC-SHA1, 6 digits) for a time step,
// independently of the server's implementation.
func totp(secret []byte, step int64) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], uint64(step))
	mac := hmac.New(sha1.New, secret)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	off := sum[len(sum)-1] & 0x0f
	code := (binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff) % 1_000_000
	return fmt.Sprintf("%06d", code)
}
