package sigv4

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/guardduty"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const (
	sdkAKID   = "AKIAGATEHOUSEEXAMPLE"
	sdkSecret = "gatehouse/Secret+Key/EXAMPLE0123456789abcd"
	sdkToken  = "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ+session/token=="
)

var sdkSignTime = time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC)

func sdkVerifier(t testing.TB) *Verifier {
	return &Verifier{
		Lookup: keys(map[string]string{sdkAKID: sdkSecret}),
		Now:    func() time.Time { return sdkSignTime.Add(90 * time.Second) },
	}
}

func hashHex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestSDKSignHTTP signs requests with aws-sdk-go-v2's signer, sends them
// through net/http's wire format and verifies them.
func TestSDKSignHTTP(t *testing.T) {
	tests := []struct {
		name    string
		method  string
		url     string
		body    string
		service string
		token   string
		headers [][2]string
		s3      bool
	}{
		{name: "sts post", method: "POST", url: "https://sts.gatehouse.test/", service: "sts",
			body:    "Action=GetCallerIdentity&Version=2011-06-15",
			headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}},
		{name: "sts post with session token", method: "POST", url: "https://sts.gatehouse.test/", service: "sts", token: sdkToken,
			body:    "Action=GetCallerIdentity&Version=2011-06-15",
			headers: [][2]string{{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}}},
		{name: "get empty path", method: "GET", url: "https://iam.gatehouse.test", service: "iam"},
		{name: "get root with query", method: "GET", url: "https://iam.gatehouse.test/?Action=ListUsers&Version=2010-05-08", service: "iam"},
		{name: "repeated keys and special characters", method: "GET", service: "guardduty",
			url: "https://gd.gatehouse.test/detector?b=2&a=z&a=y&a=&sp=a%20b&plus=a%2Bb&rawplus=a+b&star=*&tilde=~&slash=%2F&uni=%E1%88%B4&flag&eq=%3D%3D&amp=%26"},
		{name: "path with encoded slash", method: "GET", url: "https://gd.gatehouse.test/detector/abc%2Fdef", service: "guardduty"},
		{name: "path with special characters", method: "GET", service: "guardduty",
			url: "https://gd.gatehouse.test/detector/a%20b+c*~%E1%88%B4/%25/x:y@z!$&'()"},
		{name: "path with trailing slash", method: "DELETE", url: "https://gd.gatehouse.test/detector/abc/", service: "guardduty"},
		{name: "header values with extra spaces", method: "POST", url: "https://kms.gatehouse.test/", service: "kms",
			body: `{"KeyId":"alias/x"}`,
			headers: [][2]string{
				{"Content-Type", "application/x-amz-json-1.1"},
				{"X-Amz-Target", "TrentService.DescribeKey"},
				{"X-Custom", "  a   b    c  "},
				{"X-Multi", "second  value"},
				{"X-Multi", "first"},
			}},
		{name: "json put with unicode body", method: "PUT", url: "https://gd.gatehouse.test/detector/d1/filter/ሴ", service: "guardduty",
			body: `{"name":"ሴ  x"}`, headers: [][2]string{{"Content-Type", "application/json"}}},
		{name: "s3 single-encoded path", method: "GET", url: "https://s3.gatehouse.test/bucket/a%20b/c~d", service: "s3", s3: true,
			headers: [][2]string{{"X-Amz-Content-Sha256", hashHex(nil)}}},
		{name: "s3 path escaped by Go's rules", method: "PUT", url: "https://s3.gatehouse.test/bucket/a:b@c$d,e", service: "s3", s3: true,
			body: "x", headers: [][2]string{{"X-Amz-Content-Sha256", unsignedPayload}}},
		{name: "non-default port", method: "GET", url: "http://127.0.0.1:8443/?Action=GetCallerIdentity", service: "sts"},
	}
	v := sdkVerifier(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequest(tt.method, tt.url, body)
			if err != nil {
				t.Fatal(err)
			}
			for _, h := range tt.headers {
				req.Header.Add(h[0], h[1])
			}
			creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret, SessionToken: tt.token}
			payload := hashHex([]byte(tt.body))
			if p := req.Header.Get("X-Amz-Content-Sha256"); p != "" {
				payload = p // the SDK's S3 middleware signs what it sends
			}
			err = v4.NewSigner().SignHTTP(context.Background(), creds, req, payload, tt.service, "eu-west-3", sdkSignTime,
				func(o *v4.SignerOptions) { o.DisableURIPathEscaping = tt.s3 })
			if err != nil {
				t.Fatal(err)
			}
			r, b := overWire(t, req)
			res, err := v.Verify(context.Background(), r, b)
			if err != nil {
				t.Fatalf("Verify: %v\n%s %s", err, r.Method, r.RequestURI)
			}
			want := Result{AccessKeyID: sdkAKID, Date: "20261127", Region: "eu-west-3", Service: tt.service, SignedAt: sdkSignTime, SessionToken: tt.token,
				UnsignedPayload: req.Header.Get("X-Amz-Content-Sha256") == unsignedPayload}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}

			// The same request built in-process (no RequestURI) verifies too.
			if _, err := v.Verify(context.Background(), req, []byte(tt.body)); err != nil {
				t.Errorf("Verify of the client-side request: %v", err)
			}

			// Tampering with the body must be detected, unless the client
			// chose not to sign it.
			if _, err := v.Verify(context.Background(), r, append(b, ' ')); (err == nil) != want.UnsignedPayload {
				t.Errorf("tampered body: %v", err)
			}
		})
	}
}

