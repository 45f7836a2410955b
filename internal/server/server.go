// Package server is gatehouse's one request path. Every AWS API call, from
// any client and for any service, goes through the same steps in the same
// order:
//
//	route → authenticate → decode → authorize → handle → encode → audit
//
// Routing picks the service and operation (SigV4 credential scope,
// X-Amz-Target, Action, REST path); authentication verifies the signature
// and resolves the principal; decoding builds and validates the typed input
// from the model; authorization asks the authorizer; the handler runs with
// no knowledge of HTTP; the result or error is encoded in the protocol's
// shape; and every call, allowed, denied or failed, becomes a trail event.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/audit"
	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/protocol"
	"github.com/gatehouse/gatehouse/internal/session"
	"github.com/gatehouse/gatehouse/internal/sigv4"
	"github.com/gatehouse/gatehouse/internal/store"
)

// DefaultMaxBodyBytes bounds a request body. AWS's largest bodies for the
// services gatehouse serves (policy documents, KMS imports) are far below.
const DefaultMaxBodyBytes = 8 << 20

// defaultRegion is used when a request names none, and for global services.
const defaultRegion = "us-east-1"

// Authorizer decides whether the principal of c may perform its operation
// with input in. It returns nil to allow, or the error to answer
// (AccessDenied in the protocol's spelling).
type Authorizer interface {
	Authorize(ctx context.Context, c *call.Call, in any) error
}

// Config is what the server needs besides its collaborators.
type Config struct {
	// Dev enables dev mode: unknown access keys act as the root user of
	// DevAccountID without signature checks, and POST /moto-api/reset
	// wipes state.
	Dev          bool
	DevAccountID string
	// ManagementAccountID receives the trail events of requests signed
	// with keys no account owns.
	ManagementAccountID string
	// MaxBodyBytes bounds request bodies; 0 means DefaultMaxBodyBytes.
	MaxBodyBytes int64
	Logger       *slog.Logger
	// Now is the clock temporary credentials expire by; nil means
	// time.Now. Tests set it to expire sessions.
	Now func() time.Time
}

// Deps are the server's collaborators.
type Deps struct {
	Store       store.Store
	Services    []*protocol.Service
	Registry    *call.Registry
	Credentials *account.Credentials
	Authorizer  Authorizer
	Recorder    *audit.Recorder
	// Reset wipes state for dev mode's POST /moto-api/reset.
	Reset func(context.Context) error
	// Sessions opens the session tokens of temporary credentials (the
	// codec STS issues them with); nil refuses every session token.
	Sessions *session.Codec
	// Endpoints are gatehouse's own HTTP endpoints that services add, by
	// path prefix under /_gatehouse/ (for instance the downloads of
	// Artifact's presigned report URLs). They authenticate requests
	// themselves.
	Endpoints map[string]http.Handler
}

// Server serves the AWS APIs and gatehouse's own endpoints.
type Server struct {
	// resetting is held shared by every API request from its first byte
	// to its trail event, and exclusively by dev mode's reset, so that no
	// request writes state or trail events while the store is wiped.
	resetting sync.RWMutex

	cfg      Config
	deps     Deps
	log      *slog.Logger
	router   *protocol.Router
	verifier *sigv4.Verifier
	metrics  *metrics
	metricsH http.Handler
}

// New assembles a server.
func New(cfg Config, deps Deps) *Server {
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	s := &Server{
		cfg:     cfg,
		deps:    deps,
		log:     cfg.Logger,
		router:  protocol.NewRouter(deps.Services),
		metrics: newMetrics(),
	}
	s.verifier = &sigv4.Verifier{Lookup: s.lookupSecret}
	s.metricsH = promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{})
	return s
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/_gatehouse/health":
		s.serveHealth(w, r)
		return
	case "/metrics":
		s.metricsH.ServeHTTP(w, r)
		return
	case "/moto-api/reset":
		if s.cfg.Dev && r.Method == http.MethodPost {
			s.serveReset(w, r)
			return
		}
	}
	if strings.HasPrefix(r.URL.Path, "/_gatehouse/") {
		for prefix, h := range s.deps.Endpoints {
			if strings.HasPrefix(r.URL.Path, prefix) {
				h.ServeHTTP(w, r)
				return
			}
		}
	}
	s.serveAPI(w, r)
}

