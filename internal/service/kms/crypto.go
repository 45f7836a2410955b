package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerCrypto(r *call.Registry) {}
