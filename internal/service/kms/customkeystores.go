package kms

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/kms"
)

// gatehouse has no AWS CloudHSM clusters and reaches no external key
// store proxies, so no custom key store can exist: creating one fails
// with the error AWS gives when the backing cluster or proxy cannot be
// found, every operation on a named store answers
// CustomKeyStoreNotFoundException, and DescribeCustomKeyStores truthfully
// lists none.

func (s *Service) registerCustomKeyStores(r *call.Registry) {
	r.Handle(api.Service, "CreateCustomKeyStore", call.Typed(s.createCustomKeyStore))
	r.Handle(api.Service, "ConnectCustomKeyStore", call.Typed(s.connectCustomKeyStore))
	r.Handle(api.Service, "DisconnectCustomKeyStore", call.Typed(s.disconnectCustomKeyStore))
	r.Handle(api.Service, "DeleteCustomKeyStore", call.Typed(s.deleteCustomKeyStore))
	r.Handle(api.Service, "UpdateCustomKeyStore", call.Typed(s.updateCustomKeyStore))
	r.Handle(api.Service, "DescribeCustomKeyStores", call.Typed(s.describeCustomKeyStores))
}

// kmNoCustomKeyStore is the answer for an operation on a named custom key
// store.
func kmNoCustomKeyStore(id string) error {
	return api.NewCustomKeyStoreNotFoundException("Custom key store %s does not exist: gatehouse has no custom key stores (it has no CloudHSM clusters and no external key store proxies).", id)
}

func (s *Service) createCustomKeyStore(ctx context.Context, c *call.Call, in *api.CreateCustomKeyStoreInput) (*api.CreateCustomKeyStoreOutput, error) {
	if in.CustomKeyStoreType == api.CustomKeyStoreTypeExternalKeyStore {
		return nil, api.NewXksProxyUriUnreachableException("gatehouse cannot create external key stores: it does not connect to external key store proxies.")
	}
	cluster := ""
	if in.CloudHsmClusterId != nil {
		cluster = *in.CloudHsmClusterId
	}
	return nil, api.NewCloudHsmClusterNotFoundException("AWS CloudHSM cluster %q does not exist: gatehouse has no CloudHSM clusters, so it cannot create AWS CloudHSM key stores.", cluster)
}

func (s *Service) connectCustomKeyStore(ctx context.Context, c *call.Call, in *api.ConnectCustomKeyStoreInput) (*api.ConnectCustomKeyStoreOutput, error) {
	return nil, kmNoCustomKeyStore(*in.CustomKeyStoreId)
}

func (s *Service) disconnectCustomKeyStore(ctx context.Context, c *call.Call, in *api.DisconnectCustomKeyStoreInput) (*api.DisconnectCustomKeyStoreOutput, error) {
	return nil, kmNoCustomKeyStore(*in.CustomKeyStoreId)
}

func (s *Service) deleteCustomKeyStore(ctx context.Context, c *call.Call, in *api.DeleteCustomKeyStoreInput) (*api.DeleteCustomKeyStoreOutput, error) {
	return nil, kmNoCustomKeyStore(*in.CustomKeyStoreId)
}

func (s *Service) updateCustomKeyStore(ctx context.Context, c *call.Call, in *api.UpdateCustomKeyStoreInput) (*api.UpdateCustomKeyStoreOutput, error) {
	return nil, kmNoCustomKeyStore(*in.CustomKeyStoreId)
}

func (s *Service) describeCustomKeyStores(ctx context.Context, c *call.Call, in *api.DescribeCustomKeyStoresInput) (*api.DescribeCustomKeyStoresOutput, error) {
	if in.CustomKeyStoreId != nil {
		return nil, kmNoCustomKeyStore(*in.CustomKeyStoreId)
	}
	if in.CustomKeyStoreName != nil {
		return nil, api.NewCustomKeyStoreNotFoundException("Custom key store named %s does not exist: gatehouse has no custom key stores.", *in.CustomKeyStoreName)
	}
	if _, err := kmParseMarker(in.Marker); err != nil {
		return nil, err
	}
	return &api.DescribeCustomKeyStoresOutput{CustomKeyStores: []api.CustomKeyStoresListEntry{}, Truncated: kmBool(false)}, nil
}
