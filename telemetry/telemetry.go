package telemetry

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// MetricsPath is where Prepare and Install mount the Prometheus endpoint.
const MetricsPath = "/metrics"

// Telemetry owns the tracer and meter providers built from a Config, the
// propagator, and the Prometheus endpoint. Nothing in it is global: pass
// its providers on, or call SetGlobal explicitly.
type Telemetry struct {
	cfg     Config
	plan    plan
	logger  *slog.Logger
	tp      trace.TracerProvider
	mp      metric.MeterProvider
	prop    propagation.TextMapPropagator
	metrics http.Handler // nil unless the prometheus exporter is on

	flush    []func(context.Context) error
	shutdown []func(context.Context) error
	closing  []*exportLog
	once     sync.Once
	err      error
}

// Option configures New.
type Option func(*options)

type options struct {
	logger      *slog.Logger
	serviceName string
	version     string
	tp          trace.TracerProvider
	mp          metric.MeterProvider
	console     io.Writer
	registry    *prometheus.Registry
	processors  []sdktrace.SpanProcessor
}

// WithLogger sets the logger that export failures are reported to (at
// most once per 30 seconds per exporter). Default: slog.Default().
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithService sets the service name and version recorded in the resource
// when neither the environment (OTEL_SERVICE_NAME, service.name and
// service.version in OTEL_RESOURCE_ATTRIBUTES) nor the Config names them.
// Typically app.Name() and app.Version().
// Default: "unknown_service:<executable>" and no version.
func WithService(name, version string) Option {
	return func(o *options) { o.serviceName, o.version = name, version }
}

// WithTracerProvider makes Telemetry use tp instead of building one from
// the Config; Shutdown does not shut tp down. Default: built from Config.
func WithTracerProvider(tp trace.TracerProvider) Option { return func(o *options) { o.tp = tp } }

// WithMeterProvider makes Telemetry use mp instead of building one from
// the Config; Shutdown does not shut mp down, and the Prometheus endpoint
// is off. Default: built from Config.
func WithMeterProvider(mp metric.MeterProvider) Option { return func(o *options) { o.mp = mp } }

// WithSpanProcessor adds sp to the tracer provider built from the Config,
// next to the exporters it configures; with no span exporter configured,
// tracing is then on with sp alone (e.g. the developer console's span
// recorder, which must see spans without any OTLP endpoint). Ignored with
// WithTracerProvider, and for a nil sp. Default: none.
func WithSpanProcessor(sp sdktrace.SpanProcessor) Option {
	return func(o *options) {
		if sp != nil {
			o.processors = append(o.processors, sp)
		}
	}
}

// WithConsoleWriter sets where the console exporters write. Default:
// os.Stdout.
func WithConsoleWriter(w io.Writer) Option { return func(o *options) { o.console = w } }

// WithPrometheusRegistry makes the prometheus exporter register into reg
// and MetricsHandler serve everything reg gathers, so that the service
// chooses what else shares /metrics. Default: a private registry holding
// the OpenTelemetry metrics plus the Go runtime and process collectors
// (go_goroutines, go_memstats_*, process_resident_memory_bytes …), what
// promhttp.Handler serves for any Go service.
func WithPrometheusRegistry(reg *prometheus.Registry) Option {
	return func(o *options) { o.registry = reg }
}

// New builds the providers cfg asks for. With the zero Config (nothing
// configured) it returns no-op providers and no exporter, at no cost.
// Export failures at run time are logged, never returned; call Shutdown
// to flush and stop.
func New(ctx context.Context, cfg Config, opts ...Option) (*Telemetry, error) {
	o := options{logger: slog.Default(), console: os.Stdout}
	for _, opt := range opts {
		opt(&o)
	}
	p, err := cfg.plan()
	if err != nil {
		return nil, err
	}
	t := &Telemetry{cfg: cfg, plan: p, logger: o.logger, prop: p.propagator}
	if err := t.build(ctx, o); err != nil {
		return nil, errors.Join(err, t.Shutdown(ctx))
	}
	return t, nil
}

