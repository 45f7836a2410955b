package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerInlinePolicies(r *call.Registry) {}
