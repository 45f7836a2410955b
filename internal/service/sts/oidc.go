package sts

import (
	"context"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// This file fetches the signing keys of OpenID Connect identity providers:
// the issuer's discovery document (<issuer>/.well-known/openid-configuration)
// names its JWKS document (jwks_uri), whose keys verify the ID tokens the
// issuer signs. Keys are cached per issuer; an unknown key id refetches
// them (providers rotate keys), at most once a minute.
//
// The provider's certificate is verified as any HTTPS client does; when
// that fails, a certificate of the chain it served whose SHA-1 thumbprint
// is registered with the IAM OIDC provider is trusted instead, as IAM's
// ThumbprintList does for providers whose certificates no public CA signed.

const (
	oidcKeysTTL        = time.Hour
	oidcRefetchMinimum = time.Minute
	oidcMaxDocument    = 1 << 20
)

// errOIDCUnreachable marks failures to reach the provider or to get a
// usable answer from it: AWS answers IDPCommunicationError for them.
var errOIDCUnreachable = errors.New("sts: identity provider unreachable")

type oidcKeys struct {
	client *http.Client

	mu    sync.Mutex
	cache map[string]*issuerKeys
}

type issuerKeys struct {
	set     *jose.JSONWebKeySet
	fetched time.Time
}

func newOIDCKeys(client *http.Client) *oidcKeys {
	return &oidcKeys{client: client, cache: make(map[string]*issuerKeys)}
}

// keySet returns the issuer's keys. forKeyID names the key the token wants:
// when the cached set lacks it and was fetched more than a minute ago, the
// set is fetched again.
func (o *oidcKeys) keySet(ctx context.Context, issuer string, thumbprints []string, forKeyID string, now time.Time) (*jose.JSONWebKeySet, error) {
	o.mu.Lock()
	cached := o.cache[issuer]
	o.mu.Unlock()
	if cached != nil && now.Sub(cached.fetched) < oidcKeysTTL {
		if forKeyID == "" || len(cached.set.Key(forKeyID)) > 0 || now.Sub(cached.fetched) < oidcRefetchMinimum {
			return cached.set, nil
		}
	}
	set, err := o.fetch(ctx, issuer, thumbprints)
	if err != nil {
		if cached != nil {
			// Keep serving the last good keys while the provider is
			// unreachable.
			return cached.set, nil
		}
		return nil, err
	}
	o.mu.Lock()
	if len(o.cache) > 1024 {
		clear(o.cache)
	}
	o.cache[issuer] = &issuerKeys{set: set, fetched: now}
	o.mu.Unlock()
	return set, nil
}

func (o *oidcKeys) fetch(ctx context.Context, issuer string, thumbprints []string) (*jose.JSONWebKeySet, error) {
	client := o.clientFor(thumbprints)
	var disc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := getJSON(ctx, client, strings.TrimSuffix(issuer, "/")+"/.well-known/openid-configuration", &disc); err != nil {
		return nil, err
	}
	if disc.JWKSURI == "" || !strings.HasPrefix(disc.JWKSURI, "https://") {
		return nil, fmt.Errorf("%w: the discovery document of %s names no https jwks_uri", errOIDCUnreachable, issuer)
	}
	if disc.Issuer != "" && strings.TrimSuffix(disc.Issuer, "/") != strings.TrimSuffix(issuer, "/") {
		return nil, fmt.Errorf("%w: the discovery document of %s names issuer %s", errOIDCUnreachable, issuer, disc.Issuer)
	}
	var set jose.JSONWebKeySet
	if err := getJSON(ctx, client, disc.JWKSURI, &set); err != nil {
		return nil, err
	}
	if len(set.Keys) == 0 {
		return nil, fmt.Errorf("%w: the JWKS document of %s has no keys", errOIDCUnreachable, issuer)
	}
	return &set, nil
}

// clientFor returns a client that trusts what the configured client trusts
// and, failing that, a served certificate with one of the thumbprints.
func (o *oidcKeys) clientFor(thumbprints []string) *http.Client {
	base, _ := o.client.Transport.(*http.Transport)
	if base == nil {
		base, _ = http.DefaultTransport.(*http.Transport)
	}
	tr := base.Clone()
	cfg := &tls.Config{}
	if tr.TLSClientConfig != nil {
		cfg = tr.TLSClientConfig.Clone()
	}
	roots := cfg.RootCAs
	cfg.InsecureSkipVerify = true // verified below, with the thumbprint fallback
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		if len(cs.PeerCertificates) == 0 {
			return errors.New("sts: identity provider sent no certificate")
		}
		inter := x509.NewCertPool()
		for _, c := range cs.PeerCertificates[1:] {
			inter.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, DNSName: cs.ServerName})
		if err == nil {
			return nil
		}
		top := cs.PeerCertificates[len(cs.PeerCertificates)-1]
		sum := sha1.Sum(top.Raw)
		fp := hex.EncodeToString(sum[:])
		for _, t := range thumbprints {
			if strings.EqualFold(t, fp) {
				return nil
			}
		}
		return err
	}
	tr.TLSClientConfig = cfg
	return &http.Client{Transport: tr, Timeout: o.client.Timeout}
}

func getJSON(ctx context.Context, client *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", errOIDCUnreachable, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", errOIDCUnreachable, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: %s", errOIDCUnreachable, url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, oidcMaxDocument+1))
	if err != nil || len(body) > oidcMaxDocument {
		return fmt.Errorf("%w: GET %s: unreadable or too large", errOIDCUnreachable, url)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: GET %s: %v", errOIDCUnreachable, url, err)
	}
	return nil
}
