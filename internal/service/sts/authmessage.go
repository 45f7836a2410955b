package sts

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/authmsg"
	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/sts"
)

// DecodeAuthorizationMessage decodes an encoded authorization message
// made by gatehouse (internal/authmsg) into its JSON document. The
// authorizer requires sts:DecodeAuthorizationMessage. A message is only
// decoded for callers of the account whose request it describes, so the
// details of one account's denials never reach another; any other message
// is refused as invalid.
func (s *Service) DecodeAuthorizationMessage(_ context.Context, c *call.Call, in *api.DecodeAuthorizationMessageInput) (*api.DecodeAuthorizationMessageOutput, error) {
	enc := deref(in.EncodedMessage)
	m, err := authmsg.DecodeMessage(s.kr, enc)
	if err == nil && arnAccount(m.Context.Principal.ARN) != c.Principal.AccountID {
		err = authmsg.ErrInvalid
	}
	if err != nil {
		return nil, api.NewInvalidAuthorizationMessageException("The encoded authorization message is not valid.")
	}
	doc, err := authmsg.Decode(s.kr, enc)
	if err != nil {
		return nil, api.NewInvalidAuthorizationMessageException("The encoded authorization message is not valid.")
	}
	return &api.DecodeAuthorizationMessageOutput{DecodedMessage: &doc}, nil
}

// arnAccount returns the account field of an ARN ("" if it has none).
func arnAccount(arn string) string {
	n := 0
	start := 0
	for i := 0; i < len(arn); i++ {
		if arn[i] == ':' {
			n++
			switch n {
			case 4:
				start = i + 1
			case 5:
				return arn[start:i]
			}
		}
	}
	return ""
}
