package sigv4

import (
	"net/http"
	"strings"
)

// Scope parses just the credential scope (access key, date, region,
// service) of a request without verifying it, cheaply, so the router can
// route by signing service before the service's handler (and its error
// protocol) verifies the request. Returns ok=false if the request carries
// no SigV4 credential, or one that is not of the form
// AKID/date/region/service/terminator.
//
// The Authorization header is preferred; otherwise the X-Amz-Credential
// query parameter of a presigned URL is used. Nothing returned is
// authenticated.
func Scope(r *http.Request) (accessKeyID, region, service string, ok bool) {
	var raw string
	if auth := r.Header["Authorization"]; len(auth) > 0 && strings.HasPrefix(auth[0], "AWS4-") {
		a, err := parseAuthorization(auth[0])
		if err != nil || !a.hasCredential {
			return "", "", "", false
		}
		raw = a.credential
	} else if r.URL != nil && r.URL.RawQuery != "" {
		v, found := queryLookup(r.URL.RawQuery, "X-Amz-Credential")
		if !found {
			return "", "", "", false
		}
		raw = v
	} else {
		return "", "", "", false
	}
	c, valid := parseCredential(raw)
	if !valid || c.accessKeyID == "" || c.region == "" || c.service == "" {
		return "", "", "", false
	}
	return c.accessKeyID, c.region, c.service, true
}
