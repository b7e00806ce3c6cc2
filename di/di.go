package di

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
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
		OnStart: a.Start,
		OnStop:  a.Stop,
	})
	return a
}

// Module provides the *app.App, configured from the environment
// (ALLFRAME_HTTP_ADDR, ALLFRAME_GRPC_ADDR, …) and opts.
func Module(opts ...app.Option) fx.Option {
	return fx.Module("allframe",
		fx.Provide(func(p AppParams) *app.App { return NewApp(p, opts...) }),
		fx.Invoke(func(*app.App) {}), // build (and so start) the App even if nothing else asks for it
	)
}

// REST provides the REST transport (OpenAPI, docs, health, and the HTTP
// server that GraphQL, metrics and schema exports mount on).
func REST(opts ...rest.Option) fx.Option {
	return fx.Module("allframe.rest",
		fx.Provide(
			func() *rest.Transport { return rest.New(opts...) },
			fx.Annotate(func(t *rest.Transport) app.Transport { return t }, fx.ResultTags(TransportGroup)),
		),
	)
}

// Options contributes extra App options from other modules.
func Options(opts ...app.Option) fx.Option {
	return fx.Provide(fx.Annotate(func() []app.Option { return opts }, fx.ResultTags(`group:"allframe.options,flatten"`)))
}

// GRPC provides the gRPC transport (its own port, reflection, health,
// GET /service.proto on the HTTP port).
func GRPC(opts ...grpc.Option) fx.Option {
	return fx.Module("allframe.grpc",
		fx.Provide(
			func() *grpc.Transport { return grpc.New(opts...) },
			fx.Annotate(func(t *grpc.Transport) app.Transport { return t }, fx.ResultTags(TransportGroup)),
		),
	)
}

// GraphQL provides the GraphQL transport, mounted at /graphql (and
// /schema.graphql) on the REST transport's HTTP server.
func GraphQL(opts ...graphql.Option) fx.Option {
	return fx.Module("allframe.graphql",
		fx.Provide(
			func() *graphql.Transport { return graphql.New(opts...) },
			fx.Annotate(func(t *graphql.Transport) app.Transport { return t }, fx.ResultTags(TransportGroup)),
		),
	)
}
