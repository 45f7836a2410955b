package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerLastAccessed(r *call.Registry) {}
