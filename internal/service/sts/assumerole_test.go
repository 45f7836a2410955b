package sts_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	iamsdk "github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	stssdk "github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
)

const assumeRolePolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["sts:AssumeRole","sts:TagSession","sts:SetSourceIdentity"],"Resource":"*"}]}`

func TestAssumeRoleThenCallerIdentity(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", assumeRolePolicy)
	roleARN, roleID := n.role(t, "Deployer", trustAWS(aliceARN), allowAll, 0)

	before := time.Now()
	out, err := stssdk.NewFromConfig(alice).AssumeRole(ctx, &stssdk.AssumeRoleInput{
		RoleArn: &roleARN, RoleSessionName: aws.String("ci-run-42"),
		Tags:              []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("Blue")}},
		TransitiveTagKeys: []string{"Project"},
		SourceIdentity:    aws.String("alice"),
	})
	if err != nil {
		t.Fatalf("AssumeRole: %v", err)
	}
	c := out.Credentials
	if !strings.HasPrefix(*c.AccessKeyId, "ASIA") || len(*c.SecretAccessKey) != 40 || *c.SessionToken == "" {
		t.Errorf("credentials: key %s, secret %d characters, token %d characters", *c.AccessKeyId, len(*c.SecretAccessKey), len(*c.SessionToken))
	}
	if n := len(*c.SessionToken); n > 2048 {
		t.Errorf("session token is %d characters; a typical session's should stay under 2 KB", n)
	}
	if d := c.Expiration.Sub(before); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("Expiration %v is %v away, want the default hour", c.Expiration, d)
	}
	wantARN := "arn:aws:sts::" + n.Account + ":assumed-role/Deployer/ci-run-42"
	if got := *out.AssumedRoleUser.Arn; got != wantARN {
		t.Errorf("AssumedRoleUser.Arn = %s, want %s", got, wantARN)
	}
	if got := *out.AssumedRoleUser.AssumedRoleId; got != roleID+":ci-run-42" {
		t.Errorf("AssumedRoleId = %s, want %s:ci-run-42", got, roleID)
	}
	if out.PackedPolicySize == nil || *out.PackedPolicySize <= 0 || *out.PackedPolicySize > 100 {
		t.Errorf("PackedPolicySize = %v, want a percentage for the session tags", out.PackedPolicySize)
	}
	if aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("SourceIdentity = %v", out.SourceIdentity)
	}

	session := n.session(c)
	id, err := stssdk.NewFromConfig(session).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the session: %v", err)
	}
	if *id.Arn != wantARN || *id.UserId != roleID+":ci-run-42" || *id.Account != n.Account {
		t.Errorf("caller identity = %s %s %s", *id.Arn, *id.UserId, *id.Account)
	}
	// The session has the role's permissions.
	if _, err := iamsdk.NewFromConfig(session).ListRoles(ctx, &iamsdk.ListRolesInput{}); err != nil {
		t.Errorf("ListRoles with the role session: %v", err)
	}
	// GetAccessKeyInfo answers the account of the temporary key.
	info, err := n.rootSTS().GetAccessKeyInfo(ctx, &stssdk.GetAccessKeyInfoInput{AccessKeyId: c.AccessKeyId})
	if err != nil || *info.Account != n.Account {
		t.Errorf("GetAccessKeyInfo(%s) = %v, %v; want %s", *c.AccessKeyId, info, err, n.Account)
	}
	// The role's last use is recorded.
	r, err := n.rootIAM().GetRole(ctx, &iamsdk.GetRoleInput{RoleName: aws.String("Deployer")})
	if err != nil {
		t.Fatal(err)
	}
	if r.Role.RoleLastUsed == nil || r.Role.RoleLastUsed.LastUsedDate == nil || r.Role.RoleLastUsed.LastUsedDate.Before(before.Add(-time.Second)) {
		t.Errorf("RoleLastUsed = %+v, want the AssumeRole just made", r.Role.RoleLastUsed)
	}
}

func TestAssumeRoleDurationsAndChaining(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", assumeRolePolicy)
	shortARN, _ := n.role(t, "Short", trustAWS(aliceARN), assumeRolePolicy, 0)
	longARN, _ := n.role(t, "Long", trustAWS(aliceARN, "arn:aws:iam::"+n.Account+":role/Short"), allowAll, 7200)
	client := stssdk.NewFromConfig(alice)

	_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &shortARN, RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(7200)})
	apiError(t, err, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

	long, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &longARN, RoleSessionName: aws.String("two-hours"), DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatalf("AssumeRole for two hours on a role allowing them: %v", err)
	}
	if d := time.Until(*long.Credentials.Expiration); d < 119*time.Minute {
		t.Errorf("two-hour session expires in %v", d)
	}

	// Role chaining: a role session assuming a role is held to one hour.
	short, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &shortARN, RoleSessionName: aws.String("first")})
	if err != nil {
		t.Fatal(err)
	}
	chained := stssdk.NewFromConfig(n.session(short.Credentials))
	_, err = chained.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &longARN, RoleSessionName: aws.String("second"), DurationSeconds: aws.Int32(7200)})
	apiError(t, err, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	second, err := chained.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &longARN, RoleSessionName: aws.String("second")})
	if err != nil {
		t.Fatalf("chained AssumeRole within an hour: %v", err)
	}
	id, err := stssdk.NewFromConfig(n.session(second.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + n.Account + ":assumed-role/Long/second"; *id.Arn != want {
		t.Errorf("chained session is %s, want %s", *id.Arn, want)
	}
}

func TestAssumeRoleRefusals(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", assumeRolePolicy)
	roleARN, _ := n.role(t, "Deployer", trustAWS(aliceARN), assumeRolePolicy, 0)
	nextARN, _ := n.role(t, "Next", trustAWS("arn:aws:iam::"+n.Account+":role/Deployer"), "", 0)
	client := stssdk.NewFromConfig(alice)
	name := aws.String("s1")

	missing := "arn:aws:iam::" + n.Account + ":role/NoSuchRole"
	_, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &missing, RoleSessionName: name})
	ae := apiError(t, err, "AccessDenied", "")
	if !strings.Contains(ae.ErrorMessage(), "User: "+aliceARN+" is not authorized to perform: sts:AssumeRole on resource: "+missing) {
		t.Errorf("message for a missing role: %s", ae.ErrorMessage())
	}

	// The root user may not assume roles, even one whose trust policy
	// names the account.
	accountRoleARN, _ := n.role(t, "AccountTrusted", trustAWS("arn:aws:iam::"+n.Account+":root"), "", 0)
	_, err = n.rootSTS().AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &accountRoleARN, RoleSessionName: name})
	apiError(t, err, "AccessDenied", "Roles may not be assumed by root accounts.")

	_, err = client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name, Policy: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Resource":"*"}]}`)})
	apiError(t, err, "MalformedPolicyDocument", "")

	_, err = client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name,
		PolicyArns: []ststypes.PolicyDescriptorType{{Arn: aws.String("arn:aws:iam::" + n.Account + ":policy/Nope")}}})
	apiError(t, err, "InvalidParameterValue", "")

	_, err = client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name, Tags: []ststypes.Tag{
		{Key: aws.String("team"), Value: aws.String("a")}, {Key: aws.String("Team"), Value: aws.String("b")}}})
	apiError(t, err, "InvalidParameterValue", "Duplicate tag keys found. Please note that Tag keys are case insensitive.")

	_, err = client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name,
		Tags: []ststypes.Tag{{Key: aws.String("team"), Value: aws.String("a")}}, TransitiveTagKeys: []string{"project"}})
	apiError(t, err, "InvalidParameterValue", "The specified transitive tag key must be included in the requested tags.")

	// A chained session inherits transitive tags and may not override
	// them; its source identity may not change either.
	first, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name, SourceIdentity: aws.String("alice"),
		Tags: []ststypes.Tag{{Key: aws.String("Project"), Value: aws.String("Blue")}}, TransitiveTagKeys: []string{"Project"}})
	if err != nil {
		t.Fatal(err)
	}
	chained := stssdk.NewFromConfig(n.session(first.Credentials))
	_, err = chained.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &nextARN, RoleSessionName: name,
		Tags: []ststypes.Tag{{Key: aws.String("project"), Value: aws.String("Red")}}})
	apiError(t, err, "InvalidParameterValue", "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session.")
	_, err = chained.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &nextARN, RoleSessionName: name, SourceIdentity: aws.String("mallory")})
	apiError(t, err, "InvalidParameterValue", "")
	next, err := chained.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &nextARN, RoleSessionName: name})
	if err != nil {
		t.Fatalf("chained AssumeRole: %v", err)
	}
	if aws.ToString(next.SourceIdentity) != "alice" {
		t.Errorf("chained session's SourceIdentity = %v, want the calling session's", next.SourceIdentity)
	}
	if next.PackedPolicySize == nil {
		t.Error("a chained session carrying transitive tags reports no PackedPolicySize")
	}

	// Session tags whose packed size is over the limit.
	var tags []ststypes.Tag
	for i := range 50 {
		tags = append(tags, ststypes.Tag{Key: aws.String(fmt.Sprintf("k%02d-%s", i, randomHex(t, 8))), Value: aws.String(randomHex(t, 100))})
	}
	_, err = client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: name, Tags: tags})
	ae = apiError(t, err, "PackedPolicyTooLarge", "")
	if !strings.HasPrefix(ae.ErrorMessage(), "Packed size of session tags consumes ") || !strings.HasSuffix(ae.ErrorMessage(), "% of allotted space.") {
		t.Errorf("PackedPolicyTooLarge message: %s", ae.ErrorMessage())
	}
}

