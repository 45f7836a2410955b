package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerPolicyTypes(r *call.Registry) {}
