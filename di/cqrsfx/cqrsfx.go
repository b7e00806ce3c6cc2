package cqrsfx

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"github.com/allframe-go/allframe/di"
)

// EnvEventStore is the environment variable that holds the event store's
// URL: "memory:", "sqlite:PATH[?durability=full|normal]", and whatever
// else the backends accept (cqrs.Open).
const EnvEventStore = "ALLFRAME_EVENTSTORE"

// DefaultURL is the store URL used when ALLFRAME_EVENTSTORE is unset and
// no WithDefaultURL is given: a SQLite file in the working directory, so
// that events survive a restart unless a service asks otherwise.
const DefaultURL = "sqlite:events.db"

// DefaultBackends returns the backends a URL may name unless WithBackends
// replaces them.
func DefaultBackends() []cqrs.Backend {
	return []cqrs.Backend{
		memory.Backend(),
		sqlite.Backend(),
		postgres.Backend(),
		postgresql(),
	}
}

// postgresql is postgres.Backend under its other URL scheme.
func postgresql() cqrs.Backend {
	b := postgres.Backend()
	b.Scheme, b.Form = "postgresql", "postgresql://…"
	return b
}

// Option configures Module and OpenEventStore.
type Option func(*options)

type options struct {
	defaultURL string
	backends   []cqrs.Backend
}

// WithDefaultURL sets the store URL used when ALLFRAME_EVENTSTORE is unset
// or empty. Default: DefaultURL ("sqlite:events.db").
func WithDefaultURL(url string) Option { return func(o *options) { o.defaultURL = url } }

// WithBackends sets the backends a store URL may name, replacing the
// defaults; add to them with WithBackends(append(DefaultBackends(), b)...).
// Default: DefaultBackends() (memory and sqlite).
func WithBackends(b ...cqrs.Backend) Option { return func(o *options) { o.backends = b } }

// EventStore is the event store that Module opened.
type EventStore struct {
	// URL is the URL it was opened from, any password redacted: for logs.
	URL string
	// Store is the store. Its concrete type is the backend's
	// (*sqlite.Store, *memory.Store, …), for read models that use the
	// backend's own tables.
	Store cqrs.Store

	closer io.Closer
}

// Close closes the store. Under Module, di closes it after the App has
// stopped (or failed to start); do not close it yourself there.
func (es *EventStore) Close() error { return es.closer.Close() }

// OpenEventStore opens the store that getenv(EnvEventStore) names, or the
// default URL when that is empty. Module provides it with os.Getenv; it
// works without fx too, and the caller then closes it. Its errors are one
// line that names the variable, e.g.
//
//	ALLFRAME_EVENTSTORE: open event store bogus:x: unknown scheme bogus (want memory: or sqlite:PATH[?durability=full|normal])
func OpenEventStore(ctx context.Context, getenv func(string) string, opts ...Option) (*EventStore, error) {
	o := options{defaultURL: DefaultURL, backends: DefaultBackends()}
	for _, opt := range opts {
		opt(&o)
	}
	raw, source := getenv(EnvEventStore), EnvEventStore
	if raw == "" {
		raw, source = o.defaultURL, EnvEventStore+" unset, default"
	}
	s, err := cqrs.Open(ctx, raw, o.backends...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", source, err)
	}
	shown := raw
	if u, err := url.Parse(raw); err == nil {
		shown = u.Redacted()
	}
	return &EventStore{URL: shown, Store: s, closer: s}, nil
}

// Module provides the *EventStore opened from ALLFRAME_EVENTSTORE and
// opts, and its cqrs.Store. The store joins di's resource group: fx opens
// it before building the App and closes it after the App has drained its
// transports and stopped its projections — also when the App fails to
// start. A URL that does not open fails fx.New with OpenEventStore's
// one-line error (di.QuietLogger logs just that line). Tests point it
// elsewhere with t.Setenv(EnvEventStore, …) or WithDefaultURL.
func Module(opts ...Option) fx.Option {
	return fx.Module("allframe.cqrs",
		fx.Provide(
			func() (*EventStore, error) { return OpenEventStore(context.Background(), os.Getenv, opts...) },
			func(es *EventStore) cqrs.Store { return es.Store },
		),
		di.Resource[*EventStore](),
	)
}

// BusParams are the inputs of the Bus that Bus provides.
type BusParams struct {
	fx.In

	App      *app.App
	Store    cqrs.Store
	Registry *cqrs.Registry
	// TracerProvider traces the Bus when the graph has one (telemetryfx
	// provides it); without one the Bus traces nothing.
	TracerProvider trace.TracerProvider `optional:"true"`
}

// NewBus is the constructor Bus provides: cqrs.NewBus over p with opts
// (after the tracer provider, so an explicit cqrs.WithTracerProvider wins).
func NewBus(p BusParams, opts ...cqrs.BusOption) *cqrs.Bus {
	if p.TracerProvider != nil {
		opts = append([]cqrs.BusOption{cqrs.WithTracerProvider(p.TracerProvider)}, opts...)
	}
	return cqrs.NewBus(p.App, p.Store, p.Registry, opts...)
}

// Bus provides the *cqrs.Bus over the App, the cqrs.Store (from Module,
// or any other provider) and the *cqrs.Registry that the service
// provides, mounted on the App (so its projections run while the App
// runs), with opts.
func Bus(opts ...cqrs.BusOption) fx.Option {
	return fx.Module("allframe.cqrs.bus",
		fx.Provide(func(p BusParams) *cqrs.Bus { return NewBus(p, opts...) }),
	)
}
