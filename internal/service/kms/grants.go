package kms

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// This file serves the grant operations: CreateGrant, ListGrants,
// ListRetirableGrants, RetireGrant and RevokeGrant. Who may call them is
// the authorizer's business (key policies, IAM policies, and the grants
// themselves: internal/kms/resolver.go); the handlers apply AWS's rules on
// what a grant may say.

// Grant constraint quotas: "Each constraint value can include up to 8
// encryption context pairs. The encryption context value in each
// constraint cannot exceed 384 characters."
const (
	grantsMaxConstraintPairs = 8
	grantsMaxConstraintValue = 384
)

// grantsPrincipalPattern accepts the principals a grant may name: an
// account id, an IAM ARN (account root, user, role, federated user), a
// role session ARN, or a service principal.
var grantsPrincipalPattern = regexp.MustCompile(`^(\d{12}|arn:aws:iam::\d{12}:(root|user/.+|role/.+|federated-user/.+)|arn:aws:sts::\d{12}:(assumed-role/.+/.+|federated-user/.+)|[a-z0-9.-]+\.amazonaws\.com)$`)

func (s *Service) registerGrants(r *call.Registry) {
	r.Handle(api.Service, "CreateGrant", call.Typed(s.createGrant))
	r.Handle(api.Service, "ListGrants", call.Typed(s.listGrants))
	r.Handle(api.Service, "ListRetirableGrants", call.Typed(s.listRetirableGrants))
	r.Handle(api.Service, "RetireGrant", call.Typed(s.retireGrant))
	r.Handle(api.Service, "RevokeGrant", call.Typed(s.revokeGrant))
}

// grantsValidation is the ValidationException KMS answers for a request
// that breaks a rule the model does not state.
func grantsValidation(format string, args ...any) *protocol.Error {
	return &protocol.Error{Code: "ValidationException", Status: 400, Message: fmt.Sprintf(format, args...)}
}

// grantsDryRun is the answer to a request with DryRun set that would
// have succeeded.
func grantsDryRun() error {
	return api.NewDryRunOperationException("The request would have succeeded, but the DryRun option is set.")
}

func (s *Service) createGrant(ctx context.Context, c *call.Call, in *api.CreateGrantInput) (*api.CreateGrantOutput, error) {
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if err := keyStateError(k, "CreateGrant"); err != nil {
		return nil, err
	}
	g, err := grantsFromInput(c, k, in)
	if err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		return nil, grantsDryRun()
	}
	var token string
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		existing, err := tx.Grants(k.AccountID, k.Region, k.ID)
		if err != nil {
			return err
		}
		if g.Name != "" {
			for _, e := range existing {
				if grantsSameParameters(e, g) {
					// A retried CreateGrant with the same name and
					// parameters returns the grant it created.
					g = e
					token, err = s.keys.NewGrantToken(g)
					return err
				}
			}
		}
		if len(existing) >= kms.MaxGrantsPerKey {
			return api.NewLimitExceededException("The request was rejected because the grants per key quota (%d) was exceeded for %s.", kms.MaxGrantsPerKey, k.ARN())
		}
		token, err = s.keys.NewGrantToken(g)
		if err != nil {
			return err
		}
		return tx.PutGrant(g)
	})
	if err != nil {
		return nil, err
	}
	return &api.CreateGrantOutput{GrantId: kmStr(g.ID), GrantToken: kmStr(token)}, nil
}

