package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerCustomKeyStores(r *call.Registry) {}
