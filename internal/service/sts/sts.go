// Package sts serves the AWS Security Token Service: the caller's identity
// (GetCallerIdentity, GetAccessKeyInfo), temporary credentials for roles
// (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML) and for the
// caller itself (GetSessionToken, GetFederationToken), and the decoding of
// encoded authorization messages.
//
// Temporary credentials are self-contained session tokens made by
// internal/session: issuing them writes nothing to the store, and the
// server's authentication opens them on every request of the session. The
// authorizer evaluates a role's trust policy for AssumeRole before the
// handler runs; the unsigned operations (web identity, SAML) verify the
// identity provider's token and evaluate the trust policy here, because
// their caller has no AWS identity to authorize.
package sts

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/identity"
	"github.com/gatehouse/gatehouse/internal/keyring"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/session"
)

// Service is the STS implementation.
type Service struct {
	dir      *iam.Directory
	kr       *keyring.Keyring
	sessions *session.Codec
	log      *slog.Logger
	// now is the clock sessions are issued and identity tokens checked by.
	now      func() time.Time
	dev      bool
	oidc     *oidcKeys
	outbound outboundKeys

	// EnforceTrust makes AssumeRoleWithWebIdentity and AssumeRoleWithSAML
	// evaluate the role's trust policy (the node sets it from its
	// enforcement mode). When it is false the trust policy is not
	// consulted, as moto does, but the identity provider's token is still
	// verified.
	EnforceTrust bool
}

// Options are the optional settings of a Service.
type Options struct {
	// Logger receives the service's logs; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// HTTPClient fetches OpenID Connect discovery documents and signing
	// keys; nil means a client with a 10-second timeout. Tests pass the
	// client of a TLS test server so its certificate is trusted.
	HTTPClient *http.Client
	// Dev is dev mode, where the root user may assume roles as moto and
	// LocalStack let it (AWS refuses: "Roles may not be assumed by root
	// accounts").
	Dev bool
}

// New returns the STS service over dir, sealing session tokens under kr.
// Trust policies of the unsigned operations are enforced until the node
// clears EnforceTrust.
func New(dir *iam.Directory, kr *keyring.Keyring, opts Options) *Service {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	return &Service{
		dir:          dir,
		kr:           kr,
		sessions:     session.NewCodec(kr),
		log:          opts.Logger,
		now:          func() time.Time { return opts.Now().UTC() },
		dev:          opts.Dev,
		oidc:         newOIDCKeys(opts.HTTPClient),
		EnforceTrust: true,
	}
}

// Sessions returns the codec the service issues session tokens with; the
// server opens tokens with it (server.Deps.Sessions).
func (s *Service) Sessions() *session.Codec { return s.sessions }

// Register adds the STS handlers to r.
func (s *Service) Register(r *call.Registry) {
	r.Handle(api.Service, "GetCallerIdentity", call.Typed(s.GetCallerIdentity))
	r.Handle(api.Service, "GetAccessKeyInfo", call.Typed(s.GetAccessKeyInfo))
	r.Handle(api.Service, "AssumeRole", call.Typed(s.AssumeRole))
	r.Handle(api.Service, "GetSessionToken", call.Typed(s.GetSessionToken))
	r.Handle(api.Service, "GetFederationToken", call.Typed(s.GetFederationToken))
	r.Handle(api.Service, "AssumeRoleWithWebIdentity", call.Typed(s.AssumeRoleWithWebIdentity))
	r.Handle(api.Service, "AssumeRoleWithSAML", call.Typed(s.AssumeRoleWithSAML))
	r.Handle(api.Service, "DecodeAuthorizationMessage", call.Typed(s.DecodeAuthorizationMessage))
	r.Handle(api.Service, "AssumeRoot", call.Typed(s.AssumeRoot))
	r.Handle(api.Service, "GetDelegatedAccessToken", call.Typed(s.GetDelegatedAccessToken))
	r.Handle(api.Service, "GetWebIdentityToken", call.Typed(s.GetWebIdentityToken))
}

// GetCallerIdentity returns the account, ARN and unique id of the caller.
// IAM policies never deny it, as on AWS.
func (s *Service) GetCallerIdentity(_ context.Context, c *call.Call, _ *api.GetCallerIdentityInput) (*api.GetCallerIdentityOutput, error) {
	p := c.Principal
	userID := p.PrincipalID
	if p.Type == identity.Root {
		userID = p.AccountID
	}
	return &api.GetCallerIdentityOutput{
		Account: &p.AccountID,
		Arn:     &p.ARN,
		UserId:  &userID,
	}, nil
}
