package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerRoles(r *call.Registry) {}
