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

// Status reports where a saga instance is.
type Status struct {
	ID    string `json:"id"`
	Saga  string `json:"saga"`
	State string `json:"state" doc:"running, compensating, completed, compensated or failed"`
	// Step is the step running, or the step that failed or timed out.
	Step string `json:"step,omitempty" doc:"The step running, or the step that failed or timed out"`
	// Code and Error are the app error code and client-safe message of the
	// failure, if any.
	Code    string    `json:"code,omitempty" doc:"Error code of the failure (e.g. not_found, deadline_exceeded)"`
	Error   string    `json:"error,omitempty" doc:"Message of the failure"`
	Started time.Time `json:"started"`
	Updated time.Time `json:"updated"`
	// Version is the number of events the instance recorded.
	Version int64 `json:"version"`
}

func (s *Saga[S]) status(in *instance) Status {
	return Status{ID: in.id, Saga: s.name, State: in.state, Step: in.step, Code: in.code, Error: in.message,
		Started: in.started, Updated: in.since, Version: in.version}
}

// Get returns the state and status of instance id, as recorded: not_found
// when it never started.
func (s *Saga[S]) Get(ctx context.Context, id string) (S, Status, error) {
	var st S
	in, ok, err := s.load(ctx, id)
	switch {
	case err != nil:
		return st, Status{}, err
	case !ok:
		return st, Status{}, app.NewError(app.CodeNotFound, "no saga "+s.name+" "+id)
	}
	if err := json.Unmarshal(in.data, &st); err != nil {
		return st, Status{}, fmt.Errorf("saga %s: decode state of %s: %w", s.name, id, err)
	}
	return st, s.status(&in), nil
}

// Status returns the status of instance id: not_found when it never
// started.
func (s *Saga[S]) Status(ctx context.Context, id string) (Status, error) {
	in, ok, err := s.load(ctx, id)
	switch {
	case err != nil:
		return Status{}, err
	case !ok:
		return Status{}, app.NewError(app.CodeNotFound, "no saga "+s.name+" "+id)
	}
	return s.status(&in), nil
}

// errFinished ends Wait's subscription.
var errFinished = errors.New("saga finished")

// Wait blocks until instance id has finished (completed, compensated or
// failed) and returns its final Status, or ctx's error when ctx ends
// first. It follows the instance's stream (catch-up, then live), so it
// wakes up on the event that finishes it. An id never started is
// not_found.
func (s *Saga[S]) Wait(ctx context.Context, id string) (Status, error) {
	in, ok, err := s.load(ctx, id)
	switch {
	case err != nil:
		return Status{}, err
	case !ok:
		return Status{}, app.NewError(app.CodeNotFound, "no saga "+s.name+" "+id)
	case in.terminal():
		return s.status(&in), nil
	}
	err = s.store.Subscribe(ctx, in.position, cqrs.Filter{Streams: []string{s.Stream(id)}}, func(evs []cqrs.Event) error {
		for _, ev := range evs {
			if ev.Version <= in.version {
				continue
			}
			if err := s.foldEvent(&in, ev); err != nil {
				return err
			}
			if in.terminal() {
				return errFinished
			}
		}
		return nil
	})
	if errors.Is(err, errFinished) {
		return s.status(&in), nil
	}
	return Status{}, err
}

// StatusInput names the instance of a status query.
type StatusInput struct {
	ID string `json:"id" path:"id" validate:"required,max=128" doc:"Saga instance id"`
}

// RegisterStatus registers the query name (e.g. "transferStatus") that
// returns the Status of an instance, on every protocol; on REST at
// GET /<name>/{id} unless opts set another path with {id}, e.g.
// app.HTTP("GET", "/transfers/{id}").
func (s *Saga[S]) RegisterStatus(name string, opts ...app.OpOption) *app.Operation {
	opts = append([]app.OpOption{app.HTTP("GET", "/"+name+"/{id}"), app.Describe("Status of a " + s.name + " saga: running, compensating, completed, compensated or failed")}, opts...)
	return app.Query(s.bus.App(), name, func(ctx context.Context, in StatusInput) (Status, error) {
		return s.Status(ctx, in.ID)
	}, opts...)
}

// ListInput pages through instances in the order they started.
type ListInput struct {
	After int64 `json:"after,omitempty" query:"after" validate:"min=0" doc:"Cursor: the next value of the previous page"`
	Limit int   `json:"limit,omitempty" query:"limit" validate:"min=0,max=500" doc:"Page size (default 50)"`
}

