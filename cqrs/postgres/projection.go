package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/jackc/pgx/v5"
)

// Projection is a cqrs.Projector whose read model lives in the store's
// database: each batch of events is handled in one transaction that also
// advances the checkpoint, so every event takes effect exactly once, even
// across crashes and with several replicas running the projection.
// Handlers must write through tx only; side effects outside the database
// happen at least once.
//
// Replicas take turns: a Projection implements cqrs.Leaser with the
// store's LeaseProjection, so across every Store on the schema one
// replica applies events while the others stand by (state "standby",
// following its checkpoint) and take over when it stops or dies.
//
// The transaction is one of the projection's own on the store's pool, not
// the writer's (Store.Write), so the projection's statements never delay
// appends. It locks the checkpoint row first and skips the events at or
// below it: when another replica has applied part or all of the batch
// (a holder that lost its lease without knowing yet), only the rest is
// applied — a compare-and-set on the checkpoint. When the checkpoint has
// moved back instead (Reset elsewhere), Apply applies nothing and fails
// with ErrCheckpointMoved, and the runner resumes from the new checkpoint.
type Projection struct {
	store  *Store
	name   string
	handle func(ctx context.Context, tx pgx.Tx, ev cqrs.Event) error
	setup  func(ctx context.Context, tx pgx.Tx) error
	reset  func(ctx context.Context, tx pgx.Tx) error

	setupMu sync.Mutex
	ready   bool

	// from is the checkpoint this instance last read or wrote, which the
	// next batch continues from; -1 before the first Checkpoint.
	from atomic.Int64
}

var (
	_ cqrs.Projector = (*Projection)(nil)
	_ cqrs.Leaser    = (*Projection)(nil)
)

// ErrCheckpointMoved reports a batch discarded because the projection's
// checkpoint moved back since the batch started (Reset by another
// replica); the projection resumes from the checkpoint.
var ErrCheckpointMoved = errors.New("postgres: projection checkpoint moved back")

// ProjectionOption configures a Projection.
type ProjectionOption func(*Projection)

// Setup sets a function that creates the projection's tables (use CREATE
// … IF NOT EXISTS, and name the schema: the pool's search_path is the
// server's); it runs in a transaction when the projection is created (see
// NewProjection), one replica at a time. Default: none.
func Setup(f func(ctx context.Context, tx pgx.Tx) error) ProjectionOption {
	return func(p *Projection) { p.setup = f }
}

// Reset sets a function that deletes the projection's rows for a rebuild;
// it runs in the transaction that zeroes the checkpoint. Default: none.
func Reset(f func(ctx context.Context, tx pgx.Tx) error) ProjectionOption {
	return func(p *Projection) { p.reset = f }
}

// NewProjection returns a projection called name over store that calls
// handle for each event, in the batch's transaction (decode the event with
// cqrs.Registry.Decode; ignore the types it does not need).
//
// It runs the Setup function at once, so queries may read the
// projection's tables as soon as NewProjection returns. If that fails, the
// projection's Setup method returns the error (call it to check), and the
// projection retries before it first reads its checkpoint.
func NewProjection(store *Store, name string, handle func(ctx context.Context, tx pgx.Tx, ev cqrs.Event) error, opts ...ProjectionOption) *Projection {
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
// tables exist.
func (p *Projection) Setup(ctx context.Context) error {
	p.setupMu.Lock()
	defer p.setupMu.Unlock()
	if p.ready || p.setup == nil {
		p.ready = true
		return nil
	}
	err := pgx.BeginFunc(ctx, p.store.pool, func(tx pgx.Tx) error {
		// CREATE … IF NOT EXISTS races with itself across sessions (a
		// unique violation in the catalog): one replica at a time.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1, hashtext($2))", lockMigrate, p.store.opts.schema); err != nil {
			return err
		}
		return p.setup(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("set up projection %s: %w", p.name, err)
	}
	p.ready = true
	return nil
}

// Lease implements cqrs.Leaser with Store.LeaseProjection. The lease it
// returns is also lost when the projection is reset by another replica
// (a rebuild started on a replica standing by), so the runner here
// starts again from the new checkpoint even when no new event comes.
func (p *Projection) Lease(ctx context.Context, standby func(position int64)) (cqrs.Lease, error) {
	return p.store.LeaseProjection(ctx, p.name, standby)
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

// lockCheckpoint locks the projection's checkpoint row (creating it at 0)
// for the rest of tx and returns its committed position.
func (p *Projection) lockCheckpoint(ctx context.Context, tx pgx.Tx) (int64, error) {
	var cp int64
	err := tx.QueryRow(ctx, p.store.sql.lockCheckpoint, p.name).Scan(&cp)
	if err != nil {
		return 0, fmt.Errorf("lock checkpoint: %w", err)
	}
	return cp, nil
}

// saveCheckpoint sets the checkpoint in tx and tells the replicas
// standing by.
func (p *Projection) saveCheckpoint(ctx context.Context, tx pgx.Tx, position int64) error {
	if err := p.store.SaveCheckpointTx(ctx, tx, p.name, position); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	_, err := tx.Exec(ctx, p.store.sql.notify, p.store.cpChannel, p.name)
	return err
}

// Apply implements cqrs.Projector: the events and the checkpoint commit in
// one transaction, which applies only the events after the checkpoint it
// reads, and fails with ErrCheckpointMoved when the checkpoint is behind
// the one this batch continues from.
func (p *Projection) Apply(ctx context.Context, events []cqrs.Event, position int64) error {
	if p.store.isClosed() {
		return cqrs.ErrClosed
	}
	from := p.from.Load()
	var cp int64
	err := pgx.BeginFunc(ctx, p.store.pool, func(tx pgx.Tx) error {
		var err error
		if cp, err = p.lockCheckpoint(ctx, tx); err != nil {
			return err
		}
		if cp < from {
			return fmt.Errorf("%w: %s is at %d, the batch continues from %d", ErrCheckpointMoved, p.name, cp, from)
		}
		if position <= cp {
			return nil // applied by another replica since the batch was read
		}
		for _, ev := range events {
			if ev.Position <= cp {
				continue
			}
			hctx, end := cqrs.EventSpan(ctx, ev)
			err := p.handle(hctx, tx, ev)
			end(err)
			if err != nil {
				return fmt.Errorf("event %d (%s): %w", ev.Position, ev.Type, err)
			}
		}
		return p.saveCheckpoint(ctx, tx, position)
	})
	if err != nil {
		return p.store.readErr(err)
	}
	p.from.Store(max(position, cp))
	return nil
}

// Reset implements cqrs.Projector.
func (p *Projection) Reset(ctx context.Context) error {
	if err := p.Setup(ctx); err != nil {
		return err
	}
	err := pgx.BeginFunc(ctx, p.store.pool, func(tx pgx.Tx) error {
		if _, err := p.lockCheckpoint(ctx, tx); err != nil {
			return err
		}
		if p.reset != nil {
			if err := p.reset(ctx, tx); err != nil {
				return err
			}
		}
		return p.saveCheckpoint(ctx, tx, 0)
	})
	if err != nil {
		return p.store.readErr(err)
	}
	p.from.Store(0)
	return nil
}
