package app_test

import (
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestDebugLogHasRequestsAndNoSecrets: at debug level every request gets an
// access-log line naming the operation and outcome, and neither the secret
// key nor the console password ever appears in the log.
func TestDebugLogHasRequestsAndNoSecrets(t *testing.T) {
	var logs testserver.LogBuffer
	srv := testserver.Start(t, testserver.Options{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if _, err := sts.NewFromConfig(srv.RootConfig()).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatal(err)
	}
	bad := srv.Config(srv.Root.AccessKeyID, "wrong"+srv.Root.SecretAccessKey[5:], "")
	if _, err := sts.NewFromConfig(bad).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err == nil {
		t.Fatal("a wrong secret was accepted")
	}
	out := logs.String()
	for _, want := range []string{
		"operation=GetCallerIdentity", "outcome=success", "principal=arn:aws:iam::" + srv.Root.AccountID + ":root",
		"outcome=auth_failure", "error_code=SignatureDoesNotMatch",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("debug log lacks %q:\n%s", want, out)
		}
	}
	for _, secret := range []string{srv.Root.SecretAccessKey, srv.Root.Password} {
		if strings.Contains(out, secret) {
			t.Fatal("a secret appeared in the log")
		}
	}
}
