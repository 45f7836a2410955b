package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerEffectivePolicies(r *call.Registry) {}
