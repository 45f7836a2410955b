package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerSigning(r *call.Registry) {}
