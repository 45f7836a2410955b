package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerKeys(r *call.Registry) {}