func TestSessionTokenFailures(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", assumeRolePolicy)
	roleARN, _ := n.role(t, "Deployer", trustAWS(aliceARN), allowAll, 0)
	client := stssdk.NewFromConfig(alice)
	first, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("one"), DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	second, err := client.AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("two")})
	if err != nil {
		t.Fatal(err)
	}
	const invalid = "The security token included in the request is invalid."

	// A token with one character changed.
	tok := *first.Credentials.SessionToken
	i := len(tok) / 2
	flipped := "A"
	if tok[i] == 'A' {
		flipped = "B"
	}
	tampered := n.config(*first.Credentials.AccessKeyId, *first.Credentials.SecretAccessKey, tok[:i]+flipped+tok[i+1:])
	_, err = stssdk.NewFromConfig(tampered, noRetry).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	apiError(t, err, "InvalidClientTokenId", invalid)
	// JSON protocols answer UnrecognizedClientException.
	_, err = kms.NewFromConfig(tampered, func(o *kms.Options) { o.RetryMaxAttempts = 1 }).ListKeys(ctx, &kms.ListKeysInput{})
	apiError(t, err, "UnrecognizedClientException", invalid)

	// A genuine token of another session, signed with this session's key.
	swapped := n.config(*first.Credentials.AccessKeyId, *first.Credentials.SecretAccessKey, *second.Credentials.SessionToken)
	_, err = stssdk.NewFromConfig(swapped, noRetry).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	apiError(t, err, "InvalidClientTokenId", invalid)

	// The right token with a wrong secret.
	wrongSecret := n.config(*first.Credentials.AccessKeyId, *second.Credentials.SecretAccessKey, *first.Credentials.SessionToken)
	_, err = stssdk.NewFromConfig(wrongSecret, noRetry).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	apiError(t, err, "SignatureDoesNotMatch", "")

	// An ASIA key without its token.
	noToken := n.config(*first.Credentials.AccessKeyId, *first.Credentials.SecretAccessKey, "")
	_, err = stssdk.NewFromConfig(noToken, noRetry).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	apiError(t, err, "InvalidClientTokenId", invalid)

	// After its expiration the session is refused as expired, in the
	// words of each protocol.
	session := n.session(first.Credentials)
	if _, err := stssdk.NewFromConfig(session).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("the session before it expires: %v", err)
	}
	n.Clock.Advance(16 * time.Minute)
	_, err = stssdk.NewFromConfig(session, noRetry).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	apiError(t, err, "ExpiredToken", "The security token included in the request is expired")
	if status := httpStatus(err); status != http.StatusForbidden {
		t.Errorf("ExpiredToken status = %d, want 403", status)
	}
	_, err = kms.NewFromConfig(session, func(o *kms.Options) { o.RetryMaxAttempts = 1 }).ListKeys(ctx, &kms.ListKeysInput{})
	apiError(t, err, "ExpiredTokenException", "The security token included in the request is expired")
	// The one-hour session is still good.
	if _, err := stssdk.NewFromConfig(n.session(second.Credentials)).GetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{}); err != nil {
		t.Errorf("an unexpired session after the clock moved: %v", err)
	}
}

