package audit

import (
	"bytes"
	"encoding/json"
	"strings"
)

// secretNames are the member names whose values never enter a record,
// whatever document they appear in, compared without regard to case. They are
// the AWS API members that carry credentials or key material: secret keys and
// session tokens (STS, IAM CreateAccessKey), passwords (IAM login profiles,
// ChangePassword), private keys (IAM server certificates), secret values
// (Secrets Manager), plaintext, data key pairs' private keys and shared
// secrets (KMS), federation assertions (STS
// AssumeRoleWithSAML and AssumeRoleWithWebIdentity), and Artifact's
// presigned document URLs and term tokens, which grant a download to
// whoever holds them.
var secretNames = []string{
	"secretAccessKey",
	"sessionToken",
	"password",
	"oldPassword",
	"newPassword",
	"privateKey",
	"secretString",
	"secretBinary",
	"plaintext",
	"privateKeyPlaintext",
	"sharedSecret",
	"SAMLAssertion",
	"webIdentityToken",
	"documentPresignedUrl",
	"termToken",
}

// secretNamesByLen holds secretNames in lower case, indexed by length, so
// that most strings are ruled out by their length alone;
// minSecretName and maxSecretName are the shortest and longest lengths.
var (
	secretNamesByLen             [][]string
	minSecretName, maxSecretName int
)

func init() {
	minSecretName = len(secretNames[0])
	for _, n := range secretNames {
		minSecretName = min(minSecretName, len(n))
		maxSecretName = max(maxSecretName, len(n))
	}
	secretNamesByLen = make([][]string, maxSecretName+1)
	for _, n := range secretNames {
		secretNamesByLen[len(n)] = append(secretNamesByLen[len(n)], strings.ToLower(n))
	}
}

// RedactJSON returns doc with the value of every object member named like a
// secret (see secretNames, compared case-insensitively, at any depth) replaced
// by the string Hidden, and whether it replaced anything. doc itself is not
// modified. Invalid JSON is returned unchanged (the encoder writes it as
// null).
//
// Callers redact request and response documents before recording them; the
// Recorder applies RedactJSON as a second line of defence, so that a service
// that forgets to redact, say, a CreateAccessKey response does not put the
// secret key into the trail. It is cheap when there is nothing to hide: one
// scan of the document (checkDoc); only documents with a string equal to a
// secret name are decoded and rewritten.
func RedactJSON(doc json.RawMessage) (json.RawMessage, bool) {
	if c := checkDoc(doc); !c.valid || !c.secretName {
		return doc, false
	}
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber() // keep numbers exactly as written
	var v any
	if err := dec.Decode(&v); err != nil {
		return doc, false
	}
	if !redactValue(v) {
		return doc, false
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return doc, false
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), true
}

// IsSecretName reports whether name is one of the member names whose values
// never enter a record (RedactJSON hides them), ignoring case. Encoders
// that render trail documents use it to tell whether they may vouch for
// their output (Event.MarkDocsClean).
func IsSecretName(name string) bool { return isSecretName(name) }

// isSecretName reports whether name is one of secretNames, ignoring case.
func isSecretName(name string) bool {
	if len(name) < minSecretName || len(name) > maxSecretName {
		return false
	}
	for _, s := range secretNamesByLen[len(name)] {
		if equalFoldLower(name, s) {
			return true
		}
	}
	return false
}

// equalFoldLower reports whether s equals the lower-case ASCII string lower,
// ignoring the case of s's ASCII letters. len(s) == len(lower).
func equalFoldLower(s, lower string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// redactValue replaces, in place, the values of secret-named members in the
// decoded document v, and reports whether it replaced any.
func redactValue(v any) bool {
	changed := false
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			if isSecretName(k) {
				t[k] = Hidden
				changed = true
				continue
			}
			if redactValue(x) {
				changed = true
			}
		}
	case []any:
		for _, x := range t {
			if redactValue(x) {
				changed = true
			}
		}
	}
	return changed
}
