package cqrs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
)

// Projector is a read model fed by the event log. The Projections registry
// runs each one: it reads the checkpoint, then hands over every event after
// it in order, in batches, first catching up and then live.
type Projector interface {
	// Name identifies the projection (and its checkpoint); it must be unique.
	Name() string
	// Checkpoint returns the global position up to which events have been
	// applied (0 for none).
	Checkpoint(ctx context.Context) (int64, error)
	// Apply applies events (consecutive, in order) and records position
	// (the last event's) as the new checkpoint — in the same transaction as
	// the projection's writes where the target allows it, which makes the
	// effect exactly-once. Implementations should wrap each event's handling
	// in EventSpan. After an error the runner resumes from Checkpoint.
	Apply(ctx context.Context, events []Event, position int64) error
	// Reset deletes the projection's data and checkpoint, for a rebuild.
	Reset(ctx context.Context) error
}

// Leaser is implemented by Projectors whose read model several processes
// share (replicas of a service on one database): only the holder of the
// projection's lease applies events. The runner calls Lease before it
// reads the checkpoint, stays in state standby while Lease waits, stops
// applying when the lease is lost and resumes waiting, and releases the
// lease when it stops. Lease reports the position another holder has
// reached through standby while it waits, so WaitFor (and consistency
// tokens) work on every replica. Projectors without it run in every
// process.
type Leaser interface {
	Lease(ctx context.Context, standby func(position int64)) (Lease, error)
}

// Lease is a held projection lease.
type Lease interface {
	// Lost is closed when the lease ends without Release (its holder's
	// connection failed): another process may already hold it.
	Lost() <-chan struct{}
	// Release gives the lease up.
	Release()
}

// LeaseProvider is implemented by stores that several processes share
// (postgres.Store): it gives the lease of a projection, held by one
// process at a time among every store over the same storage. The
// projections whose state lives in the store — read models (NewReadModel)
// and saga runners — are added through Leased, so on such a store one
// replica runs each of them while the others stand by. A store that wraps
// another must forward it.
type LeaseProvider interface {
	// LeaseProjection waits until this process holds the lease of the
	// projection name and returns it. While it waits it reports to standby
	// the checkpoint the store keeps for name (CheckpointStore) each time
	// the holder moves it. The lease is lost when the holder's hold ends
	// without Release, and when the checkpoint moves back (a Reset by
	// another process), so the holder starts again from it.
	LeaseProjection(ctx context.Context, name string, standby func(position int64)) (Lease, error)
}

// Leased returns p as a Leaser whose leases come from store when store is
// a LeaseProvider (and p is not a Leaser already), so that one process at
// a time runs p; otherwise it returns p. Use it for projectors whose
// checkpoint and writes live in the store; a projection kept in each
// process's memory must run everywhere and is added as it is.
func Leased(p Projector, store Store) Projector {
	lp, ok := store.(LeaseProvider)
	if _, leaser := p.(Leaser); !ok || leaser {
		return p
	}
	return leased{Projector: p, lp: lp}
}

// leased is a Projector whose leases come from a LeaseProvider.
type leased struct {
	Projector
	lp LeaseProvider
}

var _ Leaser = leased{}

// Lease implements Leaser.
func (l leased) Lease(ctx context.Context, standby func(position int64)) (Lease, error) {
	return l.lp.LeaseProjection(ctx, l.Name(), standby)
}

// Projection states reported by Status.
const (
	// StateStandby: another process holds the projection's lease (see
	// Leaser); this one waits to take over.
	StateStandby    = "standby"
	StateStopped    = "stopped"
	StateCatchingUp = "catching_up"
	StateLive       = "live"
	StateFailed     = "failed"
	StateRebuilding = "rebuilding"
)

// ProjectionStatus reports where a projection is.
type ProjectionStatus struct {
	Name string `json:"name"`
	// Position is the projection's checkpoint.
	Position int64 `json:"position"`
	// Head is the store's last position; Lag is Head − Position.
	Head  int64  `json:"head"`
	Lag   int64  `json:"lag"`
	State string `json:"state" doc:"stopped, standby, catching_up, live, failed or rebuilding"`
	// Error is the last failure while the projection retries.
	Error   string    `json:"error,omitempty"`
	Updated time.Time `json:"updated"`
}

