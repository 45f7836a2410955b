package sts_test

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/gatehouse/gatehouse/internal/authmsg"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/session"
)

func TestDecodeAuthorizationMessage(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	msg := &authmsg.Message{
		ExplicitDeny: true,
		MatchedStatements: authmsg.List[authmsg.Statement]{Items: []authmsg.Statement{{
			StatementID: "NoDeletes", Effect: "DENY", Actions: authmsg.Values("iam:DeleteUser"), Resources: authmsg.Values("*"),
		}}},
		Context: authmsg.Context{
			Principal: authmsg.Principal{ID: "AIDAEXAMPLE", Name: "alice", ARN: "arn:aws:iam::" + n.Account + ":user/alice"},
			Action:    "iam:DeleteUser",
			Resource:  "arn:aws:iam::" + n.Account + ":user/bob",
		},
	}
	enc := authmsg.Encode(n.KR, msg)
	out, err := n.rootSTS().DecodeAuthorizationMessage(ctx, &stssdk.DecodeAuthorizationMessageInput{EncodedMessage: &enc})
	if err != nil {
		t.Fatalf("DecodeAuthorizationMessage: %v", err)
	}
	var got map[string]any
	if err := json.Unmarshal([]byte(*out.DecodedMessage), &got); err != nil {
		t.Fatalf("decoded message is not JSON: %s", *out.DecodedMessage)
	}
	if got["explicitDeny"] != true || got["allowed"] != false || !strings.Contains(*out.DecodedMessage, `"statementId":"NoDeletes"`) {
		t.Errorf("decoded message: %s", *out.DecodedMessage)
	}

	for _, bad := range []string{"garbage", enc[:len(enc)-3] + "AAA"} {
		_, err := n.rootSTS().DecodeAuthorizationMessage(ctx, &stssdk.DecodeAuthorizationMessageInput{EncodedMessage: aws.String(bad)})
		apiError(t, err, "InvalidAuthorizationMessageException", "")
	}
	// Another account's message is not decoded here.
	msg.Context.Principal.ARN = "arn:aws:iam::111122223333:user/alice"
	foreign := authmsg.Encode(n.KR, msg)
	_, err = n.rootSTS().DecodeAuthorizationMessage(ctx, &stssdk.DecodeAuthorizationMessageInput{EncodedMessage: &foreign})
	apiError(t, err, "InvalidAuthorizationMessageException", "")
}

