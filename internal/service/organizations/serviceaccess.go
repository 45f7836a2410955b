package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerServiceAccess(r *call.Registry) {}
