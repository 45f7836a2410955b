package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerGrants(r *call.Registry) {}
