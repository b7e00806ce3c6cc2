// Package cqrsfx provides the fx module of AllFrame's CQRS support: the
// event store named by the ALLFRAME_EVENTSTORE URL (opened with cqrs.Open,
// built before the App and closed after it) and the cqrs.Bus over it.
// Services choose a store by URL and keep no store plumbing of their own:
//
//	fx.New(
//		di.Module(app.Name("bank")),
//		httpfx.Module(), restfx.Module(),
//		cqrsfx.Module(cqrsfx.WithDefaultURL("sqlite:bank.db")),
//		cqrsfx.Bus(),
//		fx.Provide(registry),   // func registry() *cqrs.Registry
//		fx.Invoke(register),    // func register(bus *cqrs.Bus) { … }
//	).Run()
//
// It imports cqrs, the store backends and di only, never a transport or
// telemetry (a trace.TracerProvider in the graph is used if present).
package cqrsfx
