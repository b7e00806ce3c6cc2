// Package di provides the core go.uber.org/fx module of AllFrame: the App,
// started and stopped through fx.Lifecycle (draining on stop), and the
// value groups that the per-area modules contribute to. Each area has its
// own module in a subpackage, so a service links only what it wires:
// di/httpfx (the HTTP host), di/restfx, di/graphqlfx, di/grpcfx,
// di/telemetryfx and di/cqrsfx. A service is
//
//	fx.New(
//		di.Module(app.Name("hello")),
//		httpfx.Module(), restfx.Module(), grpcfx.Module(), graphqlfx.Module(),
//		fx.Provide(NewGreeter),           // handlers' dependencies, as usual
//		fx.Invoke(register),              // func register(a *app.App, g *Greeter)
//	).Run()
//
// Resources that outlive the App — an event store, a connection pool —
// join ResourceGroup (with Resource): fx builds them before the App and
// closes them after the App has drained and stopped, or failed to start.
// QuietLogger logs a failure as one line: the error a constructor or hook
// returned (RootCause), not fx's chain of constructors.
//
// Package di imports app and fx (and dig, fx's container) only, never a
// transport, telemetry or a store; every constructor the modules call
// also works without fx.
package di
