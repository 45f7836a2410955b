package protocol

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	gdtypes "github.com/aws/aws-sdk-go-v2/service/guardduty/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/inspector2"
	instypes "github.com/aws/aws-sdk-go-v2/service/inspector2/types"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	kmstypes "github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// These tests put the codecs behind an HTTP server and call it with the
// real aws-sdk-go-v2 clients, so that what the SDKs send decodes and what
// the codecs write parses, including typed errors.

// handlerFunc serves one operation in the SDK tests.
type handlerFunc func(in any) (any, *Error)

// sdkServer routes, decodes and encodes exactly as the gatehouse server is
// meant to, dispatching to handlers by "service.Operation".
func sdkServer(t *testing.T, handlers map[string]handlerFunc) *httptest.Server {
	t.Helper()
	rt := testRouter()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		req, err := rt.Route(r, body, credentialScopeService(r.Header.Get("Authorization")))
		if err != nil {
			e, _ := AsError(err)
			WriteError(w, req.Service, "rid-route", e)
			return
		}
		in, err := DecodeInput(req, r, body)
		if err != nil {
			e, _ := AsError(err)
			WriteError(w, req.Service, "rid-decode", e)
			return
		}
		h := handlers[req.Service.ID+"."+req.Op.Name]
		if h == nil {
			WriteError(w, req.Service, "rid", NotImplemented(req.Op))
			return
		}
		out, herr := h(in)
		if herr != nil {
			WriteError(w, req.Service, "rid-handler", herr)
			return
		}
		if err := WriteResponse(w, req.Op, "rid-ok", out); err != nil {
			t.Errorf("WriteResponse: %v", err)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

// credentialScopeService extracts the service of a SigV4 credential scope.
func credentialScopeService(auth string) string {
	_, rest, ok := strings.Cut(auth, "Credential=")
	if !ok {
		return ""
	}
	scope, _, _ := strings.Cut(rest, ",")
	parts := strings.Split(scope, "/")
	if len(parts) < 5 {
		return ""
	}
	return parts[3]
}

func sdkConfig(url string) aws.Config {
	return aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint: aws.String(url),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	}
}

func TestSDKIAM(t *testing.T) {
	created := time.Date(2026, 11, 27, 15, 26, 46, 0, time.UTC)
	var got *iamCreateUserInput
	srv := sdkServer(t, map[string]handlerFunc{
		"iam.CreateUser": func(in any) (any, *Error) {
			got = in.(*iamCreateUserInput)
			return &iamCreateUserOutput{User: &iamUser{Path: got.Path, UserName: got.UserName, UserId: ptr("AIDA1"),
				Arn: ptr("arn:aws:iam::123456789012:user/" + *got.UserName), CreateDate: &created, Tags: got.Tags}}, nil
		},
		"iam.ListUsers": func(in any) (any, *Error) {
			if l := in.(*iamListUsersInput); l.MaxItems == nil || *l.MaxItems != 5 {
				return nil, Errorf(400, "InvalidInput", "MaxItems %v", l.MaxItems)
			}
			return &iamListUsersOutput{IsTruncated: ptr(false)}, nil
		},
		"iam.GetUser": func(in any) (any, *Error) {
			return nil, Errorf(404, "NoSuchEntity", "The user with name %s cannot be found.", *in.(*iamGetUserInput).UserName)
		},
		"iam.GetAccountSummary": func(any) (any, *Error) {
			return &iamGetAccountSummaryOutput{SummaryMap: map[iamSummaryKey]int32{"Users": 3, "Roles": 0}}, nil
		},
		"iam.DeleteUser": func(any) (any, *Error) { return nil, nil },
	})
	c := iam.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()

	out, err := c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bob"), Path: aws.String("/a&b<c>\"'/"),
		Tags: []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("a b+c=d")}, {Key: aws.String("e"), Value: aws.String("")}}})
	if err != nil {
		t.Fatal(err)
	}
	if *got.UserName != "bob" || len(got.Tags) != 2 || *got.Tags[0].Value != "a b+c=d" || *got.Tags[1].Value != "" {
		t.Errorf("server decoded %+v", got)
	}
	if !out.User.CreateDate.Equal(created) || *out.User.Arn != "arn:aws:iam::123456789012:user/bob" || *out.User.Tags[0].Value != "a b+c=d" || *out.User.Path != "/a&b<c>\"'/" {
		t.Errorf("client decoded %+v", out.User)
	}

	lu, err := c.ListUsers(ctx, &iam.ListUsersInput{MaxItems: aws.Int32(5)})
	if err != nil || lu.IsTruncated || len(lu.Users) != 0 {
		t.Errorf("ListUsers: %v %+v", err, lu)
	}

	_, err = c.GetUser(ctx, &iam.GetUserInput{UserName: aws.String("ghost")})
	var nse *iamtypes.NoSuchEntityException
	if !errors.As(err, &nse) || nse.ErrorMessage() != "The user with name ghost cannot be found." {
		t.Errorf("GetUser error: %v", err)
	}

	_, err = c.CreateUser(ctx, &iam.CreateUserInput{UserName: aws.String("bad name!")})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationError" ||
		!strings.Contains(apiErr.ErrorMessage(), "Value 'bad name!' at 'userName' failed to satisfy constraint") {
		t.Errorf("validation error: %v", err)
	}

	sum, err := c.GetAccountSummary(ctx, &iam.GetAccountSummaryInput{})
	if err != nil || sum.SummaryMap["Users"] != 3 || len(sum.SummaryMap) != 2 {
		t.Errorf("GetAccountSummary: %v %+v", err, sum)
	}
	if _, err := c.DeleteUser(ctx, &iam.DeleteUserInput{UserName: aws.String("bob")}); err != nil {
		t.Errorf("DeleteUser: %v", err)
	}

	// An operation the server routes but has no handler for.
	_, err = c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("r")})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "InvalidAction" {
		t.Errorf("GetRole: %v", err)
	}
}

