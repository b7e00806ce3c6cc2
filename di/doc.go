// Package di provides go.uber.org/fx modules that assemble AllFrame: the
// App, each transport (started and stopped through fx.Lifecycle, draining on
// stop), and telemetry. A service is
//
//	fx.New(
//		di.Module(app.Name("hello")),
//		di.REST(), di.GRPC(), di.GraphQL(),
//		fx.Provide(NewGreeter),           // handlers' dependencies, as usual
//		fx.Invoke(register),              // func register(a *app.App, g *Greeter)
//	).Run()
//
// Every constructor these modules call also works without fx; this package
// is the only place that knows fx.
package di