// ListOutput is a page of instances.
type ListOutput struct {
	Sagas []Status `json:"sagas"`
	// Next is the cursor of the next page; 0 on the last.
	Next int64 `json:"next,omitempty" doc:"Cursor of the next page (0 on the last page)"`
}

// List returns up to limit (default 50) instances started after the
// cursor after (0: from the first), oldest first: one read of the log
// (an index of start events on stores that filter by type) plus one
// stream read per instance.
func (s *Saga[S]) List(ctx context.Context, after int64, limit int) (ListOutput, error) {
	if limit <= 0 {
		limit = 50
	}
	evs, err := s.store.ReadAll(ctx, after, limit, cqrs.Filter{StreamTypes: []string{s.typ}, EventTypes: []string{EventStarted}})
	if err != nil {
		return ListOutput{}, err
	}
	out := ListOutput{Sagas: make([]Status, 0, len(evs))}
	for _, ev := range evs {
		st, err := s.Status(ctx, strings.TrimPrefix(ev.Stream, s.prefix))
		if err != nil {
			return ListOutput{}, err
		}
		out.Sagas = append(out.Sagas, st)
	}
	if len(evs) == limit {
		out.Next = evs[len(evs)-1].Position
	}
	return out, nil
}

// RegisterList registers the query name (e.g. "transfers") that pages
// through instances (see List).
func (s *Saga[S]) RegisterList(name string, opts ...app.OpOption) *app.Operation {
	opts = append([]app.OpOption{app.Describe("Instances of the " + s.name + " saga, oldest first")}, opts...)
	return app.Query(s.bus.App(), name, func(ctx context.Context, in ListInput) (ListOutput, error) {
		return s.List(ctx, in.After, in.Limit)
	}, opts...)
}

// instances is cqrs.SagaView.Instances: the newest limit instances with
// their step timelines, read from the log (an index of start events on
// stores that filter by type) and each instance's stream.
func (s *Saga[S]) instances(ctx context.Context, limit int) ([]cqrs.SagaInstance, error) {
	if limit <= 0 {
		limit = 50
	}
	// The start events, newest last: keep a window of the last limit.
	var starts []cqrs.Event
	var after int64
	for {
		evs, err := s.store.ReadAll(ctx, after, cqrs.DefaultReadLimit, cqrs.Filter{StreamTypes: []string{s.typ}, EventTypes: []string{EventStarted}})
		if err != nil {
			return nil, err
		}
		starts = append(starts, evs...)
		if len(starts) > limit {
			starts = starts[len(starts)-limit:]
		}
		if len(evs) < cqrs.DefaultReadLimit {
			break
		}
		after = evs[len(evs)-1].Position
	}
	out := make([]cqrs.SagaInstance, 0, len(starts))
	for i := len(starts) - 1; i >= 0; i-- {
		in, err := s.timeline(ctx, strings.TrimPrefix(starts[i].Stream, s.prefix))
		if err != nil {
			return nil, err
		}
		out = append(out, in)
	}
	return out, nil
}

// timeline folds instance id's stream into its status and one entry per
// declared step: done, failed or compensated as recorded, else pending.
func (s *Saga[S]) timeline(ctx context.Context, id string) (cqrs.SagaInstance, error) {
	evs, err := s.store.ReadStream(ctx, s.Stream(id), 0)
	if err != nil {
		return cqrs.SagaInstance{}, fmt.Errorf("read %s: %w", s.Stream(id), err)
	}
	in := instance{id: id}
	steps := make([]cqrs.SagaStep, len(s.names))
	for i, n := range s.names {
		steps[i] = cqrs.SagaStep{Name: n, Status: "pending"}
	}
	mark := func(name, status string, at time.Time, msg string) {
		for i := range steps {
			if steps[i].Name == name {
				steps[i].Status, steps[i].At, steps[i].Error = status, at, msg
			}
		}
	}
	for _, ev := range evs {
		data, err := s.reg.Decode(ev)
		if err != nil {
			return cqrs.SagaInstance{}, err
		}
		if err := in.fold(ev, data, s.names); err != nil {
			return cqrs.SagaInstance{}, err
		}
		switch d := data.(type) {
		case StepSucceeded:
			mark(d.Step, "done", ev.Time, "")
		case StepFailed:
			mark(d.Step, "failed", ev.Time, d.Message)
		case TimedOut:
			mark(d.Step, "failed", ev.Time, "timed out")
		case CompensationSucceeded:
			mark(d.Step, "compensated", ev.Time, "")
		case Failed:
			mark(d.Step, "failed", ev.Time, d.Message)
		}
	}
	return cqrs.SagaInstance{ID: id, Status: in.state, Started: in.started, Updated: in.since, Steps: steps}, nil
}
