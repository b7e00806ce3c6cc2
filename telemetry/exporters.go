package telemetry

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// otlpSpanExporter builds the OTLP span exporter for the plan's protocol.
// Settings the plan leaves empty fall back to the exporter's own
// environment handling and defaults.
func otlpSpanExporter(ctx context.Context, p plan) (sdktrace.SpanExporter, error) {
	if p.tracesProto == protocolGRPC {
		var opts []otlptracegrpc.Option
		if p.tracesURL != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(p.tracesURL))
		}
		if p.tracesHeaders != nil {
			opts = append(opts, otlptracegrpc.WithHeaders(p.tracesHeaders))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	var opts []otlptracehttp.Option
	if p.tracesURL != "" {
		opts = append(opts, otlptracehttp.WithEndpointURL(p.tracesURL))
	}
	if p.tracesHeaders != nil {
		opts = append(opts, otlptracehttp.WithHeaders(p.tracesHeaders))
	}
	return otlptracehttp.New(ctx, opts...)
}

// otlpMetricExporter builds the OTLP metric exporter for the plan's
// protocol.
func otlpMetricExporter(ctx context.Context, p plan) (sdkmetric.Exporter, error) {
	if p.metricsProto == protocolGRPC {
		var opts []otlpmetricgrpc.Option
		if p.metricsURL != "" {
			opts = append(opts, otlpmetricgrpc.WithEndpointURL(p.metricsURL))
		}
		if p.metricsHeaders != nil {
			opts = append(opts, otlpmetricgrpc.WithHeaders(p.metricsHeaders))
		}
		return otlpmetricgrpc.New(ctx, opts...)
	}
	var opts []otlpmetrichttp.Option
	if p.metricsURL != "" {
		opts = append(opts, otlpmetrichttp.WithEndpointURL(p.metricsURL))
	}
	if p.metricsHeaders != nil {
		opts = append(opts, otlpmetrichttp.WithHeaders(p.metricsHeaders))
	}
	return otlpmetrichttp.New(ctx, opts...)
}

func stdoutSpanExporter(w io.Writer) (sdktrace.SpanExporter, error) {
	return stdouttrace.New(stdouttrace.WithWriter(w))
}

func stdoutMetricExporter(w io.Writer) (sdkmetric.Exporter, error) {
	return stdoutmetric.New(stdoutmetric.WithWriter(w))
}

// prometheusReader returns a pull reader registered into reg and the
// handler that serves reg in the Prometheus exposition format.
func prometheusReader(reg *prometheus.Registry) (sdkmetric.Reader, http.Handler, error) {
	exp, err := otelprom.New(otelprom.WithRegisterer(reg))
	if err != nil {
		return nil, nil, err
	}
	return exp, promHandler(reg), nil
}

// logEvery bounds how often one exporter reports failures.
const logEvery = 30 * time.Second

// exportLog reports export failures to a logger, at most once per
// logEvery, counting the ones it kept quiet about. While the Telemetry
// shuts down it stays silent and lets errors through, so that Shutdown
// returns them.
type exportLog struct {
	logger   *slog.Logger
	what     string
	endpoint string
	closing  atomic.Bool

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

// handle logs err and returns nil, or returns err while shutting down.
func (l *exportLog) handle(ctx context.Context, err error) error {
	if err == nil || l.closing.Load() {
		return err
	}
	l.mu.Lock()
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < logEvery {
		l.suppressed++
		l.mu.Unlock()
		return nil
	}
	suppressed := l.suppressed
	l.last, l.suppressed = now, 0
	l.mu.Unlock()
	l.logger.WarnContext(ctx, "telemetry: export failed", "signal", l.what, "endpoint", l.endpoint, "error", err, "suppressed", suppressed)
	return nil
}

// loggedSpanExporter reports export failures through an exportLog instead
// of OpenTelemetry's global error handler.
type loggedSpanExporter struct {
	sdktrace.SpanExporter
	log *exportLog
}

func (e *loggedSpanExporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	return e.log.handle(ctx, e.SpanExporter.ExportSpans(ctx, spans))
}

// loggedMetricExporter reports export failures through an exportLog.
type loggedMetricExporter struct {
	sdkmetric.Exporter
	log *exportLog
}

func (e *loggedMetricExporter) Export(ctx context.Context, rm *metricdata.ResourceMetrics) error {
	return e.log.handle(ctx, e.Exporter.Export(ctx, rm))
}