// grantsFromInput checks a CreateGrant request against AWS's rules and
// returns the grant it asks for.
func grantsFromInput(c *call.Call, k *kms.Key, in *api.CreateGrantInput) (*kms.Grant, error) {
	if !grantsPrincipalPattern.MatchString(*in.GranteePrincipal) {
		return nil, grantsValidation("Invalid principal: %s", *in.GranteePrincipal)
	}
	g := &kms.Grant{
		ID:               kms.NewGrantID(),
		KeyID:            k.ID,
		AccountID:        k.AccountID,
		Region:           k.Region,
		CreatedAt:        c.Time.UTC(),
		GranteePrincipal: *in.GranteePrincipal,
		IssuingAccount:   "arn:aws:iam::" + c.Principal.AccountID + ":root",
	}
	if in.Name != nil {
		g.Name = *in.Name
	}
	if in.RetiringPrincipal != nil {
		if !grantsPrincipalPattern.MatchString(*in.RetiringPrincipal) {
			return nil, grantsValidation("Invalid principal: %s", *in.RetiringPrincipal)
		}
		g.RetiringPrincipal = *in.RetiringPrincipal
	}
	if len(in.Operations) == 0 {
		return nil, grantsValidation("1 validation error detected: Value at 'operations' failed to satisfy constraint: Member must have length greater than or equal to 1")
	}
	for _, op := range in.Operations {
		name := string(op)
		if !kms.GrantOperationSupported(k, name) {
			return nil, grantsValidation("Grant operation %s is not supported for a key with key spec %s and key usage %s.", name, k.KeySpec, k.KeyUsage)
		}
		if !slices.Contains(g.Operations, name) {
			g.Operations = append(g.Operations, name)
		}
	}
	// An empty map is an absent constraint (Terraform sends the unused
	// one as {}).
	if cs := in.Constraints; cs != nil && (len(cs.EncryptionContextEquals) > 0 || len(cs.EncryptionContextSubset) > 0) {
		if len(cs.EncryptionContextEquals) > 0 && len(cs.EncryptionContextSubset) > 0 {
			return nil, grantsValidation("A grant constraint can specify EncryptionContextEquals or EncryptionContextSubset, not both.")
		}
		if !kms.SupportsEncryptionContext(k) {
			return nil, grantsValidation("Grant constraints are not supported for %s keys: their operations do not take an encryption context.", k.KeySpec)
		}
		for _, m := range []map[string]string{cs.EncryptionContextEquals, cs.EncryptionContextSubset} {
			if len(m) > grantsMaxConstraintPairs {
				return nil, grantsValidation("A grant constraint can include at most %d encryption context pairs.", grantsMaxConstraintPairs)
			}
			for _, v := range m {
				if len(v) > grantsMaxConstraintValue {
					return nil, grantsValidation("An encryption context value in a grant constraint cannot exceed %d characters.", grantsMaxConstraintValue)
				}
			}
		}
		g.EncryptionContextEquals = maps.Clone(cs.EncryptionContextEquals)
		g.EncryptionContextSubset = maps.Clone(cs.EncryptionContextSubset)
	}
	return g, nil
}

// grantsSameParameters reports whether two grants of a key say the same
// thing: the same name, principals, operations and constraints.
func grantsSameParameters(a, b *kms.Grant) bool {
	if a.Name != b.Name || a.GranteePrincipal != b.GranteePrincipal || a.RetiringPrincipal != b.RetiringPrincipal {
		return false
	}
	x, y := slices.Clone(a.Operations), slices.Clone(b.Operations)
	sort.Strings(x)
	sort.Strings(y)
	return slices.Equal(x, y) && maps.Equal(a.EncryptionContextEquals, b.EncryptionContextEquals) &&
		maps.Equal(a.EncryptionContextSubset, b.EncryptionContextSubset)
}

// grantsEntry is a grant as ListGrants shows it.
func grantsEntry(g *kms.Grant) api.GrantListEntry {
	e := api.GrantListEntry{
		KeyId:            kmStr(kms.KeyARN(g.AccountID, g.Region, g.KeyID)),
		GrantId:          kmStr(g.ID),
		CreationDate:     kmTime(g.CreatedAt),
		GranteePrincipal: kmStr(g.GranteePrincipal),
		IssuingAccount:   kmStr(g.IssuingAccount),
	}
	if g.Name != "" {
		e.Name = kmStr(g.Name)
	}
	if g.RetiringPrincipal != "" {
		e.RetiringPrincipal = kmStr(g.RetiringPrincipal)
	}
	for _, op := range g.Operations {
		e.Operations = append(e.Operations, api.GrantOperation(op))
	}
	if g.HasConstraints() {
		e.Constraints = &api.GrantConstraints{
			EncryptionContextEquals: maps.Clone(g.EncryptionContextEquals),
			EncryptionContextSubset: maps.Clone(g.EncryptionContextSubset),
		}
	}
	return e
}

// grantsPage returns the grants after marker, at most limit of them, and
// the marker of the next page ("" on the last). Grants are ordered by
// key and grant id (the store's order).
func grantsPage(gs []*kms.Grant, marker string, limit int) ([]*kms.Grant, string) {
	start := 0
	if marker != "" {
		start = sort.Search(len(gs), func(i int) bool { return grantsSortKey(gs[i]) > marker })
	}
	gs = gs[start:]
	if len(gs) <= limit {
		return gs, ""
	}
	return gs[:limit], grantsSortKey(gs[limit-1])
}

func grantsSortKey(g *kms.Grant) string { return g.KeyID + "/" + g.ID }

