package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerOrganizationsFeatures(r *call.Registry) {}
