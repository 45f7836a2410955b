package protocol

import (
	"strings"
	"testing"
)

func TestValidateMessages(t *testing.T) {
	iam, kms, gd := iamService(), kmsService(), guarddutyService()
	long := strings.Repeat("a", 65)
	for _, tc := range []struct {
		name string
		svc  *Service
		in   any
		code string
		msg  string
	}{
		{"missing required", iam, &iamCreateUserInput{}, "ValidationError",
			"1 validation error detected: Value null at 'userName' failed to satisfy constraint: Member must not be null"},
		{"length and pattern", iam, &iamCreateUserInput{UserName: ptr(long + " ")}, "ValidationError",
			"2 validation errors detected: Value '" + long + " ' at 'userName' failed to satisfy constraint: Member must have length less than or equal to 64; " +
				"Value '" + long + " ' at 'userName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]+"},
		{"list element members", iam, &iamCreateUserInput{UserName: ptr("bob"), Tags: []iamTag{{Key: ptr("ok"), Value: ptr("v")}, {Value: ptr("v")}, {Key: ptr(""), Value: ptr("v")}}}, "ValidationError",
			"3 validation errors detected: Value null at 'tags.2.member.key' failed to satisfy constraint: Member must not be null; " +
				"Value '' at 'tags.3.member.key' failed to satisfy constraint: Member must have length greater than or equal to 1; " +
				"Value '' at 'tags.3.member.key' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+"},
		{"java unicode pattern", iam, &iamCreateUserInput{UserName: ptr("bob"), Path: ptr("no-slash")}, "ValidationError",
			"1 validation error detected: Value 'no-slash' at 'path' failed to satisfy constraint: Member must satisfy regular expression pattern: (\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"},
		{"sensitive value hidden", iam, &iamCreateLoginProfileInput{UserName: ptr("bob"), Password: ptr("")}, "ValidationError",
			"1 validation error detected: Value at 'password' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"sensitive blob", kms, &kmsEncryptInput{KeyId: ptr("k"), Plaintext: []byte{}}, "ValidationException",
			"1 validation error detected: Value at 'plaintext' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"blob shown as Java buffer", kms, &kmsEncryptOutput{CiphertextBlob: []byte{}}, "ValidationException",
			"1 validation error detected: Value 'java.nio.HeapByteBuffer[pos=0 lim=0 cap=0]' at 'ciphertextBlob' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"enum", kms, &kmsEncryptInput{KeyId: ptr("k"), Plaintext: []byte("x"), EncryptionAlgorithm: "AES"}, "ValidationException",
			"1 validation error detected: Value 'AES' at 'encryptionAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]"},
		{"list of enums", kms, &kmsCreateKeyInput{Algorithms: []kmsEncryptionAlgorithmSpec{"SYMMETRIC_DEFAULT", "AES"}}, "ValidationException",
			"1 validation error detected: Value '[SYMMETRIC_DEFAULT, AES]' at 'encryptionAlgorithms' failed to satisfy constraint: Member must satisfy constraint: [Member must satisfy enum value set: [SYMMETRIC_DEFAULT, RSAES_OAEP_SHA_1, RSAES_OAEP_SHA_256, SM2PKE]]"},
		{"number range", kms, &kmsListKeysInput{Limit: ptr(int32(0))}, "ValidationException",
			"1 validation error detected: Value '0' at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"list length", kms, &kmsEncryptInput{KeyId: ptr("k"), Plaintext: []byte("x"), GrantTokens: make([]string, 11)}, "ValidationException",
			"1 validation error detected: Value '[, , , , , , , , , , ]' at 'grantTokens' failed to satisfy constraint: Member must have length less than or equal to 10"},
		{"map length, rest-json code", gd, &gdCreateDetectorInput{Enable: ptr(true), Tags: map[string]string{}}, "BadRequestException",
			"1 validation error detected: Value '{}' at 'tags' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{"nested structure path", sinkJSONService(), &sinkShape{Required: ptr("r"), Leaf: &sinkLeaf{Name: ptr("waytoolong"), Secret: ptr("s")}, LeafMap: map[string]sinkLeaf{"k": {}}}, "ValidationException",
			"2 validation errors detected: Value null at 'leafMap.k.member.name' failed to satisfy constraint: Member must not be null; " +
				"Value 'waytoolong' at 'leaf.name' failed to satisfy constraint: Member must have length less than or equal to 8"},
		{"structure rendering", sinkJSONService(), &sinkShape{Required: ptr("r"), Strings: []string{"a", "b", "c", "d"}}, "ValidationException",
			"1 validation error detected: Value '[a, b, c, d]' at 'strings' failed to satisfy constraint: Member must have length less than or equal to 3"},
	} {
		err := Validate(tc.svc, tc.in)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		if err.Code != tc.code || err.Status != 400 || err.Message != tc.msg {
			t.Errorf("%s:\n got %s %d %s\nwant %s 400 %s", tc.name, err.Code, err.Status, err.Message, tc.code, tc.msg)
		}
	}
}

func TestValidateAccepts(t *testing.T) {
	for _, in := range []any{
		&iamCreateUserInput{UserName: ptr("bob+1@x.com"), Path: ptr("/a/b/"), Tags: []iamTag{{Key: ptr("日本"), Value: ptr("")}}},
		&kmsEncryptInput{KeyId: ptr("k"), Plaintext: []byte("x"), EncryptionAlgorithm: "SM2PKE"},
		fullSink(),
		nil,
		(*iamCreateUserInput)(nil),
	} {
		if err := Validate(iamService(), in); err != nil {
			t.Errorf("%+v: %v", in, err)
		}
	}
}

func TestValidateUTF16Length(t *testing.T) {
	// Eight emoji are sixteen UTF-16 code units, over sinkLeaf.Name's max of 8.
	in := &sinkShape{Required: ptr("r"), Leaf: &sinkLeaf{Name: ptr("😀😀😀😀😀")}}
	if err := Validate(nil, in); err == nil || !strings.Contains(err.Message, "less than or equal to 8") {
		t.Errorf("got %v", err)
	}
}

func TestValidateThroughDecode(t *testing.T) {
	rt := testRouter()
	in, err := routeAndDecode(t, rt, formRequest("Action=CreateUser&Version=2010-05-08&Tags.member.1.Key=k"), "iam")
	if err == nil || err.Code != "ValidationError" {
		t.Fatalf("err = %v", err)
	}
	want := "2 validation errors detected: Value null at 'userName' failed to satisfy constraint: Member must not be null; " +
		"Value null at 'tags.1.member.value' failed to satisfy constraint: Member must not be null"
	if err.Message != want {
		t.Errorf("message %q", err.Message)
	}
	if _, ok := in.(*iamCreateUserInput); !ok {
		t.Errorf("decoded input not returned with the validation error: %T", in)
	}
}
