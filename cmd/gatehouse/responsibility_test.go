package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/app"
)

func TestResponsibilityCommand(t *testing.T) {
	data := t.TempDir()
	node, err := app.Open(context.Background(), app.Config{DataDir: data, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := node.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Setenv("GATEHOUSE_TLS_CERT", "")
	os.Unsetenv("GATEHOUSE_ROOT_KEY")

	var out, errb bytes.Buffer
	if err := run([]string{"responsibility", "--data", data}, &out, &errb); err != nil {
		t.Fatalf("responsibility: %v\n%s", err, errb.String())
	}
	text := out.String()
	gh, user, ok := strings.Cut(text, "What you must secure")
	if !ok || !strings.HasPrefix(gh, "What gatehouse secures") {
		t.Fatalf("text output has not the two sides:\n%s", text)
	}
	for _, want := range []string{
		"Encryption at rest:    OK", filepath.Join(data, "root.key") + ", mode 0600",
		"Encryption in transit: CHECK", "Audit trail:           OK", "Credential handling:   OK", "argon2id",
	} {
		if !strings.Contains(gh, want) {
			t.Errorf("gatehouse's side lacks %q:\n%s", want, gh)
		}
	}
	// A fresh bootstrap: root has a key and no MFA, there is no password
	// policy; nothing grants "*:*".
	for _, want := range []string{
		"MFA on root:           FAILED", "control(s) 1.5 failed in 1 of 1 account(s): run gatehouse audit",
		"Password policy:       FAILED", "Least privilege:       PASSED", "WAF rules:             NOT_APPLICABLE",
	} {
		if !strings.Contains(user, want) {
			t.Errorf("the user's side lacks %q:\n%s", want, user)
		}
	}

	out.Reset()
	if err := run([]string{"responsibility", "--data", data, "--output", "json"}, &out, &errb); err != nil {
		t.Fatal(err)
	}
	var body struct {
		Items []struct{ Party, Area, State, Detail, Setting, Check string }
	}
	if err := json.Unmarshal(out.Bytes(), &body); err != nil {
		t.Fatalf("json output: %v\n%s", err, out.String())
	}
	parties := map[string]int{}
	for _, it := range body.Items {
		parties[it.Party]++
		if it.Area == "Root user" && it.State != "FAILED" {
			t.Errorf("root user item = %+v", it)
		}
	}
	if parties["gatehouse"] < 4 || parties["user"] < 5 {
		t.Errorf("items per party = %v", parties)
	}

	for _, args := range [][]string{
		{"responsibility", "--data", data, "--output", "pdf"},
		{"responsibility", "--data", data, "extra"},
	} {
		if err := run(args, &out, &errb); err == nil {
			t.Errorf("gatehouse %s: no error", strings.Join(args, " "))
		}
	}
}
