package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerUserCredentials(r *call.Registry) {}
