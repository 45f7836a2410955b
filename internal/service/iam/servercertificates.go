package iam

import "github.com/gatehouse/gatehouse/internal/call"

func (s *Service) registerServerCertificates(r *call.Registry) {}
