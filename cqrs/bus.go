package cqrs

import (
	"container/list"
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Defaults of the Bus options.
const (
	DefaultRetries            = 10
	DefaultRetryBackoff       = time.Millisecond
	DefaultConsistencyTimeout = 5 * time.Second
	// DefaultIdempotencyRetention is how long idempotency records are kept
	// by default: a client retrying for a day is covered.
	DefaultIdempotencyRetention = 24 * time.Hour
)

// Bus connects an App to an event store: it registers commands, queries and
// event streams as App operations (so every transport serves them), runs
// aggregates and projections, and carries the settings they share. NewBus
// mounts the Bus on the App, so the App's Start and Stop start and stop its
// projections.
type Bus struct {
	app                *app.App
	store              Store
	reg                *Registry
	tracer             trace.Tracer
	logger             *slog.Logger
	retries            int
	backoff            time.Duration
	consistencyTimeout time.Duration
	projectionRetry    time.Duration
	now                func() time.Time
	projections        *Projections
	idemLocks          keyedMutex
	idemRetention      time.Duration
	stopPurge          context.CancelFunc
	purgeDone          chan struct{}
	inspect            inspect // inspect.go
}

var _ app.Transport = (*Bus)(nil)

// BusOption configures a Bus.
type BusOption func(*Bus)

// WithTracerProvider sets the provider of the tracer for command, projection
// and subscription spans. Default: a no-op provider (cqrs never reads
// otel's global provider).
func WithTracerProvider(tp trace.TracerProvider) BusOption {
	return func(b *Bus) { b.tracer = tp.Tracer(instrumentation) }
}

// WithRetries sets how many times a command is retried on fresh state after
// a concurrency conflict before it fails with aborted. Default: 10.
func WithRetries(n int) BusOption { return func(b *Bus) { b.retries = max(n, 0) } }

// WithRetryBackoff sets the base of the randomized exponential backoff
// between retries (attempt k waits up to base·2^k, at most 256·base).
// Default: 1ms.
func WithRetryBackoff(d time.Duration) BusOption { return func(b *Bus) { b.backoff = d } }

// WithConsistencyTimeout bounds how long a query waits for its projections
// to reach a consistency token. Default: 5s.
func WithConsistencyTimeout(d time.Duration) BusOption {
	return func(b *Bus) { b.consistencyTimeout = d }
}

// WithProjectionRetry sets the first delay before a failed projection
// resumes from its checkpoint; it doubles up to 30s while failures repeat.
// Default: 100ms.
func WithProjectionRetry(d time.Duration) BusOption {
	return func(b *Bus) { b.projectionRetry = d }
}

// WithLogger sets the logger. Default: the App's logger.
func WithLogger(l *slog.Logger) BusOption { return func(b *Bus) { b.logger = l } }

// WithIdempotencyRetention sets how long idempotency records are kept at
// least. The Bus deletes older ones when it starts and then every
// retention/24 (between 1s and 1h), so a key is honoured for the retention
// and at most that interval longer; a key repeated after it runs the
// command again. 0 keeps records forever. Default: 24h.
func WithIdempotencyRetention(d time.Duration) BusOption {
	return func(b *Bus) { b.idemRetention = max(d, 0) }
}

// WithClock sets the clock for idempotency records. Default: time.Now.
func WithClock(now func() time.Time) BusOption { return func(b *Bus) { b.now = now } }

// NewBus returns a Bus over store whose events are typed by reg, and mounts
// it on a.
func NewBus(a *app.App, store Store, reg *Registry, opts ...BusOption) *Bus {
	b := &Bus{
		app:                a,
		store:              store,
		reg:                reg,
		tracer:             noop.NewTracerProvider().Tracer(instrumentation),
		logger:             a.Logger(),
		retries:            DefaultRetries,
		backoff:            DefaultRetryBackoff,
		consistencyTimeout: DefaultConsistencyTimeout,
		projectionRetry:    100 * time.Millisecond,
		now:                time.Now,
		idemRetention:      DefaultIdempotencyRetention,
	}
	for _, o := range opts {
		o(b)
	}
	b.projections = newProjections(store, b.tracer, b.logger, b.projectionRetry)
	a.Mount(b)
	return b
}

// App returns the App the Bus registers operations in.
func (b *Bus) App() *app.App { return b.app }

// Store returns the event store.
func (b *Bus) Store() Store { return b.store }

// Registry returns the event registry.
func (b *Bus) Registry() *Registry { return b.reg }

// Projections returns the projection registry the Bus runs.
func (b *Bus) Projections() *Projections { return b.projections }

// Start starts the projections (catch-up, then live) and the purging of
// expired idempotency records. The App calls it; it implements
// app.Transport.
func (b *Bus) Start(ctx context.Context, _ *app.App) error {
	if err := b.projections.Start(ctx); err != nil {
		return err
	}
	if b.idemRetention > 0 {
		pctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
		b.stopPurge, b.purgeDone = cancel, make(chan struct{})
		go b.purgeLoop(pctx)
	}
	return nil
}

// Stop stops the projections, waiting for in-flight batches until ctx ends,
// and the purging of idempotency records.
func (b *Bus) Stop(ctx context.Context) error {
	if b.stopPurge != nil {
		b.stopPurge()
		select {
		case <-b.purgeDone:
		case <-ctx.Done():
		}
		b.stopPurge = nil
	}
	return b.projections.Stop(ctx)
}

// PurgeIdempotency deletes the idempotency records older than the
// retention (WithIdempotencyRetention) now, returning how many it deleted.
// The Bus also does it on its own while started.
func (b *Bus) PurgeIdempotency(ctx context.Context) (int64, error) {
	if b.idemRetention <= 0 {
		return 0, nil
	}
	return b.store.PurgeIdempotency(ctx, b.now().Add(-b.idemRetention))
}

func (b *Bus) purgeLoop(ctx context.Context) {
	defer close(b.purgeDone)
	every := min(max(b.idemRetention/24, time.Second), time.Hour)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		n, err := b.PurgeIdempotency(ctx)
		switch {
		case err != nil && ctx.Err() == nil:
			b.logger.Warn("purging idempotency records failed; retrying later", "error", err, "retry_in", every)
		case n > 0:
			b.logger.Debug("purged idempotency records", "deleted", n, "older_than", b.idemRetention)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// sleepBackoff waits before retry attempt (1-based), or until ctx ends.
func (b *Bus) sleepBackoff(ctx context.Context, attempt int) error {
	if b.backoff <= 0 {
		return ctx.Err()
	}
	limit := b.backoff << min(attempt, 8)
	t := time.NewTimer(rand.N(limit) + 1) //nolint:gosec // jitter, not a secret
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// edgeError turns store errors into client-facing App errors.
func edgeError(err error) error {
	var ae *app.Error
	var ce *ConflictError
	switch {
	case err == nil || errors.As(err, &ae):
		return err
	case errors.As(err, &ce):
		return app.WrapError(app.CodeAborted, "concurrent modification of "+ce.Stream+"; retry", err).
			WithDetail("stream", ce.Stream).WithDetail("expectedVersion", ce.Expected).WithDetail("actualVersion", ce.Actual)
	case errors.Is(err, ErrClosed):
		return app.WrapError(app.CodeUnavailable, "event store unavailable", err)
	}
	return err
}

// keyedMutex is a set of mutexes by key whose Lock honours ctx. Waiters
// queue in order; unused keys are freed.
type keyedMutex struct {
	mu sync.Mutex
	m  map[string]*keyLock
}

type keyLock struct {
	ch   chan struct{}
	refs int
}

func (k *keyedMutex) lock(ctx context.Context, key string) (unlock func(), err error) {
	k.mu.Lock()
	if k.m == nil {
		k.m = map[string]*keyLock{}
	}
	l := k.m[key]
	if l == nil {
		l = &keyLock{ch: make(chan struct{}, 1)}
		k.m[key] = l
	}
	l.refs++
	k.mu.Unlock()
	select {
	case l.ch <- struct{}{}:
		return func() {
			<-l.ch
			k.release(key, l)
		}, nil
	case <-ctx.Done():
		k.release(key, l)
		return nil, ctx.Err()
	}
}

func (k *keyedMutex) release(key string, l *keyLock) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if l.refs--; l.refs == 0 {
		delete(k.m, key)
	}
}

// lru is a bounded least-recently-used cache, safe for concurrent use.
type lru[V any] struct {
	mu    sync.Mutex
	limit int
	ll    list.List
	m     map[string]*list.Element
}

type lruEntry[V any] struct {
	key string
	val V
}

func newLRU[V any](limit int) *lru[V] {
	return &lru[V]{limit: limit, m: map[string]*list.Element{}}
}

func (c *lru[V]) get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.ll.MoveToFront(e)
		return e.Value.(*lruEntry[V]).val, true
	}
	var zero V
	return zero, false
}

func (c *lru[V]) put(key string, v V) {
	if c.limit <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		e.Value.(*lruEntry[V]).val = v
		c.ll.MoveToFront(e)
		return
	}
	c.m[key] = c.ll.PushFront(&lruEntry[V]{key: key, val: v})
	if c.ll.Len() > c.limit {
		last := c.ll.Back()
		c.ll.Remove(last)
		delete(c.m, last.Value.(*lruEntry[V]).key)
	}
}

func (c *lru[V]) remove(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[key]; ok {
		c.ll.Remove(e)
		delete(c.m, key)
	}
}
