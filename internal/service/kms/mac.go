package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerMac(r *call.Registry) {}
