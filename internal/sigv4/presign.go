package sigv4

import (
	"net/http"
	"strings"
	"time"
)

// This file reads the presigned-URL (query string) form of SigV4.

// hasQueryKey reports whether the raw query has a parameter named name.
func hasQueryKey(rawQuery, name string) bool {
	it := queryIter{rest: rawQuery}
	for {
		k, _, ok := it.next()
		if !ok {
			return false
		}
		if queryKeyIs(k, name) {
			return true
		}
	}
}

// maxPresignExpires is the longest X-Amz-Expires AWS accepts: one week.
const maxPresignExpires = 7 * 24 * 60 * 60

// The query parameters of a presigned URL, in the order AWS reports the
// required ones missing.
var presignParams = [...]string{
	"X-Amz-Algorithm",
	"X-Amz-Credential",
	"X-Amz-Signature",
	"X-Amz-SignedHeaders",
	"X-Amz-Date",
	"X-Amz-Expires",
	"X-Amz-Security-Token",
}

const (
	pAlgorithm = iota
	pCredential
	pSignature
	pSignedHeaders
	pDate
	pExpires
	pSecurityToken
	pRequired = pDate + 1 // parameters before this index are required
)

// parsePresigned reads the presigned-URL form and checks the signing time
// and X-Amz-Expires against the clock.
func parsePresigned(r *http.Request, rawQuery string, now time.Time, skew time.Duration) (signedRequest, *Error) {
	var raw [len(presignParams)]string
	var count [len(presignParams)]int
	it := queryIter{rest: rawQuery}
	for {
		k, v, ok := it.next()
		if !ok {
			break
		}
		for i, name := range presignParams {
			if queryKeyIs(k, name) {
				if count[i] == 0 {
					raw[i] = v
				}
				count[i]++
				break
			}
		}
	}
	var vals [len(presignParams)]string
	var missing []string
	for i := range presignParams {
		vals[i] = queryUnescape(raw[i])
		if i < pRequired && vals[i] == "" {
			missing = append(missing, presignParams[i])
		}
	}
	if missing != nil {
		return signedRequest{}, errMissingQueryParams(missing)
	}
	for i, n := range count {
		if n > 1 {
			return signedRequest{}, newError(IncompleteSignature, "AWS query-string parameter '"+presignParams[i]+"' must appear only once. Re-examine the query-string parameters.")
		}
	}
	sr := signedRequest{
		algorithm:     vals[pAlgorithm],
		credential:    vals[pCredential],
		signedHeaders: vals[pSignedHeaders],
		signature:     vals[pSignature],
		amzDate:       vals[pDate],
		sessionToken:  vals[pSecurityToken],
		presigned:     true,
	}
	var ok bool
	if sr.signedAt, ok = parseAmzDate(sr.amzDate); !ok {
		return signedRequest{}, errBadDate(sr.amzDate)
	}
	var expires int64
	hasExpires := count[pExpires] > 0
	if hasExpires {
		var err *Error
		if expires, err = parseExpires(vals[pExpires]); err != nil {
			return signedRequest{}, err
		}
	}
	switch {
	case sr.signedAt.After(now.Add(skew)):
		return signedRequest{}, errSkew(sr.signedAt, now, skew)
	case hasExpires && now.After(sr.signedAt.Add(time.Duration(expires)*time.Second)):
		return signedRequest{}, newError(PresignExpired, msgPresignExpired)
	case !hasExpires && sr.signedAt.Before(now.Add(-skew)):
		return signedRequest{}, errSkew(sr.signedAt, now, skew)
	}
	if sr.sessionToken == "" {
		if t := r.Header["X-Amz-Security-Token"]; len(t) > 0 {
			sr.sessionToken = t[0]
		}
	}
	return sr, nil
}

// parseExpires parses X-Amz-Expires: whole seconds, 0 to one week.
func parseExpires(s string) (int64, *Error) {
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 12 {
		return 0, errBadExpires("X-Amz-Expires should be a number")
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, errBadExpires("X-Amz-Expires should be a number")
		}
		n = n*10 + int64(c-'0')
	}
	if neg {
		return 0, errBadExpires("X-Amz-Expires must be non-negative")
	}
	if n > maxPresignExpires {
		return 0, errBadExpires("X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires must be less than 604800 seconds")
	}
	return n, nil
}