func TestSDKSTS(t *testing.T) {
	exp := time.Date(2026, 11, 27, 16, 26, 46, 0, time.UTC)
	var assumed *stsAssumeRoleInput
	srv := sdkServer(t, map[string]handlerFunc{
		"sts.GetCallerIdentity": func(any) (any, *Error) {
			return &stsGetCallerIdentityOutput{UserId: ptr("AIDA1"), Account: ptr("123456789012"), Arn: ptr("arn:aws:iam::123456789012:user/bob")}, nil
		},
		"sts.AssumeRole": func(in any) (any, *Error) {
			assumed = in.(*stsAssumeRoleInput)
			return &stsAssumeRoleOutput{
				Credentials:     &stsCredentials{AccessKeyId: ptr("ASIA1"), SecretAccessKey: ptr("s"), SessionToken: ptr("t"), Expiration: &exp},
				AssumedRoleUser: &stsAssumedRoleUser{AssumedRoleId: ptr("AROA1:s"), Arn: ptr("arn:aws:sts::123456789012:assumed-role/r/s")},
			}, nil
		},
	})
	c := sts.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()
	id, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || *id.Account != "123456789012" || *id.UserId != "AIDA1" {
		t.Fatalf("GetCallerIdentity: %v %+v", err, id)
	}
	ar, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::123456789012:role/r"),
		RoleSessionName: aws.String("s1"), DurationSeconds: aws.Int32(900), TransitiveTagKeys: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	if !ar.Credentials.Expiration.Equal(exp) || *ar.AssumedRoleUser.AssumedRoleId != "AROA1:s" {
		t.Errorf("AssumeRole output %+v", ar.Credentials)
	}
	if *assumed.DurationSeconds != 900 || assumed.TransitiveTagKeys == nil {
		t.Errorf("AssumeRole input %+v", assumed)
	}
}