// exchange is the state of one API request as it moves along the path.
type exchange struct {
	start     time.Time
	requestID string
	op        *protocol.Operation
	// svc is the addressed service, known even when routing to an
	// operation failed, so errors take that service's shape.
	svc       *protocol.Service
	principal *identity.Principal
	keyID     string
	region    string
	input     any
	output    any
	err       *protocol.Error
	outcome   string
	call      *call.Call
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	s.resetting.RLock()
	defer s.resetting.RUnlock()
	x := &exchange{start: time.Now(), requestID: audit.NewEventID(), region: defaultRegion}
	defer func() {
		if p := recover(); p != nil {
			s.metrics.panics.Inc()
			s.log.Error("recovered panic while serving a request; this is a bug",
				"request_id", x.requestID, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
			x.err = protocol.InternalFailure(x.requestID)
			x.outcome = outcomePanic
			s.writeError(w, x)
			s.finish(r, x)
		}
	}()
	s.handleAPI(w, r, x)
	s.finish(r, x)
}

func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request, x *exchange) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			x.err = protocol.Errorf(http.StatusRequestEntityTooLarge, "RequestEntityTooLarge", "Request body exceeds the maximum of %d bytes.", s.cfg.MaxBodyBytes)
		} else {
			x.err = protocol.Errorf(http.StatusBadRequest, "IncompleteBody", "The request body could not be read: the connection closed early.")
		}
		x.outcome = outcomeClientError
		s.writeError(w, x)
		return
	}

	keyID, region, signingService, signed := sigv4.Scope(r)
	if region != "" {
		x.region = region
	}
	x.keyID = keyID
	route, err := s.router.Route(r, body, signingService)
	if route != nil {
		x.svc = route.Service
	}
	if err != nil {
		x.err = asProtocolError(err, x.requestID)
		x.outcome = outcomeClientError
		s.writeError(w, x)
		return
	}
	x.op = route.Op
	x.svc = x.op.Service
	if x.op.Service.GlobalEndpoint {
		x.region = defaultRegion
	}

	if perr := s.authenticate(r, body, x, signed); perr != nil {
		x.err = perr
		x.outcome = outcomeAuthFailure
		s.writeError(w, x)
		return
	}

	in, err := protocol.DecodeInput(route, r, body)
	x.input = in // also on validation errors, so the trail shows what was sent
	if err != nil {
		x.err = asProtocolError(err, x.requestID)
		x.outcome = outcomeClientError
		s.writeError(w, x)
		return
	}

	c := &call.Call{
		RequestID:       x.requestID,
		Principal:       x.principal,
		Region:          x.region,
		Operation:       x.op,
		SourceIP:        sourceIP(r),
		UserAgent:       r.UserAgent(),
		SecureTransport: r.TLS != nil,
		Host:            r.Host,
		Time:            x.start,
	}
	x.call = c
	if s.deps.Authorizer != nil {
		if err := s.deps.Authorizer.Authorize(r.Context(), c, in); err != nil {
			x.err = asProtocolError(err, x.requestID)
			x.outcome = outcomeDenied
			if x.err.Code == "InternalFailure" {
				s.log.Error("authorizer failed", "request_id", x.requestID, "error", err)
				x.outcome = outcomeServerError
			}
			s.writeError(w, x)
			return
		}
	}

	handler, ok := s.deps.Registry.Lookup(x.op)
	if !ok {
		x.err = protocol.NotImplemented(x.op)
		x.outcome = outcomeNotImplemented
		s.writeError(w, x)
		return
	}
	out, err := handler(r.Context(), c, in)
	if err != nil {
		if _, isAWS := protocol.AsError(err); !isAWS {
			s.log.Error("handler failed", "request_id", x.requestID, "service", x.op.Service.ID, "operation", x.op.Name, "error", err)
		}
		x.err = asProtocolError(err, x.requestID)
		x.outcome = outcomeClientError
		if x.err.Status >= 500 {
			x.outcome = outcomeServerError
		}
		s.writeError(w, x)
		return
	}
	x.output = out
	if err := protocol.WriteResponse(w, x.op, x.requestID, out); err != nil {
		s.log.Error("encode response", "request_id", x.requestID, "operation", x.op.Name, "error", err)
	}
	x.outcome = outcomeSuccess
}

