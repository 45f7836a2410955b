package artifact

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/artifact"
)

func (s *Service) getAccountSettings(ctx context.Context, c *call.Call, _ *api.GetAccountSettingsInput) (*api.GetAccountSettingsOutput, error) {
	status, err := s.store.AccountSettings(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	return &api.GetAccountSettingsOutput{AccountSettings: &api.AccountSettings{NotificationSubscriptionStatus: api.NotificationSubscriptionStatus(status)}}, nil
}

// putAccountSettings sets the account's notification subscription; a
// request without a status changes nothing and returns the settings.
func (s *Service) putAccountSettings(ctx context.Context, c *call.Call, in *api.PutAccountSettingsInput) (*api.PutAccountSettingsOutput, error) {
	if in.NotificationSubscriptionStatus != "" {
		if err := s.store.PutAccountSettings(ctx, c.Principal.AccountID, string(in.NotificationSubscriptionStatus)); err != nil {
			return nil, err
		}
	}
	status, err := s.store.AccountSettings(ctx, c.Principal.AccountID)
	if err != nil {
		return nil, err
	}
	return &api.PutAccountSettingsOutput{AccountSettings: &api.AccountSettings{NotificationSubscriptionStatus: api.NotificationSubscriptionStatus(status)}}, nil
}
