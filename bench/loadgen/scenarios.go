package loadgen

import (
	"encoding/base64"
	"fmt"
)

// Builtin returns the scenarios the harness knows, selectable by name with
// -scenario. Adding one is adding a literal here: a Query or JSON11 request,
// plus setup steps when the call needs something to exist first.
func Builtin() []Scenario {
	return []Scenario{
		{
			Name:        "getcalleridentity",
			Description: "STS GetCallerIdentity (query protocol)",
			Request:     Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15"),
		},
		{
			Name:        "iam-getuser",
			Description: "IAM GetUser of an existing user (query protocol)",
			Setup: []Step{{
				Request: Query("iam", "us-east-1", "CreateUser", "2010-05-08", "UserName", benchUser),
				Accept:  []int{409}, // EntityAlreadyExists on a server that kept state
			}},
			Request: Query("iam", "us-east-1", "GetUser", "2010-05-08", "UserName", benchUser),
		},
		{
			Name:        "kms-encrypt",
			Description: "KMS Encrypt of 256 bytes with an encryption context (awsJson1_1)",
			Setup: []Step{{
				Request: JSON11("kms", "us-east-1", "TrentService.CreateKey",
					`{"Description":"gatehouse bench","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT"}`),
				Capture: map[string]string{"KeyId": `"KeyId"\s*:\s*"([^"]+)"`},
			}},
			Request: JSON11("kms", "us-east-1", "TrentService.Encrypt", fmt.Sprintf(
				`{"KeyId":"{{KeyId}}","Plaintext":"%s","EncryptionContext":{"purpose":"bench","tenant":"acme"}}`,
				base64.StdEncoding.EncodeToString(benchPlaintext(256)))),
		},
	}
}

// benchUser is the IAM user the iam-getuser scenario creates and reads.
const benchUser = "gatehouse-bench"

// benchPlaintext returns n deterministic bytes to encrypt.
func benchPlaintext(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}
