package db

import (
	"context"
	"strings"
)

// OrganisationCountries returns the countries (ISO 3166-1 alpha-2 codes) that
// organisations in the directory are in, each once, in code order; the
// directory offers them as a filter.
func (s *Store) OrganisationCountries(ctx context.Context) ([]string, error) {
	var out []string
	err := s.r.NewSelect().Model((*Organisation)(nil)).ColumnExpr("DISTINCT o.country").
		Where("o.country <> ''").OrderExpr("o.country").Scan(ctx, &out)
	return out, wrap("db: organisation countries", err)
}

// CountOrganisations returns how many organisations match q.
func (s *Store) CountOrganisations(ctx context.Context, q OrgQuery) (int, error) {
	sel := s.r.NewSelect().Model((*Organisation)(nil))
	if q.Kind != "" {
		sel.Where("o.kind = ?", q.Kind)
	}
	if q.Country != "" {
		sel.Where("o.country = ?", strings.ToUpper(q.Country))
	}
	if q.Local {
		sel.Where("o.remote = ?", false)
	}
	n, err := sel.Count(ctx)
	return int(n), wrap("db: count organisations", err)
}
