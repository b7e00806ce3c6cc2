package saga

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
)

// runner is the saga's projection: it starts instances on their start
// events and hands each started instance to a worker. Its checkpoint is a
// low watermark — just before the Started event of the oldest unfinished
// instance — so after a restart the replay from it finds every unfinished
// instance again, and an instance started twice is refused by its stream's
// expected version.
type runner[S any] struct{ s *Saga[S] }

var _ cqrs.Projector = (*runner[struct{}])(nil)

// Name implements cqrs.Projector.
func (r *runner[S]) Name() string { return "saga-" + r.s.name }

// Kind tells tools the projection is a saga (see cqrs.Projections.Kind).
func (r *runner[S]) Kind() string { return "saga" }

// Checkpoint implements cqrs.Projector.
func (r *runner[S]) Checkpoint(ctx context.Context) (int64, error) {
	return r.s.store.LoadCheckpoint(ctx, r.Name())
}

// Reset implements cqrs.Projector: a rebuild replays the log from the
// start, which finds every unfinished instance (finished ones are skipped).
func (r *runner[S]) Reset(ctx context.Context) error {
	r.s.mu.Lock()
	r.s.saved = 0
	r.s.mu.Unlock()
	return r.s.store.SaveCheckpoint(ctx, r.Name(), 0)
}

// Apply implements cqrs.Projector.
func (r *runner[S]) Apply(ctx context.Context, events []cqrs.Event, position int64) error {
	s := r.s
	for _, ev := range events {
		switch {
		case ev.Type == EventStarted && ev.StreamType == s.typ && strings.HasPrefix(ev.Stream, s.prefix):
			if err := s.dispatch(ctx, strings.TrimPrefix(ev.Stream, s.prefix), ev.Position); err != nil {
				return err
			}
		case s.starts[ev.Type] != nil:
			if err := s.trigger(ctx, ev); err != nil {
				return err
			}
		}
	}
	s.mu.Lock()
	low := position
	for _, w := range s.active {
		low = min(low, w.pos-1)
	}
	for _, pos := range s.pinned {
		low = min(low, pos-1)
	}
	saved := s.saved
	s.mu.Unlock()
	if low == saved {
		return nil
	}
	if err := s.store.SaveCheckpoint(ctx, r.Name(), low); err != nil {
		return err
	}
	s.mu.Lock()
	s.saved = low
	s.mu.Unlock()
	return nil
}

// trigger starts an instance for a start event, unless it was started.
func (s *Saga[S]) trigger(ctx context.Context, ev cqrs.Event) error {
	hctx, end := cqrs.EventSpan(ctx, ev)
	data, err := s.reg.Decode(ev)
	if err != nil {
		end(err)
		return err
	}
	id, state, ok := s.starts[ev.Type](ev, data)
	if ok {
		err = s.begin(hctx, id, state, ev.ID)
		var ae *app.Error
		switch {
		case errors.Is(err, cqrs.ErrConflict):
			err = nil // started before: a replay
		case errors.As(err, &ae):
			s.logger.ErrorContext(ctx, "saga not started: invalid id", "saga", s.name, "id", id, "event", ev.ID, "error", err)
			err = nil
		}
	}
	end(err)
	return err
}

// dispatch hands instance id, started at position pos, to a worker unless
// one runs it. It waits for a free worker slot and, while the saga is
// stopped, for it to start.
func (s *Saga[S]) dispatch(ctx context.Context, id string, pos int64) error {
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	release := func() { <-s.sem }
	s.mu.Lock()
	for !s.running {
		gate := s.gate
		s.mu.Unlock()
		select {
		case <-gate:
		case <-ctx.Done():
			release()
			return ctx.Err()
		}
		s.mu.Lock()
	}
	defer s.mu.Unlock()
	if _, ok := s.active[id]; ok {
		release()
		return nil
	}
	wctx, cancel := context.WithCancel(ctx)
	s.active[id] = &worker{pos: pos, cancel: cancel}
	delete(s.pinned, id)
	s.wg.Go(func() {
		defer release()
		defer cancel()
		finished := s.work(wctx, id)
		s.mu.Lock()
		delete(s.active, id)
		if !finished {
			// Stopped: keep the checkpoint before the instance so that the
			// runner finds it again when it resumes.
			s.pinned[id] = pos
		}
		s.mu.Unlock()
	})
	return nil
}