func (t *Telemetry) build(ctx context.Context, o options) error {
	p := t.plan
	var res *resource.Resource
	traces := len(p.traces) > 0 || len(o.processors) > 0
	needRes := (o.tp == nil && traces) || (o.mp == nil && len(p.metrics) > 0)
	if needRes {
		var err error
		if res, err = t.resource(ctx, o); err != nil {
			return err
		}
	}

	switch {
	case o.tp != nil:
		t.tp = o.tp
	case !traces:
		t.tp = tracenoop.NewTracerProvider()
	default:
		popts := []sdktrace.TracerProviderOption{sdktrace.WithResource(res)}
		if p.sampler != "" { // else the SDK reads OTEL_TRACES_SAMPLER
			popts = append(popts, sdktrace.WithSampler(p.newSampler()))
		}
		var made []sdktrace.SpanExporter
		for _, name := range p.traces {
			exp, err := t.spanExporter(ctx, name, o)
			if err != nil {
				for _, e := range made {
					err = errors.Join(err, e.Shutdown(ctx))
				}
				return fmt.Errorf("telemetry: %s span exporter: %w", name, err)
			}
			made = append(made, exp)
			popts = append(popts, sdktrace.WithBatcher(exp))
		}
		for _, sp := range o.processors {
			popts = append(popts, sdktrace.WithSpanProcessor(sp))
		}
		tp := sdktrace.NewTracerProvider(popts...)
		t.tp = tp
		t.flush = append(t.flush, tp.ForceFlush)
		// The batch processor reports export failures of its final drain
		// to the global error handler only; flushing first returns them.
		t.shutdown = append(t.shutdown, func(ctx context.Context) error {
			return errors.Join(tp.ForceFlush(ctx), tp.Shutdown(ctx))
		})
	}

	switch {
	case o.mp != nil:
		t.mp = o.mp
	case len(p.metrics) == 0:
		t.mp = metricnoop.NewMeterProvider()
	default:
		mopts := []sdkmetric.Option{sdkmetric.WithResource(res)}
		var made []sdkmetric.Reader
		for _, name := range p.metrics {
			r, err := t.metricReader(ctx, name, o)
			if err != nil {
				for _, r := range made {
					err = errors.Join(err, r.Shutdown(ctx))
				}
				return fmt.Errorf("telemetry: %s metric exporter: %w", name, err)
			}
			made = append(made, r)
			mopts = append(mopts, sdkmetric.WithReader(r))
		}
		mp := sdkmetric.NewMeterProvider(mopts...)
		t.mp = mp
		t.flush = append(t.flush, mp.ForceFlush)
		t.shutdown = append(t.shutdown, mp.Shutdown)
	}
	return nil
}

// resource builds the resource, later sources winning over earlier ones:
// the service name and version from WithService (else
// "unknown_service:<executable>"), then OTEL_RESOURCE_ATTRIBUTES and
// OTEL_SERVICE_NAME read by the SDK's resource.WithFromEnv, then the
// Config's ResourceAttributes and ServiceName.
func (t *Telemetry) resource(ctx context.Context, o options) (*resource.Resource, error) {
	name := o.serviceName
	if name == "" {
		exe, _ := os.Executable()
		name = "unknown_service:" + filepath.Base(exe)
	}
	base := []attribute.KeyValue{semconv.ServiceName(name)}
	if o.version != "" {
		base = append(base, semconv.ServiceVersion(o.version))
	}
	keys := slices.Sorted(maps.Keys(t.cfg.ResourceAttributes))
	attrs := make([]attribute.KeyValue, 0, len(keys)+1)
	for _, k := range keys {
		attrs = append(attrs, attribute.String(k, t.cfg.ResourceAttributes[k]))
	}
	if t.cfg.ServiceName != "" {
		attrs = append(attrs, semconv.ServiceName(t.cfg.ServiceName))
	}
	r, err := resource.New(ctx,
		resource.WithSchemaURL(semconv.SchemaURL),
		resource.WithTelemetrySDK(),
		resource.WithAttributes(base...),
		resource.WithFromEnv(),
		resource.WithAttributes(attrs...),
	)
	if err != nil {
		// The SDK reports a malformed OTEL_RESOURCE_ATTRIBUTES as a
		// partial resource; the variable is wrong, so nothing starts.
		return nil, fmt.Errorf("telemetry: resource from OTEL_RESOURCE_ATTRIBUTES / OTEL_SERVICE_NAME: %w", err)
	}
	return r, nil
}

