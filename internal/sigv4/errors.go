package sigv4

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// ErrUnknownAccessKey is what a Verifier's Lookup returns (possibly wrapped)
// for an access key id it does not know. Verify turns it into an *Error of
// Kind UnknownAccessKey, which clients see as InvalidClientTokenId or
// UnrecognizedClientException, as AWS answers.
var ErrUnknownAccessKey = errors.New("sigv4: unknown access key")

// Kind classifies a verification failure. The server maps it to the
// per-protocol AWS error code with Code and to a status with HTTPStatus, so
// that clients see the same errors as from AWS.
type Kind int

// The kinds of verification failure.
const (
	// MissingAuthentication: the request carries no SigV4 authentication at
	// all (no "AWS4-" Authorization header and no X-Amz-Algorithm query
	// parameter).
	MissingAuthentication Kind = iota + 1
	// IncompleteSignature: the authentication is malformed (missing
	// Authorization parameters, a malformed credential, an unsupported
	// algorithm, an unparsable date or X-Amz-Expires, ...).
	IncompleteSignature
	// UnknownAccessKey: the access key id is not known.
	UnknownAccessKey
	// SignatureMismatch: the signature does not match, or the credential
	// scope or signed headers are not acceptable.
	SignatureMismatch
	// SignatureExpired: the signing time is further from now than the
	// allowed clock skew, in either direction.
	SignatureExpired
	// PresignExpired: a presigned URL is used after X-Amz-Date plus
	// X-Amz-Expires.
	PresignExpired
)

