package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerOrganization(r *call.Registry) {}