func TestGetAccessKeyInfo(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, _ := n.user(t, "alice", "")
	creds, err := alice.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	client := n.rootSTS()
	info, err := client.GetAccessKeyInfo(ctx, &stssdk.GetAccessKeyInfoInput{AccessKeyId: &creds.AccessKeyID})
	if err != nil || *info.Account != n.Account {
		t.Errorf("GetAccessKeyInfo of alice's key = %v, %v; want %s", info, err, n.Account)
	}
	// A temporary key carries its account, whether or not its session
	// still exists.
	asia, err := session.NewAccessKeyID(session.KeyIDPrefix, "444455556666")
	if err != nil {
		t.Fatal(err)
	}
	info, err = client.GetAccessKeyInfo(ctx, &stssdk.GetAccessKeyInfoInput{AccessKeyId: &asia})
	if err != nil || *info.Account != "444455556666" {
		t.Errorf("GetAccessKeyInfo(%s) = %v, %v", asia, info, err)
	}
	// AWS answers an account for any well-formed id.
	info, err = client.GetAccessKeyInfo(ctx, &stssdk.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIAIOSFODNN7EXAMPLE")})
	if err != nil || len(*info.Account) != 12 {
		t.Errorf("GetAccessKeyInfo(AKIAIOSFODNN7EXAMPLE) = %v, %v", info, err)
	}
	_, err = client.GetAccessKeyInfo(ctx, &stssdk.GetAccessKeyInfoInput{AccessKeyId: aws.String("AKIA0000000000000000")})
	apiError(t, err, "InvalidParameterValue", "")
}

func TestAssumeRootNeedsOrganizations(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, _ := n.user(t, "alice", allowAll)
	in := &stssdk.AssumeRootInput{TargetPrincipal: aws.String("111122223333"),
		TaskPolicyArn: &ststypes.PolicyDescriptorType{Arn: aws.String("arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy")}}
	_, err := stssdk.NewFromConfig(alice).AssumeRoot(ctx, in)
	ae := apiError(t, err, "AccessDenied", "")
	if !strings.Contains(ae.ErrorMessage(), "AWS Organizations") {
		t.Errorf("AssumeRoot refusal does not say why: %s", ae.ErrorMessage())
	}
	_, err = n.rootSTS().AssumeRoot(ctx, in)
	apiError(t, err, "AccessDenied", "Root user credentials cannot be used to call AssumeRoot.")
}

func TestGetWebIdentityToken(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetWebIdentityToken","Resource":"*"}]}`)
	client := stssdk.NewFromConfig(alice)
	in := &stssdk.GetWebIdentityTokenInput{Audience: []string{"https://api.example.com"}, SigningAlgorithm: aws.String("ES384"),
		Tags: []ststypes.Tag{{Key: aws.String("job"), Value: aws.String("nightly")}}}
	_, err := client.GetWebIdentityToken(ctx, in)
	apiError(t, err, "OutboundWebIdentityFederationDisabledException", "")

	enabled, err := n.rootIAM().EnableOutboundWebIdentityFederation(ctx, &iamsdk.EnableOutboundWebIdentityFederationInput{})
	if err != nil {
		t.Fatalf("EnableOutboundWebIdentityFederation: %v", err)
	}
	for _, alg := range []string{"ES384", "RS256"} {
		in.SigningAlgorithm = aws.String(alg)
		out, err := client.GetWebIdentityToken(ctx, in)
		if err != nil {
			t.Fatalf("GetWebIdentityToken %s: %v", alg, err)
		}
		tok, err := jwt.ParseSigned(*out.WebIdentityToken, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
		if err != nil {
			t.Fatalf("the token is not a %s JWT: %v", alg, err)
		}
		keys, err := n.STS.OutboundJWKS(ctx, n.Account)
		if err != nil {
			t.Fatal(err)
		}
		var claims jwt.Claims
		var custom map[string]any
		found := keys.Key(tok.Headers[0].KeyID)
		if len(found) != 1 {
			t.Fatalf("the JWKS has no key %q", tok.Headers[0].KeyID)
		}
		if err := tok.Claims(found[0].Key, &claims, &custom); err != nil {
			t.Fatalf("the token does not verify with the published key: %v", err)
		}
		aws, _ := custom["https://sts.amazonaws.com/"].(map[string]any)
		if claims.Issuer != *enabled.IssuerIdentifier || claims.Subject != aliceARN || !claims.Audience.Contains("https://api.example.com") {
			t.Errorf("claims: iss %s sub %s aud %v", claims.Issuer, claims.Subject, claims.Audience)
		}
		if d := claims.Expiry.Time().Sub(claims.IssuedAt.Time()); d != 5*time.Minute {
			t.Errorf("the token lives %v, want the default 5 minutes", d)
		}
		if aws["aws_account"] != n.Account || !strings.Contains(toJSON(aws["request_tags"]), `"job":"nightly"`) {
			t.Errorf("AWS claims: %v", aws)
		}
	}
}

func toJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestGetDelegatedAccessToken(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	partner, _ := n.user(t, "partner", `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sts:GetDelegatedAccessToken","Resource":"*"}]}`)
	token := "dr-0001.s3cr3t"
	sum := sha256.Sum256([]byte(token))
	put := func(state string, expires time.Time) {
		t.Helper()
		err := n.Dir.Update(ctx, func(tx *iam.Tx) error {
			return tx.PutDelegationRequest(&iam.DelegationRequest{
				ID: "dr-0001", RequestorAccount: n.Account, OwnerAccountID: n.Account,
				ApproverID:       "arn:aws:iam::" + n.Account + ":root",
				PermissionPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:ListUsers","Resource":"*"}]}`,
				SessionDuration:  3600, State: state, TokenHash: sum[:], AccessExpires: expires,
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("FINALIZED", time.Now().Add(time.Hour))
	client := stssdk.NewFromConfig(partner)
	out, err := client.GetDelegatedAccessToken(ctx, &stssdk.GetDelegatedAccessTokenInput{TradeInToken: &token})
	if err != nil {
		t.Fatalf("GetDelegatedAccessToken: %v", err)
	}
	if *out.AssumedPrincipal != "arn:aws:iam::"+n.Account+":root" {
		t.Errorf("AssumedPrincipal = %s", *out.AssumedPrincipal)
	}
	delegated := n.session(out.Credentials)
	if _, err := iamsdk.NewFromConfig(delegated).ListUsers(ctx, &iamsdk.ListUsersInput{}); err != nil {
		t.Errorf("ListUsers, which the delegation grants: %v", err)
	}
	if _, err := iamsdk.NewFromConfig(delegated).ListRoles(ctx, &iamsdk.ListRolesInput{}); err == nil {
		t.Error("ListRoles, which the delegation does not grant, was allowed")
	}
	_, err = client.GetDelegatedAccessToken(ctx, &stssdk.GetDelegatedAccessTokenInput{TradeInToken: aws.String("dr-0001.wrong")})
	apiError(t, err, "InvalidParameterValue", "")
	put("FINALIZED", time.Now().Add(-time.Minute))
	_, err = client.GetDelegatedAccessToken(ctx, &stssdk.GetDelegatedAccessTokenInput{TradeInToken: &token})
	apiError(t, err, "ExpiredTradeInTokenException", "")
}

func TestDevModeIgnoresForeignSessionTokens(t *testing.T) {
	n := startNode(t, nodeOptions{dev: true})
	ctx := context.Background()
	// Test suites written for moto send AWS_SESSION_TOKEN=testing with
	// made-up keys: dev mode still treats them as the default root.
	cfg := n.config("ASIAFAKEFAKEFAKEFAKE", "secret", "testing")
	id, err := stssdk.NewFromConfig(cfg).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with a foreign session token in dev mode: %v", err)
	}
	if *id.Arn != "arn:aws:iam::000000000000:root" {
		t.Errorf("identity = %s, want the dev account's root", *id.Arn)
	}
	// In dev mode the root user may assume roles, as moto lets it.
	roleARN, _ := n.role(t, "DevRole", trustAWS("arn:aws:iam::"+n.Account+":root"), "", 0)
	out, err := n.rootSTS().AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("dev")})
	if err != nil {
		t.Fatalf("AssumeRole by the root user in dev mode: %v", err)
	}
	id, err = stssdk.NewFromConfig(n.session(out.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil || !strings.HasSuffix(*id.Arn, ":assumed-role/DevRole/dev") {
		t.Errorf("dev-mode role session identity = %v, %v", id, err)
	}
}
