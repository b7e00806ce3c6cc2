package di

import (
	"context"
	"errors"
	"fmt"
	"io"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/schemaexport"
	"github.com/allframe-go/allframe/middleware"
)

// Value group names. Modules contribute to them; the App consumes them.
const (
	// TransportGroup collects the app.Transport values the App serves.
	TransportGroup = `group:"allframe.transports"`
	// OptionGroup collects extra app.Option values (e.g. from telemetry).
	OptionGroup = `group:"allframe.options"`
	// ResourceGroup collects the io.Closer values that live as long as the
	// App: an event store, a connection pool. NewApp depends on them, so
	// fx builds them before the App, and closes them after the App has
	// stopped (its transports drained, its projections stopped) — and also
	// when the App fails to start (a port in use). They close one after
	// another in no particular order (fx does not order value groups): a
	// resource that needs another while it closes should own it. A
	// resource cannot depend on the App (that is a cycle). Contribute with
	// Resource.
	ResourceGroup = `group:"allframe.resources"`
)

// AppParams are the inputs of NewApp.
type AppParams struct {
	fx.In

	Lifecycle  fx.Lifecycle
	Shutdowner fx.Shutdowner
	Options    []app.Option    `group:"allframe.options"`
	Transports []app.Transport `group:"allframe.transports"`
	Resources  []io.Closer     `group:"allframe.resources"`
}

// NewApp builds the App from opts and the option group, mounts every
// transport in the transport group, and ties App.Start/App.Stop to the fx
// lifecycle: the App starts after every fx.Invoke has registered its
// operations and stops (draining) when fx stops. The resources in the
// resource group close after the App has stopped.
//
// When ALLFRAME_SCHEMA_EXPORT names a directory, the App does not start:
// the transports write their schemas there (openapi.json, schema.graphql,
// service.proto) and NewApp asks fx to shut down, so fx.App.Run exits 0
// without listening.
func NewApp(p AppParams, opts ...app.Option) (*app.App, error) {
	limits, err := middleware.DefaultsFromEnv(nil)
	if err != nil {
		return nil, err
	}
	// The default limits (a 30 s deadline for queries and commands, stream
	// caps) run outermost; ALLFRAME_DEFAULT_LIMITS=off leaves them out.
	a := app.New(append(append([]app.Option{app.Use(limits...)}, opts...), p.Options...)...)
	a.Mount(p.Transports...)
	// fx runs stop hooks in reverse order, and on a failed start runs
	// those of the hooks before the failing one: appended before the App's
	// hook, this closes the resources after the App stops, or after its
	// start failed.
	if rs := p.Resources; len(rs) > 0 {
		p.Lifecycle.Append(fx.StopHook(func() error { return closeAll(rs) }))
	}
	exported := false
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if dir := schemaexport.Dir(nil); dir != "" {
				if err := schemaexport.Export(a, dir, p.Transports); err != nil {
					return err
				}
				exported = true
				a.Logger().InfoContext(ctx, "schemas exported", "service", a.Name(), "dir", dir)
				return p.Shutdowner.Shutdown()
			}
			if err := a.Start(ctx); err != nil {
				return err
			}
			a.Logger().InfoContext(ctx, "serving", "service", a.Name(), "endpoints", a.Endpoints())
			return nil
		},
		OnStop: func(ctx context.Context) error {
			if exported {
				return nil // never started
			}
			// Config.ShutdownTimeout (ALLFRAME_SHUTDOWN_TIMEOUT) bounds the
			// drain and the stop as it does under Run; fx's StopTimeout
			// still applies when it is shorter.
			ctx, cancel := context.WithTimeout(ctx, a.Config().ShutdownTimeout)
			defer cancel()
			a.Drain(ctx) // readiness false for Config.DrainDelay, then stop accepting
			return a.Stop(ctx)
		},
	})
	return a, nil
}

// Module provides the *app.App, configured from the environment
// (ALLFRAME_SHUTDOWN_TIMEOUT, ALLFRAME_DRAIN_DELAY) and opts.
func Module(opts ...app.Option) fx.Option {
	return fx.Module("allframe",
		fx.Provide(func(p AppParams) (*app.App, error) { return NewApp(p, opts...) }),
		fx.Invoke(func(*app.App) {}), // build (and so start) the App even if nothing else asks for it
	)
}

// closeAll closes rs, last first, and reports every failure.
func closeAll(rs []io.Closer) error {
	var errs []error
	for i := len(rs) - 1; i >= 0; i-- {
		if err := rs[i].Close(); err != nil {
			errs = append(errs, fmt.Errorf("close %T: %w", rs[i], err))
		}
	}
	return errors.Join(errs...)
}

// Resource adds the T that the graph provides to the ResourceGroup: fx
// builds it before the App and closes it after the App has stopped, or
// when the App fails to start. T's constructor opens it and leaves its
// closing to this; with fx.Annotate and fx.ResultTags(ResourceGroup) a
// module can contribute an io.Closer of its own instead.
func Resource[T io.Closer]() fx.Option {
	return fx.Provide(fx.Annotate(func(t T) io.Closer { return t }, fx.ResultTags(ResourceGroup)))
}

// Options contributes extra App options from other modules.
func Options(opts ...app.Option) fx.Option {
	return fx.Provide(fx.Annotate(func() []app.Option { return opts }, fx.ResultTags(`group:"allframe.options,flatten"`)))
}

// Transport provides the transport that newT builds, as itself (so other
// constructors and fx.Populate can ask for it) and in the App's transport
// group; name names the fx module. The per-area modules (di/httpfx,
// di/restfx, …) are built with it, and so can a user's own transport.
func Transport[T app.Transport](name string, newT func() T) fx.Option {
	return fx.Module(name,
		fx.Provide(
			newT,
			fx.Annotate(func(t T) app.Transport { return t }, fx.ResultTags(TransportGroup)),
		),
	)
}
