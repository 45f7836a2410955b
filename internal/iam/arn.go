package iam

import (
	"crypto/rand"
	"strings"
)

// Unique id prefixes IAM uses ("Unique identifiers" in the IAM User Guide's
// identifiers page).
const (
	PrefixUser              = "AIDA"
	PrefixGroup             = "AGPA"
	PrefixRole              = "AROA"
	PrefixPolicy            = "ANPA"
	PrefixInstanceProfile   = "AIPA"
	PrefixServerCertificate = "ASCA"
	PrefixSSHPublicKey      = "APKA"
	PrefixServiceCredential = "ACCA"
)

// NewID returns a new unique id: the prefix then 17 characters of upper-case
// letters and digits, 21 in all, as IAM's ids are.
func NewID(prefix string) string {
	return prefix + randomUpper(17)
}

// randomUpper returns n random characters from A-Z and 2-7 (32 symbols, so
// a byte maps without bias).
func randomUpper(n int) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("iam: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	for i, c := range b {
		b[i] = alphabet[int(c)%len(alphabet)]
	}
	return string(b)
}

// UserARN returns arn:aws:iam::ACCOUNT:user/PATH/NAME (path "/" → user/NAME).
func UserARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":user" + orSlash(path) + name
}

// GroupARN returns the ARN of a group.
func GroupARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":group" + orSlash(path) + name
}

// RoleARN returns the ARN of a role.
func RoleARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":role" + orSlash(path) + name
}

// PolicyARN returns the ARN of a managed policy; accountID "aws" gives an
// AWS managed policy's ARN.
func PolicyARN(accountID, path, name string) string {
	return "arn:aws:iam::" + accountID + ":policy" + orSlash(path) + name
}

func orSlash(path string) string {
	if path == "" {
		return "/"
	}
	return path
}

// ParsePolicyARN splits arn:aws:iam::ACCOUNT:policy/PATH/NAME into the
// account ("aws" for AWS managed policies), the path ("/" or "/a/b/") and
// the name.
func ParsePolicyARN(arn string) (accountID, path, name string, ok bool) {
	return parseIAMARN(arn, "policy")
}

// ParseRoleARN splits a role ARN into account, path and name.
func ParseRoleARN(arn string) (accountID, path, name string, ok bool) {
	return parseIAMARN(arn, "role")
}

// ParseUserARN splits a user ARN into account, path and name.
func ParseUserARN(arn string) (accountID, path, name string, ok bool) {
	return parseIAMARN(arn, "user")
}

func parseIAMARN(arn, resourceType string) (accountID, path, name string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] != "aws" || parts[2] != "iam" || parts[3] != "" {
		return "", "", "", false
	}
	res, found := strings.CutPrefix(parts[5], resourceType+"/")
	if !found || res == "" {
		return "", "", "", false
	}
	i := strings.LastIndexByte(res, '/')
	path, name = "/"+res[:i+1], res[i+1:]
	if name == "" || parts[4] == "" {
		return "", "", "", false
	}
	return parts[4], path, name, true
}
