package organizations

import (
	"context"

	"github.com/gatehouse/gatehouse/internal/call"
	api "github.com/gatehouse/gatehouse/internal/model/organizations"
	"github.com/gatehouse/gatehouse/internal/organizations"
)

// This file serves the billing responsibility transfer operations. A
// transfer hands the paying of an organization's bills to another
// organization's management account; gatehouse has no billing, so it
// starts none: InviteOrganizationToTransferResponsibility answers
// UnsupportedAPIEndpointException saying so, and as no transfer can
// exist, the lists are empty and the operations on one transfer answer
// ResponsibilityTransferNotFoundException, after the caller checks AWS
// makes (an organization, its management account).

func (s *Service) registerResponsibilityTransfers(r *call.Registry) {
	r.Handle(api.Service, "InviteOrganizationToTransferResponsibility", call.Typed(s.InviteOrganizationToTransferResponsibility))
	r.Handle(api.Service, "DescribeResponsibilityTransfer", call.Typed(s.DescribeResponsibilityTransfer))
	r.Handle(api.Service, "ListInboundResponsibilityTransfers", call.Typed(s.ListInboundResponsibilityTransfers))
	r.Handle(api.Service, "ListOutboundResponsibilityTransfers", call.Typed(s.ListOutboundResponsibilityTransfers))
	r.Handle(api.Service, "TerminateResponsibilityTransfer", call.Typed(s.TerminateResponsibilityTransfer))
	r.Handle(api.Service, "UpdateResponsibilityTransfer", call.Typed(s.UpdateResponsibilityTransfer))
}

// transferManagement checks that the caller is an organization's
// management account, which alone deals with responsibility transfers.
func (s *Service) transferManagement(ctx context.Context, c *call.Call) error {
	return s.orgs.View(ctx, func(tx *organizations.Tx) error {
		_, err := managementOrganization(tx, c)
		return err
	})
}

func transferNotFound(id string) error {
	return api.NewResponsibilityTransferNotFoundException("We can't find a responsibility transfer with the id %s.", id)
}

// InviteOrganizationToTransferResponsibility would invite another
// organization to take over billing; gatehouse has no billing to hand
// over.
func (s *Service) InviteOrganizationToTransferResponsibility(ctx context.Context, c *call.Call, _ *api.InviteOrganizationToTransferResponsibilityInput) (*api.InviteOrganizationToTransferResponsibilityOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	return nil, api.NewUnsupportedAPIEndpointException("InviteOrganizationToTransferResponsibility is not available in gatehouse: responsibility transfers move billing between organizations, and gatehouse has no billing.")
}

// DescribeResponsibilityTransfer answers ResponsibilityTransferNotFound:
// no transfer exists.
func (s *Service) DescribeResponsibilityTransfer(ctx context.Context, c *call.Call, in *api.DescribeResponsibilityTransferInput) (*api.DescribeResponsibilityTransferOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	return nil, transferNotFound(strOrEmpty(in.Id))
}

// ListInboundResponsibilityTransfers lists the transfers other
// organizations offered: none. With an Id, that transfer is not found.
func (s *Service) ListInboundResponsibilityTransfers(ctx context.Context, c *call.Call, in *api.ListInboundResponsibilityTransfersInput) (*api.ListInboundResponsibilityTransfersOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	if in.Id != nil {
		return nil, transferNotFound(*in.Id)
	}
	return &api.ListInboundResponsibilityTransfersOutput{ResponsibilityTransfers: []api.ResponsibilityTransfer{}}, nil
}

// ListOutboundResponsibilityTransfers lists the transfers the
// organization offered: none.
func (s *Service) ListOutboundResponsibilityTransfers(ctx context.Context, c *call.Call, _ *api.ListOutboundResponsibilityTransfersInput) (*api.ListOutboundResponsibilityTransfersOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	return &api.ListOutboundResponsibilityTransfersOutput{ResponsibilityTransfers: []api.ResponsibilityTransfer{}}, nil
}

// TerminateResponsibilityTransfer answers ResponsibilityTransferNotFound.
func (s *Service) TerminateResponsibilityTransfer(ctx context.Context, c *call.Call, in *api.TerminateResponsibilityTransferInput) (*api.TerminateResponsibilityTransferOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	return nil, transferNotFound(strOrEmpty(in.Id))
}

// UpdateResponsibilityTransfer answers ResponsibilityTransferNotFound.
func (s *Service) UpdateResponsibilityTransfer(ctx context.Context, c *call.Call, in *api.UpdateResponsibilityTransferInput) (*api.UpdateResponsibilityTransferOutput, error) {
	if err := s.transferManagement(ctx, c); err != nil {
		return nil, err
	}
	return nil, transferNotFound(strOrEmpty(in.Id))
}
