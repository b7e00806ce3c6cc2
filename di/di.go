package di

import (
	"context"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
)

// Value group names. Modules contribute to them; the App consumes them.
const (
	// TransportGroup collects the app.Transport values the App serves.
	TransportGroup = `group:"allframe.transports"`
	// OptionGroup collects extra app.Option values (e.g. from telemetry).
	OptionGroup = `group:"allframe.options"`
)

// AppParams are the inputs of NewApp.
type AppParams struct {
	fx.In

	Lifecycle  fx.Lifecycle
	Options    []app.Option    `group:"allframe.options"`
	Transports []app.Transport `group:"allframe.transports"`
}

// NewApp builds the App from opts and the option group, mounts every
// transport in the transport group, and ties App.Start/App.Stop to the fx
// lifecycle: the App starts after every fx.Invoke has registered its
// operations and stops (draining) when fx stops.
func NewApp(p AppParams, opts ...app.Option) *app.App {
	a := app.New(append(opts, p.Options...)...)
	a.Mount(p.Transports...)
	p.Lifecycle.Append(fx.Hook{
		OnStart: func(ctx context.Context) error {
			if err := a.Start(ctx); err != nil {
				return err
			}
			a.Logger().InfoContext(ctx, "serving", "service", a.Name(), "endpoints", a.Endpoints())
			return nil
		},
		OnStop: func(ctx context.Context) error {
			a.Drain(ctx) // readiness false for Config.DrainDelay, then stop accepting
			return a.Stop(ctx)
		},
	})
	return a
}

// Module provides the *app.App, configured from the environment
// (ALLFRAME_SHUTDOWN_TIMEOUT, ALLFRAME_DRAIN_DELAY) and opts.
func Module(opts ...app.Option) fx.Option {
	return fx.Module("allframe",
		fx.Provide(func(p AppParams) *app.App { return NewApp(p, opts...) }),
		fx.Invoke(func(*app.App) {}), // build (and so start) the App even if nothing else asks for it
	)
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
