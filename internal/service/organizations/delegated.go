package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerDelegatedAdministrators(r *call.Registry) {}
