package telemetryfx

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/telemetry"
)

// NewTelemetry builds telemetry from the standard OTEL_* environment
// variables for a, named after the service.
func NewTelemetry(ctx context.Context, a *app.App, opts ...telemetry.Option) (*telemetry.Telemetry, error) {
	cfg, err := telemetry.ConfigFromEnv(nil)
	if err != nil {
		return nil, err
	}
	base := []telemetry.Option{telemetry.WithService(a.Name(), a.Version()), telemetry.WithLogger(a.Logger())}
	return telemetry.New(ctx, cfg, append(base, opts...)...)
}

// OptionGroup is the value group of extra telemetry.Option values that
// other modules contribute to the Telemetry that Module builds (e.g.
// di/consolefx's span recorder, telemetry.WithSpanProcessor).
const OptionGroup = `group:"allframe.telemetry.options"`

// Params are what Module's Telemetry is built from: the App and the
// options of OptionGroup (applied after Module's own).
type Params struct {
	fx.In
	App     *app.App
	Options []telemetry.Option `group:"allframe.telemetry.options"`
}

// Module provides *telemetry.Telemetry (and its trace.TracerProvider)
// configured from the OTEL_*
// environment variables, plus the options of OptionGroup, and installs it in the App: the tracing and
// metrics middleware (outermost, so include this module before modules
// that add middleware), GET /metrics on the HTTP port when Prometheus is
// on, and a flush after the transports have drained. With nothing
// configured it adds nothing and costs nothing.
//
// It also gives the App a logger whose records carry trace_id and span_id
// inside a request (telemetry.LogHandler in front of slog.Default()'s
// handler).
func Module(opts ...telemetry.Option) fx.Option {
	return fx.Module("allframe.telemetry",
		fx.Provide(fx.Annotate(func() app.Option {
			return app.Logger(slog.New(telemetry.NewLogHandler(slog.Default().Handler())))
		}, fx.ResultTags(di.OptionGroup))),
		fx.Provide(func(p Params) (*telemetry.Telemetry, error) {
			return NewTelemetry(context.Background(), p.App, append(append([]telemetry.Option(nil), opts...), p.Options...)...)
		}),
		// Its tracer provider, for modules that trace without importing
		// telemetry (di/cqrsfx's Bus).
		fx.Provide(func(t *telemetry.Telemetry) trace.TracerProvider { return t.TracerProvider() }),
		fx.Invoke(func(a *app.App, t *telemetry.Telemetry) {
			t.Install(a)
		}),
	)
}

// RequestLogging logs one record per operation call (operation, protocol,
// code, duration) with the App's logger, at Info (Warn/Error for failures;
// see telemetry.LogRequests). Include it after Module so the records
// carry the call's trace and span ids. Default: not installed.
func RequestLogging(opts ...telemetry.LogOption) fx.Option {
	return fx.Module("allframe.requestlog",
		fx.Invoke(func(a *app.App) { a.Use(telemetry.LogRequests(a.Logger(), opts...)) }),
	)
}