func (p plan) newSampler() sdktrace.Sampler {
	switch p.sampler {
	case "always_on":
		return sdktrace.AlwaysSample()
	case "always_off":
		return sdktrace.NeverSample()
	case "traceidratio":
		return sdktrace.TraceIDRatioBased(p.ratio)
	case "parentbased_always_off":
		return sdktrace.ParentBased(sdktrace.NeverSample())
	case "parentbased_traceidratio":
		return sdktrace.ParentBased(sdktrace.TraceIDRatioBased(p.ratio))
	}
	return sdktrace.ParentBased(sdktrace.AlwaysSample())
}

// TracerProvider returns the tracer provider: an SDK provider when a span
// exporter or processor (WithSpanProcessor) is configured, else a no-op one.
func (t *Telemetry) TracerProvider() trace.TracerProvider { return t.tp }

// MeterProvider returns the meter provider: an SDK provider when a metric
// exporter is configured, else a no-op one.
func (t *Telemetry) MeterProvider() metric.MeterProvider { return t.mp }

// Propagator returns the context propagator chosen by OTEL_PROPAGATORS.
func (t *Telemetry) Propagator() propagation.TextMapPropagator { return t.prop }

// Config returns the Config t was built from.
func (t *Telemetry) Config() Config { return t.cfg }

// Enabled reports whether spans or metrics are exported at all.
func (t *Telemetry) Enabled() bool {
	_, noTraces := t.tp.(tracenoop.TracerProvider)
	_, noMetrics := t.mp.(metricnoop.MeterProvider)
	return !noTraces || !noMetrics
}

// Middleware returns the tracing and metrics middleware over t's
// providers and propagator, following the RPC conventions t's Config
// selects. opts come last and so override those.
func (t *Telemetry) Middleware(opts ...MiddlewareOption) app.Middleware {
	base := []MiddlewareOption{WithPropagator(t.prop), WithRPCConventions(t.plan.rpc)}
	return Middleware(t.tp, t.mp, append(base, opts...)...)
}

// MetricsHandler serves the metrics in the Prometheus text format. When
// the prometheus exporter is off (OTEL_METRICS_EXPORTER does not list it)
// it answers 404 with a hint.
func (t *Telemetry) MetricsHandler() http.Handler {
	if t.metrics != nil {
		return t.metrics
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "metrics are off: set OTEL_METRICS_EXPORTER=prometheus (or an OTLP endpoint) to serve them here", http.StatusNotFound)
	})
}

// Prepare mounts GET /metrics on a's HTTP host when the prometheus
// exporter is on; with the exporter on and no host mounted it fails,
// naming what to add. It implements app.Preparer.
func (t *Telemetry) Prepare(a *app.App) error {
	if t.metrics == nil {
		return nil
	}
	host, err := httpserver.Find(a, "telemetry (GET "+MetricsPath+", OTEL_METRICS_EXPORTER=prometheus)")
	if err != nil {
		return err
	}
	host.Handle(http.MethodGet, MetricsPath, t.metrics, "telemetry")
	return nil
}

// Start implements app.Transport: Install mounts t so that Prepare runs
// when the App starts, after every transport is mounted.
func (t *Telemetry) Start(context.Context, *app.App) error { return nil }

// Stop implements app.Transport; the App's OnStop flushes (see Install).
func (t *Telemetry) Stop(context.Context) error { return nil }

var (
	_ app.Preparer  = (*Telemetry)(nil)
	_ app.Transport = (*Telemetry)(nil)
)