// lifecycle starts and stops the saga's workers with the App.
type lifecycle[S any] struct{ s *Saga[S] }

var _ app.Transport = (*lifecycle[struct{}])(nil)

// Start lets the runner hand instances to workers.
func (l *lifecycle[S]) Start(context.Context, *app.App) error {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.running {
		s.running = true
		close(s.gate)
	}
	return nil
}

// Stop cancels the workers and waits for them until ctx ends. A worker
// stopped in the middle of an action records nothing: the action runs
// again (idempotently) when the saga resumes.
func (l *lifecycle[S]) Stop(ctx context.Context) error {
	s := l.s
	s.mu.Lock()
	if s.running {
		s.running = false
		s.gate = make(chan struct{})
	}
	for _, w := range s.active {
		w.cancel()
	}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("saga %s: workers did not stop: %w", s.name, ctx.Err())
	}
}

// work drives instance id to a final state, or until ctx ends; it reports
// whether the instance finished.
func (s *Saga[S]) work(ctx context.Context, id string) bool {
	first := true
	failures := 0
	for ctx.Err() == nil {
		in, ok, err := s.load(ctx, id)
		if err == nil && !ok {
			return true // nothing to run
		}
		for err == nil && !in.terminal() {
			var ev any
			ev, err = s.next(ctx, &in, first)
			first = false
			if err != nil {
				break
			}
			var ed cqrs.EventData
			if ed, err = s.encode(ev, in.id, in.lastID); err != nil {
				break
			}
			var res cqrs.AppendResult
			res, err = s.store.Append(ctx, cqrs.AppendRequest{Stream: s.Stream(id), StreamType: s.typ, ExpectedVersion: in.version, Events: []cqrs.EventData{ed}})
			if errors.Is(err, cqrs.ErrConflict) {
				// Another runner moved the instance on (two replicas
				// without a lease): continue from what it recorded.
				s.logger.WarnContext(ctx, "saga instance moved concurrently; reloading", "saga", s.name, "id", id)
				err = nil
				break
			}
			if err != nil {
				break
			}
			failures = 0
			err = in.fold(cqrs.Event{ID: ed.ID, Stream: s.Stream(id), StreamType: s.typ, Version: res.StreamVersion,
				Position: res.LastPosition, Type: ed.Type, Time: ed.Time}, ev, s.names)
		}
		switch {
		case ctx.Err() != nil:
			return false
		case err == nil && in.terminal():
			return true
		case err != nil:
			failures++
			s.logger.ErrorContext(ctx, "saga instance failed to advance; retrying", "saga", s.name, "id", id, "error", err)
			if s.sleep(ctx, failures, time.Time{}) != nil {
				return false
			}
		}
	}
	return false
}

// next runs the instance's next action and returns the event recording
// its outcome. first marks a worker's first action on an instance: it may
// have been in flight when a process stopped, so it runs even past its
// deadline — its commands' idempotency keys make a repeat harmless, and a
// step that had taken effect is then recorded and compensated.
func (s *Saga[S]) next(ctx context.Context, in *instance, first bool) (any, error) {
	if in.state == StateCompensating {
		for in.next >= 0 && s.steps[in.next].undo == nil {
			in.next--
		}
		if in.next < 0 {
			return Compensated{}, nil
		}
		return s.compensate(ctx, in, s.steps[in.next])
	}
	if in.next >= len(s.steps) {
		return Completed{}, nil
	}
	st := s.steps[in.next]
	deadline := s.deadline(in, st)
	for attempts := 0; ; {
		expired := !deadline.IsZero() && !s.o.clock.Now().Before(deadline)
		if expired && (attempts > 0 || !first) {
			return TimedOut{Step: st.name}, nil
		}
		attempts++
		bound := deadline
		if expired {
			bound = time.Time{}
		}
		data, timedOut, err := s.attempt(ctx, in, st.do, st.name, false, bound)
		switch {
		case err == nil:
			return StepSucceeded{Step: st.name, State: data}, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case timedOut:
			return TimedOut{Step: st.name}, nil
		case s.o.business(err):
			e := app.ErrorFrom(err)
			return StepFailed{Step: st.name, Code: e.Code.String(), Message: e.Message, Cause: err.Error()}, nil
		case attempts > s.o.retries:
			return failed(st.name, false, attempts, err), nil
		}
		s.logger.WarnContext(ctx, "saga step failed; retrying", "saga", s.name, "id", in.id, "step", st.name, "attempt", attempts, "error", err)
		if err := s.sleep(ctx, attempts, bound); err != nil {
			return nil, err
		}
	}
}

