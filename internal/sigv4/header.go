package sigv4

import (
	"net/http"
	"time"
)

// This file reads the Authorization-header form of SigV4.

// parseHeaderAuth reads the Authorization-header form and checks the
// signing time against the clock.
func parseHeaderAuth(r *http.Request, value, rawQuery string, now time.Time, skew time.Duration) (signedRequest, *Error) {
	a, err := parseAuthorization(value)
	if err != nil {
		return signedRequest{}, err
	}
	dateValue, fromAmzDate := "", false
	if d := r.Header["X-Amz-Date"]; len(d) > 0 && d[0] != "" {
		dateValue, fromAmzDate = d[0], true
	} else if d := r.Header["Date"]; len(d) > 0 {
		dateValue = d[0]
	}
	if !a.hasCredential || !a.hasSignature || !a.hasSignedHeaders || dateValue == "" {
		return signedRequest{}, errMissingAuthParams(value, a.hasCredential, a.hasSignature, a.hasSignedHeaders, dateValue != "")
	}
	sr := signedRequest{
		algorithm:     a.algorithm,
		credential:    a.credential,
		signedHeaders: a.signedHeaders,
		signature:     a.signature,
	}
	var ok bool
	if fromAmzDate {
		sr.signedAt, ok = parseAmzDate(dateValue)
		sr.amzDate = dateValue
	} else if sr.signedAt, ok = parseDateHeader(dateValue); ok {
		sr.amzDate = formatAmzDate(sr.signedAt)
	}
	if !ok {
		return signedRequest{}, errBadDate(dateValue)
	}
	if sr.signedAt.Before(now.Add(-skew)) || sr.signedAt.After(now.Add(skew)) {
		return signedRequest{}, errSkew(sr.signedAt, now, skew)
	}
	if t := r.Header["X-Amz-Security-Token"]; len(t) > 0 {
		sr.sessionToken = t[0]
	} else if rawQuery != "" {
		sr.sessionToken, _ = queryLookup(rawQuery, "X-Amz-Security-Token")
	}
	return sr, nil
}
