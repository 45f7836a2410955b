package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerOutboundFederation(r *call.Registry) {}
