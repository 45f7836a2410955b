package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
)

// artifactSamplePDF is a small PDF file to publish.
var artifactSamplePDF = []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")

// artifactBootstrapData creates a node's data directory and returns it with the
// management account's id.
func artifactBootstrapData(t *testing.T) (dir, mgmt string) {
	t.Helper()
	dir = t.TempDir()
	node, err := app.Open(context.Background(), app.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	mgmt = node.ManagementAccountID
	if err := node.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir, mgmt
}

func artifactWriteFile(t *testing.T, dir, name string, content []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// artifactRun runs gatehouse artifact in-process.
func artifactRun(args ...string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(append([]string{"artifact"}, args...), &out, &errOut)
	return out.String() + errOut.String(), err
}

func TestArtifactCommand(t *testing.T) {
	data, mgmt := artifactBootstrapData(t)
	files := t.TempDir()
	pdf := artifactWriteFile(t, files, "soc2.pdf", artifactSamplePDF)
	terms := artifactWriteFile(t, files, "terms.txt", []byte("Share only with auditors.\n"))
	agreementTerms := artifactWriteFile(t, files, "baa.txt", []byte("I accept the addendum\nfor my account.\n\nI have read it.\n"))
	notPDF := artifactWriteFile(t, files, "notes.txt", []byte("hello"))

	out, err := artifactRun("publish-report", "--data", data, "--name", "SOC 2", "--category", "Certifications",
		"--series", "SOC", "--company", "Gatehouse", "--product", "gatehouse", "--term-file", terms,
		"--acceptance-type", "explicit", "--file", pdf)
	if err != nil {
		t.Fatalf("publish-report: %v\n%s", err, out)
	}
	if !regexp.MustCompile(`published report report-[A-Za-z0-9]{16} version 1 \(SOC 2\)`).MatchString(out) {
		t.Fatalf("publish-report output: %q", out)
	}
	out, err = artifactRun("publish-report", "--data", data, "--name", "SOC 2", "--category", "Certifications", "--term-file", terms, "--file", pdf)
	if err != nil || !strings.Contains(out, "version 2") {
		t.Fatalf("second publish-report: %v %q", err, out)
	}
	for name, args := range map[string][]string{
		"not a pdf":         {"--name", "x", "--file", notPDF},
		"no name":           {"--file", pdf},
		"missing file":      {"--name", "x", "--file", filepath.Join(files, "absent.pdf")},
		"explicit, no term": {"--name", "x", "--file", pdf, "--acceptance-type", "EXPLICIT"},
		"stray argument":    {"--name", "x", "--file", pdf, "extra"},
	} {
		if out, err := artifactRun(append([]string{"publish-report", "--data", data}, args...)...); err == nil {
			t.Errorf("publish-report %s: succeeded: %s", name, out)
		}
	}

	out, err = artifactRun("publish-agreement", "--data", data, "--name", "Business Associate Addendum", "--terms-file", agreementTerms)
	if err != nil {
		t.Fatalf("publish-agreement: %v %s", err, out)
	}
	agreementID := regexp.MustCompile(`agreement-[A-Za-z0-9]{16}`).FindString(out)
	if agreementID == "" {
		t.Fatalf("publish-agreement output: %q", out)
	}
	if out, err := artifactRun("publish-agreement", "--data", data, "--name", "x", "--type", "weird"); err == nil {
		t.Errorf("publish-agreement with a bad type succeeded: %s", out)
	}
	if out, err := artifactRun("accept-agreement", "--data", data, "--account", "999999999999", "--agreement", agreementID); err == nil || !strings.Contains(out+err.Error(), "does not exist") {
		t.Errorf("accept for an unknown account: %v %s", err, out)
	}
	if _, err := artifactRun("accept-agreement", "--data", data, "--account", mgmt, "--agreement", agreementID, "--organization"); err == nil ||
		!strings.Contains(err.Error(), "not a member of an organization") {
		t.Errorf("accept for an organization without one: %v", err)
	}
	out, err = artifactRun("accept-agreement", "--data", data, "--account", mgmt, "--agreement", agreementID)
	if err != nil || !strings.Contains(out, "customer agreement customer-agreement-") {
		t.Fatalf("accept-agreement: %v %s", err, out)
	}
	if _, err := artifactRun("accept-agreement", "--data", data, "--account", mgmt, "--agreement", agreementID); err == nil {
		t.Error("accepting twice succeeded")
	}

	out, err = artifactRun("list", "--data", data, "--account", mgmt)
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	for _, want := range []string{"SOC 2", "Certifications", "EXPLICIT", agreementID, "Business Associate Addendum", "account " + mgmt} {
		if !strings.Contains(out, want) {
			t.Errorf("list output lacks %q:\n%s", want, out)
		}
	}
	if strings.Count(out, "SOC 2") != 1 || !regexp.MustCompile(`report-\S+\s+2\s+SOC 2`).MatchString(out) {
		t.Errorf("list shows other than the latest version once:\n%s", out)
	}

	out, err = artifactRun("terminate-agreement", "--data", data, "--account", mgmt, "--agreement", agreementID)
	if err != nil || !strings.Contains(out, "terminated") {
		t.Fatalf("terminate-agreement: %v %s", err, out)
	}
	out, _ = artifactRun("list", "--data", data, "--account", mgmt)
	if strings.Contains(out, "customer-agreement-") {
		t.Errorf("a terminated agreement is still in force:\n%s", out)
	}

	if _, err := artifactRun("frobnicate"); err == nil {
		t.Error("unknown subcommand accepted")
	}
	if _, err := artifactRun("list", "--data", t.TempDir()); err == nil {
		t.Error("list on an empty directory succeeded")
	}
}

// TestArtifactWalkthrough is the Artifact walkthrough with the aws
// CLI against a gatehouse binary: the operator publishes a report with
// gatehouse artifact, the user lists it, fails to download it before
// accepting its term, accepts the term, downloads it through the
// presigned URL, and gets the published bytes.
func TestArtifactWalkthrough(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the aws CLI is required in CI: %v", err)
		}
		t.Skip("aws CLI not installed")
	}
	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	files := t.TempDir()
	report := artifactWriteFile(t, files, "soc2-2026.pdf", artifactSamplePDF)
	terms := artifactWriteFile(t, files, "terms.txt", []byte("You may share this report only with your auditors.\n"))

	// The operator publishes beside the running server.
	out, err := artifactRun("publish-report", "--data", data, "--name", "SOC 2 Type II", "--description", "Security controls",
		"--category", "Certifications and Attestations", "--series", "SOC", "--company", "Gatehouse", "--product", "gatehouse",
		"--term-file", terms, "--acceptance-type", "EXPLICIT", "--file", report)
	if err != nil {
		t.Fatalf("publish-report: %v\n%s", err, out)
	}
	reportID := regexp.MustCompile(`report-[A-Za-z0-9]{16}`).FindString(out)

	env := withoutEmpty(append(os.Environ(), "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret, "AWS_SESSION_TOKEN=",
		"AWS_PROFILE=", "AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER="))
	aws := func(args ...string) (map[string]any, string, bool) {
		cmd := exec.Command("aws", append([]string{"--endpoint-url", p.url, "--output", "json", "artifact"}, args...)...)
		cmd.Env = env
		raw, err := cmd.CombinedOutput()
		var v map[string]any
		_ = json.Unmarshal(raw, &v)
		return v, string(raw), err == nil
	}
	must := func(args ...string) map[string]any {
		t.Helper()
		v, out, ok := aws(args...)
		if !ok || v == nil {
			t.Fatalf("aws artifact %s: %s\ngatehouse log:\n%s", strings.Join(args, " "), out, p.logs.String())
		}
		return v
	}

	list := must("list-reports")
	reports, _ := list["reports"].([]any)
	if len(reports) != 1 || reports[0].(map[string]any)["id"] != reportID || reports[0].(map[string]any)["name"] != "SOC 2 Type II" {
		t.Fatalf("list-reports: %v", list)
	}
	meta := must("get-report-metadata", "--report-id", reportID)
	if d, _ := meta["reportDetails"].(map[string]any); d["acceptanceType"] != "EXPLICIT" || d["series"] != "SOC" {
		t.Fatalf("get-report-metadata: %v", meta)
	}

	// No download before the term is accepted.
	if _, out, ok := aws("get-report", "--report-id", reportID, "--report-version", "1", "--term-token", "not-accepted"); ok ||
		!strings.Contains(out, "ValidationException") || !strings.Contains(out, "term token is not valid") {
		t.Fatalf("get-report before accepting the term: ok=%v %s", ok, out)
	}

	term := must("get-term-for-report", "--report-id", reportID, "--report-version", "1")
	token, _ := term["termToken"].(string)
	termURL, _ := term["documentPresignedUrl"].(string)
	if body := artifactFetch(t, termURL); !strings.Contains(string(body), "only with your auditors") {
		t.Fatalf("term document: %q", body)
	}
	got := must("get-report", "--report-id", reportID, "--report-version", "1", "--term-token", token)
	link, _ := got["documentPresignedUrl"].(string)
	if body := artifactFetch(t, link); !bytes.Equal(body, artifactSamplePDF) {
		t.Fatalf("downloaded report differs from the published one: %q", body)
	}

	// The organization-free agreement flow: accepted by the operator for
	// the account, listed by the account.
	out, err = artifactRun("publish-agreement", "--data", data, "--name", "Nondisclosure Agreement", "--description", "NDA")
	if err != nil {
		t.Fatalf("publish-agreement: %v %s", err, out)
	}
	agreementID := regexp.MustCompile(`agreement-[A-Za-z0-9]{16}`).FindString(out)
	mgmt := artifactCallerAccount(t, env, p.url)
	if out, err := artifactRun("accept-agreement", "--data", data, "--account", mgmt, "--agreement", agreementID); err != nil {
		t.Fatalf("accept-agreement: %v %s", err, out)
	}
	agreements := must("list-customer-agreements")
	cas, _ := agreements["customerAgreements"].([]any)
	if len(cas) != 1 || cas[0].(map[string]any)["name"] != "Nondisclosure Agreement" || cas[0].(map[string]any)["state"] != "ACTIVE" {
		t.Fatalf("list-customer-agreements: %v", agreements)
	}
	settings := must("put-account-settings", "--notification-subscription-status", "SUBSCRIBED")
	if s, _ := settings["accountSettings"].(map[string]any); s["notificationSubscriptionStatus"] != "SUBSCRIBED" {
		t.Fatalf("put-account-settings: %v", settings)
	}
}

// artifactCallerAccount returns the caller's account id from sts get-caller-identity.
func artifactCallerAccount(t *testing.T, env []string, url string) string {
	t.Helper()
	cmd := exec.Command("aws", "--endpoint-url", url, "sts", "get-caller-identity", "--query", "Account", "--output", "text")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("get-caller-identity: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// artifactFetch downloads a presigned URL, as a browser or curl would.
func artifactFetch(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, body)
	}
	return body
}
