package saga

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
)

// Saga states reported by Status.
const (
	// StateRunning: steps are being run.
	StateRunning = "running"
	// StateCompensating: a step failed or a deadline passed, and the
	// succeeded steps are being compensated in reverse order.
	StateCompensating = "compensating"
	// StateCompleted: every step succeeded.
	StateCompleted = "completed"
	// StateCompensated: every succeeded step was compensated.
	StateCompensated = "compensated"
	// StateFailed: a step or a compensation kept failing; an operator must
	// look (the Error says why).
	StateFailed = "failed"
)

// Defaults of the saga options.
const (
	DefaultRetries     = 5
	DefaultBackoff     = 100 * time.Millisecond
	DefaultMaxBackoff  = 30 * time.Second
	DefaultConcurrency = 64
)

// Action is what a step does, or undoes, on the saga's state. It issues
// commands (see Command), may change *state (the change is recorded when
// the action succeeds) and returns an error to fail: a business error (by
// default an *app.Error with code invalid_argument, not_found,
// already_exists, permission_denied, failed_precondition or out_of_range)
// fails the step at once and starts compensation; any other error is
// retried with backoff. An action may run more than once (after a retry, a
// crash or on another replica): issue commands through Command, whose
// idempotency keys make their effects happen once, and keep the action
// deterministic given the state.
type Action[S any] func(ctx context.Context, state *S) error

// Saga is a declared process with state S, persisted as events in its own
// stream per instance: it starts on an event (StartOn) or a call (Start),
// runs its steps in order, and on a business failure or a deadline
// compensates the succeeded steps in reverse order. NewSaga registers its
// runner as a projection of the Bus, so it resumes unfinished instances
// after a restart.
type Saga[S any] struct {
	bus    *cqrs.Bus
	store  cqrs.Store
	reg    *cqrs.Registry
	logger *slog.Logger
	name   string
	typ    string // stream type
	prefix string // stream prefix: "saga-<name>-"
	o      options
	steps  []step[S]
	names  []string
	starts map[string]func(ev cqrs.Event, data any) (id string, state S, ok bool)
	sem    chan struct{}

	mu      sync.Mutex
	running bool
	gate    chan struct{} // closed while running
	active  map[string]*worker
	pinned  map[string]int64 // unfinished instances whose worker stopped, by start position
	wg      sync.WaitGroup
	saved   int64 // the checkpoint last saved
}

type step[S any] struct {
	name     string
	do, undo Action[S]
	timeout  time.Duration
}

type worker struct {
	pos    int64 // global position of the instance's Started event
	cancel context.CancelFunc
}

// Option configures a Saga.
type Option func(*options)

type options struct {
	timeout     time.Duration
	retries     int
	backoff     time.Duration
	maxBackoff  time.Duration
	clock       Clock
	business    func(error) bool
	concurrency int
}

// WithTimeout sets the deadline of each instance, counted from its start:
// when it passes before the last step succeeds, the step in flight is
// canceled and the succeeded steps are compensated. Default: 0, none.
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = max(d, 0) } }

// WithRetries sets how many times an action failing with an unexpected
// (not business) error is retried before the saga fails. Default: 5.
func WithRetries(n int) Option { return func(o *options) { o.retries = max(n, 0) } }

// WithBackoff sets the delay before the first retry; it doubles on each
// retry up to max. Default: 100ms, up to 30s.
func WithBackoff(first, maxDelay time.Duration) Option {
	return func(o *options) { o.backoff, o.maxBackoff = max(first, 0), max(maxDelay, first, 0) }
}

// WithClock sets the clock of deadlines, backoff and the times recorded
// with the saga's events. Default: the system clock.
func WithClock(c Clock) Option { return func(o *options) { o.clock = c } }

// WithBusinessErrors sets how errors of actions are classified: true for a
// business error, which fails the step at once (and compensates) or, from a
// compensation, fails the saga; false for an unexpected error, which is
// retried. Default: BusinessError.
func WithBusinessErrors(f func(error) bool) Option { return func(o *options) { o.business = f } }

