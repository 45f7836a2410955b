package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerAccount(r *call.Registry) {}
