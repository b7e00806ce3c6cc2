// Package console provides AllFrame's developer console: a web UI,
// embedded and working offline, plus the JSON API it runs on, mounted on
// the App's HTTP host at /_console/. It shows every operation with the
// forms and endpoints to try it on every protocol the App serves (REST,
// GraphQL, gRPC, Connect, MCP), the traces of recent calls (an in-process
// span recorder, no tracing backend needed), live per-operation metrics,
// and, with a cqrs.Bus, the event store (streams, events, an aggregate's
// state at any version), projections and read models (lag, rebuild), saga
// instances and idempotency records.
//
// The console is off unless asked for: mount New() (or FromEnv() with
// ALLFRAME_CONSOLE=on) next to the HTTP host, and give its SpanProcessor to
// the tracer provider (telemetry.WithSpanProcessor; di/consolefx does both
// under fx). A binary that does not import this package links none of it.
//
//	c := console.New()
//	tel, _ := telemetry.New(ctx, cfg, telemetry.WithSpanProcessor(c.SpanProcessor()))
//	tel.Install(a)
//	a.Run(httpserver.New(), rest.New(), c)
//
// # Auth
//
// The UI's static files are public. The API requires the App's admin
// authorizer (app.AdminAuth, default: Authorization: Bearer
// $ALLFRAME_ADMIN_TOKEN) whenever one is configured or auth middleware has
// declared security schemes (app.DeclareSecurity); a request without
// credentials then gets 401, a refused one 403 — with auth middleware but no
// admin authorizer every API call is refused. With neither (development)
// the API is open.
//
// # Secrets
//
// The API never shows the values of span or event attributes named after
// the Authorization, Cookie, Set-Cookie, X-Api-Key and Proxy-Authorization
// headers or an API key header of the App's security schemes, nor any value
// holding Bearer or Basic credentials: they read "[redacted]".
//
// API.md in this directory documents the API.
package console