func (s *Service) listGrants(ctx context.Context, c *call.Call, in *api.ListGrantsInput) (*api.ListGrantsResponse, error) {
	marker, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, 50, 100)
	k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
	if err != nil {
		return nil, err
	}
	if in.GrantId != nil && !grantsValidID(*in.GrantId) {
		return nil, api.NewInvalidGrantIdException("Invalid grant ID: %s", *in.GrantId)
	}
	var all []*kms.Grant
	err = s.keys.View(ctx, func(tx *kms.Tx) error {
		all, err = tx.Grants(k.AccountID, k.Region, k.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	var gs []*kms.Grant
	for _, g := range all {
		if in.GrantId != nil && g.ID != *in.GrantId || in.GranteePrincipal != nil && g.GranteePrincipal != *in.GranteePrincipal {
			continue
		}
		gs = append(gs, g)
	}
	return grantsResponse(gs, marker, limit), nil
}

// listRetirableGrants lists the grants of the caller's account, in the
// request's Region, whose retiring principal is the one given.
func (s *Service) listRetirableGrants(ctx context.Context, c *call.Call, in *api.ListRetirableGrantsInput) (*api.ListGrantsResponse, error) {
	marker, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, 50, 100)
	var all []*kms.Grant
	err = s.keys.View(ctx, func(tx *kms.Tx) error {
		all, err = tx.AllGrants(c.Principal.AccountID, c.Region)
		return err
	})
	if err != nil {
		return nil, err
	}
	var gs []*kms.Grant
	for _, g := range all {
		if g.RetiringPrincipal == *in.RetiringPrincipal {
			gs = append(gs, g)
		}
	}
	return grantsResponse(gs, marker, limit), nil
}

// grantsResponse is the page of gs that marker and limit select, as
// ListGrants and ListRetirableGrants answer it.
func grantsResponse(gs []*kms.Grant, marker string, limit int) *api.ListGrantsResponse {
	page, next := grantsPage(gs, marker, limit)
	out := &api.ListGrantsResponse{Grants: []api.GrantListEntry{}, Truncated: kmBool(next != "")}
	for _, g := range page {
		out.Grants = append(out.Grants, grantsEntry(g))
	}
	if next != "" {
		out.NextMarker = kmMarker(next)
	}
	return out
}

// grantsValidID reports whether id looks like a grant id (64 lower-case
// hex characters).
func grantsValidID(id string) bool {
	if len(id) != 64 {
		return false
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

func (s *Service) retireGrant(ctx context.Context, c *call.Call, in *api.RetireGrantInput) (*struct{}, error) {
	var g *kms.Grant
	switch {
	case in.GrantToken != nil:
		var err error
		g, err = s.keys.GrantByToken(ctx, *in.GrantToken)
		switch {
		case errors.Is(err, kms.ErrInvalidGrantToken):
			return nil, api.NewInvalidGrantTokenException("Grant token is invalid or expired.")
		case errors.Is(err, kms.ErrNotFound):
			return nil, api.NewNotFoundException("Grant not found.")
		case err != nil:
			return nil, err
		}
		if in.GrantId != nil && *in.GrantId != g.ID {
			return nil, api.NewInvalidGrantIdException("The grant ID does not match the grant token.")
		}
	case in.KeyId != nil && in.GrantId != nil:
		var err error
		if g, err = s.grantsLookup(ctx, c, *in.KeyId, *in.GrantId); err != nil {
			return nil, err
		}
	default:
		return nil, grantsValidation("RetireGrant needs a GrantToken, or a KeyId and a GrantId.")
	}
	if in.DryRun != nil && *in.DryRun {
		return nil, grantsDryRun()
	}
	return &struct{}{}, s.grantsDelete(ctx, g)
}

func (s *Service) revokeGrant(ctx context.Context, c *call.Call, in *api.RevokeGrantInput) (*struct{}, error) {
	g, err := s.grantsLookup(ctx, c, *in.KeyId, *in.GrantId)
	if err != nil {
		return nil, err
	}
	if in.DryRun != nil && *in.DryRun {
		return nil, grantsDryRun()
	}
	return &struct{}{}, s.grantsDelete(ctx, g)
}

// grantsLookup returns a grant of the key a KeyId names (key id or key
// ARN).
func (s *Service) grantsLookup(ctx context.Context, c *call.Call, keyID, grantID string) (*kms.Grant, error) {
	if !grantsValidID(grantID) {
		return nil, api.NewInvalidGrantIdException("Invalid grant ID: %s", grantID)
	}
	k, err := s.kmLoadKey(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	var g *kms.Grant
	err = s.keys.View(ctx, func(tx *kms.Tx) error {
		g, err = tx.Grant(k.AccountID, k.Region, k.ID, grantID)
		return err
	})
	if errors.Is(err, kms.ErrNotFound) {
		return nil, api.NewNotFoundException("Grant %s not found for key %s.", grantID, k.ARN())
	}
	return g, err
}

// grantsDelete removes a grant; its permissions and its token end at
// once.
func (s *Service) grantsDelete(ctx context.Context, g *kms.Grant) error {
	return s.keys.Update(ctx, func(tx *kms.Tx) error {
		return tx.DeleteGrant(g.AccountID, g.Region, g.KeyID, g.ID)
	})
}