func TestSDKKMS(t *testing.T) {
	created := time.Date(2019, 2, 25, 21, 13, 27, 775e6, time.UTC)
	var enc *kmsEncryptInput
	srv := sdkServer(t, map[string]handlerFunc{
		"kms.Encrypt": func(in any) (any, *Error) {
			enc = in.(*kmsEncryptInput)
			if *enc.KeyId == "missing" {
				return nil, Errorf(400, "NotFoundException", "Key 'missing' does not exist")
			}
			return &kmsEncryptOutput{CiphertextBlob: append([]byte("ct:"), enc.Plaintext...), KeyId: ptr("arn:aws:kms:us-east-1:123456789012:key/k"),
				EncryptionAlgorithm: enc.EncryptionAlgorithm}, nil
		},
		"kms.CreateKey": func(in any) (any, *Error) {
			ck := in.(*kmsCreateKeyInput)
			return &kmsCreateKeyOutput{KeyMetadata: &kmsKeyMetadata{KeyId: ptr("k"), CreationDate: &created, Enabled: ptr(true),
				Description: ck.Description, KeyUsage: ck.KeyUsage}}, nil
		},
	})
	c := kms.NewFromConfig(sdkConfig(srv.URL))
	ctx := context.Background()
	out, err := c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("alias/app"), Plaintext: []byte{0, 1, 2, 255},
		EncryptionContext: map[string]string{"a": "b"}, GrantTokens: []string{"g"}, EncryptionAlgorithm: kmstypes.EncryptionAlgorithmSpecSymmetricDefault})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.CiphertextBlob) != "ct:\x00\x01\x02\xff" || out.EncryptionAlgorithm != kmstypes.EncryptionAlgorithmSpecSymmetricDefault {
		t.Errorf("Encrypt output %+v", out)
	}
	if enc.EncryptionContext["a"] != "b" || enc.GrantTokens[0] != "g" {
		t.Errorf("Encrypt input %+v", enc)
	}

	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("missing"), Plaintext: []byte("x")})
	var nf *kmstypes.NotFoundException
	if !errors.As(err, &nf) || nf.ErrorMessage() != "Key 'missing' does not exist" {
		t.Errorf("NotFound: %v", err)
	}
	_, err = c.Encrypt(ctx, &kms.EncryptInput{KeyId: aws.String("k"), Plaintext: []byte("x"), EncryptionAlgorithm: "AES"})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationException" || !strings.Contains(apiErr.ErrorMessage(), "Member must satisfy enum value set") {
		t.Errorf("enum validation: %v", err)
	}

	ck, err := c.CreateKey(ctx, &kms.CreateKeyInput{Description: aws.String("d"), KeyUsage: kmstypes.KeyUsageTypeEncryptDecrypt})
	if err != nil || !ck.KeyMetadata.CreationDate.Equal(created) || *ck.KeyMetadata.Description != "d" || !ck.KeyMetadata.Enabled {
		t.Errorf("CreateKey: %v %+v", err, ck)
	}
	// An operation with no handler and one the router does not know.
	_, err = c.ListKeys(ctx, &kms.ListKeysInput{})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NotImplemented" {
		t.Errorf("ListKeys: %v", err)
	}
	_, err = c.ListAliases(ctx, &kms.ListAliasesInput{})
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("ListAliases: %v", err)
	}
}

