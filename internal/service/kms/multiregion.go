package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerMultiRegion(r *call.Registry) {}
