package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerInstanceProfiles(r *call.Registry) {}
