package sigv4

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultMaxSkew is the clock skew AWS tolerates between the signing time
// and the server's clock, in either direction.
const DefaultMaxSkew = 15 * time.Minute

// unsignedPayload is the payload hash a client signs to leave the body out
// of the signature (S3, and S3-style presigned URLs).
const unsignedPayload = "UNSIGNED-PAYLOAD"

// Verifier verifies SigV4 signatures on incoming requests. Configure it
// once and share it between goroutines; it must not be copied after first
// use, because it owns the cache of derived signing keys.
type Verifier struct {
	// Lookup returns the secret access key for an access key id, or an
	// error wrapping ErrUnknownAccessKey when there is no such key. Any
	// other error is returned from Verify wrapped, as a server fault.
	Lookup func(ctx context.Context, accessKeyID string) (secretAccessKey []byte, err error)
	// Now returns the current time; nil means time.Now. Tests set it to
	// check clock skew and presigned-URL expiry.
	Now func() time.Time
	// MaxSkew is the tolerated difference between the signing time and
	// Now, in either direction; 0 means DefaultMaxSkew (15 minutes, as
	// AWS).
	MaxSkew time.Duration

	keys atomic.Pointer[keyCache]
}

// Result describes a request whose signature verified: who signed it and
// for which scope, so the caller can authorize the request and check that
// the scope suits the endpoint.
type Result struct {
	// AccessKeyID is the access key id of the credential.
	AccessKeyID string
	// Date is the credential scope's date, yyyymmdd.
	Date string
	// Region is the credential scope's region, e.g. "us-east-1".
	Region string
	// Service is the credential scope's signing name, e.g. "sts".
	Service string
	// SignedAt is the signing time (X-Amz-Date, or the Date header).
	SignedAt time.Time
	// SessionToken is the X-Amz-Security-Token (header or query), "" if
	// none. Verify does not validate it; temporary credentials must be
	// checked by the caller against it.
	SessionToken string
	// Presigned is true for the presigned-URL (query string) form.
	Presigned bool
	// UnsignedPayload is true when the signature does not cover the
	// body (the client signed "UNSIGNED-PAYLOAD"), so a caller that acts
	// on the body can refuse or treat it as untrusted.
	UnsignedPayload bool
}

// signedRequest is the authentication information of a request, parsed
// from either the Authorization header or the presigned-URL query.
type signedRequest struct {
	algorithm     string
	credential    string
	signedHeaders string
	signature     string
	// amzDate is the signing time as it appears in the string to sign.
	amzDate      string
	signedAt     time.Time
	sessionToken string
	presigned    bool
}

// Verify checks r's signature. body is the complete request body (already
// read; r.Body must not be used), which Verify hashes unless the client
// signed UNSIGNED-PAYLOAD.
//
// A verification failure is an *Error whose Kind selects the AWS error
// code; an error from Lookup other than ErrUnknownAccessKey is returned
// wrapped, and is a server fault rather than an *Error.
func (v *Verifier) Verify(ctx context.Context, r *http.Request, body []byte) (*Result, error) {
	var authValue string
	auth := r.Header["Authorization"]
	if len(auth) > 0 {
		authValue = auth[0]
	}
	rawQuery := ""
	if r.URL != nil {
		rawQuery = r.URL.RawQuery
	}
	presigned := hasQueryKey(rawQuery, "X-Amz-Algorithm")

	var now time.Time
	if v.Now != nil {
		now = v.Now()
	} else {
		now = time.Now()
	}
	skew := v.MaxSkew
	if skew <= 0 {
		skew = DefaultMaxSkew
	}

	var sr signedRequest
	var perr *Error
	switch {
	case len(auth) > 0 && presigned:
		return nil, newError(SignatureMismatch, msgBothAuth)
	case presigned:
		sr, perr = parsePresigned(r, rawQuery, now, skew)
	case strings.HasPrefix(authValue, "AWS4-"):
		sr, perr = parseHeaderAuth(r, authValue, rawQuery, now, skew)
	default:
		return nil, newError(MissingAuthentication, msgMissingAuth)
	}
	if perr != nil {
		return nil, perr
	}
	return v.verify(ctx, r, body, &sr)
}

