package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
)

// encryptionSDKOnce installs the Node project of testdata/encryption-sdk
// at most once per test run.
var (
	encryptionSDKOnce sync.Once
	encryptionSDKDir  string
	encryptionSDKErr  error
)

// encryptionSDKInstall returns a directory holding testdata/encryption-sdk
// with its node_modules installed by `npm ci` (exactly what
// package-lock.json pins). The installation is kept in the user's cache
// directory under a name derived from the lock file, so later runs reuse
// it without the network, and a changed lock file installs afresh.
func encryptionSDKInstall(t *testing.T) string {
	t.Helper()
	encryptionSDKOnce.Do(func() { encryptionSDKDir, encryptionSDKErr = encryptionSDKInstallOnce() })
	if encryptionSDKErr != nil {
		t.Fatalf("installing the AWS Encryption SDK for JavaScript: %v", encryptionSDKErr)
	}
	return encryptionSDKDir
}

func encryptionSDKInstallOnce() (string, error) {
	src := filepath.Join("testdata", "encryption-sdk")
	files := map[string][]byte{}
	sum := sha256.New()
	for _, name := range []string{"package.json", "package-lock.json", "roundtrip.js"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			return "", err
		}
		files[name] = b
		sum.Write(b)
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "gatehouse-tests", "encryption-sdk-"+hex.EncodeToString(sum.Sum(nil))[:16])
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@aws-crypto", "client-node", "package.json")); err == nil {
		return dir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work) // left over only when the rename below did not happen
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(work, name), b, 0o600); err != nil {
			return "", err
		}
	}
	cmd := exec.Command("npm", "ci", "--prefer-offline", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = work
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("npm ci: %v\n%s", err, out)
	}
	// Another test process may have finished first: then use its copy.
	if err := os.Rename(work, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(dir, "node_modules")); statErr != nil {
			return "", err
		}
	}
	return dir, nil
}

// TestEncryptionSDKJavaScript encrypts and decrypts a message with the AWS
// Encryption SDK for JavaScript (@aws-crypto/client-node, with the KMS
// client of @aws-sdk/client-kms pointed at gatehouse by endpoint): the data
// key comes from GenerateDataKey under one gatehouse key and is also
// encrypted under a second one; a keyring with either key, and a discovery
// keyring, decrypt the message; a changed message does not decrypt.
func TestEncryptionSDKJavaScript(t *testing.T) {
	if testing.Short() {
		t.Skip("Encryption SDK end-to-end test skipped in -short mode")
	}
	kmsE2ERequire(t, "node", "npm")
	dir := encryptionSDKInstall(t)

	data := t.TempDir()
	p := startServer(t, data)
	id, secret := rootKey(t, data)
	client := kms.NewFromConfig(sdkConfig(p.url, id, secret))
	ctx := context.Background()
	var arns []string
	for _, desc := range []string{"esdk generator", "esdk second"} {
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String(desc)})
		if err != nil {
			t.Fatalf("CreateKey: %v", err)
		}
		arns = append(arns, aws.ToString(out.KeyMetadata.Arn))
	}

	cmd := exec.Command("node", "roundtrip.js")
	cmd.Dir = dir
	cmd.Env = append(kmsE2EEnv(id, secret),
		"GATEHOUSE_ENDPOINT="+p.url, "GATEHOUSE_REGION=us-east-1",
		"GATEHOUSE_KEY_ARN="+arns[0], "GATEHOUSE_SECOND_KEY_ARN="+arns[1])
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node roundtrip.js: %v\n%s%s\ngatehouse log:\n%s", err, out, stderr.String(), p.logs.String())
	}
	var res struct {
		CiphertextBytes              int
		Edks                         []struct{ ProviderID, ProviderInfo string }
		StrictDecrypts               bool
		SecondKeyDecrypts            bool
		DiscoveryDecrypts            bool
		ContextPurpose, ContextOrder string
		TamperedError                string
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("roundtrip.js output: %v\n%s", err, out)
	}
	var infos []string
	for _, k := range res.Edks {
		if k.ProviderID != "aws-kms" {
			t.Errorf("encrypted data key of provider %q, want aws-kms", k.ProviderID)
		}
		infos = append(infos, k.ProviderInfo)
	}
	sort.Strings(infos)
	want := append([]string(nil), arns...)
	sort.Strings(want)
	if strings.Join(infos, " ") != strings.Join(want, " ") {
		t.Errorf("encrypted data keys name %v, want the two key ARNs %v", infos, want)
	}
	if !res.StrictDecrypts || !res.SecondKeyDecrypts || !res.DiscoveryDecrypts {
		t.Errorf("decrypts: with both keys %v, with the second only %v, by discovery %v",
			res.StrictDecrypts, res.SecondKeyDecrypts, res.DiscoveryDecrypts)
	}
	if res.ContextPurpose != "gatehouse-e2e" || res.ContextOrder != "4711" {
		t.Errorf("decrypted message's encryption context: purpose %q order %q", res.ContextPurpose, res.ContextOrder)
	}
	if res.TamperedError == "" {
		t.Error("a changed message decrypted")
	}
	if res.CiphertextBytes < 200 {
		t.Errorf("message of %d bytes", res.CiphertextBytes)
	}
}