// Install wires t into a: the middleware (when anything is exported),
// the /metrics route (Prepare), and Shutdown after the transports have
// drained (a.OnStop; a failed final flush is logged, not returned). Call it before a starts, and before adding
// middleware that should run inside the span, such as LogRequests: with
// app.Use the first middleware added runs outermost.
func (t *Telemetry) Install(a *app.App, opts ...MiddlewareOption) {
	if t.Enabled() {
		a.Use(t.Middleware(opts...))
	}
	if t.metrics != nil {
		a.Mount(t) // Prepare mounts /metrics on the host when a starts
	}
	a.OnStop(func(ctx context.Context) error {
		// A backend that refuses the final flush (e.g. Jaeger, which takes
		// no metrics) must not turn a clean stop into a failed one: the
		// error is handled here, by logging it.
		if err := t.Shutdown(ctx); err != nil {
			t.logger.WarnContext(ctx, "telemetry: final flush failed", "error", err)
		}
		return nil
	})
}

// SetGlobal installs t's providers and propagator as the OpenTelemetry
// globals (otel.SetTracerProvider, SetMeterProvider,
// SetTextMapPropagator) and reports errors of instrumentation libraries
// to t's logger. It is an explicit opt-in for third-party libraries that
// only read the globals.
func (t *Telemetry) SetGlobal() {
	otel.SetTracerProvider(t.tp)
	otel.SetMeterProvider(t.mp)
	otel.SetTextMapPropagator(t.prop)
	otel.SetErrorHandler(otel.ErrorHandlerFunc(func(err error) {
		t.logger.Warn("opentelemetry error", "error", err)
	}))
}

// ForceFlush exports every pending span and metric now. Export failures
// are logged, like those of background exports.
func (t *Telemetry) ForceFlush(ctx context.Context) error {
	var err error
	for _, f := range t.flush {
		err = errors.Join(err, f(ctx))
	}
	return err
}

// Shutdown flushes pending spans and metrics and stops the exporters,
// until ctx ends. Export failures during the final flush are returned.
// It is safe to call more than once; later calls return the first result.
func (t *Telemetry) Shutdown(ctx context.Context) error {
	t.once.Do(func() {
		for _, l := range t.closing {
			l.closing.Store(true)
		}
		for _, f := range t.shutdown {
			t.err = errors.Join(t.err, f(ctx))
		}
	})
	return t.err
}

func (t *Telemetry) spanExporter(ctx context.Context, name string, o options) (sdktrace.SpanExporter, error) {
	if name == exporterConsole {
		return stdoutSpanExporter(o.console)
	}
	exp, err := otlpSpanExporter(ctx, t.plan)
	if err != nil {
		return nil, err
	}
	l := &exportLog{logger: t.logger, what: "spans", endpoint: t.plan.tracesURL}
	t.closing = append(t.closing, l)
	return &loggedSpanExporter{SpanExporter: exp, log: l}, nil
}

func (t *Telemetry) metricReader(ctx context.Context, name string, o options) (sdkmetric.Reader, error) {
	var ropts []sdkmetric.PeriodicReaderOption
	if t.plan.interval > 0 {
		ropts = append(ropts, sdkmetric.WithInterval(t.plan.interval))
	}
	switch name {
	case exporterPrometheus:
		reg := o.registry
		if reg == nil {
			reg = prometheus.NewRegistry()
			reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		}
		r, h, err := prometheusReader(reg)
		if err != nil {
			return nil, err
		}
		t.metrics = h
		return r, nil
	case exporterConsole:
		exp, err := stdoutMetricExporter(o.console)
		if err != nil {
			return nil, err
		}
		return sdkmetric.NewPeriodicReader(exp, ropts...), nil
	}
	exp, err := otlpMetricExporter(ctx, t.plan)
	if err != nil {
		return nil, err
	}
	l := &exportLog{logger: t.logger, what: "metrics", endpoint: t.plan.metricsURL}
	t.closing = append(t.closing, l)
	return sdkmetric.NewPeriodicReader(&loggedMetricExporter{Exporter: exp, log: l}, ropts...), nil
}

func promHandler(reg *prometheus.Registry) http.Handler {
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
