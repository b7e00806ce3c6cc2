package postgres

import (
	"context"

	"github.com/allframe-go/allframe/cqrs"
)

var (
	_ cqrs.StreamLister      = (*Store)(nil)
	_ cqrs.IdempotencyLister = (*Store)(nil)
)

// defaultListLimit is the page size of the listers when the caller passes
// no limit.
const defaultListLimit = 100

// ListStreams implements cqrs.StreamLister.
func (s *Store) ListStreams(ctx context.Context, prefix, after string, limit int) ([]cqrs.StreamInfo, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	if limit <= 0 {
		limit = defaultListLimit
	}
	rows, err := s.pool.Query(ctx, s.sql.listStreams, after, prefix, limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []cqrs.StreamInfo
	for rows.Next() {
		var si cqrs.StreamInfo
		if err := rows.Scan(&si.Stream, &si.Version, &si.LastType, &si.Updated); err != nil {
			return nil, s.readErr(err)
		}
		si.Updated = si.Updated.UTC()
		out = append(out, si)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}

// ListIdempotency implements cqrs.IdempotencyLister.
func (s *Store) ListIdempotency(ctx context.Context, limit int) ([]cqrs.IdempotencyRecord, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	if limit <= 0 {
		limit = defaultListLimit
	}
	rows, err := s.pool.Query(ctx, s.sql.listIdem, limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer rows.Close()
	var out []cqrs.IdempotencyRecord
	for rows.Next() {
		var rec cqrs.IdempotencyRecord
		if err := rows.Scan(&rec.Scope, &rec.Key, &rec.RequestHash, &rec.Response, &rec.Position, &rec.Time); err != nil {
			return nil, s.readErr(err)
		}
		rec.Time = rec.Time.UTC()
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}