func TestPresignedURLWithSessionToken(t *testing.T) {
	n := startNode(t, nodeOptions{})
	ctx := context.Background()
	alice, aliceARN := n.user(t, "alice", assumeRolePolicy)
	roleARN, _ := n.role(t, "Reader", trustAWS(aliceARN), "", 0)
	out, err := stssdk.NewFromConfig(alice).AssumeRole(ctx, &stssdk.AssumeRoleInput{RoleArn: &roleARN, RoleSessionName: aws.String("presigner")})
	if err != nil {
		t.Fatal(err)
	}
	presigned, err := stssdk.NewPresignClient(stssdk.NewFromConfig(n.session(out.Credentials))).PresignGetCallerIdentity(ctx, &stssdk.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(presigned.URL, "X-Amz-Security-Token=") {
		t.Fatalf("presigned URL carries no session token: %s", presigned.URL)
	}
	body := fetch(t, presigned.Method, presigned.URL, presigned.SignedHeader, http.StatusOK)
	if want := "<Arn>arn:aws:sts::" + n.Account + ":assumed-role/Reader/presigner</Arn>"; !strings.Contains(body, want) {
		t.Errorf("presigned GetCallerIdentity answered %s, want %s", body, want)
	}
	// The same URL with the token altered is refused.
	bad := strings.Replace(presigned.URL, "X-Amz-Security-Token=", "X-Amz-Security-Token=A", 1)
	body = fetch(t, presigned.Method, bad, presigned.SignedHeader, http.StatusForbidden)
	if !strings.Contains(body, "InvalidClientTokenId") {
		t.Errorf("altered presigned token answered %s", body)
	}
}
