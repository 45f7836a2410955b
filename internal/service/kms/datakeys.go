package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerDataKeys(r *call.Registry) {}
