package kms_test

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	awskms "github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
)

func TestGrantsAllowAPrincipalWithoutPolicies(t *testing.T) {
	srv, root := kmNode(t)
	ctx := context.Background()
	account := srv.Root.AccountID
	key := *kmCreate(t, root, nil).Arn
	grantee := gtUser(t, srv, "grantee", "")
	granteeARN := "arn:aws:iam::" + account + ":user/grantee"

	_, err := gtEncrypt(grantee, key, nil)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")

	g, err := root.CreateGrant(ctx, &awskms.CreateGrantInput{
		KeyId: aws.String(key), GranteePrincipal: aws.String(granteeARN), RetiringPrincipal: aws.String(granteeARN),
		Operations:  []types.GrantOperation{types.GrantOperationEncrypt, types.GrantOperationDecrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"Tenant": "acme"}},
		Name:        aws.String("app"),
	})
	if err != nil {
		t.Fatalf("CreateGrant: %v", err)
	}
	if len(aws.ToString(g.GrantId)) != 64 || aws.ToString(g.GrantToken) == "" {
		t.Fatalf("CreateGrant = %+v", g)
	}
	// The token is usable at once; the constraint is enforced (keys
	// without regard to case, values exactly).
	out, err := gtEncrypt(grantee, key, map[string]string{"tenant": "acme", "x": "y"}, *g.GrantToken)
	if err != nil {
		t.Fatalf("Encrypt through the grant: %v", err)
	}
	for _, ec := range []map[string]string{nil, {"tenant": "ACME"}} {
		_, err = gtEncrypt(grantee, key, ec, *g.GrantToken)
		kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	}
	if _, err := grantee.Decrypt(ctx, &awskms.DecryptInput{CiphertextBlob: out.CiphertextBlob,
		EncryptionContext: map[string]string{"tenant": "acme", "x": "y"}}); err != nil {
		t.Fatalf("Decrypt through the grant: %v", err)
	}
	// Operations outside the grant stay denied.
	_, err = grantee.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(key)})
	kmWantError(t, err, "AccessDeniedException", "kms:DescribeKey")
	// A token gatehouse did not issue.
	_, err = gtEncrypt(grantee, key, map[string]string{"tenant": "acme"}, "bm90LWEtdG9rZW4")
	kmWantError(t, err, "InvalidGrantTokenException", "")

	// The same name and parameters: the same grant.
	again, err := root.CreateGrant(ctx, &awskms.CreateGrantInput{
		KeyId: aws.String(key), GranteePrincipal: aws.String(granteeARN), RetiringPrincipal: aws.String(granteeARN),
		Operations:  []types.GrantOperation{types.GrantOperationDecrypt, types.GrantOperationEncrypt},
		Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"Tenant": "acme"}},
		Name:        aws.String("app"),
	})
	if err != nil || aws.ToString(again.GrantId) != *g.GrantId {
		t.Fatalf("retried CreateGrant = %v, %v; want grant %s", again, err, *g.GrantId)
	}
	list, err := root.ListGrants(ctx, &awskms.ListGrantsInput{KeyId: aws.String(key)})
	if err != nil || len(list.Grants) != 1 {
		t.Fatalf("ListGrants = %+v, %v", list, err)
	}
	e := list.Grants[0]
	if aws.ToString(e.KeyId) != key || aws.ToString(e.IssuingAccount) != "arn:aws:iam::"+account+":root" ||
		e.Constraints == nil || e.Constraints.EncryptionContextSubset["Tenant"] != "acme" || len(e.Operations) != 2 {
		t.Fatalf("grant entry = %+v", e)
	}
	ret, err := root.ListRetirableGrants(ctx, &awskms.ListRetirableGrantsInput{RetiringPrincipal: aws.String(granteeARN)})
	if err != nil || len(ret.Grants) != 1 {
		t.Fatalf("ListRetirableGrants = %+v, %v", ret, err)
	}

	// The retiring principal retires it with the token; the grant's
	// permissions end at once.
	if _, err := grantee.RetireGrant(ctx, &awskms.RetireGrantInput{GrantToken: g.GrantToken}); err != nil {
		t.Fatalf("RetireGrant by the retiring principal: %v", err)
	}
	_, err = gtEncrypt(grantee, key, map[string]string{"tenant": "acme"}, *g.GrantToken)
	kmWantError(t, err, "AccessDeniedException", "kms:Encrypt")
	_, err = grantee.RetireGrant(ctx, &awskms.RetireGrantInput{GrantToken: g.GrantToken})
	kmWantError(t, err, "NotFoundException", "")
}

