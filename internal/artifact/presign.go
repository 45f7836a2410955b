package artifact

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse/gatehouse/internal/store"
)

// DownloadPathPrefix is the path under which gatehouse serves Artifact
// documents through presigned URLs; the server routes it to
// DownloadHandler.
const DownloadPathPrefix = "/_gatehouse/artifact/"

// PresignedURLLifetime is how long a presigned download URL works. AWS
// Artifact hands out short-lived S3 presigned URLs without documenting
// their lifetime; five minutes is enough to start a download right after
// the call that returned the URL, and short enough that a leaked URL is
// soon worthless.
const PresignedURLLifetime = 5 * time.Minute

// Presigned URLs carry two query parameters: the expiry as Unix seconds
// and the base64url HMAC-SHA256, under a key only this node's keyring
// opens, of the document id and the expiry.
const (
	paramExpires   = "Expires"
	paramSignature = "Signature"
	signatureSize  = sha256.Size
	// stringToSignPrefix separates these MACs from any other use of the
	// key.
	stringToSignPrefix = "gatehouse artifact download v1\n"
	// maxExpiresDigits bounds the expiry parameter (Unix seconds fit in
	// 19 digits).
	maxExpiresDigits = 19
)

// Keyring purpose and additional data of the sealed signing key.
const (
	signingKeyPurpose = "artifact/download-url-key"
	signingKeyName    = "download"
)

// errPresignedURLExpired tells an expired URL from a forged one.
var errPresignedURLExpired = errors.New("it has expired")

// PresignedURL is a parsed download URL: which document, until when, and
// the signature that vouches for both.
type PresignedURL struct {
	DocumentID string
	Expires    int64 // Unix seconds
	Signature  []byte
}

// ParsePresignedURL parses the path and raw query of a download request.
// It checks only the form; Verify checks the signature and the expiry.
func ParsePresignedURL(path, rawQuery string) (PresignedURL, error) {
	var p PresignedURL
	id, ok := strings.CutPrefix(path, DownloadPathPrefix)
	if !ok || !documentIDPattern.MatchString(id) {
		return p, fmt.Errorf("%w: the path names no document", ErrInvalidPresignedURL)
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return p, fmt.Errorf("%w: the query cannot be parsed", ErrInvalidPresignedURL)
	}
	exp, sig := q[paramExpires], q[paramSignature]
	if len(exp) != 1 || len(sig) != 1 {
		return p, fmt.Errorf("%w: it needs exactly one %s and one %s parameter", ErrInvalidPresignedURL, paramExpires, paramSignature)
	}
	if len(exp[0]) == 0 || len(exp[0]) > maxExpiresDigits || strings.Trim(exp[0], "0123456789") != "" {
		return p, fmt.Errorf("%w: %s is not a time in Unix seconds", ErrInvalidPresignedURL, paramExpires)
	}
	expires, err := strconv.ParseInt(exp[0], 10, 64)
	if err != nil || expires <= 0 {
		return p, fmt.Errorf("%w: %s is not a time in Unix seconds", ErrInvalidPresignedURL, paramExpires)
	}
	mac, err := base64.RawURLEncoding.DecodeString(sig[0])
	if err != nil || len(mac) != signatureSize {
		return p, fmt.Errorf("%w: the signature is malformed", ErrInvalidPresignedURL)
	}
	return PresignedURL{DocumentID: id, Expires: expires, Signature: mac}, nil
}

// String returns the URL's path and query.
func (p PresignedURL) String() string {
	return DownloadPathPrefix + p.DocumentID + "?" + p.query()
}

func (p PresignedURL) query() string {
	q := url.Values{}
	q.Set(paramExpires, strconv.FormatInt(p.Expires, 10))
	q.Set(paramSignature, base64.RawURLEncoding.EncodeToString(p.Signature))
	return q.Encode()
}

func stringToSign(docID string, expires int64) []byte {
	return []byte(stringToSignPrefix + docID + "\n" + strconv.FormatInt(expires, 10))
}

// Presign returns the presigned download URL of a document, valid until
// expires, on the given scheme ("http" or "https") and host (the Host the
// client addressed gatehouse by).
func (s *Store) Presign(ctx context.Context, scheme, host, docID string, expires time.Time) (string, error) {
	key, err := s.urlKey(ctx)
	if err != nil {
		return "", err
	}
	p := PresignedURL{DocumentID: docID, Expires: expires.Unix(), Signature: sign(key, docID, expires.Unix())}
	u := url.URL{Scheme: scheme, Host: host, Path: DownloadPathPrefix + docID, RawQuery: p.query()}
	return u.String(), nil
}

func sign(key []byte, docID string, expires int64) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(stringToSign(docID, expires))
	return m.Sum(nil)
}

