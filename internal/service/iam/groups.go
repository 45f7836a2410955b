package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerGroups(r *call.Registry) {}
