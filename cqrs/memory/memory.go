package memory

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allframe-go/allframe/cqrs"
)

// Store is an in-memory cqrs.Store. The zero value is not usable; call New.
type Store struct {
	mu     sync.RWMutex
	chunks [][]cqrs.Event // the log in chunks of chunkSize: growing never copies it
	n      int            // events in the log
	// streams maps a stream to the indexes of its events, by version.
	streams map[string][]int
	// genIDs holds the generated ids in log order, which is their sort
	// order (the generator is monotonic); explicit ids, in any order, are
	// in explicitIDs. Together they detect duplicate ids without a map
	// insert per event.
	genIDs      []string
	explicitIDs map[string]struct{}
	snapshots   map[string]cqrs.Snapshot
	checkpoints map[string]int64
	idem        map[[2]string]cqrs.IdempotencyRecord
	rm          readModels    // see readmodel.go
	changed     chan struct{} // closed and replaced after an append once watched
	watched     atomic.Bool   // someone holds changed
	closed      bool
	gen         *cqrs.IDGenerator
	now         func() time.Time
}

const chunkBits = 12

const chunkSize = 1 << chunkBits

// at returns the event at index i (position i+1).
func (s *Store) at(i int) *cqrs.Event { return &s.chunks[i>>chunkBits][i&(chunkSize-1)] }

func (s *Store) push(e cqrs.Event) {
	if s.n>>chunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, make([]cqrs.Event, chunkSize))
	}
	*s.at(s.n) = e
	s.n++
}

var _ cqrs.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store)

// WithClock sets the clock used for event, snapshot and record times.
// Default: time.Now.
func WithClock(now func() time.Time) Option { return func(s *Store) { s.now = now } }

// New returns an empty store.
func New(opts ...Option) *Store {
	s := &Store{
		streams:     map[string][]int{},
		explicitIDs: map[string]struct{}{},
		snapshots:   map[string]cqrs.Snapshot{},
		checkpoints: map[string]int64{},
		idem:        map[[2]string]cqrs.IdempotencyRecord{},
		changed:     make(chan struct{}),
		now:         time.Now,
	}
	for _, o := range opts {
		o(s)
	}
	s.gen = cqrs.NewIDGenerator(s.now)
	return s
}

// Close ends every subscription; later calls fail with cqrs.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.closed {
		s.closed = true
		close(s.changed)
	}
	return nil
}

// Append implements cqrs.EventStore.
func (s *Store) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.AppendResult{}, err
	}
	if err := req.Validate(); err != nil {
		return cqrs.AppendResult{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cqrs.AppendResult{}, cqrs.ErrClosed
	}
	idx := s.streams[req.Stream]
	cur := int64(len(idx))
	if err := cqrs.CheckVersion(req.Stream, req.ExpectedVersion, cur); err != nil {
		return cqrs.AppendResult{}, err
	}
	if r := req.Idempotency; r != nil {
		if rec, ok := s.idem[[2]string{r.Scope, r.Key}]; ok {
			return cqrs.AppendResult{}, &cqrs.DuplicateError{Record: rec}
		}
	}
	if err := s.checkIDs(req.Events); err != nil {
		return cqrs.AppendResult{}, err
	}
	now := s.now()
	first := int64(s.n) + 1
	// One allocation holds the payloads of the whole append.
	size := 0
	for i := range req.Events {
		size += len(req.Events[i].Data)
	}
	buf := make([]byte, 0, size)
	for i := range req.Events {
		ed := &req.Events[i]
		id := ed.ID
		if id == "" {
			id = s.gen.New()
			s.genIDs = append(s.genIDs, id)
		} else {
			s.explicitIDs[id] = struct{}{}
		}
		t := ed.Time
		if t.IsZero() {
			t = now
		}
		md := ed.Metadata
		if md.User != nil {
			md.User = maps.Clone(md.User)
		}
		start := len(buf)
		buf = append(buf, ed.Data...)
		idx = append(idx, s.n)
		s.push(cqrs.Event{
			ID:            id,
			Stream:        req.Stream,
			StreamType:    req.StreamType,
			Version:       cur + 1 + int64(i),
			Position:      first + int64(i),
			Type:          ed.Type,
			SchemaVersion: max(ed.SchemaVersion, 1),
			Time:          t,
			Data:          buf[start:len(buf):len(buf)],
			Metadata:      md,
		})
	}
	s.streams[req.Stream] = idx
	res := cqrs.AppendResult{StreamVersion: int64(len(idx)), FirstPosition: first, LastPosition: int64(s.n)}
	if snap := req.Snapshot; snap != nil {
		sn := *snap
		sn.Stream, sn.Version, sn.Position, sn.Data = req.Stream, res.StreamVersion, res.LastPosition, slices.Clone(sn.Data)
		if sn.Time.IsZero() {
			sn.Time = now
		}
		s.snapshots[req.Stream] = sn
	}
	if r := req.Idempotency; r != nil {
		rec := *r
		rec.Position, rec.Response = res.LastPosition, slices.Clone(rec.Response)
		if rec.Time.IsZero() {
			rec.Time = now
		}
		s.idem[[2]string{rec.Scope, rec.Key}] = rec
	}
	if s.watched.Swap(false) {
		close(s.changed)
		s.changed = make(chan struct{})
	}
	return res, nil
}

