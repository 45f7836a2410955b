package main

import (
	"bytes"
	"strings"
	"testing"
)

// TestEnforceFlag: enforcement modes other than on need dev mode, from
// the flag or the environment, and the mode must be one gatehouse knows.
func TestEnforceFlag(t *testing.T) {
	var out, errOut bytes.Buffer
	for _, args := range [][]string{
		{"serve", "--enforce", "soft", "--data", t.TempDir()},
		{"serve", "--enforce", "off", "--data", t.TempDir()},
	} {
		err := run(args, &out, &errOut)
		if err == nil || !strings.Contains(err.Error(), "only allowed in dev mode") {
			t.Errorf("%v: %v", args, err)
		}
	}
	if err := run([]string{"serve", "--enforce", "sometimes", "--dev", "--data", t.TempDir()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "on, soft or off") {
		t.Errorf("unknown mode: %v", err)
	}
	t.Setenv("GATEHOUSE_ENFORCE", "off")
	if err := run([]string{"serve", "--data", t.TempDir()}, &out, &errOut); err == nil || !strings.Contains(err.Error(), "only allowed in dev mode") {
		t.Errorf("GATEHOUSE_ENFORCE=off outside dev mode: %v", err)
	}
}
