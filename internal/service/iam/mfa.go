package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerMFA(r *call.Registry) {}
