package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerAccessKeys(r *call.Registry) {}
