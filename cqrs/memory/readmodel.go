package memory

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/allframe-go/allframe/cqrs"
)

// readModels holds the read models of a Store; the zero value is empty.
type readModels struct {
	mu     sync.Mutex
	tables map[string]*rowTable
}

var _ cqrs.ReadModelBackend = (*Store)(nil)

// OpenReadModel implements cqrs.ReadModelBackend: the rows live in the
// Store, as long as it does.
func (s *Store) OpenReadModel(ctx context.Context, spec cqrs.ReadModelSpec) (cqrs.RowStore, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	closed := s.closed
	s.mu.RUnlock()
	if closed {
		return nil, cqrs.ErrClosed
	}
	s.rm.mu.Lock()
	defer s.rm.mu.Unlock()
	if s.rm.tables == nil {
		s.rm.tables = map[string]*rowTable{}
	}
	t := s.rm.tables[spec.Name]
	if t == nil {
		t = &rowTable{store: s}
		s.rm.tables[spec.Name] = t
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fingerprint != spec.Fingerprint || !slices.Equal(t.indexes, spec.Indexes) {
		t.fingerprint, t.indexes = spec.Fingerprint, slices.Clone(spec.Indexes)
		t.resetLocked()
	}
	return &rowStore{t: t, fingerprint: spec.Fingerprint}, nil
}

// rowTable is one read model's rows and checkpoint.
type rowTable struct {
	store *Store

	mu          sync.RWMutex
	fingerprint string
	indexes     []string
	position    int64
	rows        map[string]memRow
	keys        []string // sorted
}

type memRow struct {
	data  []byte
	index []string
}

func (t *rowTable) resetLocked() {
	t.position = 0
	t.rows = map[string]memRow{}
	t.keys = nil
}

// rowStore is a handle on a rowTable for one fingerprint.
type rowStore struct {
	t           *rowTable
	fingerprint string
}

var _ cqrs.RowStore = (*rowStore)(nil)

func (r *rowStore) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.t.store.mu.RLock()
	defer r.t.store.mu.RUnlock()
	if r.t.store.closed {
		return cqrs.ErrClosed
	}
	return nil
}

// Checkpoint implements cqrs.RowStore.
func (r *rowStore) Checkpoint(ctx context.Context) (int64, error) {
	if err := r.check(ctx); err != nil {
		return 0, err
	}
	r.t.mu.RLock()
	defer r.t.mu.RUnlock()
	if r.t.fingerprint != r.fingerprint {
		return 0, fmt.Errorf("%w: read model redeclared with another fingerprint", cqrs.ErrReadModelMoved)
	}
	return r.t.position, nil
}

// Apply implements cqrs.RowStore.
func (r *rowStore) Apply(ctx context.Context, b cqrs.RowBatch) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	t := r.t
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.fingerprint != r.fingerprint || t.position != b.From {
		return fmt.Errorf("%w: at %d, the batch continues from %d", cqrs.ErrReadModelMoved, t.position, b.From)
	}
	for _, row := range b.Puts {
		if _, ok := t.rows[row.Key]; !ok {
			i, _ := slices.BinarySearch(t.keys, row.Key)
			t.keys = slices.Insert(t.keys, i, row.Key)
		}
		t.rows[row.Key] = memRow{data: slices.Clone(row.Data), index: slices.Clone(row.Index)}
	}
	for _, k := range b.Deletes {
		if _, ok := t.rows[k]; ok {
			delete(t.rows, k)
			i, _ := slices.BinarySearch(t.keys, k)
			t.keys = slices.Delete(t.keys, i, i+1)
		}
	}
	t.position = b.To
	return nil
}

// Reset implements cqrs.RowStore.
func (r *rowStore) Reset(ctx context.Context) error {
	if err := r.check(ctx); err != nil {
		return err
	}
	r.t.mu.Lock()
	defer r.t.mu.Unlock()
	if r.t.fingerprint != r.fingerprint {
		return fmt.Errorf("%w: read model redeclared with another fingerprint", cqrs.ErrReadModelMoved)
	}
	r.t.resetLocked()
	return nil
}

// Get implements cqrs.RowStore.
func (r *rowStore) Get(ctx context.Context, keys []string) ([]cqrs.Row, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	r.t.mu.RLock()
	defer r.t.mu.RUnlock()
	out := make([]cqrs.Row, 0, len(keys))
	for _, k := range keys {
		if row, ok := r.t.rows[k]; ok {
			out = append(out, cqrs.Row{Key: k, Data: slices.Clone(row.data)})
		}
	}
	return out, nil
}

// List implements cqrs.RowStore.
func (r *rowStore) List(ctx context.Context, q cqrs.RowQuery) ([]cqrs.Row, error) {
	if err := r.check(ctx); err != nil {
		return nil, err
	}
	t := r.t
	t.mu.RLock()
	defer t.mu.RUnlock()
	for _, w := range q.Where {
		if w.Index < 0 || w.Index >= len(t.indexes) {
			return nil, fmt.Errorf("%w: index %d of %d", cqrs.ErrInvalid, w.Index, len(t.indexes))
		}
	}
	out := make([]cqrs.Row, 0, max(min(q.Limit, 64), 0))
	if q.Limit <= 0 {
		return out, nil
	}
	// match adds the row of k if it matches and reports whether to go on.
	match := func(k string) bool {
		row := t.rows[k]
		for _, w := range q.Where {
			if row.index[w.Index] != w.Value {
				return true
			}
		}
		out = append(out, cqrs.Row{Key: k, Data: slices.Clone(row.data)})
		return len(out) < q.Limit
	}
	if q.Desc {
		i := len(t.keys)
		if q.After != "" {
			i, _ = slices.BinarySearch(t.keys, q.After) // the keys before After
		}
		for i--; i >= 0; i-- {
			if !match(t.keys[i]) {
				break
			}
		}
		return out, nil
	}
	i := 0
	if q.After != "" {
		var found bool
		if i, found = slices.BinarySearch(t.keys, q.After); found {
			i++
		}
	}
	for ; i < len(t.keys); i++ {
		if !match(t.keys[i]) {
			break
		}
	}
	return out, nil
}
