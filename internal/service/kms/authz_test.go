package kms_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsiam "github.com/aws/aws-sdk-go-v2/service/iam"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	awsorgs "github.com/aws/aws-sdk-go-v2/service/organizations"
	"github.com/aws/smithy-go"

	"github.com/gatehouse/gatehouse/internal/organizations"
	"github.com/gatehouse/gatehouse/internal/testserver"
)

// gtUser creates an IAM user with an access key in the node's management
// account, with the inline policy doc if it is not empty, and returns a
// KMS client signed as the user.
func gtUser(t *testing.T, srv *testserver.Server, name, doc string) *awskms.Client {
	t.Helper()
	ctx := context.Background()
	c := awsiam.NewFromConfig(srv.RootConfig())
	if _, err := c.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
		t.Fatal(err)
	}
	if doc != "" {
		if _, err := c.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
			t.Fatal(err)
		}
	}
	k, err := c.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
	if err != nil {
		t.Fatal(err)
	}
	return awskms.NewFromConfig(srv.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""))
}

// gtEncrypt encrypts a short message under keyID with the encryption
// context ec.
func gtEncrypt(client *awskms.Client, keyID string, ec map[string]string, tokens ...string) (*awskms.EncryptOutput, error) {
	return client.Encrypt(context.Background(), &awskms.EncryptInput{KeyId: aws.String(keyID), Plaintext: []byte("secret"),
		EncryptionContext: ec, GrantTokens: tokens})
}

// gtKeyPolicy is a key policy with the default delegation to IAM plus
// the given statements.
func gtKeyPolicy(account string, statements ...string) string {
	doc := `{"Version":"2012-10-17","Statement":[{"Sid":"Enable IAM User Permissions","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` +
		account + `:root"},"Action":"kms:*","Resource":"*"}`
	for _, s := range statements {
		doc += "," + s
	}
	return doc + "]}"
}

const gtAllowEncrypt = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}]}`

func TestAuthzDefaultKeyPolicyDelegatesToIAM(t *testing.T) {
	srv, root := kmNode(t)
	key := *kmCreate(t, root, nil).Arn
	alice := gtUser(t, srv, "alice", gtAllowEncrypt)
	bob := gtUser(t, srv, "bob", "")
	if _, err := gtEncrypt(alice, key, nil); err != nil {
		t.Fatalf("user with an IAM allow, default key policy: %v", err)
	}
	_, err := gtEncrypt(bob, key, nil)
	kmWantError(t, err, "AccessDeniedException", "user/bob is not authorized to perform: kms:Encrypt")
	// Decrypt without a KeyId is authorized on the key the ciphertext
	// names: bob may not decrypt alice's ciphertext.
	out, err := gtEncrypt(alice, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, err = bob.Decrypt(context.Background(), &awskms.DecryptInput{CiphertextBlob: out.CiphertextBlob})
	kmWantError(t, err, "AccessDeniedException", key)
	if _, err := alice.Decrypt(context.Background(), &awskms.DecryptInput{CiphertextBlob: out.CiphertextBlob}); err != nil {
		t.Fatalf("alice decrypts: %v", err)
	}
}

func TestAuthzKeyPolicyDenyAndAllow(t *testing.T) {
	srv, root := kmNode(t)
	account := srv.Root.AccountID
	user := func(name string) string { return "arn:aws:iam::" + account + ":user/" + name }
	policy := gtKeyPolicy(account,
		`{"Effect":"Deny","Principal":{"AWS":"`+user("mallory")+`"},"Action":"kms:Encrypt","Resource":"*"}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+user("carol")+`"},"Action":"kms:Encrypt","Resource":"*"}`,
		`{"Effect":"Allow","Principal":{"AWS":"`+user("dave")+`"},"Action":"kms:Encrypt","Resource":"*",
		  "Condition":{"StringEquals":{"kms:EncryptionContext:tenant":"acme","kms:CallerAccount":"`+account+`"}}}`)
	key := *kmCreate(t, root, &awskms.CreateKeyInput{Policy: aws.String(policy)}).Arn
	// mallory: an IAM allow, denied by the key policy.
	mallory := gtUser(t, srv, "mallory", gtAllowEncrypt)
	_, err := gtEncrypt(mallory, key, nil)
	kmWantError(t, err, "AccessDeniedException", "explicit deny in a resource-based policy")
	// carol: no IAM policy, allowed by the key policy naming her.
	carol := gtUser(t, srv, "carol", "")
	if _, err := gtEncrypt(carol, key, nil); err != nil {
		t.Fatalf("user named by the key policy: %v", err)
	}
	// dave: allowed only with the encryption context the condition wants
	// (case-sensitive values).
	dave := gtUser(t, srv, "dave", "")
	if _, err := gtEncrypt(dave, key, map[string]string{"tenant": "acme", "purpose": "x"}); err != nil {
		t.Fatalf("matching kms:EncryptionContext:tenant: %v", err)
	}
	for _, ec := range []map[string]string{nil, {"tenant": "ACME"}, {"tenant": "other"}} {
		_, err := gtEncrypt(dave, key, ec)
		kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	}
	// The same key named by an alias is the same key policy.
	if _, err := root.CreateAlias(context.Background(), &awskms.CreateAliasInput{AliasName: aws.String("alias/app"), TargetKeyId: aws.String(key)}); err != nil {
		t.Fatal(err)
	}
	if _, err := gtEncrypt(carol, "alias/app", nil); err != nil {
		t.Fatalf("carol through the alias: %v", err)
	}
	_, err = gtEncrypt(mallory, "alias/app", nil)
	kmWantError(t, err, "AccessDeniedException", "explicit deny")
	_, err = gtEncrypt(mallory, "arn:aws:kms:us-east-1:"+account+":alias/app", nil)
	kmWantError(t, err, "AccessDeniedException", "explicit deny")
}

