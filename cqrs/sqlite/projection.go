package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/allframe-go/allframe/cqrs"
)

// Projection is a cqrs.Projector whose read model lives in the store's own
// database: each batch of events is handled inside a writer transaction
// that also advances the checkpoint, so every event takes effect exactly
// once, even across crashes and with several processes (or Stores) on one
// file running the same projection. Handlers must write through tx only;
// side effects outside the database happen at least once.
//
// The transaction reads the checkpoint under the write lock and skips the
// events at or below it: when another instance has applied part or all of
// the batch since it was read, only the rest is applied (a compare-and-set
// on the checkpoint). When the checkpoint has moved back instead (the
// projection was reset elsewhere), Apply applies nothing and fails with
// ErrCheckpointMoved, and the runner resumes from the new checkpoint.
type Projection struct {
	store  *Store
	name   string
	handle func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error
	setup  func(ctx context.Context, tx *sql.Tx) error
	reset  func(ctx context.Context, tx *sql.Tx) error

	setupMu sync.Mutex
	ready   bool

	// from is the checkpoint this instance last read or wrote, which the
	// next batch continues from; -1 before the first Checkpoint.
	from atomic.Int64
}

var _ cqrs.Projector = (*Projection)(nil)

// ErrCheckpointMoved reports a batch discarded because the projection's
// checkpoint moved back since the batch started (Reset by another process
// or Store on the same file); the projection resumes from the checkpoint.
var ErrCheckpointMoved = errors.New("sqlite: projection checkpoint moved back")

// ProjectionOption configures a Projection.
type ProjectionOption func(*Projection)

// Setup sets a function that creates the projection's tables (use CREATE
// … IF NOT EXISTS); it runs in a write transaction when the projection is
// created (see NewProjection). Default: none.
func Setup(f func(ctx context.Context, tx *sql.Tx) error) ProjectionOption {
	return func(p *Projection) { p.setup = f }
}

// Reset sets a function that deletes the projection's rows for a rebuild;
// it runs in the transaction that zeroes the checkpoint. Default: none.
func Reset(f func(ctx context.Context, tx *sql.Tx) error) ProjectionOption {
	return func(p *Projection) { p.reset = f }
}

// NewProjection returns a projection called name over store that calls
// handle for each event (decode it with cqrs.Registry.Decode; ignore the
// types it does not need).
//
// It runs the Setup function at once, so queries may read the
// projection's tables as soon as NewProjection returns, before the
// projection runs. If that fails, the projection's Setup method returns
// the error (call it to check), and the projection retries before it
// first reads its checkpoint.
func NewProjection(store *Store, name string, handle func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error, opts ...ProjectionOption) *Projection {
	p := &Projection{store: store, name: name, handle: handle}
	p.from.Store(-1)
	for _, o := range opts {
		o(p)
	}
	_ = p.Setup(context.Background()) // a failure is retried, and reported, by Setup and Checkpoint
	return p
}

// Name implements cqrs.Projector.
func (p *Projection) Name() string { return p.name }

// Setup runs the projection's Setup function unless it has already
// succeeded; NewProjection calls it. Call it again to learn whether the
// tables exist (for example before serving queries that read them).
func (p *Projection) Setup(ctx context.Context) error {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	if p.ready || p.setup == nil {
		p.ready = true
		return nil
	}
	if err := p.store.Write(ctx, p.setup); err != nil {
		return fmt.Errorf("set up projection %s: %w", p.name, err)
	}
	p.ready = true
	return nil
}

// Checkpoint implements cqrs.Projector.
func (p *Projection) Checkpoint(ctx context.Context) (int64, error) {
	if err := p.Setup(ctx); err != nil {
		return 0, err
	}
	pos, err := p.store.LoadCheckpoint(ctx, p.name)
	if err != nil {
		return 0, err
	}
	p.from.Store(pos)
	return pos, nil
}

const selectCheckpoint = "SELECT position FROM checkpoints WHERE name = ?"

// Apply implements cqrs.Projector: the events and the checkpoint commit in
// one transaction, which applies only the events after the checkpoint it
// reads, and fails with ErrCheckpointMoved when the checkpoint is behind
// the one this batch continues from.
func (p *Projection) Apply(ctx context.Context, events []cqrs.Event, position int64) error {
	from := p.from.Load()
	var cp int64
	err := p.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		cp = 0
		if err := tx.QueryRowContext(ctx, selectCheckpoint, p.name).Scan(&cp); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("read checkpoint: %w", err)
		}
		if cp < from {
			return fmt.Errorf("%w: %s is at %d, the batch continues from %d", ErrCheckpointMoved, p.name, cp, from)
		}
		for _, ev := range events {
			if ev.Position <= cp {
				continue // applied by another instance since the batch was read
			}
			hctx, end := cqrs.EventSpan(ctx, ev)
			err := p.handle(hctx, tx, ev)
			end(err)
			if err != nil {
				return fmt.Errorf("event %d (%s): %w", ev.Position, ev.Type, err)
			}
		}
		if position <= cp {
			return nil
		}
		return SaveCheckpoint(ctx, tx, p.name, position)
	})
	if err != nil {
		return err
	}
	p.from.Store(max(position, cp))
	return nil
}

// Reset implements cqrs.Projector.
func (p *Projection) Reset(ctx context.Context) error {
	if err := p.Setup(ctx); err != nil {
		return err
	}
	err := p.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if p.reset != nil {
			if err := p.reset(ctx, tx); err != nil {
				return err
			}
		}
		return SaveCheckpoint(ctx, tx, p.name, 0)
	})
	if err != nil {
		return err
	}
	p.from.Store(0)
	return nil
}
