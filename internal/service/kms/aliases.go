package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerAliases(r *call.Registry) {}
