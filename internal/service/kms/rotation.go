package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerRotation(r *call.Registry) {}