// verify checks the parts of sr that do not depend on the form, looks the
// key up and compares the signature.
func (v *Verifier) verify(ctx context.Context, r *http.Request, body []byte, sr *signedRequest) (*Result, error) {
	if !signsHost(sr.signedHeaders) {
		return nil, newError(SignatureMismatch, msgHostNotSigned)
	}
	if sr.algorithm != algorithm {
		return nil, errBadAlgorithm(sr.algorithm)
	}
	cred, ok := parseCredential(sr.credential)
	if !ok {
		return nil, errCredentialParts(sr.credential)
	}
	if err := checkScope(&cred, sr.amzDate); err != nil {
		return nil, err
	}

	// The payload hashes to try: the client's x-amz-content-sha256 if it
	// sent one; otherwise the body's hash and, for presigned URLs,
	// UNSIGNED-PAYLOAD (which S3-style presigners sign, while botocore's
	// and aws-sdk-go-v2's STS presigners hash the empty body).
	var payloads [2]payloadHash
	n := 1
	if h := r.Header["X-Amz-Content-Sha256"]; len(h) > 0 {
		switch p := h[0]; {
		case p == unsignedPayload:
			payloads[0].unsigned = true
		case len(p) == 2*sha256.Size && isHex(p):
			sum := sha256.Sum256(body)
			if !strings.EqualFold(p, hex.EncodeToString(sum[:])) {
				return nil, newError(SignatureMismatch, msgContentSHAWrong)
			}
			payloads[0].set(p)
		default:
			return nil, newError(IncompleteSignature, msgContentSHAInvalid)
		}
	} else {
		sum := sha256.Sum256(body)
		hex.Encode(payloads[0].hex[:], sum[:])
		if sr.presigned {
			payloads[1].unsigned = true
			n = 2
		}
	}

	if v.Lookup == nil {
		return nil, errors.New("sigv4: Verifier.Lookup is nil")
	}
	secret, err := v.Lookup(ctx, cred.accessKeyID)
	if err != nil {
		if errors.Is(err, ErrUnknownAccessKey) {
			return nil, newError(UnknownAccessKey, msgUnknownKey)
		}
		return nil, fmt.Errorf("sigv4: looking up access key: %w", err)
	}
	want, ok := decodeSignature(sr.signature)
	if !ok {
		return nil, newError(SignatureMismatch, msgSignatureMismatch)
	}
	key := v.keyCache().get(secret, &cred)

	s := scratchPool.Get().(*scratch)
	defer s.release()

	// Everything between the canonical URI and the payload hash is the
	// same for every candidate.
	s.mid = appendCanonicalQuery(s.mid[:0], s, rawQueryOf(r), sr.presigned)
	s.mid = append(s.mid, '\n')
	s.mid = appendCanonicalHeaders(s.mid, r, sr.signedHeaders)
	s.mid = append(s.mid, '\n')
	s.mid = append(s.mid, sr.signedHeaders...)
	s.mid = append(s.mid, '\n')

	s3 := cred.service == "s3"
	path := requestPath(r)
	for attempt := 0; attempt < 2; attempt++ {
		var ok bool
		if s.uri, ok = appendCanonicalURICandidate(s.uri[:0], path, s3, attempt); !ok {
			break
		}
		for i := range payloads[:n] {
			got := s.sign(key, r.Method, sr, &cred, &payloads[i])
			if hmac.Equal(got[:], want[:]) {
				return &Result{
					AccessKeyID:     cred.accessKeyID,
					Date:            cred.date,
					Region:          cred.region,
					Service:         cred.service,
					SignedAt:        sr.signedAt,
					SessionToken:    sr.sessionToken,
					Presigned:       sr.presigned,
					UnsignedPayload: payloads[i].unsigned,
				}, nil
			}
		}
	}
	return nil, newError(SignatureMismatch, msgSignatureMismatch)
}

// checkScope checks the credential scope's terminator and date (which
// must be the date of the signing time) and that region and service are
// present, answering as AWS does with every problem in one message.
// Whether the region and service suit the endpoint is for the caller to
// check with Result.
func checkScope(c *credential, amzDate string) *Error {
	if c.region != "" && c.service != "" && c.terminator == terminator && c.date == amzDate[:8] {
		return nil
	}
	var b strings.Builder
	if c.region == "" {
		b.WriteString("Credential should be scoped to a valid region, not ''. ")
	}
	if c.service == "" {
		b.WriteString("Credential should be scoped to a valid service, not ''. ")
	}
	if c.terminator != terminator {
		b.WriteString("Credential should be scoped with a valid terminator: 'aws4_request', not '" + c.terminator + "'. ")
	}
	if c.date != amzDate[:8] {
		b.WriteString("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '" + c.date + "' != '" + amzDate[:8] + "', from '" + amzDate + "'.")
	}
	return newError(SignatureMismatch, strings.TrimSuffix(b.String(), " "))
}

func rawQueryOf(r *http.Request) string {
	if r.URL == nil {
		return ""
	}
	return r.URL.RawQuery
}

// keyCache returns the Verifier's signing-key cache, creating it on first
// use.
func (v *Verifier) keyCache() *keyCache {
	if c := v.keys.Load(); c != nil {
		return c
	}
	v.keys.CompareAndSwap(nil, newKeyCache())
	return v.keys.Load()
}