// String returns the Kind's Go name, for logs and test failures.
func (k Kind) String() string {
	switch k {
	case MissingAuthentication:
		return "MissingAuthentication"
	case IncompleteSignature:
		return "IncompleteSignature"
	case UnknownAccessKey:
		return "UnknownAccessKey"
	case SignatureMismatch:
		return "SignatureMismatch"
	case SignatureExpired:
		return "SignatureExpired"
	case PresignExpired:
		return "PresignExpired"
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// Code returns the AWS error code for k: the query-protocol code (STS, IAM)
// when jsonProtocol is false, the JSON-protocol code (KMS, GuardDuty, ...)
// when it is true. The mapping lives here so every protocol codec answers
// authentication failures exactly as AWS does.
func (k Kind) Code(jsonProtocol bool) string {
	switch k {
	case MissingAuthentication:
		if jsonProtocol {
			return "MissingAuthenticationTokenException"
		}
		return "MissingAuthenticationToken"
	case IncompleteSignature:
		if jsonProtocol {
			return "IncompleteSignatureException"
		}
		return "IncompleteSignature"
	case UnknownAccessKey:
		if jsonProtocol {
			return "UnrecognizedClientException"
		}
		return "InvalidClientTokenId"
	}
	// SignatureMismatch, SignatureExpired and PresignExpired: AWS reports
	// clock skew and expiry as signature mismatches with a specific message.
	if jsonProtocol {
		return "InvalidSignatureException"
	}
	return "SignatureDoesNotMatch"
}

// HTTPStatus returns the HTTP status AWS answers for k: 400 for a malformed
// signature (IncompleteSignature), 403 for every other authentication
// failure.
func (k Kind) HTTPStatus() int {
	if k == IncompleteSignature {
		return http.StatusBadRequest
	}
	return http.StatusForbidden
}

// Error is a signature verification failure. Kind selects the AWS error
// code and status; Message is the AWS-style, client-facing message. It never
// contains secrets or the expected signature.
type Error struct {
	Kind    Kind
	Message string
}

// Error implements error as "<query code>: <message>".
func (e *Error) Error() string {
	return e.Kind.Code(false) + ": " + e.Message
}

func newError(k Kind, msg string) *Error {
	return &Error{Kind: k, Message: msg}
}

// AWS message texts. They are imitated closely because some clients match on
// them (for example to detect clock skew and retry with a corrected clock).
const (
	msgMissingAuth       = "Request is missing Authentication Token"
	msgUnknownKey        = "The security token included in the request is invalid."
	msgSignatureMismatch = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
	msgPresignExpired    = "Request has expired"
	msgBothAuth          = "Found both 'X-Amz-Algorithm' as a query-string param and 'Authorization' as HTTP header."
	msgHostNotSigned     = "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
	msgContentSHAInvalid = "x-amz-content-sha256 must be UNSIGNED-PAYLOAD or a valid sha256 value."
	msgContentSHAWrong   = "The provided 'x-amz-content-sha256' header does not match what was computed."
)

var (
	errMissingAuth       = newError(MissingAuthentication, msgMissingAuth)
	errUnknownKey        = newError(UnknownAccessKey, msgUnknownKey)
	errSignatureMismatch = newError(SignatureMismatch, msgSignatureMismatch)
)

// errMissingAuthParams builds AWS's message for an Authorization header
// that lacks parameters, e.g. "Authorization header requires 'Signature'
// parameter. Authorization=AWS4-HMAC-SHA256 Credential=...".
func errMissingAuthParams(header string, cred, sig, signed, date bool) *Error {
	var b strings.Builder
	if !cred {
		b.WriteString("Authorization header requires 'Credential' parameter. ")
	}
	if !sig {
		b.WriteString("Authorization header requires 'Signature' parameter. ")
	}
	if !signed {
		b.WriteString("Authorization header requires 'SignedHeaders' parameter. ")
	}
	if !date {
		b.WriteString("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header. ")
	}
	b.WriteString("Authorization=")
	b.WriteString(header)
	return newError(IncompleteSignature, b.String())
}

// errMissingQueryParams builds AWS's message for a presigned URL that lacks
// some of the required X-Amz-* parameters.
func errMissingQueryParams(missing []string) *Error {
	var b strings.Builder
	for _, name := range missing {
		b.WriteString("AWS query-string parameters must include '")
		b.WriteString(name)
		b.WriteString("'. ")
	}
	b.WriteString("Re-examine the query-string parameters.")
	return newError(IncompleteSignature, b.String())
}

func errNotKeyValue(part, header string) *Error {
	return newError(IncompleteSignature, "'"+part+"' not a valid key=value pair (missing equal-sign) in Authorization header: '"+header+"'.")
}

func errBadDate(value string) *Error {
	return newError(IncompleteSignature, "Date must be in ISO-8601 'basic format'. Got '"+value+"'. See http://en.wikipedia.org/wiki/ISO_8601")
}

func errBadAlgorithm(alg string) *Error {
	return newError(IncompleteSignature, "Unsupported AWS 'algorithm': '"+alg+"' (only AWS4-HMAC-SHA256 for now). ")
}

func errCredentialParts(cred string) *Error {
	return newError(IncompleteSignature, "Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '"+cred+"'")
}

func errBadExpires(msg string) *Error {
	return newError(IncompleteSignature, msg)
}

// errSkew builds AWS's clock-skew messages, e.g. "Signature expired:
// 20261127T150000Z is now earlier than 20261127T151000Z (20261127T152500Z -
// 15 min.)".
func errSkew(signedAt, now time.Time, skew time.Duration) *Error {
	var b strings.Builder
	if signedAt.Before(now) {
		b.WriteString("Signature expired: ")
		b.WriteString(formatAmzDate(signedAt))
		b.WriteString(" is now earlier than ")
		b.WriteString(formatAmzDate(now.Add(-skew)))
		b.WriteString(" (")
		b.WriteString(formatAmzDate(now))
		b.WriteString(" - ")
	} else {
		b.WriteString("Signature not yet current: ")
		b.WriteString(formatAmzDate(signedAt))
		b.WriteString(" is still later than ")
		b.WriteString(formatAmzDate(now.Add(skew)))
		b.WriteString(" (")
		b.WriteString(formatAmzDate(now))
		b.WriteString(" + ")
	}
	b.WriteString(formatSkew(skew))
	b.WriteString(".)")
	return newError(SignatureExpired, b.String())
}

// formatSkew renders a skew as AWS does: "15 min" for whole minutes,
// otherwise seconds.
func formatSkew(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " min"
	}
	return strconv.FormatInt(int64(d/time.Second), 10) + " sec"
}
