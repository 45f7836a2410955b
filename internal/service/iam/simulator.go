package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerSimulator(r *call.Registry) {}