// Projections is a registry of named projections that it runs (one
// goroutine each) while started.
type Projections struct {
	store   EventStore
	tracer  trace.Tracer
	logger  *slog.Logger
	backoff time.Duration

	mu      sync.Mutex
	runners map[string]*runner
	order   []string
	running bool
}

func newProjections(store EventStore, tracer trace.Tracer, logger *slog.Logger, backoff time.Duration) *Projections {
	return &Projections{store: store, tracer: tracer, logger: logger, backoff: max(backoff, time.Millisecond), runners: map[string]*runner{}}
}

// runner runs one projection.
type runner struct {
	p    Projector
	life sync.Mutex // serializes start, stop and rebuild

	mu      sync.Mutex
	pos     int64
	state   string
	err     string
	updated time.Time
	changed chan struct{} // closed and replaced when pos changes
	cancel  context.CancelFunc
	done    chan struct{}
}

// Add registers p and, if the registry is running, starts it. It panics on
// an empty or duplicate name.
func (ps *Projections) Add(p Projector) {
	name := p.Name()
	if name == "" || len(name) > MaxNameLength {
		panic(fmt.Sprintf("cqrs: invalid projection name %q", name))
	}
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if _, dup := ps.runners[name]; dup {
		panic("cqrs: projection " + name + " added twice")
	}
	r := &runner{p: p, state: StateStopped, changed: make(chan struct{})}
	ps.runners[name] = r
	ps.order = append(ps.order, name)
	if ps.running {
		ps.start(r)
	}
}

// Names returns the projection names in order of addition.
func (ps *Projections) Names() []string {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	return slices.Clone(ps.order)
}

// Start starts every projection; it returns at once (catch-up runs in the
// background; see Status). Starting twice is a no-op.
func (ps *Projections) Start(context.Context) error {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if ps.running {
		return nil
	}
	ps.running = true
	for _, name := range ps.order {
		ps.start(ps.runners[name])
	}
	return nil
}

// Stop stops every projection and waits for their in-flight batches to
// finish, until ctx ends.
func (ps *Projections) Stop(ctx context.Context) error {
	ps.mu.Lock()
	ps.running = false
	rs := make([]*runner, 0, len(ps.order))
	for _, name := range ps.order {
		rs = append(rs, ps.runners[name])
	}
	ps.mu.Unlock()
	var errs []error
	for _, r := range rs {
		errs = append(errs, r.stop(ctx))
	}
	return errors.Join(errs...)
}

func (ps *Projections) start(r *runner) {
	r.life.Lock()
	defer r.life.Unlock()
	ps.startLocked(r)
}

func (ps *Projections) startLocked(r *runner) {
	if r.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.cancel, r.done = cancel, make(chan struct{})
	r.state, r.err = StateCatchingUp, ""
	done := r.done
	r.mu.Unlock()
	go func() {
		defer close(done)
		ps.run(ctx, r)
	}()
}

func (r *runner) stop(ctx context.Context) error {
	r.life.Lock()
	defer r.life.Unlock()
	return r.stopLocked(ctx)
}

func (r *runner) stopLocked(ctx context.Context) error {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if done == nil {
		return nil
	}
	cancel()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("projection %s did not stop: %w", r.p.Name(), ctx.Err())
	}
	r.mu.Lock()
	r.cancel, r.done, r.state = nil, nil, StateStopped
	r.mu.Unlock()
	return nil
}