// Verify checks a parsed URL's signature (in constant time) and expiry.
func (s *Store) Verify(ctx context.Context, p PresignedURL) error {
	key, err := s.urlKey(ctx)
	if err != nil {
		return err
	}
	if !hmac.Equal(sign(key, p.DocumentID, p.Expires), p.Signature) {
		return fmt.Errorf("%w: the signature does not match", ErrInvalidPresignedURL)
	}
	if s.now().Unix() >= p.Expires {
		return fmt.Errorf("%w: %w", ErrInvalidPresignedURL, errPresignedURLExpired)
	}
	return nil
}

// storedSigningKey is the signing key as stored: sealed by the keyring.
type storedSigningKey struct {
	Sealed    []byte    `json:"sealed"`
	CreatedAt time.Time `json:"createdAt"`
}

// urlKey returns the HMAC key of presigned URLs, creating it on first use.
// It is random, stored sealed under the keyring (so a copy of the
// database without the root key cannot forge URLs) and shared by every
// process on the data directory.
func (s *Store) urlKey(ctx context.Context) ([]byte, error) {
	s.keyMu.Lock()
	defer s.keyMu.Unlock()
	if s.signingKey != nil {
		return s.signingKey, nil
	}
	var key []byte
	err := s.st.Update(ctx, func(tx store.Tx) error {
		var stored storedSigningKey
		err := store.GetJSON(tx, kindSigningKey, signingKeyName, &stored)
		if err == nil {
			key, err = s.kr.Open(signingKeyPurpose, stored.Sealed, []byte(signingKeyName))
			return err
		}
		if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return err
		}
		sealed, err := s.kr.Seal(signingKeyPurpose, key, []byte(signingKeyName))
		if err != nil {
			return err
		}
		raw, err := json.Marshal(storedSigningKey{Sealed: sealed, CreatedAt: s.now().UTC()})
		if err != nil {
			return err
		}
		return tx.Insert(kindSigningKey, signingKeyName, raw)
	})
	if err != nil {
		return nil, fmt.Errorf("artifact: load the presigned URL key: %w", err)
	}
	s.signingKey = key
	return key, nil
}

// DownloadHandler serves the documents of presigned URLs: the bytes with
// their content type and file name to a request whose signature is valid
// and unexpired, 403 otherwise, as S3 answers a bad presigned URL.
func (s *Store) DownloadHandler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.Default()
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			writeDownloadError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The specified method is not allowed against this resource.")
			return
		}
		p, err := ParsePresignedURL(r.URL.Path, r.URL.RawQuery)
		if err != nil {
			writeDownloadError(w, http.StatusForbidden, "AccessDenied", "The presigned URL is malformed.")
			return
		}
		if err := s.Verify(r.Context(), p); err != nil {
			if !errors.Is(err, ErrInvalidPresignedURL) {
				log.Error("artifact download: verify a presigned URL", "error", err)
				writeDownloadError(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
				return
			}
			msg := "The request signature we calculated does not match the signature you provided."
			if errors.Is(err, errPresignedURLExpired) {
				msg = "Request has expired"
			}
			writeDownloadError(w, http.StatusForbidden, "AccessDenied", msg)
			return
		}
		d, err := s.Document(r.Context(), p.DocumentID)
		if errors.Is(err, ErrDocumentNotFound) {
			writeDownloadError(w, http.StatusNotFound, "NoSuchKey", "The specified key does not exist.")
			return
		}
		if err != nil {
			log.Error("artifact download: read a document", "document", p.DocumentID, "error", err)
			writeDownloadError(w, http.StatusInternalServerError, "InternalError", "We encountered an internal error. Please try again.")
			return
		}
		h := w.Header()
		h.Set("Content-Type", d.ContentType)
		h.Set("Content-Length", strconv.FormatInt(d.Size, 10))
		h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": d.Filename}))
		h.Set("Cache-Control", "private, no-store")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("ETag", `"`+d.SHA256+`"`)
		w.WriteHeader(http.StatusOK)
		if r.Method == http.MethodHead {
			return
		}
		for i := 0; i < d.Chunks; i++ {
			b, err := s.DocumentChunk(r.Context(), d.ID, i)
			if err != nil {
				// The status is sent; the short body tells the client.
				log.Error("artifact download: read a document chunk", "document", d.ID, "chunk", i, "error", err)
				return
			}
			if _, err := w.Write(b); err != nil {
				return
			}
		}
	})
}

// downloadError is the XML error body S3 answers presigned URL failures
// with, which clients downloading "S3 URLs" know how to show.
type downloadError struct {
	XMLName xml.Name `xml:"Error"`
	Code    string   `xml:"Code"`
	Message string   `xml:"Message"`
}

func writeDownloadError(w http.ResponseWriter, status int, code, message string) {
	body, _ := xml.Marshal(downloadError{Code: code, Message: message})
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	_, _ = w.Write(append([]byte(xml.Header), body...))
}
