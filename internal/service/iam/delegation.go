package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerDelegation(r *call.Registry) {}
