package cqrs

import (
	"context"
	"slices"
	"sync"
	"time"
)

// This file holds what tools (the developer console) need to look inside a
// Bus without knowing its type parameters: the aggregates and sagas
// declared on it, and optional listing interfaces of stores.

// StreamInfo describes one stream of the log.
type StreamInfo struct {
	Stream string `json:"stream"`
	// Version is the stream's last version (its number of events).
	Version int64 `json:"version"`
	// LastType is the type of its last event; Updated when it was recorded.
	LastType string    `json:"lastType"`
	Updated  time.Time `json:"updated"`
}

// StreamLister is implemented by stores that list their streams.
type StreamLister interface {
	// ListStreams returns up to limit streams (a default when limit ≤ 0)
	// whose name starts with prefix and sorts after after, in name order.
	ListStreams(ctx context.Context, prefix, after string, limit int) ([]StreamInfo, error)
}

// IdempotencyLister is implemented by stores that list their idempotency
// records.
type IdempotencyLister interface {
	// ListIdempotency returns up to limit records (a default when limit ≤
	// 0), newest first.
	ListIdempotency(ctx context.Context, limit int) ([]IdempotencyRecord, error)
}

// AggregateInfo is the type-erased view of an aggregate declared on a Bus.
type AggregateInfo struct {
	// Type is the aggregate type; its streams are Prefix + id.
	Type, Prefix string
	// Fold returns the state (a value of the aggregate's state type) built
	// from events, which must be the first events of one of its streams,
	// in version order.
	Fold func(events []Event) (any, error)
}

// SagaView is the type-erased view of a saga declared on a Bus, which the
// saga package registers (see Bus.AddSaga).
type SagaView struct {
	Name string
	// Instances returns up to limit instances, newest first.
	Instances func(ctx context.Context, limit int) ([]SagaInstance, error)
}

// SagaInstance is one saga instance with its step timeline.
type SagaInstance struct {
	ID string `json:"id"`
	// Status is running, compensating, completed, compensated or failed.
	Status  string     `json:"status"`
	Started time.Time  `json:"started"`
	Updated time.Time  `json:"updated"`
	Steps   []SagaStep `json:"steps"`
}

// SagaStep is one step of an instance's timeline.
type SagaStep struct {
	Name string `json:"name"`
	// Status is done, failed, compensated or pending.
	Status string    `json:"status"`
	At     time.Time `json:"at,omitzero"`
	Error  string    `json:"error,omitempty"`
}

// inspect holds the declarations tools look at; the zero value is ready.
type inspect struct {
	mu         sync.Mutex
	aggregates []AggregateInfo
	sagas      []SagaView
}

// Aggregates returns the aggregates declared on b (NewAggregate), in order
// of declaration.
func (b *Bus) Aggregates() []AggregateInfo {
	b.inspect.mu.Lock()
	defer b.inspect.mu.Unlock()
	return slices.Clone(b.inspect.aggregates)
}

// AddSaga records a saga declared on b, for tools; the saga package calls
// it from saga.New.
func (b *Bus) AddSaga(v SagaView) {
	b.inspect.mu.Lock()
	defer b.inspect.mu.Unlock()
	b.inspect.sagas = append(b.inspect.sagas, v)
}

// Sagas returns the sagas declared on b, in order of declaration.
func (b *Bus) Sagas() []SagaView {
	b.inspect.mu.Lock()
	defer b.inspect.mu.Unlock()
	return slices.Clone(b.inspect.sagas)
}

func (b *Bus) addAggregate(ai AggregateInfo) {
	b.inspect.mu.Lock()
	defer b.inspect.mu.Unlock()
	b.inspect.aggregates = append(b.inspect.aggregates, ai)
}

// fold is AggregateInfo.Fold of a.
func (a *Aggregate[S]) fold(events []Event) (any, error) {
	var s S
	for _, ev := range events {
		v, err := a.bus.reg.Decode(ev)
		if err != nil {
			return nil, err
		}
		a.apply(&s, v)
	}
	return s, nil
}

// Kind says what the projection name is: "readmodel", "saga", "outbox" or
// "projection" (projectors say so with a Kind() string method), or "" when
// there is none of that name.
func (ps *Projections) Kind(name string) string {
	ps.mu.Lock()
	r := ps.runners[name]
	ps.mu.Unlock()
	if r == nil {
		return ""
	}
	p := r.p
	if l, ok := p.(leased); ok {
		p = l.Projector
	}
	if k, ok := p.(interface{ Kind() string }); ok {
		return k.Kind()
	}
	return "projection"
}