// TestSDKPresignHTTP presigns requests with aws-sdk-go-v2's presigner, with
// the payload hash the SDK's STS presigner uses (the empty body's) and
// with UNSIGNED-PAYLOAD (as S3 presigners do).
func TestSDKPresignHTTP(t *testing.T) {
	for _, payload := range []string{hashHex(nil), unsignedPayload} {
		for _, token := range []string{"", sdkToken} {
			name := payload[:8] + map[bool]string{true: " token", false: ""}[token != ""]
			t.Run(name, func(t *testing.T) {
				req, err := http.NewRequest("GET", "https://sts.gatehouse.test/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Expires=60&x=a%20b+c", nil)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("X-K8s-Aws-Id", "my-cluster")
				creds := aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret, SessionToken: token}
				signed, hdr, err := v4.NewSigner().PresignHTTP(context.Background(), creds, req, payload, "sts", "us-east-1", sdkSignTime)
				if err != nil {
					t.Fatal(err)
				}
				out, err := http.NewRequest("GET", signed, nil)
				if err != nil {
					t.Fatal(err)
				}
				for k, vs := range hdr {
					if k != "Host" {
						out.Header[k] = vs
					}
				}
				r, b := overWire(t, out)
				v := sdkVerifier(t)
				v.Now = func() time.Time { return sdkSignTime.Add(30 * time.Second) }
				res, err := v.Verify(context.Background(), r, b)
				if err != nil {
					t.Fatalf("Verify: %v\n%s", err, r.RequestURI)
				}
				if !res.Presigned || res.SessionToken != token || res.UnsignedPayload != (payload == unsignedPayload) {
					t.Errorf("result = %+v", res)
				}

				// Valid until X-Amz-Date + X-Amz-Expires, then expired.
				v.Now = func() time.Time { return sdkSignTime.Add(60 * time.Second) }
				if _, err := v.Verify(context.Background(), r, b); err != nil {
					t.Errorf("at expiry: %v", err)
				}
				v.Now = func() time.Time { return sdkSignTime.Add(61 * time.Second) }
				_, err = v.Verify(context.Background(), r, b)
				if e := wantKind(t, err, PresignExpired); e.Message != "Request has expired" {
					t.Errorf("message = %q", e.Message)
				}
			})
		}
	}
}

// TestSDKPresignGetCallerIdentity verifies the URL of the STS presign
// client (what EKS and Vault-style authenticators build).
func TestSDKPresignGetCallerIdentity(t *testing.T) {
	client := sts.New(sts.Options{
		Region:      "us-east-1",
		Credentials: aws.NewCredentialsCache(staticCreds(sdkToken)),
	})
	p, err := sts.NewPresignClient(client).PresignGetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	out, err := http.NewRequest(p.Method, p.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, vs := range p.SignedHeader {
		if k != "Host" {
			out.Header[k] = vs
		}
	}
	r, b := overWire(t, out)
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret})}
	res, err := v.Verify(context.Background(), r, b)
	if err != nil {
		t.Fatalf("Verify: %v\n%s %s", err, p.Method, p.URL)
	}
	if !res.Presigned || res.Service != "sts" || res.SessionToken != sdkToken {
		t.Errorf("result = %+v", res)
	}
}

func staticCreds(token string) aws.CredentialsProviderFunc {
	return func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: sdkAKID, SecretAccessKey: sdkSecret, SessionToken: token, Source: "test"}, nil
	}
}

// TestSDKClientsEndToEnd points real aws-sdk-go-v2 service clients (query,
// JSON and REST-JSON protocols) at an HTTP server that verifies every
// request it receives.
func TestSDKClientsEndToEnd(t *testing.T) {
	v := &Verifier{Lookup: keys(map[string]string{sdkAKID: sdkSecret})}
	var mu sync.Mutex
	var seen []*Result
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		res, err := v.Verify(r.Context(), r, body)
		if err != nil {
			t.Errorf("%s %s: %v", r.Method, r.RequestURI, err)
			http.Error(w, err.Error(), http.StatusForbidden)
			return
		}
		mu.Lock()
		seen = append(seen, res)
		mu.Unlock()
		switch res.Service {
		case "sts":
			w.Header().Set("Content-Type", "text/xml")
			io.WriteString(w, `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/u</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></GetCallerIdentityResponse>`)
		case "kms":
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			io.WriteString(w, `{"Keys":[]}`)
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{}`)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	creds := aws.NewCredentialsCache(staticCreds(sdkToken))

	stsc := sts.New(sts.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client()})
	if _, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}); err != nil {
		t.Errorf("sts: %v", err)
	}
	kmsc := kms.New(kms.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client()})
	if _, err := kmsc.ListKeys(ctx, &kms.ListKeysInput{Limit: aws.Int32(5), Marker: aws.String("a b+c/=ሴ")}); err != nil {
		t.Errorf("kms: %v", err)
	}
	gd := guardduty.New(guardduty.Options{Region: "us-east-1", Credentials: creds, BaseEndpoint: aws.String(srv.URL), HTTPClient: srv.Client()})
	if _, err := gd.GetDetector(ctx, &guardduty.GetDetectorInput{DetectorId: aws.String("abc/def ሴ+*~%2F")}); err != nil {
		t.Errorf("guardduty GetDetector: %v", err)
	}
	if _, err := gd.ListDetectors(ctx, &guardduty.ListDetectorsInput{MaxResults: aws.Int32(7), NextToken: aws.String("a b+c/~*ሴ%20=&x")}); err != nil {
		t.Errorf("guardduty ListDetectors: %v", err)
	}
	if len(seen) != 4 {
		t.Fatalf("verified %d requests, want 4", len(seen))
	}
	for _, res := range seen {
		if res.AccessKeyID != sdkAKID || res.SessionToken != sdkToken || res.Presigned {
			t.Errorf("result = %+v", res)
		}
	}
}
