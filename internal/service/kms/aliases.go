package kms

import (
	"context"
	"errors"
	"strings"

	"github.com/gatehouse/gatehouse/internal/call"
	"github.com/gatehouse/gatehouse/internal/kms"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
	"github.com/gatehouse/gatehouse/internal/protocol"
)

// kmAliasPrefix begins every alias name; kmReservedAliasPrefix begins the
// aliases of AWS managed keys, which customers cannot create or change.
const (
	kmAliasPrefix         = "alias/"
	kmReservedAliasPrefix = "alias/aws/"
)

func (s *Service) registerAliases(r *call.Registry) {
	r.Handle(api.Service, "CreateAlias", call.Typed(s.createAlias))
	r.Handle(api.Service, "UpdateAlias", call.Typed(s.updateAlias))
	r.Handle(api.Service, "DeleteAlias", call.Typed(s.deleteAlias))
	r.Handle(api.Service, "ListAliases", call.Typed(s.listAliases))
}

// kmValidateAliasName checks an alias name a customer creates, changes or
// deletes: it starts with "alias/", has at least one more character, is
// made of letters, digits, "/", "_" and "-" only, and does not begin with
// the reserved "alias/aws/".
func kmValidateAliasName(name string) error {
	rest, ok := strings.CutPrefix(name, kmAliasPrefix)
	if !ok {
		return kmValidationError(`Alias must start with the prefix "alias/". Please see https://docs.aws.amazon.com/kms/latest/developerguide/kms-alias.html`)
	}
	if rest == "" {
		return api.NewInvalidAliasNameException("Alias name %s must have at least one character after the prefix alias/.", name)
	}
	for i := 0; i < len(rest); i++ {
		c := rest[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '/' || c == '_' || c == '-') {
			return kmValidationError("%s contains invalid characters for an alias", name)
		}
	}
	if strings.HasPrefix(name, kmReservedAliasPrefix) {
		return protocol.Errorf(400, "NotAuthorizedException", "Cannot create, update or delete an alias with the reserved prefix 'alias/aws/': %s", name)
	}
	return nil
}

// kmKeyFamily is the type of key an alias may move between: symmetric
// encryption, HMAC or asymmetric.
func kmKeyFamily(spec string) string {
	switch {
	case spec == "SYMMETRIC_DEFAULT":
		return "symmetric"
	case strings.HasPrefix(spec, "HMAC_"):
		return "HMAC"
	}
	return "asymmetric"
}

// kmAliasTarget loads the key an alias is to point at: a key id or key ARN
// of a key in the caller's account and the request's Region, in a key
// state that allows operation.
func (s *Service) kmAliasTarget(ctx context.Context, c *call.Call, keyID, operation string) (*kms.Key, error) {
	k, err := s.kmLoadKey(ctx, c, keyID, false)
	if err != nil {
		return nil, err
	}
	if k.AccountID != c.Principal.AccountID {
		return nil, api.NewNotFoundException("Key '%s' does not exist", k.ARN())
	}
	if err := keyStateError(k, operation); err != nil {
		return nil, err
	}
	return k, nil
}

func kmAliasARN(c *call.Call, name string) string {
	return "arn:aws:kms:" + c.Region + ":" + c.Principal.AccountID + ":" + name
}

func (s *Service) createAlias(ctx context.Context, c *call.Call, in *api.CreateAliasInput) (*struct{}, error) {
	name := *in.AliasName
	if err := kmValidateAliasName(name); err != nil {
		return nil, err
	}
	k, err := s.kmAliasTarget(ctx, c, *in.TargetKeyId, "CreateAlias")
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		if _, err := tx.Alias(c.Principal.AccountID, c.Region, name); err == nil {
			return api.NewAlreadyExistsException("An alias with the name %s already exists", kmAliasARN(c, name))
		} else if !errors.Is(err, kms.ErrNotFound) {
			return err
		}
		return tx.PutAlias(&kms.Alias{
			Name: name, AccountID: c.Principal.AccountID, Region: c.Region,
			KeyID: k.ID, CreatedAt: now, UpdatedAt: now,
		})
	})
	return nil, err
}