// WithConcurrency sets how many instances run at once; more wait. Default:
// 64.
func WithConcurrency(n int) Option { return func(o *options) { o.concurrency = max(n, 1) } }

// BusinessError reports whether err is an *app.Error whose code says the
// request can never succeed as it is: invalid_argument, not_found,
// already_exists, permission_denied, failed_precondition or out_of_range.
func BusinessError(err error) bool {
	var ae *app.Error
	if !errors.As(err, &ae) {
		return false
	}
	switch ae.Code {
	case app.CodeInvalidArgument, app.CodeNotFound, app.CodeAlreadyExists, app.CodePermissionDenied,
		app.CodeFailedPrecondition, app.CodeOutOfRange:
		return true
	}
	return false
}

// StepOption configures a step.
type StepOption func(*stepOptions)

type stepOptions struct{ timeout time.Duration }

// StepTimeout sets a deadline for the step, counted from when it became
// due (the previous step's success, or the start): when it passes, the
// step's attempt in flight is canceled and the succeeded steps are
// compensated. Default: 0, none (the saga's WithTimeout still applies).
func StepTimeout(d time.Duration) StepOption {
	return func(o *stepOptions) { o.timeout = max(d, 0) }
}

var nameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]{0,63}$`)

// New declares the saga name (e.g. "transfer"; its instances' streams are
// "saga-transfer-<id>") with state S on bus: it registers the saga events
// in the Bus's Registry, its runner as a projection ("saga-<name>") and its
// lifecycle on the App. S must survive encoding/json (exported fields).
// Declare steps and starts before the App starts. It panics on a
// programming error.
func New[S any](bus *cqrs.Bus, name string, opts ...Option) *Saga[S] {
	if !nameRE.MatchString(name) {
		panic(fmt.Sprintf("saga: invalid name %q", name))
	}
	o := options{
		retries: DefaultRetries, backoff: DefaultBackoff, maxBackoff: DefaultMaxBackoff,
		clock: systemClock{}, business: BusinessError, concurrency: DefaultConcurrency,
	}
	for _, opt := range opts {
		opt(&o)
	}
	s := &Saga[S]{
		bus: bus, store: bus.Store(), reg: bus.Registry(), logger: bus.App().Logger(),
		name: name, typ: "saga." + name, prefix: "saga-" + name + "-", o: o,
		starts: map[string]func(cqrs.Event, any) (string, S, bool){},
		sem:    make(chan struct{}, o.concurrency),
		gate:   make(chan struct{}),
		active: map[string]*worker{},
		pinned: map[string]int64{},
	}
	registerEvents(s.reg)
	bus.AddSaga(cqrs.SagaView{Name: name, Instances: s.instances})
	bus.Projections().Add(cqrs.Leased(&runner[S]{s: s}, bus.Store()))
	bus.App().Mount(&lifecycle[S]{s: s})
	return s
}

// Name returns the saga's name.
func (s *Saga[S]) Name() string { return s.name }

// Stream returns the stream of the instance id.
func (s *Saga[S]) Stream(id string) string { return s.prefix + id }

// Step appends a step: do runs when the previous step has succeeded (or
// the saga started); compensate, if not nil, undoes do when a later step
// fails or a deadline passes. Steps run one at a time, in order. It
// returns s, and panics on an invalid or duplicate name.
func (s *Saga[S]) Step(name string, do, compensate Action[S], opts ...StepOption) *Saga[S] {
	if !nameRE.MatchString(name) {
		panic(fmt.Sprintf("saga %s: invalid step name %q", s.name, name))
	}
	for _, n := range s.names {
		if n == name {
			panic(fmt.Sprintf("saga %s: step %q declared twice", s.name, name))
		}
	}
	if do == nil {
		panic(fmt.Sprintf("saga %s: step %q without an action", s.name, name))
	}
	var so stepOptions
	for _, opt := range opts {
		opt(&so)
	}
	s.steps = append(s.steps, step[S]{name: name, do: do, undo: compensate, timeout: so.timeout})
	s.names = append(s.names, name)
	return s
}

// StartOn starts an instance of s for each event of type E (registered in
// the Bus's Registry) for which start returns ok, with the id and initial
// state it returns. An id already started is not started again, so
// replaying the log is harmless. It panics if E is not registered.
func StartOn[E, S any](s *Saga[S], start func(ev E, meta cqrs.Event) (id string, state S, ok bool)) {
	var zero E
	name, _, ok := s.reg.Name(zero)
	if !ok {
		panic(fmt.Sprintf("saga %s: start event %T is not registered", s.name, zero))
	}
	s.starts[name] = func(ev cqrs.Event, data any) (string, S, bool) {
		e, ok := data.(E)
		if !ok {
			var st S
			return "", st, false
		}
		return start(e, ev)
	}
}

// Start starts the instance id with the initial state, e.g. from a
// command's handler; its steps run in the background. The saga's events
// record id as their correlation id. It fails with already_exists if id
// was started before, and invalid_argument for an id that is empty,
// longer than 128 bytes or not visible ASCII.
func (s *Saga[S]) Start(ctx context.Context, id string, state S) error {
	causation := ""
	if call := app.CallFrom(ctx); call != nil && call.Metadata != nil {
		causation = call.Metadata.Get(cqrs.MetaCausationID)
		if causation == "" {
			causation = call.Metadata.Get(cqrs.MetaRequestID)
		}
	}
	err := s.begin(ctx, id, state, causation)
	if errors.Is(err, cqrs.ErrConflict) {
		return app.NewError(app.CodeAlreadyExists, "saga "+s.name+" "+id+" already started")
	}
	return err
}

// begin appends the Started event of instance id.
func (s *Saga[S]) begin(ctx context.Context, id string, state S, causation string) error {
	if !validID(id) {
		return app.InvalidArgument("invalid saga id: must be 1 to 128 visible ASCII characters",
			app.FieldViolation{Field: "id", Description: "must be 1 to 128 visible ASCII characters"})
	}
	data, err := json.Marshal(state)
	if err != nil {
		return fmt.Errorf("saga %s: encode state: %w", s.name, err)
	}
	if causation == "" {
		causation = id
	}
	ed, err := s.encode(Started{Saga: s.name, ID: id, State: data}, id, causation)
	if err != nil {
		return err
	}
	_, err = s.store.Append(ctx, cqrs.AppendRequest{Stream: s.Stream(id), StreamType: s.typ, ExpectedVersion: cqrs.NoStream, Events: []cqrs.EventData{ed}})
	return err
}

// encode returns a saga event to append, timed by the saga's clock.
func (s *Saga[S]) encode(ev any, correlation, causation string) (cqrs.EventData, error) {
	ed, err := s.reg.Encode(ev)
	if err != nil {
		return ed, err
	}
	ed.ID = cqrs.NewID()
	ed.Time = s.o.clock.Now()
	ed.Metadata = cqrs.Metadata{CorrelationID: correlation, CausationID: causation}
	return ed, nil
}

func validID(id string) bool {
	if len(id) == 0 || len(id) > 128 {
		return false
	}
	for i := range len(id) {
		if id[i] < 0x21 || id[i] > 0x7e {
			return false
		}
	}
	return true
}

// load folds the stream of instance id; ok is false when it has none.
func (s *Saga[S]) load(ctx context.Context, id string) (in instance, ok bool, err error) {
	in = instance{id: id}
	evs, err := s.store.ReadStream(ctx, s.Stream(id), 0)
	if err != nil {
		return in, false, fmt.Errorf("read %s: %w", s.Stream(id), err)
	}
	for _, ev := range evs {
		if err := s.foldEvent(&in, ev); err != nil {
			return in, true, err
		}
	}
	return in, len(evs) > 0, nil
}

func (s *Saga[S]) foldEvent(in *instance, ev cqrs.Event) error {
	data, err := s.reg.Decode(ev)
	if err != nil {
		return err
	}
	return in.fold(ev, data, s.names)
}
