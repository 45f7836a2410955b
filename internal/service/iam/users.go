package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerUsers(r *call.Registry) {}
