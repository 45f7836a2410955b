package organizations

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerAccounts(r *call.Registry) {}
