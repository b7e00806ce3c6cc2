package sqlite

import (
	"context"
	"time"

	"github.com/allframe-go/allframe/cqrs"
)

var (
	_ cqrs.StreamLister      = (*Store)(nil)
	_ cqrs.IdempotencyLister = (*Store)(nil)
)

// defaultListLimit is the page size of the listers when the caller passes
// no limit.
const defaultListLimit = 100

// listStreams reads the last event of each stream, one page in name
// order; events not yet durable are left out, as in every read.
const listStreams = `SELECT e.stream, e.version, e.type, e.time FROM events e
JOIN (SELECT stream, MAX(version) AS v FROM events
	WHERE stream > ? AND (? = '' OR substr(stream, 1, length(?)) = ?) AND position < ?
	GROUP BY stream ORDER BY stream LIMIT ?) m
ON e.stream = m.stream AND e.version = m.v ORDER BY e.stream`

// ListStreams implements cqrs.StreamLister.
func (s *Store) ListStreams(ctx context.Context, prefix, after string, limit int) ([]cqrs.StreamInfo, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	if limit <= 0 {
		limit = defaultListLimit
	}
	rows, err := s.rdb.QueryContext(ctx, listStreams, after, prefix, prefix, prefix, s.readLimit(), limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer func() { _ = rows.Close() }()
	var out []cqrs.StreamInfo
	for rows.Next() {
		var si cqrs.StreamInfo
		var t int64
		if err := rows.Scan(&si.Stream, &si.Version, &si.LastType, &t); err != nil {
			return nil, err
		}
		si.Updated = time.Unix(0, t).UTC()
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
	rows, err := s.rdb.QueryContext(ctx, `SELECT scope, key, hash, response, position, time FROM idempotency
		WHERE position < ? ORDER BY time DESC, scope, key LIMIT ?`, s.readLimit(), limit)
	if err != nil {
		return nil, s.readErr(err)
	}
	defer func() { _ = rows.Close() }()
	var out []cqrs.IdempotencyRecord
	for rows.Next() {
		var rec cqrs.IdempotencyRecord
		var t int64
		if err := rows.Scan(&rec.Scope, &rec.Key, &rec.RequestHash, &rec.Response, &rec.Position, &t); err != nil {
			return nil, err
		}
		rec.Time = time.Unix(0, t).UTC()
		out = append(out, rec)
	}
	if err := rows.Err(); err != nil {
		return nil, s.readErr(err)
	}
	return out, nil
}
