package iam

import (
	"crypto/rand"
	"fmt"
)

// This file holds the account's outbound web identity federation setting:
// IAM's EnableOutboundWebIdentityFederation turns it on and gives the
// account its issuer URL; STS GetWebIdentityToken reads it to refuse tokens
// while it is off and to put the issuer in the tokens it signs.

// OutboundIssuerDomain is the domain under which every account's issuer URL
// lives, as on AWS: https://<uuid>.tokens.sts.global.api.aws.
const OutboundIssuerDomain = "tokens.sts.global.api.aws"

// OutboundFederation reports whether outbound web identity federation is
// enabled for the account and its issuer URL ("" when the feature was never
// enabled). A disabled account that was enabled before keeps its issuer.
func (tx *Tx) OutboundFederation(accountID string) (enabled bool, issuer string, err error) {
	s, err := tx.Settings(accountID)
	if err != nil {
		return false, "", err
	}
	return s.OutboundFederationEnabled, s.OutboundIssuer, nil
}

// NewOutboundIssuer returns a new unique issuer URL:
// https://<random UUID>.tokens.sts.global.api.aws.
func NewOutboundIssuer() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("iam: no randomness: " + err.Error()) // crypto/rand does not fail on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 9562 variant
	return fmt.Sprintf("https://%x-%x-%x-%x-%x.%s", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16], OutboundIssuerDomain)
}
