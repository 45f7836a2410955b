package kms

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerTags(r *call.Registry) {}