func TestGrantsRevokeAndRules(t *testing.T) {
	srv, root := kmNode(t)
	ctx := context.Background()
	account := srv.Root.AccountID
	key := *kmCreate(t, root, nil).Arn
	user := gtUser(t, srv, "u", "")
	other := gtUser(t, srv, "other", "")
	userARN := "arn:aws:iam::" + account + ":user/u"

	g, err := root.CreateGrant(ctx, &awskms.CreateGrantInput{KeyId: aws.String(key), GranteePrincipal: aws.String(userARN),
		Operations: []types.GrantOperation{types.GrantOperationGenerateDataKey, types.GrantOperationDescribeKey}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := user.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String(key), KeySpec: types.DataKeySpecAes256}); err != nil {
		t.Fatalf("GenerateDataKey through the grant: %v", err)
	}
	if _, err := user.DescribeKey(ctx, &awskms.DescribeKeyInput{KeyId: aws.String(key)}); err != nil {
		t.Fatalf("DescribeKey through the grant: %v", err)
	}
	// Not the grantee, not a retiring principal: it cannot retire.
	_, err = other.RetireGrant(ctx, &awskms.RetireGrantInput{KeyId: aws.String(key), GrantId: g.GrantId})
	kmWantError(t, err, "AccessDeniedException", "kms:RetireGrant")
	// Nor can the grantee, whose grant lacks RetireGrant.
	_, err = user.RetireGrant(ctx, &awskms.RetireGrantInput{GrantToken: g.GrantToken})
	kmWantError(t, err, "AccessDeniedException", "kms:RetireGrant")

	_, err = root.RevokeGrant(ctx, &awskms.RevokeGrantInput{KeyId: aws.String(key), GrantId: g.GrantId, DryRun: aws.Bool(true)})
	kmWantError(t, err, "DryRunOperationException", "")
	if _, err := root.RevokeGrant(ctx, &awskms.RevokeGrantInput{KeyId: aws.String(key), GrantId: g.GrantId}); err != nil {
		t.Fatalf("RevokeGrant: %v", err)
	}
	_, err = user.GenerateDataKey(ctx, &awskms.GenerateDataKeyInput{KeyId: aws.String(key), KeySpec: types.DataKeySpecAes256})
	kmWantError(t, err, "AccessDeniedException", "kms:GenerateDataKey")
	_, err = root.RevokeGrant(ctx, &awskms.RevokeGrantInput{KeyId: aws.String(key), GrantId: g.GrantId})
	kmWantError(t, err, "NotFoundException", "")

	// AWS's rules on what a grant may say.
	for _, tc := range []struct {
		name string
		in   awskms.CreateGrantInput
	}{
		{"Sign on a symmetric key", awskms.CreateGrantInput{Operations: []types.GrantOperation{types.GrantOperationSign}}},
		{"both constraints", awskms.CreateGrantInput{Operations: []types.GrantOperation{types.GrantOperationEncrypt},
			Constraints: &types.GrantConstraints{EncryptionContextSubset: map[string]string{"a": "b"}, EncryptionContextEquals: map[string]string{"a": "b"}}}},
		{"not a principal", awskms.CreateGrantInput{GranteePrincipal: aws.String("someone"), Operations: []types.GrantOperation{types.GrantOperationEncrypt}}},
	} {
		in := tc.in
		in.KeyId = aws.String(key)
		if in.GranteePrincipal == nil {
			in.GranteePrincipal = aws.String(userARN)
		}
		_, err := root.CreateGrant(ctx, &in)
		kmWantError(t, err, "ValidationException", "")
	}
	signing := kmCreate(t, root, &awskms.CreateKeyInput{KeySpec: types.KeySpecEccNistP256, KeyUsage: types.KeyUsageTypeSignVerify})
	_, err = root.CreateGrant(ctx, &awskms.CreateGrantInput{KeyId: signing.Arn, GranteePrincipal: aws.String(userARN),
		Operations: []types.GrantOperation{types.GrantOperationGenerateDataKey}})
	kmWantError(t, err, "ValidationException", "GenerateDataKey")
	if _, err := root.CreateGrant(ctx, &awskms.CreateGrantInput{KeyId: signing.Arn, GranteePrincipal: aws.String(userARN),
		Operations: []types.GrantOperation{types.GrantOperationSign, types.GrantOperationGetPublicKey}}); err != nil {
		t.Fatalf("Sign grant on a signing key: %v", err)
	}
}
