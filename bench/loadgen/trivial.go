package loadgen

import (
	"net/http"
	"strconv"
	"strings"
)

// TrivialBody is a fixed 400-byte XML document shaped like an STS response.
var TrivialBody = func() []byte {
	const head = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:root</Arn><UserId>000000000000</UserId><Account>000000000000</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>`
	const tail = `</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	return []byte(head + strings.Repeat("0", 400-len(head)-len(tail)) + tail)
}()

// TrivialHandler answers every request with TrivialBody and status 200,
// doing no other work. Serving it from net/http in-process and loading it
// measures the ceiling of this machine plus load generator: no server under
// test can be measured faster than that.
func TrivialHandler() http.Handler {
	length := strconv.Itoa(len(TrivialBody))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h["Content-Type"] = []string{"text/xml"}
		h["Content-Length"] = []string{length}
		_, _ = w.Write(TrivialBody)
	})
}
