package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerKeyPolicies(r *call.Registry) {}
