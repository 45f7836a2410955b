package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerHandshakes(r *call.Registry) {}
