package protocol

import (
	"bytes"
	"encoding/base64"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// discardWriter is a ResponseWriter that keeps nothing, so that the
// benchmarks measure the codecs rather than a recorder.
type discardWriter struct{ h http.Header }

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *discardWriter) WriteHeader(int)             {}

func (w *discardWriter) reset() {
	for k := range w.h {
		delete(w.h, k)
	}
}

// BenchmarkQueryDecodeSmall routes and decodes (with validation) a small
// IAM CreateUser form body.
func BenchmarkQueryDecodeSmall(b *testing.B) {
	rt := testRouter()
	body := []byte("Action=CreateUser&Version=2010-05-08&UserName=bob&Path=%2Fteam%2F&Tags.member.1.Key=env&Tags.member.1.Value=prod")
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{
		"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}}
	b.ReportAllocs()
	for b.Loop() {
		req, err := rt.Route(r, body, "iam")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeInput(req, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkXMLEncodeGetCallerIdentity writes STS GetCallerIdentity's
// three-string response.
func BenchmarkXMLEncodeGetCallerIdentity(b *testing.B) {
	op := stsService().Operations["GetCallerIdentity"]
	out := &stsGetCallerIdentityOutput{UserId: ptr("AIDAEXAMPLE"), Account: ptr("123456789012"), Arn: ptr("arn:aws:iam::123456789012:user/bob")}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := WriteResponse(w, op, "0f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8", out); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONDecodeEncrypt routes and decodes (with validation) a KMS
// Encrypt request as aws-sdk-go-v2 sends it.
func BenchmarkJSONDecodeEncrypt(b *testing.B) {
	rt := testRouter()
	body := []byte(`{"EncryptionAlgorithm":"SYMMETRIC_DEFAULT","EncryptionContext":{"purpose":"test"},"KeyId":"alias/app","Plaintext":"aGVsbG8gd29ybGQ="}`)
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{
		"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"TrentService.Encrypt"}}}
	b.ReportAllocs()
	for b.Loop() {
		req, err := rt.Route(r, body, "kms")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeInput(req, r, body); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONEncode writes a KMS CreateKey response.
func BenchmarkJSONEncode(b *testing.B) {
	op := kmsService().Operations["CreateKey"]
	created := time.Date(2026, 11, 27, 15, 26, 46, 775e6, time.UTC)
	out := &kmsCreateKeyOutput{KeyMetadata: &kmsKeyMetadata{
		AWSAccountId: ptr("123456789012"), KeyId: ptr("1234abcd-12ab-34cd-56ef-1234567890ab"),
		Arn:          ptr("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		CreationDate: &created, Enabled: ptr(true), Description: ptr("app key"), KeyUsage: "ENCRYPT_DECRYPT",
		EncryptionAlgorithms: []kmsEncryptionAlgorithmSpec{"SYMMETRIC_DEFAULT"},
	}}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := WriteResponse(w, op, "0f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8", out); err != nil {
			b.Fatal(err)
		}
	}
}

// encryptBody256 is the body of the load benchmark's KMS Encrypt: 256 bytes
// of plaintext under a key id, with a two-pair encryption context.
var encryptBody256 = []byte(`{"KeyId":"1234abcd-12ab-34cd-56ef-1234567890ab","Plaintext":"` +
	base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("gatehouse bench "), 16)) +
	`","EncryptionContext":{"purpose":"bench","tenant":"acme"}}`)

// BenchmarkJSONDecodeEncrypt256 decodes (with validation) the load
// benchmark's Encrypt body, without routing.
func BenchmarkJSONDecodeEncrypt256(b *testing.B) {
	rt := testRouter()
	r := &http.Request{Method: "POST", URL: &url.URL{Path: "/"}, Header: http.Header{
		"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"TrentService.Encrypt"}}}
	req, err := rt.Route(r, encryptBody256, "kms")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(encryptBody256)))
	for b.Loop() {
		if _, err := DecodeInput(req, r, encryptBody256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkJSONEncodeEncrypt writes the response of the load benchmark's
// Encrypt: a ciphertext of 256 bytes plus envelope, the key ARN and the
// algorithm.
func BenchmarkJSONEncodeEncrypt(b *testing.B) {
	op := kmsService().Operations["Encrypt"]
	out := &kmsEncryptOutput{
		CiphertextBlob:      bytes.Repeat([]byte{0x5a, 0xa5, 0x17}, 110),
		KeyId:               ptr("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
		EncryptionAlgorithm: "SYMMETRIC_DEFAULT",
	}
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	for b.Loop() {
		w.reset()
		if err := WriteResponse(w, op, "0f1a2b3c-4d5e-6f70-8192-a3b4c5d6e7f8", out); err != nil {
			b.Fatal(err)
		}
	}
}