func TestSDKRestJSON(t *testing.T) {
	var created *gdCreateDetectorInput
	var listed *gdListDetectorsInput
	srv := sdkServer(t, map[string]handlerFunc{
		"guardduty.CreateDetector": func(in any) (any, *Error) {
			created = in.(*gdCreateDetectorInput)
			return &gdCreateDetectorOutput{DetectorId: ptr("d1")}, nil
		},
		"guardduty.GetDetector": func(in any) (any, *Error) {
			id := *in.(*gdGetDetectorInput).DetectorId
			if id != "d1" {
				return nil, &Error{Code: "BadRequestException", Status: 400, Message: "The request is rejected because the input detectorId is not owned by the current account.",
					Fields: map[string]any{"type": "InvalidInputException"}}
			}
			return &gdGetDetectorOutput{CreatedAt: ptr("2026-11-27T15:26:46.000Z"), ServiceRole: ptr("arn:role"), Status: ptr("ENABLED"),
				FindingPublishingFrequency: "SIX_HOURS", Tags: map[string]string{"k": "v"}}, nil
		},
		"guardduty.ListDetectors": func(in any) (any, *Error) {
			listed = in.(*gdListDetectorsInput)
			return &gdListDetectorsOutput{DetectorIds: []string{"d1"}, NextToken: ptr("n")}, nil
		},
		"guardduty.DeleteDetector": func(any) (any, *Error) { return &gdDeleteDetectorOutput{}, nil },
		"inspector2.ListTagsForResource": func(in any) (any, *Error) {
			arn := *in.(*insListTagsInput).ResourceArn
			if strings.HasSuffix(arn, "slow") {
				return nil, &Error{Code: "ThrottlingException", Status: 429, Message: "Rate exceeded", Fields: map[string]any{HeaderFieldPrefix + "Retry-After": 7}}
			}
			return &insListTagsOutput{Tags: map[string]string{"arn": arn}}, nil
		},
		"guardduty.ListTagsForResource": func(any) (any, *Error) {
			return &gdListTagsOutput{Tags: map[string]string{"service": "guardduty"}}, nil
		},
	})
	ctx := context.Background()
	gd := guardduty.NewFromConfig(sdkConfig(srv.URL))

	cd, err := gd.CreateDetector(ctx, &guardduty.CreateDetectorInput{Enable: aws.Bool(true),
		FindingPublishingFrequency: gdtypes.FindingPublishingFrequencySixHours, Tags: map[string]string{"t": "1"}})
	if err != nil || *cd.DetectorId != "d1" {
		t.Fatalf("CreateDetector: %v", err)
	}
	if !*created.Enable || created.ClientToken == nil || *created.ClientToken == "" || created.FindingPublishingFrequency != "SIX_HOURS" || created.Tags["t"] != "1" {
		t.Errorf("CreateDetector input %+v", created)
	}
	gdOut, err := gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("d1")})
	if err != nil || gdOut.Status != gdtypes.DetectorStatusEnabled || gdOut.Tags["k"] != "v" || *gdOut.ServiceRole != "arn:role" {
		t.Errorf("GetDetector: %v %+v", err, gdOut)
	}
	_, err = gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("d2")})
	var bre *gdtypes.BadRequestException
	if !errors.As(err, &bre) || bre.Type == nil || *bre.Type != "InvalidInputException" || !strings.HasPrefix(bre.ErrorMessage(), "The request is rejected") {
		t.Errorf("BadRequest: %v", err)
	}
	ld, err := gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{MaxResults: aws.Int32(5), NextToken: aws.String("a b&c")})
	if err != nil || !reflect.DeepEqual(ld.DetectorIds, []string{"d1"}) || *listed.MaxResults != 5 || *listed.NextToken != "a b&c" {
		t.Errorf("ListDetectors: %v %+v %+v", err, ld, listed)
	}
	if _, err := gd.DeleteDetector(ctx, &guardduty.DeleteDetectorInput{DetectorId: aws.String("d1")}); err != nil {
		t.Errorf("DeleteDetector: %v", err)
	}
	// Validation by the model: GuardDuty answers BadRequestException.
	_, err = gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{MaxResults: aws.Int32(51)})
	if !errors.As(err, &bre) || !strings.Contains(bre.ErrorMessage(), "Value '51' at 'maxResults'") {
		t.Errorf("validation: %v", err)
	}

	ins := inspector2.NewFromConfig(sdkConfig(srv.URL))
	arn := "arn:aws:inspector2:us-east-1:123456789012:owner/123456789012/filter/abc"
	lt, err := ins.ListTagsForResource(ctx, &inspector2.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || lt.Tags["arn"] != arn {
		t.Errorf("inspector2 ListTagsForResource: %v %+v", err, lt)
	}
	gt, err := gd.ListTagsForResource(ctx, &guardduty.ListTagsForResourceInput{ResourceArn: aws.String(arn)})
	if err != nil || gt.Tags["service"] != "guardduty" {
		t.Errorf("guardduty ListTagsForResource: %v %+v", err, gt)
	}
	_, err = ins.ListTagsForResource(ctx, &inspector2.ListTagsForResourceInput{ResourceArn: aws.String(arn + "/slow")})
	var thr *instypes.ThrottlingException
	if !errors.As(err, &thr) || thr.RetryAfterSeconds == nil || *thr.RetryAfterSeconds != 7 || thr.ErrorMessage() != "Rate exceeded" {
		t.Errorf("throttling: %v", err)
	}
	// No such route.
	_, err = ins.ListFilters(ctx, &inspector2.ListFiltersInput{})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "UnknownOperationException" {
		t.Errorf("unknown route: %v", err)
	}
}