// authenticate verifies the request's signature and resolves its principal.
func (s *Server) authenticate(r *http.Request, body []byte, x *exchange, signed bool) *protocol.Error {
	jsonProtocol := x.op.Service.Protocol != protocol.Query
	if !signed && x.op.Unsigned {
		x.principal = &identity.Principal{Type: identity.Anonymous}
		return nil
	}
	if !signed && s.cfg.Dev {
		// Dev mode: moto and LocalStack serve unsigned requests too.
		x.principal = s.devPrincipal("")
		return nil
	}
	if !signed {
		// Let the verifier produce AWS's exact missing-authentication error.
		_, err := s.verifier.Verify(r.Context(), r, body)
		return s.authError(err, jsonProtocol, x)
	}
	if token := sessionToken(r); token != "" {
		if perr, done := s.authenticateSession(r, body, x, token, jsonProtocol); done {
			return perr
		}
	}
	cred, err := s.deps.Credentials.Lookup(r.Context(), x.keyID)
	switch {
	case errors.Is(err, account.ErrUnknownAccessKey) && s.cfg.Dev:
		// Dev mode: any unknown key is the default account's root user,
		// as moto and LocalStack behave; the signature is not checked
		// because the secret is unknown.
		x.principal = s.devPrincipal(x.keyID)
		return nil
	case errors.Is(err, account.ErrUnknownAccessKey):
		x.principal = &identity.Principal{AccessKeyID: x.keyID}
		return s.authError(&sigv4.Error{Kind: sigv4.UnknownAccessKey, Message: "The security token included in the request is invalid."}, jsonProtocol, x)
	case err != nil:
		s.log.Error("credential lookup failed", "request_id", x.requestID, "error", err)
		return protocol.InternalFailure(x.requestID)
	}
	res, err := s.verifier.Verify(r.Context(), r, body)
	if err == nil && res.Service != x.op.Service.SigningName {
		err = &sigv4.Error{Kind: sigv4.SignatureMismatch, Message: "Credential should be scoped to correct service: '" + x.op.Service.SigningName + "'. "}
	}
	if err != nil {
		// The key is known, so the failure is recorded in its account,
		// with an identity of type Unknown: the caller is not proven.
		x.principal = &identity.Principal{AccountID: cred.Principal.AccountID, AccessKeyID: x.keyID}
		return s.authError(err, jsonProtocol, x)
	}
	if !cred.Active {
		x.principal = &identity.Principal{AccountID: cred.Principal.AccountID, AccessKeyID: x.keyID}
		return s.authError(&sigv4.Error{Kind: sigv4.UnknownAccessKey, Message: "The security token included in the request is invalid."}, jsonProtocol, x)
	}
	p := cred.Principal
	x.principal = &p
	return nil
}

// Messages of session token failures, as AWS words them.
const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
)

// sessionToken returns the request's X-Amz-Security-Token: the header, or
// the query parameter of a presigned URL; "" when there is none.
func sessionToken(r *http.Request) string {
	if v := r.Header["X-Amz-Security-Token"]; len(v) > 0 {
		return v[0]
	}
	if r.URL != nil && strings.Contains(r.URL.RawQuery, "X-Amz-Security-Token=") {
		return r.URL.Query().Get("X-Amz-Security-Token")
	}
	return ""
}

// sessionClaimsKey carries the opened session token of a request to
// lookupSecret, so that the verifier checks the signature with the
// token's secret.
type sessionClaimsKey struct{}

// authenticateSession authenticates a request that carries a session
// token: the token must open, belong to the access key that signed the
// request and not have expired, and the signature must verify with the
// secret sealed in it. The principal is the one the token carries.
//
// done is false when the request should be authenticated as if it had no
// token: in dev mode, a token gatehouse cannot open (test suites written
// for moto send AWS_SESSION_TOKEN=testing) leaves the key to the usual
// dev-mode rules.
func (s *Server) authenticateSession(r *http.Request, body []byte, x *exchange, token string, jsonProtocol bool) (perr *protocol.Error, done bool) {
	var claims *session.Claims
	err := session.ErrInvalidToken
	if s.deps.Sessions != nil {
		claims, err = s.deps.Sessions.Open(token)
	}
	if err == nil && !claims.MatchesKeyID(x.keyID) {
		err = session.ErrInvalidToken
	}
	if err != nil {
		if s.cfg.Dev {
			return nil, false
		}
		x.principal = &identity.Principal{AccessKeyID: x.keyID}
		return s.authError(&sigv4.Error{Kind: sigv4.UnknownAccessKey, Message: msgInvalidToken}, jsonProtocol, x), true
	}
	// From here the token is genuine and names this key, so failures are
	// recorded in its account, with an identity of type Unknown.
	unproven := &identity.Principal{AccountID: claims.Principal.AccountID, AccessKeyID: x.keyID}
	if claims.Expired(s.now()) {
		x.principal = unproven
		if jsonProtocol {
			return protocol.Errorf(http.StatusBadRequest, "ExpiredTokenException", msgExpiredToken), true
		}
		return protocol.Errorf(http.StatusForbidden, "ExpiredToken", msgExpiredToken), true
	}
	ctx := context.WithValue(r.Context(), sessionClaimsKey{}, claims)
	res, err := s.verifier.Verify(ctx, r, body)
	if err == nil && res.Service != x.op.Service.SigningName {
		err = &sigv4.Error{Kind: sigv4.SignatureMismatch, Message: "Credential should be scoped to correct service: '" + x.op.Service.SigningName + "'. "}
	}
	if err != nil {
		x.principal = unproven
		return s.authError(err, jsonProtocol, x), true
	}
	p := claims.Principal
	x.principal = &p
	return nil, true
}

