package memory

import (
	"cmp"
	"context"
	"slices"
	"strings"

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
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultListLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, cqrs.ErrClosed
	}
	var names []string
	for name := range s.streams {
		if strings.HasPrefix(name, prefix) && name > after {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	names = names[:min(len(names), limit)]
	out := make([]cqrs.StreamInfo, 0, len(names))
	for _, name := range names {
		idx := s.streams[name]
		last := s.at(idx[len(idx)-1])
		out = append(out, cqrs.StreamInfo{Stream: name, Version: last.Version, LastType: last.Type, Updated: last.Time})
	}
	return out, nil
}

// ListIdempotency implements cqrs.IdempotencyLister.
func (s *Store) ListIdempotency(ctx context.Context, limit int) ([]cqrs.IdempotencyRecord, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultListLimit
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, cqrs.ErrClosed
	}
	out := make([]cqrs.IdempotencyRecord, 0, len(s.idem))
	for _, rec := range s.idem {
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b cqrs.IdempotencyRecord) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(a.Scope, b.Scope), cmp.Compare(a.Key, b.Key))
	})
	return out[:min(len(out), limit)], nil
}
