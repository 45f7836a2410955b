package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerOUs(r *call.Registry) {}
