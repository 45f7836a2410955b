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
			Name: "iam-getuser",
			Description: fmt.Sprintf("IAM GetUser (query protocol) by an IAM user whose permissions come from %d managed policies, "+
				"authorized on every request", benchPolicyCount),
			Setup:   iamUserSetup(),
			Request: Query("iam", "us-east-1", "GetUser", "2010-05-08", "UserName", benchUser),
			SignAs:  &Credentials{AccessKeyID: "{{UserKeyId}}", SecretAccessKey: "{{UserSecret}}"},
		},
		{
			Name: "kms-encrypt",
			Description: "KMS Encrypt (awsJson1_1) of 256 bytes with an encryption context by an IAM user " +
				"authorized through the key policy (the default policy delegating to IAM) and an IAM policy",
			Setup:   kmsEncryptSetup(),
			Request: JSON11("kms", "us-east-1", "TrentService.Encrypt", kmsEncryptBody),
			SignAs:  &Credentials{AccessKeyID: "{{UserKeyId}}", SecretAccessKey: "{{UserSecret}}"},
		},
	}
}

// benchUser is the IAM user the iam-getuser scenario creates, signs its
// load with and reads; {{Run}} makes it new on every run.
const benchUser = "gatehouse-bench-{{Run}}"

// benchPolicyCount is how many managed policies give benchUser its
// permissions.
const benchPolicyCount = 10

// iamUserSetup creates, with the credentials the setup runs with (the
// root user), benchUser with benchPolicyCount customer managed policies
// attached and an access key, which the load is then signed with. The
// policies have the shape of real ones (several statements, wildcards,
// conditions, a Deny); only the last lets the user read itself, through
// the ${aws:username} policy variable.
func iamUserSetup() []Step {
	const v = "2010-05-08"
	steps := []Step{
		{
			Request: Query("sts", "us-east-1", "GetCallerIdentity", "2011-06-15"),
			Capture: map[string]string{"Account": `<Account>([0-9]{12})</Account>`},
		},
		{Request: Query("iam", "us-east-1", "CreateUser", v, "UserName", benchUser)},
	}
	services := []string{"s3", "ec2", "dynamodb", "sqs", "sns", "lambda", "logs", "cloudwatch", "kms", "secretsmanager"}
	for i := 0; i < benchPolicyCount; i++ {
		svc := services[i%len(services)]
		doc := `{"Version":"2012-10-17","Statement":[` +
			`{"Sid":"Read","Effect":"Allow","Action":["` + svc + `:Get*","` + svc + `:List*","` + svc + `:Describe*"],"Resource":"*"},` +
			`{"Sid":"Write","Effect":"Allow","Action":["` + svc + `:Put*","` + svc + `:Create*"],"Resource":"` + teamResource(svc) + `","Condition":{"StringEquals":{"aws:RequestedRegion":["us-east-1","eu-west-1"]}}},` +
			`{"Sid":"NoDelete","Effect":"Deny","Action":"` + svc + `:Delete*","Resource":"*","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"false"}}}`
		if i == benchPolicyCount-1 {
			doc += `,{"Sid":"Self","Effect":"Allow","Action":["iam:GetUser","iam:ListAccessKeys"],"Resource":"arn:aws:iam::*:user/${aws:username}"}`
		}
		doc += `]}`
		name := fmt.Sprintf("gatehouse-bench-{{Run}}-%d", i)
		steps = append(steps,
			Step{Request: Query("iam", "us-east-1", "CreatePolicy", v, "PolicyName", name, "PolicyDocument", doc)},
			Step{Request: Query("iam", "us-east-1", "AttachUserPolicy", v, "UserName", benchUser,
				"PolicyArn", "arn:aws:iam::{{Account}}:policy/"+name)},
		)
	}
	return append(steps, Step{
		Request: Query("iam", "us-east-1", "CreateAccessKey", v, "UserName", benchUser),
		Capture: map[string]string{
			"UserKeyId":  `<AccessKeyId>([^<]+)</AccessKeyId>`,
			"UserSecret": `<SecretAccessKey>([^<]+)</SecretAccessKey>`,
		},
	})
}

// kmsEncryptBody is the measured Encrypt: 256 bytes under the key the
// setup created, with a two-pair encryption context.
var kmsEncryptBody = fmt.Sprintf(
	`{"KeyId":"{{KeyId}}","Plaintext":"%s","EncryptionContext":{"purpose":"bench","tenant":"acme"}}`,
	base64.StdEncoding.EncodeToString(benchPlaintext(256)))

// kmsEncryptSetup creates, as the root user, a symmetric key with the
// default key policy (whose "Enable IAM User Permissions" statement lets
// IAM policies of the account grant access), an IAM user whose only
// permission is an inline policy allowing kms:Encrypt on that key, and an
// access key of that user, which signs the load. Every measured request
// therefore evaluates both the key policy and the user's policy.
func kmsEncryptSetup() []Step {
	const v = "2010-05-08"
	user := "gatehouse-bench-kms-{{Run}}"
	return []Step{
		{
			Request: JSON11("kms", "us-east-1", "TrentService.CreateKey",
				`{"Description":"gatehouse bench","KeySpec":"SYMMETRIC_DEFAULT","KeyUsage":"ENCRYPT_DECRYPT"}`),
			Capture: map[string]string{"KeyId": `"KeyId"\s*:\s*"([^"]+)"`, "KeyArn": `"Arn"\s*:\s*"([^"]+)"`},
		},
		{Request: Query("iam", "us-east-1", "CreateUser", v, "UserName", user)},
		{Request: Query("iam", "us-east-1", "PutUserPolicy", v, "UserName", user, "PolicyName", "encrypt-with-bench-key",
			"PolicyDocument", `{"Version":"2012-10-17","Statement":[{"Sid":"EncryptWithTheBenchKey","Effect":"Allow",`+
				`"Action":"kms:Encrypt","Resource":"{{KeyArn}}"}]}`)},
		{
			Request: Query("iam", "us-east-1", "CreateAccessKey", v, "UserName", user),
			Capture: map[string]string{
				"UserKeyId":  `<AccessKeyId>([^<]+)</AccessKeyId>`,
				"UserSecret": `<SecretAccessKey>([^<]+)</SecretAccessKey>`,
			},
		},
	}
}

// benchPlaintext returns n deterministic bytes to encrypt.
func benchPlaintext(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*31 + 7)
	}
	return b
}

// teamResource is a resource pattern of svc for a policy's Write
// statement; S3 ARNs carry no region or account.
func teamResource(svc string) string {
	if svc == "s3" {
		return "arn:aws:s3:::team-s3-*"
	}
	return "arn:aws:" + svc + ":*:*:team-" + svc + "-*"
}
