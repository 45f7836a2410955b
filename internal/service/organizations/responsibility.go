package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerResponsibilityTransfers(r *call.Registry) {}
