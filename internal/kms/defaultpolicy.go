package kms

import "strings"

// DefaultKeyPolicy returns the key policy AWS gives a key created without
// one: a single statement, "Enable IAM User Permissions", that lets the
// account (arn:aws:iam::<account>:root) do every KMS action on the key.
// It makes the key's own account the authority, so IAM policies in that
// account decide who may use and manage the key.
func DefaultKeyPolicy(account string) string {
	var b strings.Builder
	b.WriteString(`{
  "Version" : "2012-10-17",
  "Id" : "key-default-1",
  "Statement" : [ {
    "Sid" : "Enable IAM User Permissions",
    "Effect" : "Allow",
    "Principal" : {
      "AWS" : "arn:aws:iam::`)
	b.WriteString(account)
	b.WriteString(`:root"
    },
    "Action" : "kms:*",
    "Resource" : "*"
  } ]
}`)
	return b.String()
}