func (s *Service) updateAlias(ctx context.Context, c *call.Call, in *api.UpdateAliasInput) (*struct{}, error) {
	name := *in.AliasName
	if err := kmValidateAliasName(name); err != nil {
		return nil, err
	}
	k, err := s.kmAliasTarget(ctx, c, *in.TargetKeyId, "UpdateAlias")
	if err != nil {
		return nil, err
	}
	now := s.now()
	err = s.keys.Update(ctx, func(tx *kms.Tx) error {
		a, err := tx.Alias(c.Principal.AccountID, c.Region, name)
		if errors.Is(err, kms.ErrNotFound) {
			return api.NewNotFoundException("Alias %s is not found.", kmAliasARN(c, name))
		}
		if err != nil {
			return err
		}
		old, err := tx.Key(a.AccountID, a.Region, a.KeyID)
		if err == nil {
			if kmKeyFamily(old.KeySpec) != kmKeyFamily(k.KeySpec) || old.KeyUsage != k.KeyUsage {
				return kmValidationError("Alias %s points to a %s key with key usage %s; it can only be moved to a key of the same type and key usage, not to %s.",
					name, kmKeyFamily(old.KeySpec), old.KeyUsage, kmDescribe(k))
			}
		} else if !errors.Is(err, kms.ErrNotFound) {
			return err
		}
		a.KeyID = k.ID
		a.UpdatedAt = now
		return tx.PutAlias(a)
	})
	return nil, err
}

func (s *Service) deleteAlias(ctx context.Context, c *call.Call, in *api.DeleteAliasInput) (*struct{}, error) {
	name := *in.AliasName
	if err := kmValidateAliasName(name); err != nil {
		return nil, err
	}
	err := s.keys.Update(ctx, func(tx *kms.Tx) error {
		err := tx.DeleteAlias(c.Principal.AccountID, c.Region, name)
		if errors.Is(err, kms.ErrNotFound) {
			return api.NewNotFoundException("Alias %s is not found.", kmAliasARN(c, name))
		}
		return err
	})
	return nil, err
}

func (s *Service) listAliases(ctx context.Context, c *call.Call, in *api.ListAliasesInput) (*api.ListAliasesOutput, error) {
	after, err := kmParseMarker(in.Marker)
	if err != nil {
		return nil, err
	}
	limit := kmLimit(in.Limit, 50, 100)
	filter := ""
	if in.KeyId != nil {
		k, err := s.kmLoadKey(ctx, c, *in.KeyId, false)
		if err != nil {
			return nil, err
		}
		if k.AccountID != c.Principal.AccountID {
			return nil, api.NewNotFoundException("Key '%s' does not exist", k.ARN())
		}
		filter = k.ID
	}
	var aliases []*kms.Alias
	if err := s.keys.View(ctx, func(tx *kms.Tx) error {
		aliases, err = tx.Aliases(c.Principal.AccountID, c.Region)
		return err
	}); err != nil {
		return nil, err
	}
	out := &api.ListAliasesOutput{Aliases: []api.AliasListEntry{}, Truncated: kmBool(false)}
	for _, a := range aliases {
		if (filter != "" && a.KeyID != filter) || (after != "" && a.Name <= after) {
			continue
		}
		if len(out.Aliases) == limit {
			out.Truncated = kmBool(true)
			out.NextMarker = kmMarker(*out.Aliases[len(out.Aliases)-1].AliasName)
			break
		}
		out.Aliases = append(out.Aliases, api.AliasListEntry{
			AliasName:       kmStr(a.Name),
			AliasArn:        kmStr(a.ARN()),
			TargetKeyId:     kmStr(a.KeyID),
			CreationDate:    kmTime(a.CreatedAt),
			LastUpdatedDate: kmTime(a.UpdatedAt),
		})
	}
	return out, nil
}
