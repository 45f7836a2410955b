package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerResourcePolicy(r *call.Registry) {}
