package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerImport(r *call.Registry) {}
