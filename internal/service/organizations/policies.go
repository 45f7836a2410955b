package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerPolicies(r *call.Registry) {}
