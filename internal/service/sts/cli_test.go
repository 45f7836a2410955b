package sts_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/internal/testserver"
)

// TestAssumeRoleWithTheAWSCLI checks, with the aws CLI against a node as
// the binary assembles it (enforcement on), that the credentials of
// `aws sts assume-role` work for later calls.
func TestAssumeRoleWithTheAWSCLI(t *testing.T) {
	if _, err := exec.LookPath("aws"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("the aws CLI is required in CI: %v", err)
		}
		t.Skip("aws CLI not installed")
	}
	srv := testserver.Start(t, testserver.Options{})
	base := []string{"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null", "AWS_DEFAULT_REGION=us-east-1",
		"AWS_EC2_METADATA_DISABLED=true", "AWS_PAGER=", "PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	aws := func(id, secret, token string, args ...string) map[string]any {
		t.Helper()
		cmd := exec.Command("aws", append([]string{"--endpoint-url", srv.URL, "--output", "json"}, args...)...)
		cmd.Env = append(base, "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret)
		if token != "" {
			cmd.Env = append(cmd.Env, "AWS_SESSION_TOKEN="+token)
		}
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("aws %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		var v map[string]any
		if len(strings.TrimSpace(string(out))) > 0 {
			if err := json.Unmarshal(out, &v); err != nil {
				t.Fatalf("aws %s: not JSON: %s", strings.Join(args, " "), out)
			}
		}
		return v
	}
	str := func(v map[string]any, path ...string) string {
		var cur any = v
		for _, k := range path {
			m, _ := cur.(map[string]any)
			cur = m[k]
		}
		s, _ := cur.(string)
		return s
	}
	rootID, rootSecret := srv.Root.AccessKeyID, srv.Root.SecretAccessKey
	account := str(aws(rootID, rootSecret, "", "sts", "get-caller-identity"), "Account")
	aws(rootID, rootSecret, "", "iam", "create-user", "--user-name", "deployer")
	aws(rootID, rootSecret, "", "iam", "put-user-policy", "--user-name", "deployer", "--policy-name", "assume",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}`)
	key := aws(rootID, rootSecret, "", "iam", "create-access-key", "--user-name", "deployer")
	userID, userSecret := str(key, "AccessKey", "AccessKeyId"), str(key, "AccessKey", "SecretAccessKey")
	aws(rootID, rootSecret, "", "iam", "create-role", "--role-name", "Release", "--assume-role-policy-document",
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+account+`:user/deployer"},"Action":"sts:AssumeRole"}]}`)
	aws(rootID, rootSecret, "", "iam", "put-role-policy", "--role-name", "Release", "--policy-name", "read",
		"--policy-document", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListRoles","Resource":"*"}]}`)

	assumed := aws(userID, userSecret, "", "sts", "assume-role", "--role-arn", "arn:aws:iam::"+account+":role/Release",
		"--role-session-name", "cli-session", "--duration-seconds", "900")
	sid, ssecret, stoken := str(assumed, "Credentials", "AccessKeyId"), str(assumed, "Credentials", "SecretAccessKey"), str(assumed, "Credentials", "SessionToken")
	if !strings.HasPrefix(sid, "ASIA") || stoken == "" || str(assumed, "Credentials", "Expiration") == "" {
		t.Fatalf("assume-role answered %v", assumed)
	}
	who := aws(sid, ssecret, stoken, "sts", "get-caller-identity")
	if want := "arn:aws:sts::" + account + ":assumed-role/Release/cli-session"; str(who, "Arn") != want {
		t.Errorf("get-caller-identity with the session = %v, want %s", who, want)
	}
	roles := aws(sid, ssecret, stoken, "iam", "list-roles")
	if list, _ := roles["Roles"].([]any); len(list) == 0 {
		t.Errorf("list-roles with the session: %v", roles)
	}
}
