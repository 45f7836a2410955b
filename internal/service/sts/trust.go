package sts

import (
	"context"
	"fmt"
	"net/netip"
	"sort"
	"strconv"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/iam"
	"github.com/gatehouse/gatehouse/internal/policy"
)

// federatedRequest is an AssumeRoleWithWebIdentity or AssumeRoleWithSAML
// request as the role's trust policy sees it: the identity provider is the
// (Federated) principal and its claims are condition keys.
type federatedRequest struct {
	action string
	// provider is the provider's ARN, as trust policies name it in
	// Principal.Federated.
	provider string
	role     *iam.Role
	// keys are the provider's condition keys (for example
	// "token.actions.githubusercontent.com:sub", "SAML:aud").
	keys           map[string][]string
	sessionName    string
	tags           map[string]string
	transitive     []string
	sourceIdentity string
}

// trusted evaluates the role's trust policy for a federated request: the
// action itself, and sts:TagSession and sts:SetSourceIdentity when the
// request passes session tags or a source identity, as AWS requires. It
// returns whether the trust policy allows all of them.
func (s *Service) trusted(ctx context.Context, c *call.Call, fr *federatedRequest) (bool, error) {
	perms, err := s.dir.RolePermissions(ctx, fr.role.AccountID, fr.role.Name)
	if err != nil {
		return false, fmt.Errorf("sts: trust policy of %s: %w", fr.role.Name, err)
	}
	if perms.TrustPolicy == nil {
		return false, nil
	}
	roleARN := fr.role.ARN()
	set := policy.PolicySet{
		Resource:          &policy.Attached{Name: roleARN, Policy: perms.TrustPolicy},
		ResourceMustAllow: true,
	}
	req := policy.Request{
		Principal:       policy.Principal{Type: policy.PrincipalWebIdentity, Federated: fr.provider},
		Resource:        roleARN,
		ResourceAccount: fr.role.AccountID,
	}
	fillFederatedContext(&req.Context, c, fr)
	actions := []string{fr.action}
	if len(fr.tags) > 0 {
		actions = append(actions, "sts:TagSession")
	}
	if fr.sourceIdentity != "" {
		actions = append(actions, "sts:SetSourceIdentity")
	}
	for _, a := range actions {
		req.Action = a
		if d := policy.Evaluate(&req, &set); d.Effect != policy.Allow {
			return false, nil
		}
	}
	return true, nil
}

// fillFederatedContext sets the condition keys of a federated request.
func fillFederatedContext(ctx *policy.Context, c *call.Call, fr *federatedRequest) {
	for k, v := range fr.keys {
		ctx.SetString(k, v...)
	}
	ctx.SetString("aws:FederatedProvider", fr.provider)
	ctx.SetString("sts:RoleSessionName", fr.sessionName)
	ctx.Set("aws:CurrentTime", policy.Time(c.Time))
	ctx.Set("aws:EpochTime", policy.Number(float64(c.Time.Unix())))
	ctx.Set("aws:SecureTransport", policy.Bool(c.SecureTransport))
	ctx.SetString("aws:RequestedRegion", c.Region)
	if ip, err := netip.ParseAddr(c.SourceIP); err == nil {
		ctx.Set("aws:SourceIp", policy.IP(ip))
	}
	if c.UserAgent != "" {
		ctx.SetString("aws:UserAgent", c.UserAgent)
	}
	if len(fr.tags) > 0 {
		keys := make([]string, 0, len(fr.tags))
		for k, v := range fr.tags {
			ctx.SetString("aws:RequestTag/"+k, v)
			keys = append(keys, k)
		}
		sort.Strings(keys)
		ctx.SetString("aws:TagKeys", keys...)
	}
	if len(fr.transitive) > 0 {
		ctx.SetString("sts:TransitiveTagKeys", fr.transitive...)
	}
	if fr.sourceIdentity != "" {
		ctx.SetString("sts:SourceIdentity", fr.sourceIdentity)
	}
}

// unixString renders Unix seconds as AWS's messages do.
func unixString(sec int64) string { return strconv.FormatInt(sec, 10) }
