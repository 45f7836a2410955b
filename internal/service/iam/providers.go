package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerProviders(r *call.Registry) {}
