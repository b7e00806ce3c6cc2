// Package telemetry provides OpenTelemetry for AllFrame services: tracer
// and meter providers configured from the standard OTEL_* environment
// variables, one protocol-neutral middleware that traces and measures
// every operation call on REST, gRPC, GraphQL and in-process calls, a
// Prometheus /metrics endpoint, and log/slog integration (trace ids on log
// records, request logging).
//
// Nothing is global and nothing costs when nothing is configured:
//
//	cfg, err := telemetry.ConfigFromEnv(nil)     // OTEL_* variables
//	t, err := telemetry.New(ctx, cfg, telemetry.WithService(a.Name(), a.Version()))
//	t.Install(a)                                 // middleware, /metrics, flush on stop
//
// With no OTEL_* variable set, New returns no-op providers and Install
// adds no middleware. OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318
// alone turns on OTLP traces and metrics plus /metrics; OTEL_TRACES_EXPORTER,
// OTEL_METRICS_EXPORTER (otlp, prometheus, console, none) choose
// explicitly. See Config for every variable.
//
// Middleware works on its own with any providers:
//
//	a.Use(telemetry.Middleware(tp, mp))
//
// Each protocol's semantic conventions (span names, attributes, metrics)
// live in a file of their own, protocol_<name>.go, found by app.Protocol;
// a protocol without one gets an INTERNAL span named after the operation.
// HTTP transports set app.Call.HTTPRequest so that spans get url.path,
// url.scheme and the host, and http.response.status_code is the status the
// HTTP host (transport/httpserver) answers. Package telemetry imports app
// and transport/httpserver, never a transport (REST, gRPC, GraphQL) or its
// library.
package telemetry
