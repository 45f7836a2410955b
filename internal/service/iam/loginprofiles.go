package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerLoginProfiles(r *call.Registry) {}
