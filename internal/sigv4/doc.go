// Package sigv4 verifies AWS Signature Version 4 signatures on incoming
// requests, on the server side.
//
// Gatehouse is reached by unmodified AWS clients (the aws CLI, boto3,
// aws-sdk-go-v2, ...) pointed at it by endpoint URL, so this package has to
// rebuild, byte for byte, the canonical request those clients signed. It
// supports both ways a client can carry a signature:
//
//   - the Authorization header form
//     ("AWS4-HMAC-SHA256 Credential=AKID/20261127/us-east-1/sts/aws4_request,
//     SignedHeaders=..., Signature=..."), with the signing time in the
//     X-Amz-Date header or, failing that, the Date header;
//   - the presigned-URL (query string) form, with X-Amz-Algorithm,
//     X-Amz-Credential, X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders,
//     X-Amz-Signature and an optional X-Amz-Security-Token.
//
// Errors are *Error values whose Kind maps to the error code AWS itself
// answers in the query and JSON protocols (see Kind.Code), and whose
// messages imitate AWS's texts, so that SDK error handling and retry logic
// behave as they do against AWS.
//
// Verify is on the hot path of every request: it reuses buffers, keeps
// derived signing keys in a small bounded cache and computes the final
// HMAC without allocating.
package sigv4
