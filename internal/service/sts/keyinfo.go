package sts

import (
	"context"
	"errors"
	"fmt"

	"github.com/gatehouse/gatehouse/internal/account"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
	"github.com/gatehouse/gatehouse/internal/session"
)

// GetAccessKeyInfo returns the account an access key id belongs to. A
// long-term key gatehouse stores answers its account; any other
// well-formed id (temporary ASIA keys, which carry their account in their
// bits, and keys gatehouse does not know) answers the account its bits
// name, as AWS answers without saying whether the key exists or is active.
func (s *Service) GetAccessKeyInfo(ctx context.Context, _ *call.Call, in *api.GetAccessKeyInfoInput) (*api.GetAccessKeyInfoOutput, error) {
	id := deref(in.AccessKeyId)
	if len(id) >= 4 && id[:4] != session.KeyIDPrefix {
		cred, err := s.dir.Credentials().Lookup(ctx, id)
		switch {
		case err == nil:
			return &api.GetAccessKeyInfoOutput{Account: ptr(cred.Principal.AccountID)}, nil
		case !errors.Is(err, account.ErrUnknownAccessKey):
			return nil, fmt.Errorf("sts: look up access key: %w", err)
		}
	}
	acct, ok := session.AccountOfKeyID(id)
	if !ok {
		return nil, invalidParameter("The access key ID %s is not valid.", id)
	}
	return &api.GetAccessKeyInfoOutput{Account: &acct}, nil
}