// checkIDs rejects explicit ids that exist or repeat within events.
func (s *Store) checkIDs(events []cqrs.EventData) error {
	for i := range events {
		id := events[i].ID
		if id == "" {
			continue
		}
		if _, dup := s.explicitIDs[id]; dup {
			return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id)
		}
		if _, dup := slices.BinarySearch(s.genIDs, id); dup {
			return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id)
		}
		for j := range i {
			if events[j].ID == id {
				return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id)
			}
		}
	}
	return nil
}

// ReadStream implements cqrs.EventStore.
func (s *Store) ReadStream(ctx context.Context, stream string, after int64) ([]cqrs.Event, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, cqrs.ErrClosed
	}
	idx := s.streams[stream]
	after = max(after, 0)
	if after >= int64(len(idx)) {
		return nil, nil
	}
	out := make([]cqrs.Event, 0, int64(len(idx))-after)
	for _, i := range idx[after:] {
		out = append(out, *s.at(i))
	}
	return out, nil
}

// ReadAll implements cqrs.EventStore.
func (s *Store) ReadAll(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, error) {
	events, _, err := s.read(ctx, after, limit, filter)
	return events, err
}

func (s *Store) read(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, int64, error) {
	if err := ctx.Err(); err != nil {
		return nil, 0, err
	}
	if limit <= 0 {
		limit = cqrs.DefaultReadLimit
	}
	after = max(after, 0)
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, 0, cqrs.ErrClosed
	}
	head := int64(s.n)
	if after >= head {
		return nil, after, nil
	}
	var out []cqrs.Event
	if len(filter.Streams) == 1 {
		// One stream: walk its index instead of the whole log.
		idx := s.streams[filter.Streams[0]]
		k := sort.SearchInts(idx, int(after)) // first index ≥ after, i.e. position > after
		for _, i := range idx[k:] {
			if len(out) == limit {
				break
			}
			if e := s.at(i); filter.Match(e) {
				out = append(out, *e)
			}
		}
	} else {
		out = make([]cqrs.Event, 0, min(int64(limit), head-after))
		for i := int(after); i < s.n && len(out) < limit; i++ {
			if e := s.at(i); filter.Match(e) {
				out = append(out, *e)
			}
		}
	}
	upTo := head
	if len(out) == limit {
		upTo = out[len(out)-1].Position
	}
	return out, upTo, nil
}

// Head implements cqrs.EventStore.
func (s *Store) Head(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, cqrs.ErrClosed
	}
	return int64(s.n), nil
}

// Subscribe implements cqrs.EventStore.
func (s *Store) Subscribe(ctx context.Context, after int64, filter cqrs.Filter, h func([]cqrs.Event) error) error {
	return cqrs.Follow(ctx, after, filter, s.read, cqrs.FollowOptions{Changed: s.changedCh}, h)
}

func (s *Store) changedCh() <-chan struct{} {
	s.mu.RLock()
	defer s.mu.RUnlock()
	s.watched.Store(true)
	return s.changed
}

// SaveSnapshot implements cqrs.SnapshotStore.
func (s *Store) SaveSnapshot(ctx context.Context, sn cqrs.Snapshot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if sn.Stream == "" {
		return fmt.Errorf("%w: snapshot without stream", cqrs.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cqrs.ErrClosed
	}
	if old, ok := s.snapshots[sn.Stream]; ok && old.Version > sn.Version {
		return nil
	}
	if sn.Time.IsZero() {
		sn.Time = s.now()
	}
	sn.Data = slices.Clone(sn.Data)
	s.snapshots[sn.Stream] = sn
	return nil
}

// LoadSnapshot implements cqrs.SnapshotStore.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (cqrs.Snapshot, bool, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.Snapshot{}, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return cqrs.Snapshot{}, false, cqrs.ErrClosed
	}
	sn, ok := s.snapshots[stream]
	return sn, ok, nil
}

// SaveCheckpoint implements cqrs.CheckpointStore.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if name == "" || position < 0 {
		return fmt.Errorf("%w: checkpoint %q at %d", cqrs.ErrInvalid, name, position)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cqrs.ErrClosed
	}
	s.checkpoints[name] = position
	return nil
}

// LoadCheckpoint implements cqrs.CheckpointStore.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return 0, cqrs.ErrClosed
	}
	return s.checkpoints[name], nil
}

// LoadIdempotency implements cqrs.IdempotencyStore.
func (s *Store) LoadIdempotency(ctx context.Context, scope, key string) (cqrs.IdempotencyRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return cqrs.IdempotencyRecord{}, false, cqrs.ErrClosed
	}
	rec, ok := s.idem[[2]string{scope, key}]
	return rec, ok, nil
}

// SaveIdempotency implements cqrs.IdempotencyStore.
func (s *Store) SaveIdempotency(ctx context.Context, rec cqrs.IdempotencyRecord) (cqrs.IdempotencyRecord, bool, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	if rec.Scope == "" || rec.Key == "" {
		return cqrs.IdempotencyRecord{}, false, fmt.Errorf("%w: idempotency record without scope or key", cqrs.ErrInvalid)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return cqrs.IdempotencyRecord{}, false, cqrs.ErrClosed
	}
	k := [2]string{rec.Scope, rec.Key}
	if old, ok := s.idem[k]; ok {
		return old, false, nil
	}
	if rec.Time.IsZero() {
		rec.Time = s.now()
	}
	rec.Response = slices.Clone(rec.Response)
	s.idem[k] = rec
	return rec, true, nil
}

// PurgeIdempotency implements cqrs.IdempotencyStore.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, cqrs.ErrClosed
	}
	var n int64
	for k, rec := range s.idem {
		if rec.Time.Before(before) {
			delete(s.idem, k)
			n++
		}
	}
	return n, nil
}