func TestAuthzKeyConditionKeysFromTheKey(t *testing.T) {
	srv, root := kmNode(t)
	// An IAM policy allowing Encrypt only on keys with a tag and a spec.
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:Encrypt","Resource":"*",
	  "Condition":{"StringEquals":{"aws:ResourceTag/team":"blue","kms:KeySpec":"SYMMETRIC_DEFAULT"},
	  "ForAnyValue:StringEquals":{"kms:ResourceAliases":"alias/blue"}}}]}`
	erin := gtUser(t, srv, "erin", doc)
	tagged := kmCreate(t, root, &awskms.CreateKeyInput{Tags: []types.Tag{{TagKey: aws.String("team"), TagValue: aws.String("blue")}}})
	plain := kmCreate(t, root, nil)
	_, err := gtEncrypt(erin, *tagged.Arn, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	if _, err := root.CreateAlias(context.Background(), &awskms.CreateAliasInput{AliasName: aws.String("alias/blue"), TargetKeyId: tagged.KeyId}); err != nil {
		t.Fatal(err)
	}
	if _, err := gtEncrypt(erin, *tagged.Arn, nil); err != nil {
		t.Fatalf("tagged key with its alias: %v", err)
	}
	_, err = gtEncrypt(erin, *plain.Arn, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
}

// A key management operation given an alias ARN answers NotFound or
// InvalidArn from the handler, not an AccessDenied from the authorizer.
func TestAuthzAliasARNInKeyManagementIsNotMasked(t *testing.T) {
	srv, root := kmNode(t)
	key := kmCreate(t, root, nil)
	if _, err := root.CreateAlias(context.Background(), &awskms.CreateAliasInput{AliasName: aws.String("alias/m"), TargetKeyId: key.KeyId}); err != nil {
		t.Fatal(err)
	}
	doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"kms:*","Resource":"` + *key.Arn + `"}]}`
	frank := gtUser(t, srv, "frank", doc)
	_, err := frank.EnableKey(context.Background(), &awskms.EnableKeyInput{KeyId: aws.String("arn:aws:kms:us-east-1:" + srv.Root.AccountID + ":alias/m")})
	if err == nil {
		t.Fatal("EnableKey accepted an alias ARN")
	}
	var ae smithy.APIError
	if errors.As(err, &ae) && ae.ErrorCode() == "AccessDeniedException" {
		t.Fatalf("an alias ARN in EnableKey answered %v", err)
	}
	if _, err := frank.EnableKey(context.Background(), &awskms.EnableKeyInput{KeyId: key.Arn}); err != nil {
		t.Fatalf("EnableKey by key ARN: %v", err)
	}
}

