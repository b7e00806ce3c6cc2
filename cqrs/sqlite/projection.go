package sqlite

import (
	"context"
	"database/sql"
	"fmt"
	"sync"

	"github.com/allframe-go/allframe/cqrs"
)

// Projection is a cqrs.Projector whose read model lives in the store's own
// database: each batch of events is handled inside a writer transaction
// that also records the checkpoint, so every event takes effect exactly
// once, even across crashes. Handlers must write through tx only; side
// effects outside the database happen at least once.
type Projection struct {
	store  *Store
	name   string
	handle func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error
	setup  func(ctx context.Context, tx *sql.Tx) error
	reset  func(ctx context.Context, tx *sql.Tx) error

	mu    sync.Mutex
	ready bool
}

var _ cqrs.Projector = (*Projection)(nil)

// ProjectionOption configures a Projection.
type ProjectionOption func(*Projection)

// Setup sets a function that creates the projection's tables (use CREATE
// … IF NOT EXISTS); it runs in a write transaction before the projection
// first reads its checkpoint. Default: none.
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
func NewProjection(store *Store, name string, handle func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error, opts ...ProjectionOption) *Projection {
	p := &Projection{store: store, name: name, handle: handle}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Name implements cqrs.Projector.
func (p *Projection) Name() string { return p.name }

func (p *Projection) ensureSetup(ctx context.Context) error {
	p.mu.Lock()
	defer p.mu.Unlock()
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
	if err := p.ensureSetup(ctx); err != nil {
		return 0, err
	}
	return p.store.LoadCheckpoint(ctx, p.name)
}

// Apply implements cqrs.Projector: the events and the checkpoint commit in
// one transaction.
func (p *Projection) Apply(ctx context.Context, events []cqrs.Event, position int64) error {
	return p.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, ev := range events {
			hctx, end := cqrs.EventSpan(ctx, ev)
			err := p.handle(hctx, tx, ev)
			end(err)
			if err != nil {
				return fmt.Errorf("event %d (%s): %w", ev.Position, ev.Type, err)
			}
		}
		return SaveCheckpoint(ctx, tx, p.name, position)
	})
}

// Reset implements cqrs.Projector.
func (p *Projection) Reset(ctx context.Context) error {
	if err := p.ensureSetup(ctx); err != nil {
		return err
	}
	return p.store.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if p.reset != nil {
			if err := p.reset(ctx, tx); err != nil {
				return err
			}
		}
		return SaveCheckpoint(ctx, tx, p.name, 0)
	})
}
