package main

import (
	"bytes"
	"context"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/app"
	"github.com/gatehouse/gatehouse/internal/artifact"
	"github.com/gatehouse/gatehouse/internal/compliance"
)

// auditJSON runs `gatehouse audit --output json` in-process on a data
// directory and returns each control's status folded per account, the
// findings, and the command's error.
func auditJSON(t *testing.T, data string, extra ...string) (map[string]string, []map[string]any, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(append([]string{"audit", "--data", data, "--output", "json"}, extra...), &out, &errb)
	var failed *auditFailedError
	if err != nil && !errors.As(err, &failed) {
		t.Fatalf("gatehouse audit: %v\n%s", err, errb.String())
	}
	var body struct{ Findings []map[string]any }
	if err := json.Unmarshal(out.Bytes(), &body); err != nil {
		t.Fatalf("audit output is not JSON: %v\n%s", err, out.String())
	}
	status := map[string]string{}
	for _, f := range body.Findings {
		id := strings.TrimPrefix(f["GeneratorId"].(string), compliance.CISStandard+"/")
		st := f["Compliance"].(map[string]any)["Status"].(string)
		if status[id] != "FAILED" {
			status[id] = st
		}
	}
	return status, body.Findings, err
}

// TestAuditFreshBootstrapThenFixedWithTheCLI is the acceptance
// test: a fresh bootstrap fails the controls a new account really fails
// (root access key, no root MFA, no password policy, no support role);
// after the fixes are made with the aws CLI against a running gatehouse
// (and the root MFA assignment, which AWS allows only from the console,
// with gatehouse account enable-root-mfa), those controls pass.
func TestAuditFreshBootstrapThenFixedWithTheCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the aws CLI is required in CI: %v", err)
		}
		t.Skip("aws CLI not installed")
	}
	data := t.TempDir()
	p := startServer(t, data)

	status, _, err := auditJSON(t, data)
	var failed *auditFailedError
	if !errors.As(err, &failed) || failed.ExitCode() != 3 {
		t.Fatalf("audit of a fresh bootstrap: err = %v, want exit status 3", err)
	}
	for _, c := range []string{"1.4", "1.5", "1.8", "1.9", "1.17"} {
		if status[c] != "FAILED" {
			t.Errorf("fresh bootstrap: control %s is %s, want FAILED", c, status[c])
		}
	}
	for _, c := range []string{"1.10", "1.12", "1.14", "1.15", "1.16", "1.19"} {
		if status[c] != "PASSED" {
			t.Errorf("fresh bootstrap: control %s is %s, want PASSED", c, status[c])
		}
	}
	if status["3.1"] != "NOT_AVAILABLE" {
		t.Errorf("control 3.1 of a service not served yet: %s, want NOT_AVAILABLE", status["3.1"])
	}
	if status["3.6"] != "PASSED" {
		t.Errorf("control 3.6 with no KMS key: %s, want PASSED", status["3.6"])
	}

	// The text table says the same, with the fixing commands.
	var text, errb bytes.Buffer
	err = run([]string{"audit", "--data", data}, &text, &errb)
	if !errors.As(err, &failed) {
		t.Fatalf("text audit: %v %s", err, errb.String())
	}
	rootID, rootSecret := rootKey(t, data)
	for _, want := range []string{"fix: aws iam delete-access-key --access-key-id " + rootID, "summary: ", "FAILED         CRITICAL 1.5 IAM.9"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, text.String())
		}
	}

	// The fixes, with the aws CLI.
	home := t.TempDir()
	credsFile := filepath.Join(home, "credentials")
	profiles := map[string][2]string{"root": {rootID, rootSecret}}
	writeProfiles := func() {
		var b strings.Builder
		for name, k := range profiles {
			fmt.Fprintf(&b, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-east-1\n\n", name, k[0], k[1])
		}
		if err := os.WriteFile(credsFile, []byte(b.String()), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	writeProfiles()
	env := withoutEmpty(append(os.Environ(),
		"AWS_SHARED_CREDENTIALS_FILE="+credsFile, "AWS_CONFIG_FILE=/dev/null",
		"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
		"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER="))
	aws := func(profile string, args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--endpoint-url", p.url, "--output", "json"}, args...)...)
		cmd.Env = append(env, "AWS_PROFILE="+profile)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s\ngatehouse log:\n%s", strings.Join(args, " "), err, out, p.logs.String())
		}
		var v map[string]any
		if len(bytes.TrimSpace(out)) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("aws %s: output is not JSON: %s", strings.Join(args, " "), out)
			}
		}
		return v
	}
	account := aws("root", "sts", "get-caller-identity")["Account"].(string)

	// An administrator who gets permissions through a group (1.15), so
	// that the root user is not needed after its key is gone.
	aws("root", "iam", "create-group", "--group-name", "Admins")
	aws("root", "iam", "attach-group-policy", "--group-name", "Admins", "--policy-arn", "arn:aws:iam::aws:policy/AdministratorAccess")
	aws("root", "iam", "create-user", "--user-name", "admin")
	aws("root", "iam", "add-user-to-group", "--group-name", "Admins", "--user-name", "admin")
	key := aws("root", "iam", "create-access-key", "--user-name", "admin")["AccessKey"].(map[string]any)
	profiles["admin"] = [2]string{key["AccessKeyId"].(string), key["SecretAccessKey"].(string)}
	writeProfiles()

	// 1.5: the root user creates a virtual MFA device; the operator
	// assigns it to the root user with two consecutive codes computed here
	// independently of gatehouse.
	seedFile := filepath.Join(home, "root-mfa.seed")
	dev := aws("root", "iam", "create-virtual-mfa-device", "--virtual-mfa-device-name", "root-account-mfa-device",
		"--outfile", seedFile, "--bootstrap-method", "Base32StringSeed")
	serial := dev["VirtualMFADevice"].(map[string]any)["SerialNumber"].(string)
	seed, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	secret, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.TrimRight(strings.TrimSpace(string(seed)), "="))
	if err != nil {
		t.Fatal(err)
	}
	for time.Now().Unix()%30 > 25 {
		time.Sleep(time.Second)
	}
	step := time.Now().Unix() / 30
	var mfaOut bytes.Buffer
	if err := run([]string{"account", "enable-root-mfa", "--data", data, "--serial-number", serial,
		"--code1", totp(secret, step-1), "--code2", totp(secret, step)}, &mfaOut, &errb); err != nil {
		t.Fatalf("enable-root-mfa: %v\n%s", err, errb.String())
	}
	if !strings.Contains(mfaOut.String(), "is enabled for the root user of account "+account) {
		t.Errorf("enable-root-mfa said %q", mfaOut.String())
	}
	// The device now shows as the root user's through the IAM API.
	if devs := aws("root", "iam", "list-virtual-mfa-devices", "--assignment-status", "Assigned")["VirtualMFADevices"].([]any); len(devs) != 1 {
		t.Errorf("assigned virtual MFA devices = %v", devs)
	}

	// 1.8 and 1.9, 1.17: as the administrator.
	aws("admin", "iam", "update-account-password-policy", "--minimum-password-length", "14", "--password-reuse-prevention", "24",
		"--require-symbols", "--require-numbers", "--require-uppercase-characters", "--require-lowercase-characters")
	aws("admin", "iam", "create-role", "--role-name", "AWSSupportRole", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:root"},"Action":"sts:AssumeRole"}]}`)
	aws("admin", "iam", "attach-role-policy", "--role-name", "AWSSupportRole", "--policy-arn", "arn:aws:iam::aws:policy/AWSSupportAccess")

	// 1.4: the root user deletes its own key, last.
	aws("root", "iam", "delete-access-key", "--access-key-id", rootID)

	status, findings, err := auditJSON(t, data)
	for _, c := range []string{"1.4", "1.5", "1.8", "1.9", "1.17", "1.13", "1.14", "1.15", "1.16"} {
		if status[c] != "PASSED" {
			t.Errorf("after the fixes: control %s is %s, want PASSED", c, status[c])
		}
	}
	// The root user was just used, and the audit says so: 1.7 fails
	// (once the trail has been written, within a second or so).
	deadline := time.Now().Add(10 * time.Second)
	for status["1.7"] != "FAILED" && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		status, findings, err = auditJSON(t, data)
	}
	if status["1.7"] != "FAILED" || !errors.As(err, &failed) {
		t.Errorf("after using the root user: 1.7 is %s (err %v), want FAILED", status["1.7"], err)
	}
	for _, f := range findings {
		if f["GeneratorId"] == compliance.CISStandard+"/1.7" && !strings.Contains(f["Description"].(string), "root user") {
			t.Errorf("1.7 finding: %v", f["Description"])
		}
	}
}