// run feeds the projection until ctx ends, resuming from its checkpoint
// with backoff after failures (and at once after a lost lease).
func (ps *Projections) run(ctx context.Context, r *runner) {
	name := r.p.Name()
	cons := &consumer{tracer: ps.tracer, name: "projection " + name, child: true}
	backoff := ps.backoff
	leaser, _ := r.p.(Leaser)
	for {
		lctx, release, err := r.lease(ctx, leaser)
		if err == nil {
			err = ps.feed(lctx, r, cons, &backoff)
			lost := ctx.Err() == nil && lctx.Err() != nil
			release()
			if lost {
				ps.logger.WarnContext(ctx, "projection lease lost; standing by", "projection", name)
				continue
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil {
			err = errors.New("subscription ended")
		}
		r.fail(err)
		if pe, ok := errors.AsType[*app.PanicError](err); ok {
			ps.logger.ErrorContext(ctx, "projection failed; retrying", "projection", name, "error", err, "retry_in", backoff, "stack", string(pe.Stack))
		} else {
			ps.logger.ErrorContext(ctx, "projection failed; retrying", "projection", name, "error", err, "retry_in", backoff)
		}
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		backoff = min(backoff*2, 30*time.Second)
	}
}

// lease waits for the projection's lease when it has one (l != nil) and
// returns a context that ends when the lease is lost, and the function
// that releases it.
func (r *runner) lease(ctx context.Context, l Leaser) (context.Context, func(), error) {
	if l == nil {
		return ctx, func() {}, nil
	}
	r.mu.Lock()
	r.state = StateStandby
	r.mu.Unlock()
	lease, err := l.Lease(ctx, func(pos int64) { r.advance(pos, StateStandby) })
	if err != nil {
		return nil, nil, fmt.Errorf("lease: %w", err)
	}
	lctx, cancel := context.WithCancel(ctx)
	stop := make(chan struct{})
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		select {
		case <-lease.Lost():
			cancel()
		case <-stop:
		}
	}()
	return lctx, func() {
		close(stop)
		<-watched
		cancel()
		lease.Release()
	}, nil
}

// feed applies the events after the projection's checkpoint until ctx
// ends or a batch fails.
func (ps *Projections) feed(ctx context.Context, r *runner, cons *consumer, backoff *time.Duration) error {
	pos, err := r.p.Checkpoint(ctx)
	if err != nil {
		return err
	}
	r.advance(pos, StateCatchingUp)
	return ps.store.Subscribe(ctx, pos, Filter{}, func(evs []Event) error {
		last := evs[len(evs)-1].Position
		if err := applyRecovered(withConsumer(ctx, cons), r.p, evs, last); err != nil {
			return fmt.Errorf("apply events %d to %d: %w", evs[0].Position, last, err)
		}
		r.advance(last, StateCatchingUp)
		*backoff = ps.backoff
		return nil
	})
}

// applyRecovered applies evs, turning a panic in the projection into an
// error (with its stack) so the runner retries from the checkpoint instead
// of the process crashing.
func applyRecovered(ctx context.Context, p Projector, evs []Event, last int64) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = &app.PanicError{Value: v, Stack: debug.Stack()}
		}
	}()
	return p.Apply(ctx, evs, last)
}

func (r *runner) advance(pos int64, state string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state, r.err, r.updated = state, "", time.Now()
	if pos != r.pos {
		r.pos = pos
		close(r.changed)
		r.changed = make(chan struct{})
	}
}

func (r *runner) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.state, r.err, r.updated = StateFailed, err.Error(), time.Now()
}

func (ps *Projections) runner(name string) (*runner, error) {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	r := ps.runners[name]
	if r == nil {
		return nil, fmt.Errorf("cqrs: no projection %q", name)
	}
	return r, nil
}

// Rebuild stops the projection, resets it (deleting its data and
// checkpoint) and, if the registry is running, starts it again from the
// first event.
func (ps *Projections) Rebuild(ctx context.Context, name string) error {
	r, err := ps.runner(name)
	if err != nil {
		return err
	}
	r.life.Lock()
	defer r.life.Unlock()
	if err := r.stopLocked(ctx); err != nil {
		return err
	}
	r.mu.Lock()
	r.state = StateRebuilding
	r.mu.Unlock()
	if err := r.p.Reset(ctx); err != nil {
		r.fail(err)
		return fmt.Errorf("reset projection %s: %w", name, err)
	}
	r.advance(0, StateStopped)
	ps.mu.Lock()
	running := ps.running
	ps.mu.Unlock()
	if running {
		ps.startLocked(r)
	}
	return nil
}

