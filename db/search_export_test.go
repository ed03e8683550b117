package db

import "context"

// SearchDocCount returns how many texts the SQLite search index describes
// (0 on PostgreSQL, whose index lives in the translation tables), so that
// tests can check the triggers leave nothing behind.
func SearchDocCount(ctx context.Context, s *Store) (int, error) {
	if s.dialect != SQLite {
		return 0, nil
	}
	var n int
	err := s.r.NewRaw("SELECT COUNT(*) FROM search_docs").Scan(ctx, &n)
	return n, err
}