// TestAuditOutputsAndPublish checks the PDF output, --out, --publish into
// Artifact, and the flag errors, on a data directory offline.
func TestAuditOutputsAndPublish(t *testing.T) {
	data := t.TempDir()
	node, err := app.Open(context.Background(), app.Config{DataDir: data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	pdfFile := filepath.Join(t.TempDir(), "audit.pdf")
	err = run([]string{"audit", "--data", data, "--output", "pdf", "--out", pdfFile, "--publish"}, &out, &errb)
	var failed *auditFailedError
	if !errors.As(err, &failed) || failed.failed == 0 {
		t.Fatalf("audit --publish: %v\n%s", err, errb.String())
	}
	doc, err := os.ReadFile(pdfFile)
	if err != nil {
		t.Fatal(err)
	}
	date := time.Now().UTC().Format("2006-01-02")
	if !bytes.HasPrefix(doc, []byte("%PDF-")) || !bytes.Contains(doc, []byte("gatehouse compliance audit "+date)) {
		t.Fatalf("PDF file: %.100q", doc)
	}
	if !strings.Contains(errb.String(), `published "gatehouse audit `+date+`" in Artifact`) {
		t.Errorf("publish message: %q", errb.String())
	}

	d, err := app.OpenData(context.Background(), app.DataConfig{DataDir: data})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	store := artifact.New(d.Organizations, artifact.Options{})
	reports, _, err := store.Reports(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(reports) != 1 {
		t.Fatalf("%d reports in Artifact, want 1", len(reports))
	}
	r := reports[0]
	if r.Name != "gatehouse audit "+date || r.Category != "Security and Compliance" || r.Series != "Compliance audit" || r.Version != 1 ||
		!strings.Contains(r.Description, "failed") {
		t.Fatalf("published report = %+v", r)
	}
	_, published, err := store.ReadDocument(context.Background(), r.DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	// The published document is the same report (same date and results;
	// only the generation instant inside may differ).
	if !bytes.HasPrefix(published, []byte("%PDF-")) || !bytes.Contains(published, []byte("Account "+d.ManagementAccountID)) {
		t.Fatalf("published document: %.200q", published)
	}

	// Flag errors exit 1 (a plain error), not 3.
	for _, args := range [][]string{
		{"audit", "--data", data, "--output", "yaml"},
		{"audit", "--data", data, "extra"},
		{"audit", "--data", filepath.Join(data, "missing")},
		{"audit", "enable-root-mfa", "--data", data},
	} {
		err := run(args, &out, &errb)
		if err == nil || errors.As(err, &failed) {
			t.Errorf("gatehouse %s: err = %v, want a plain error", strings.Join(args, " "), err)
		}
	}
}