// Status returns the status of every projection, in order of addition.
func (ps *Projections) Status(ctx context.Context) ([]ProjectionStatus, error) {
	head, err := ps.store.Head(ctx)
	if err != nil {
		return nil, err
	}
	ps.mu.Lock()
	rs := make([]*runner, 0, len(ps.order))
	for _, name := range ps.order {
		rs = append(rs, ps.runners[name])
	}
	ps.mu.Unlock()
	out := make([]ProjectionStatus, 0, len(rs))
	for _, r := range rs {
		r.mu.Lock()
		st := ProjectionStatus{Name: r.p.Name(), Position: r.pos, Head: head, Lag: max(head-r.pos, 0), State: r.state, Error: r.err, Updated: r.updated}
		r.mu.Unlock()
		if st.State == StateCatchingUp && st.Lag == 0 {
			st.State = StateLive
		}
		out = append(out, st)
	}
	return out, nil
}

// WaitFor blocks until every named projection has reached position, or ctx
// ends (returning ctx's error).
func (ps *Projections) WaitFor(ctx context.Context, position int64, names ...string) error {
	for _, name := range names {
		r, err := ps.runner(name)
		if err != nil {
			return err
		}
		for {
			r.mu.Lock()
			pos, changed := r.pos, r.changed
			r.mu.Unlock()
			if pos >= position {
				break
			}
			select {
			case <-changed:
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

// position returns the in-memory position of a projection.
func (ps *Projections) position(name string) int64 {
	r, err := ps.runner(name)
	if err != nil {
		return 0
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.pos
}

// Projection is a Projector that calls a function for each event: for read
// models kept in memory (the default: the checkpoint is in memory too, so
// the projection rebuilds from the first event in each process) or in any
// store whose writes are idempotent (with DurableCheckpoints: the
// checkpoint is saved after each batch, so after a crash the events since
// the last checkpoint are applied again — at-least-once).
type Projection struct {
	name        string
	handle      func(ctx context.Context, ev Event) error
	checkpoints CheckpointStore
	reset       func(ctx context.Context) error
	pos         atomic.Int64
}

var _ Projector = (*Projection)(nil)

// ProjectionOption configures a Projection.
type ProjectionOption func(*Projection)

// DurableCheckpoints keeps the checkpoint in cs. Default: in memory.
func DurableCheckpoints(cs CheckpointStore) ProjectionOption {
	return func(p *Projection) { p.checkpoints = cs }
}

// OnReset sets the function that deletes the read model for a rebuild.
// Default: none.
func OnReset(f func(ctx context.Context) error) ProjectionOption {
	return func(p *Projection) { p.reset = f }
}

// NewProjection returns a projection called name that passes each event to
// handle (which may decode it with Registry.Decode and skip the types it
// does not need).
func NewProjection(name string, handle func(ctx context.Context, ev Event) error, opts ...ProjectionOption) *Projection {
	p := &Projection{name: name, handle: handle}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Name implements Projector.
func (p *Projection) Name() string { return p.name }

// Checkpoint implements Projector.
func (p *Projection) Checkpoint(ctx context.Context) (int64, error) {
	if p.checkpoints != nil {
		return p.checkpoints.LoadCheckpoint(ctx, p.name)
	}
	return p.pos.Load(), nil
}

// Apply implements Projector.
func (p *Projection) Apply(ctx context.Context, events []Event, position int64) error {
	for _, ev := range events {
		hctx, end := EventSpan(ctx, ev)
		err := p.handle(hctx, ev)
		end(err)
		if err != nil {
			return err
		}
	}
	if p.checkpoints != nil {
		return p.checkpoints.SaveCheckpoint(ctx, p.name, position)
	}
	p.pos.Store(position)
	return nil
}

// Reset implements Projector.
func (p *Projection) Reset(ctx context.Context) error {
	if p.reset != nil {
		if err := p.reset(ctx); err != nil {
			return err
		}
	}
	if p.checkpoints != nil {
		return p.checkpoints.SaveCheckpoint(ctx, p.name, 0)
	}
	p.pos.Store(0)
	return nil
}
