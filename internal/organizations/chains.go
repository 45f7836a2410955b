package organizations

// chainCache holds, per account, the policy chains that bind it.
type chainCache struct {
	s *Store
}