func TestAuthzCrossAccountKeyNeedsBothPolicies(t *testing.T) {
	srv, root := kmNode(t)
	other := gtOtherAccount(t, srv)
	account := srv.Root.AccountID
	named := kmCreate(t, root, &awskms.CreateKeyInput{Policy: aws.String(gtKeyPolicy(account,
		`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+other.account+`:root"},"Action":["kms:Encrypt","kms:Decrypt"],"Resource":"*"}`))})
	unnamed := kmCreate(t, root, nil)
	if _, err := gtEncrypt(other.admin, *named.Arn, nil); err != nil {
		t.Fatalf("cross-account use allowed by both policies: %v", err)
	}
	_, err := gtEncrypt(other.admin, *unnamed.Arn, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	// The other account's user with no IAM policy: the key policy alone
	// does not let another account's principals in.
	_, err = gtEncrypt(other.nobody, *named.Arn, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
}

// gtAccount is a second account of the node's organization, with an IAM
// user allowed KMS by its IAM policy and one with no policy.
type gtAccount struct {
	account       string
	admin, nobody *awskms.Client
}

// gtOtherAccount creates a member account (an organization first) and
// two IAM users in it.
func gtOtherAccount(t *testing.T, srv *testserver.Server) gtAccount {
	t.Helper()
	ctx := context.Background()
	orgs := awsorgs.NewFromConfig(srv.RootConfig())
	if _, err := orgs.CreateOrganization(ctx, &awsorgs.CreateOrganizationInput{}); err != nil {
		t.Fatal(err)
	}
	out, err := orgs.CreateAccount(ctx, &awsorgs.CreateAccountInput{AccountName: aws.String("other"), Email: aws.String("other@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	var account string
	for deadline := time.Now().Add(5 * time.Second); account == ""; {
		st, err := orgs.DescribeCreateAccountStatus(ctx, &awsorgs.DescribeCreateAccountStatusInput{CreateAccountRequestId: out.CreateAccountStatus.Id})
		if err != nil {
			t.Fatal(err)
		}
		account = aws.ToString(st.CreateAccountStatus.AccountId)
		if time.Now().After(deadline) {
			t.Fatal("CreateAccount did not complete")
		}
		time.Sleep(10 * time.Millisecond)
	}
	dir := srv.App.Directory()
	id, secret, err := organizations.CreateRootAccessKey(ctx, dir.Store(), dir.Credentials(), account, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	iamc := awsiam.NewFromConfig(srv.Config(id, secret, ""))
	user := func(name, doc string) *awskms.Client {
		if _, err := iamc.CreateUser(ctx, &awsiam.CreateUserInput{UserName: aws.String(name)}); err != nil {
			t.Fatal(err)
		}
		if doc != "" {
			if _, err := iamc.PutUserPolicy(ctx, &awsiam.PutUserPolicyInput{UserName: aws.String(name), PolicyName: aws.String("p"), PolicyDocument: aws.String(doc)}); err != nil {
				t.Fatal(err)
			}
		}
		k, err := iamc.CreateAccessKey(ctx, &awsiam.CreateAccessKeyInput{UserName: aws.String(name)})
		if err != nil {
			t.Fatal(err)
		}
		return awskms.NewFromConfig(srv.Config(aws.ToString(k.AccessKey.AccessKeyId), aws.ToString(k.AccessKey.SecretAccessKey), ""))
	}
	return gtAccount{account: account, admin: user("admin", gtAllowEncrypt), nobody: user("nobody", "")}
}