// compensate runs the compensation of st with retries.
func (s *Saga[S]) compensate(ctx context.Context, in *instance, st step[S]) (any, error) {
	for attempts := 1; ; attempts++ {
		data, _, err := s.attempt(ctx, in, st.undo, st.name, true, time.Time{})
		switch {
		case err == nil:
			return CompensationSucceeded{Step: st.name, State: data}, nil
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case s.o.business(err) || attempts > s.o.retries:
			return failed(st.name, true, attempts, err), nil
		}
		s.logger.WarnContext(ctx, "saga compensation failed; retrying", "saga", s.name, "id", in.id, "step", st.name, "attempt", attempts, "error", err)
		if err := s.sleep(ctx, attempts, time.Time{}); err != nil {
			return nil, err
		}
	}
}

func failed(step string, compensating bool, attempts int, err error) Failed {
	e := app.ErrorFrom(err)
	return Failed{Step: step, Compensating: compensating, Attempts: attempts, Code: e.Code.String(), Message: e.Message, Cause: err.Error()}
}

// deadline returns the earlier of the saga's and the step's deadline
// (zero: none).
func (s *Saga[S]) deadline(in *instance, st step[S]) time.Time {
	var d time.Time
	if s.o.timeout > 0 {
		d = in.started.Add(s.o.timeout)
	}
	if st.timeout > 0 {
		if sd := in.since.Add(st.timeout); d.IsZero() || sd.Before(d) {
			d = sd
		}
	}
	return d
}

// errDeadline is the cause of an action's context canceled at its
// deadline.
var errDeadline = errors.New("saga: deadline exceeded")

// attempt runs act once on a fresh copy of the instance's state, with the
// step's idempotency key, correlation and causation in ctx, bounded by
// deadline (none when zero). It returns the state after a success, and
// whether the deadline canceled the action.
func (s *Saga[S]) attempt(ctx context.Context, in *instance, act Action[S], step string, undo bool, deadline time.Time) (data json.RawMessage, timedOut bool, err error) {
	var st S
	if err := json.Unmarshal(in.data, &st); err != nil {
		return nil, false, fmt.Errorf("saga %s: decode state of %s: %w", s.name, in.id, err)
	}
	key := "saga/" + s.name + "/" + in.id + "/" + step
	if undo {
		key += "/compensate"
	}
	actx := context.WithValue(ctx, stepKey{}, &stepCall{key: key, correlation: in.id, causation: in.lastID})
	actx = cqrs.WithCorrelation(actx, in.id, in.lastID)
	stop := func() bool { return false }
	if !deadline.IsZero() {
		actx, stop = s.withDeadline(actx, deadline)
	}
	err = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("saga %s: step %s panicked: %v", s.name, step, p)
			}
		}()
		return act(actx, &st)
	}()
	timedOut = stop()
	if err != nil {
		return nil, timedOut, err
	}
	data, err = json.Marshal(st)
	return data, false, err
}

// withDeadline returns a context canceled when the saga's clock reaches
// deadline, and a function that releases it and reports whether the
// deadline canceled it.
func (s *Saga[S]) withDeadline(ctx context.Context, deadline time.Time) (context.Context, func() bool) {
	ctx, cancel := context.WithCancelCause(ctx)
	fire := s.o.clock.After(deadline.Sub(s.o.clock.Now())) // before the action runs, so a test clock sees it
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-fire:
			cancel(errDeadline)
		case <-stop:
		}
	}()
	return ctx, func() bool {
		close(stop)
		<-done
		expired := errors.Is(context.Cause(ctx), errDeadline)
		cancel(nil)
		return expired
	}
}

// sleep waits the backoff before retry attempt (1-based), at most until
// deadline (when set), or until ctx ends.
func (s *Saga[S]) sleep(ctx context.Context, attempt int, deadline time.Time) error {
	d := min(s.o.backoff<<min(attempt-1, 30), s.o.maxBackoff)
	if d < 0 {
		d = s.o.maxBackoff
	}
	var dl <-chan time.Time
	if !deadline.IsZero() {
		dl = s.o.clock.After(deadline.Sub(s.o.clock.Now()))
	}
	select {
	case <-s.o.clock.After(d):
	case <-dl:
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}