func (s *Server) now() time.Time {
	if s.cfg.Now != nil {
		return s.cfg.Now()
	}
	return time.Now()
}

// devPrincipal is the root user of dev mode's default account, which any
// unknown access key (or none) stands for.
func (s *Server) devPrincipal(accessKeyID string) *identity.Principal {
	return &identity.Principal{
		Type: identity.Root, AccountID: s.cfg.DevAccountID, PrincipalID: s.cfg.DevAccountID,
		ARN: "arn:aws:iam::" + s.cfg.DevAccountID + ":root", AccessKeyID: accessKeyID,
	}
}

// lookupSecret gives the verifier a key's secret. The credential is already
// in memory (authenticate looked it up a moment before), so this is a map
// load; going through the verifier's own cache keeps derived signing keys.
func (s *Server) lookupSecret(ctx context.Context, accessKeyID string) ([]byte, error) {
	if claims, ok := ctx.Value(sessionClaimsKey{}).(*session.Claims); ok {
		// A request with a session token signs with the token's secret.
		if !claims.MatchesKeyID(accessKeyID) {
			return nil, sigv4.ErrUnknownAccessKey
		}
		return claims.Secret, nil
	}
	cred, err := s.deps.Credentials.Lookup(ctx, accessKeyID)
	if errors.Is(err, account.ErrUnknownAccessKey) {
		return nil, sigv4.ErrUnknownAccessKey
	}
	if err != nil {
		return nil, err
	}
	return cred.Secret, nil
}

func (s *Server) authError(err error, jsonProtocol bool, x *exchange) *protocol.Error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		if err != nil {
			s.log.Error("signature verification failed unexpectedly", "request_id", x.requestID, "error", err)
		}
		return protocol.InternalFailure(x.requestID)
	}
	return &protocol.Error{Code: se.Kind.Code(jsonProtocol), Message: se.Message, Status: se.Kind.HTTPStatus()}
}

func (s *Server) writeError(w http.ResponseWriter, x *exchange) {
	protocol.WriteError(w, x.svc, x.requestID, x.err)
}

// finish records the metrics and the trail event of a request.
func (s *Server) finish(r *http.Request, x *exchange) {
	elapsed := time.Since(x.start)
	s.metrics.observe(x.op, x.outcome, elapsed)
	if s.log.Enabled(r.Context(), slog.LevelDebug) {
		s.logRequest(r, x, elapsed)
	}
	if x.op == nil || s.deps.Recorder == nil {
		return
	}
	s.deps.Recorder.Record(s.trailEvent(r, x))
}

// logRequest writes the access log line of a request (debug level): who
// called what, the outcome and how long it took; never parameters.
func (s *Server) logRequest(r *http.Request, x *exchange, elapsed time.Duration) {
	attrs := []any{"request_id", x.requestID, "outcome", x.outcome, "duration", elapsed, "source_ip", sourceIP(r)}
	if x.op != nil {
		attrs = append(attrs, "service", x.op.Service.ID, "operation", x.op.Name)
	}
	if x.principal != nil && x.principal.ARN != "" {
		attrs = append(attrs, "principal", x.principal.ARN)
	}
	if x.err != nil {
		attrs = append(attrs, "error_code", x.err.Code)
	}
	s.log.Debug("request", attrs...)
}

func asProtocolError(err error, requestID string) *protocol.Error {
	if e, ok := protocol.AsError(err); ok {
		return e
	}
	return protocol.InternalFailure(requestID)
}

func sourceIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
