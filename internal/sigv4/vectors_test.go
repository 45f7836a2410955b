package sigv4

import (
	"context"
	"strings"
	"testing"
)

// Vectors from AWS's published Signature Version 4 test suite (credentials
// AKIDEXAMPLE / wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z,
// us-east-1, service "service"), written as the raw requests a server
// receives, with the Authorization header AWS lists for each.
func TestAWSTestSuiteVectors(t *testing.T) {
	const (
		date  = "20150830T123600Z"
		cred  = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
		vanil = "Host: example.amazonaws.com\r\nX-Amz-Date: 20150830T123600Z\r\n"
	)
	tests := []struct {
		name, reqLine, headers, body, auth string
	}{
		{"get-vanilla", "GET / HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-header-key-duplicate", "GET / HTTP/1.1",
			"Host: example.amazonaws.com\r\nMy-Header1: value2\r\nMy-Header1: value2\r\nMy-Header1: value1\r\nX-Amz-Date: 20150830T123600Z\r\n", "",
			"SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"},
		{"get-header-value-order", "GET / HTTP/1.1",
			"Host: example.amazonaws.com\r\nMy-Header1: value4\r\nMy-Header1: value1\r\nMy-Header1: value3\r\nMy-Header1: value2\r\nX-Amz-Date: 20150830T123600Z\r\n", "",
			"SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01"},
		{"get-header-value-trim", "GET / HTTP/1.1",
			"Host: example.amazonaws.com\r\nMy-Header1:  value1\r\nMy-Header2: \"a   b   c\"\r\nX-Amz-Date: 20150830T123600Z\r\n", "",
			"SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"},
		{"get-unreserved", "GET /-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f"},
		{"get-utf8", "GET /ሴ HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85"},
		{"get-vanilla-empty-query-key", "GET /?Param1=value1 HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb"},
		{"get-vanilla-query-order-key-case", "GET /?Param2=value2&Param1=value1 HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"get-vanilla-query-unreserved", "GET /?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197"},
		{"get-vanilla-utf8-query", "GET /?%E1%88%B4=bar HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"},
		{"post-vanilla", "POST / HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
		{"post-header-key-sort", "POST / HTTP/1.1",
			"Host: example.amazonaws.com\r\nMy-Header1: value1\r\nX-Amz-Date: 20150830T123600Z\r\n", "",
			"SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c"},
		{"post-header-value-case", "POST / HTTP/1.1",
			"Host: example.amazonaws.com\r\nMy-Header1: VALUE1\r\nX-Amz-Date: 20150830T123600Z\r\n", "",
			"SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d"},
		{"post-vanilla-query", "POST /?Param1=value1 HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11"},
		{"post-vanilla-query-nonunreserved", "POST /?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D HTTP/1.1", vanil, "",
			"SignedHeaders=host;x-amz-date, Signature=66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"},
		{"post-x-www-form-urlencoded", "POST / HTTP/1.1",
			"Content-Type: application/x-www-form-urlencoded\r\nHost: example.amazonaws.com\r\nX-Amz-Date: 20150830T123600Z\r\nContent-Length: 13\r\n", "Param1=value1",
			"SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"},
		{"post-x-www-form-urlencoded-parameters", "POST / HTTP/1.1",
			"Content-Type: application/x-www-form-urlencoded; charset=utf8\r\nHost: example.amazonaws.com\r\nX-Amz-Date: 20150830T123600Z\r\nContent-Length: 13\r\n", "Param1=value1",
			"SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe"},
	}
	v := &Verifier{
		Lookup: keys(map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}),
		Now:    at(t, date),
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := tt.reqLine + "\r\n" + tt.headers + "Authorization: " + cred + tt.auth + "\r\n\r\n" + tt.body
			r := readWire(t, raw)
			res, err := v.Verify(context.Background(), r, []byte(tt.body))
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if res.AccessKeyID != "AKIDEXAMPLE" || res.Date != "20150830" || res.Region != "us-east-1" || res.Service != "service" || res.Presigned {
				t.Errorf("result = %+v", res)
			}
			// Flipping one signature digit must fail.
			last := tt.auth[len(tt.auth)-1]
			flipped := tt.auth[:len(tt.auth)-1] + map[bool]string{true: "0", false: "1"}[last != '0']
			bad := strings.Replace(raw, tt.auth, flipped, 1)
			_, err = v.Verify(context.Background(), readWire(t, bad), []byte(tt.body))
			wantKind(t, err, SignatureMismatch)
		})
	}
}

// The worked example of AWS's "Calculate the signature" documentation: an
// IAM ListUsers GET, whose signature is 5d672d79....
func TestAWSDocumentationExample(t *testing.T) {
	raw := "GET /?Action=ListUsers&Version=2010-05-08 HTTP/1.1\r\n" +
		"Host: iam.amazonaws.com\r\n" +
		"Content-Type: application/x-www-form-urlencoded; charset=utf-8\r\n" +
		"X-Amz-Date: 20150830T123600Z\r\n" +
		"Authorization: AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7\r\n\r\n"
	v := &Verifier{
		Lookup: keys(map[string]string{"AKIDEXAMPLE": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}),
		Now:    at(t, "20150830T123600Z"),
	}
	res, err := v.Verify(context.Background(), readWire(t, raw), nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if res.Service != "iam" {
		t.Errorf("service = %q", res.Service)
	}
}
