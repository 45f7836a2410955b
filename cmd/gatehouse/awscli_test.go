package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// awsCLI drives the aws CLI against a running gatehouse binary, with named
// profiles kept in a private shared-credentials file, as the README's
// walkthroughs do.
type awsCLI struct {
	t         *testing.T
	p         *process
	credsFile string
	profiles  map[string][2]string
	env       []string
}

// cliSession is a set of temporary credentials to run the CLI with.
type cliSession struct{ id, secret, token string }

// newAWSCLI returns a CLI driver for p, skipping the test when the aws CLI
// is not installed (outside CI, where it is required).
func newAWSCLI(t *testing.T, p *process) *awsCLI {
	t.Helper()
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the aws CLI is required in CI: %v", err)
		}
		t.Skip("aws CLI not installed")
	}
	credsFile := filepath.Join(t.TempDir(), "credentials")
	return &awsCLI{t: t, p: p, credsFile: credsFile, profiles: map[string][2]string{},
		env: withoutEmpty(append(os.Environ(),
			"AWS_SHARED_CREDENTIALS_FILE="+credsFile, "AWS_CONFIG_FILE=/dev/null",
			"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_PROFILE=",
			"AWS_DEFAULT_REGION=us-east-1", "AWS_PAGER="))}
}

// addProfile adds (or replaces) a profile with a long-term access key.
func (a *awsCLI) addProfile(name, id, secret string) {
	a.t.Helper()
	a.profiles[name] = [2]string{id, secret}
	var b strings.Builder
	for n, k := range a.profiles {
		fmt.Fprintf(&b, "[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\nregion = us-east-1\n\n", n, k[0], k[1])
	}
	if err := os.WriteFile(a.credsFile, []byte(b.String()), 0o600); err != nil {
		a.t.Fatal(err)
	}
}

// run runs the CLI as a profile, or with session credentials when s is
// set, and returns its output and whether it succeeded.
func (a *awsCLI) run(profile string, s *cliSession, args ...string) (string, bool) {
	cmd := exec.Command("aws", append([]string{"--endpoint-url", a.p.url, "--output", "json"}, args...)...)
	cmd.Env = a.env
	if s != nil {
		cmd.Env = append(cmd.Env, "AWS_ACCESS_KEY_ID="+s.id, "AWS_SECRET_ACCESS_KEY="+s.secret, "AWS_SESSION_TOKEN="+s.token)
	} else {
		cmd.Env = append(cmd.Env, "AWS_PROFILE="+profile)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err == nil
}

// must runs the CLI, fails the test unless it succeeds, and returns its
// JSON output (nil when it printed nothing).
func (a *awsCLI) must(profile string, s *cliSession, args ...string) map[string]any {
	a.t.Helper()
	out, ok := a.run(profile, s, args...)
	if !ok {
		a.t.Fatalf("aws %s: %s\ngatehouse log:\n%s", strings.Join(args, " "), out, a.p.logs.String())
	}
	var v map[string]any
	if strings.TrimSpace(out) != "" {
		if err := json.Unmarshal([]byte(out), &v); err != nil {
			a.t.Fatalf("aws %s: output is not JSON: %s", strings.Join(args, " "), out)
		}
	}
	return v
}

// denied fails the test unless the call is refused with AccessDenied and
// a message containing reason.
func (a *awsCLI) denied(profile string, s *cliSession, reason string, args ...string) {
	a.t.Helper()
	out, ok := a.run(profile, s, args...)
	if ok || !strings.Contains(out, "AccessDenied") || !strings.Contains(out, reason) {
		a.t.Fatalf("aws %s: want AccessDenied (%s), got ok=%v:\n%s", strings.Join(args, " "), reason, ok, out)
	}
}

// jsonString returns the string at path in decoded JSON, "" if absent.
func jsonString(v any, path ...string) string {
	for _, k := range path {
		m, _ := v.(map[string]any)
		v = m[k]
	}
	s, _ := v.(string)
	return s
}
