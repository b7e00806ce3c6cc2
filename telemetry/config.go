package telemetry

import (
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
)

// Config holds the OpenTelemetry settings. ConfigFromEnv fills it from the
// standard OTEL_* environment variables; its zero value works and means
// "nothing configured": no exporter, no-op providers and a middleware that
// costs nothing.
//
// Deliberate difference from the OpenTelemetry SDK defaults: when
// OTEL_TRACES_EXPORTER or OTEL_METRICS_EXPORTER is unset, the exporter is
// "otlp" only if an OTLP endpoint is configured (the SDKs default to otlp
// towards localhost). A process with no OTEL_* variables exports nothing.
//
// Other variables understood by the OpenTelemetry SDK and OTLP exporters
// are read by them directly: OTEL_SERVICE_NAME and
// OTEL_RESOURCE_ATTRIBUTES (resource.WithFromEnv), OTEL_TRACES_SAMPLER and
// _ARG (the tracer provider), OTEL_BSP_*,
// OTEL_SPAN_*_LIMIT, OTEL_EXPORTER_OTLP_TIMEOUT, _COMPRESSION,
// _CERTIFICATE, _INSECURE …; OTEL_PROPAGATORS names are resolved by
// go.opentelemetry.io/contrib/propagators/autoprop.
type Config struct {
	// Disabled turns every signal off. Env OTEL_SDK_DISABLED=true.
	Disabled bool
	// ServiceName is the service.name resource attribute, set in code; it
	// wins over the environment. The SDK's resource.WithFromEnv reads
	// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (key=value pairs
	// separated by commas, values percent-encoded) when New builds the
	// resource, so ConfigFromEnv leaves this and ResourceAttributes empty.
	// Default: the environment's, else the name given by WithService, else
	// "unknown_service:<executable>".
	ServiceName string
	// ResourceAttributes are resource attributes set in code; they win
	// over OTEL_RESOURCE_ATTRIBUTES and lose to ServiceName.
	ResourceAttributes map[string]string
	// TracesExporters lists the span exporters: "otlp", "console" or "none".
	// Env OTEL_TRACES_EXPORTER (comma-separated); default: "otlp" when
	// OTLP.Endpoint or OTLP.TracesEndpoint is set, else none.
	TracesExporters []string
	// MetricsExporters lists the metric exporters: "otlp" (push),
	// "prometheus" (pull, served by MetricsHandler at /metrics on the App's
	// HTTP port rather than on a port of its own), "console" or "none". Env
	// OTEL_METRICS_EXPORTER (comma-separated); default: "otlp" and
	// "prometheus" when OTLP.Endpoint or OTLP.MetricsEndpoint is set, else
	// none.
	MetricsExporters []string
	// Sampler is the trace sampler set in code: always_on, always_off,
	// traceidratio, parentbased_always_on, parentbased_always_off or
	// parentbased_traceidratio; it wins over the environment. When empty,
	// the SDK reads OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG itself
	// (default parentbased_always_on), so ConfigFromEnv leaves this and
	// SamplerArg empty.
	Sampler string
	// SamplerArg is Sampler's argument (the ratio, 0 to 1, for the
	// traceidratio samplers). Default 1.
	SamplerArg string
	// Propagators lists the context propagators: "tracecontext",
	// "baggage", "b3", "b3multi", "jaeger", "xray", "ottrace" or "none"
	// (built by go.opentelemetry.io/contrib/propagators/autoprop; "none"
	// anywhere turns propagation off). Env OTEL_PROPAGATORS; default
	// tracecontext,baggage.
	Propagators []string
	// MetricExportInterval is the push interval of the otlp and console
	// metric exporters. Env OTEL_METRIC_EXPORT_INTERVAL (milliseconds);
	// default 60s.
	MetricExportInterval time.Duration
	// SemconvStabilityOptIn selects which RPC semantic conventions gRPC
	// calls follow: "rpc" (the current ones: rpc.system.name,
	// fully-qualified rpc.method, rpc.response.status_code,
	// rpc.server.call.duration), "rpc/dup" (both) or none of these (the
	// established ones: rpc.system, rpc.service, rpc.method,
	// rpc.grpc.status_code, rpc.server.duration). Env
	// OTEL_SEMCONV_STABILITY_OPT_IN (comma-separated); default: established.
	SemconvStabilityOptIn []string
	// OTLP configures the OTLP exporters.
	OTLP OTLPConfig
}

// OTLPConfig configures the OTLP exporters. Signal-specific fields win
// over the generic ones.
type OTLPConfig struct {
	// Endpoint is the base URL of the collector, e.g.
	// "http://127.0.0.1:4318"; the HTTP exporters append /v1/traces and
	// /v1/metrics. Env OTEL_EXPORTER_OTLP_ENDPOINT; default: the exporter's
	// own (localhost).
	Endpoint string
	// TracesEndpoint is the full URL traces are sent to. Env
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT.
	TracesEndpoint string
	// MetricsEndpoint is the full URL metrics are sent to. Env
	// OTEL_EXPORTER_OTLP_METRICS_ENDPOINT.
	MetricsEndpoint string
	// Protocol is "http/protobuf" or "grpc". Env
	// OTEL_EXPORTER_OTLP_PROTOCOL; default http/protobuf.
	Protocol string
	// TracesProtocol overrides Protocol for traces. Env
	// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL.
	TracesProtocol string
	// MetricsProtocol overrides Protocol for metrics. Env
	// OTEL_EXPORTER_OTLP_METRICS_PROTOCOL.
	MetricsProtocol string
	// Headers are sent with every export. Env OTEL_EXPORTER_OTLP_HEADERS
	// (key=value pairs separated by commas, values percent-encoded).
	Headers map[string]string
	// TracesHeaders are added to Headers for traces. Env
	// OTEL_EXPORTER_OTLP_TRACES_HEADERS.
	TracesHeaders map[string]string
	// MetricsHeaders are added to Headers for metrics. Env
	// OTEL_EXPORTER_OTLP_METRICS_HEADERS.
	MetricsHeaders map[string]string
}

// ConfigFromEnv reads Config from the standard OpenTelemetry environment
// variables via getenv (os.Getenv when nil). Unset variables leave the
// zero value; malformed ones are an error naming the variable.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	var err error
	if s := strings.TrimSpace(getenv("OTEL_SDK_DISABLED")); s != "" {
		// The specification: only a case-insensitive "true" disables.
		c.Disabled = strings.EqualFold(s, "true")
	}
	c.TracesExporters = parseList(getenv("OTEL_TRACES_EXPORTER"))
	c.MetricsExporters = parseList(getenv("OTEL_METRICS_EXPORTER"))
	c.Propagators = parseList(getenv("OTEL_PROPAGATORS"))
	if s := strings.TrimSpace(getenv("OTEL_METRIC_EXPORT_INTERVAL")); s != "" {
		ms, err := strconv.ParseInt(s, 10, 64)
		if err != nil || ms <= 0 {
			return Config{}, fmt.Errorf("OTEL_METRIC_EXPORT_INTERVAL: %q is not a positive number of milliseconds", s)
		}
		c.MetricExportInterval = time.Duration(ms) * time.Millisecond
	}
	c.SemconvStabilityOptIn = parseList(getenv("OTEL_SEMCONV_STABILITY_OPT_IN"))
	o := &c.OTLP
	o.Endpoint = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_ENDPOINT"))
	o.TracesEndpoint = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))
	o.MetricsEndpoint = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"))
	o.Protocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	o.TracesProtocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	o.MetricsProtocol = strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL"))
	for _, h := range []struct {
		env string
		dst *map[string]string
	}{
		{"OTEL_EXPORTER_OTLP_HEADERS", &o.Headers},
		{"OTEL_EXPORTER_OTLP_TRACES_HEADERS", &o.TracesHeaders},
		{"OTEL_EXPORTER_OTLP_METRICS_HEADERS", &o.MetricsHeaders},
	} {
		if *h.dst, err = parsePairs(h.env, getenv(h.env)); err != nil {
			return Config{}, err
		}
	}
	return c, nil
}

// parseList splits a comma-separated list, trimming and lower-casing
// items and dropping empty ones; nil when nothing is left.
func parseList(s string) []string {
	var out []string
	for item := range strings.SplitSeq(s, ",") {
		if item = strings.ToLower(strings.TrimSpace(item)); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parsePairs parses the W3C-baggage-like key=value,key=value format of
// OTEL_EXPORTER_OTLP_HEADERS; values are percent-decoded. nil when s is
// empty.
func parsePairs(env, s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	out := map[string]string{}
	for pair := range strings.SplitSeq(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("%s: %q is not key=value", env, pair)
		}
		dv, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("%s: value of %q: %w", env, k, err)
		}
		out[k] = dv
	}
	return out, nil
}

// Exporter and propagator names.
const (
	exporterOTLP       = "otlp"
	exporterConsole    = "console"
	exporterPrometheus = "prometheus"
	exporterNone       = "none"

	protocolHTTP = "http/protobuf"
	protocolGRPC = "grpc"
)

// plan is a validated Config with defaults applied.
type plan struct {
	traces, metrics []string
	tracesProto     string
	metricsProto    string
	tracesURL       string // full URL, or "" for the exporter's default
	metricsURL      string
	tracesHeaders   map[string]string
	metricsHeaders  map[string]string
	sampler         string // "" for the SDK's choice
	ratio           float64
	propagator      propagation.TextMapPropagator
	interval        time.Duration
	rpc             RPCConventions
}

func (c Config) plan() (plan, error) {
	p := plan{interval: c.MetricExportInterval}
	o := c.OTLP
	if !c.Disabled {
		p.traces = c.TracesExporters
		if p.traces == nil && (o.Endpoint != "" || o.TracesEndpoint != "") {
			p.traces = []string{exporterOTLP}
		}
		p.metrics = c.MetricsExporters
		if p.metrics == nil && (o.Endpoint != "" || o.MetricsEndpoint != "") {
			p.metrics = []string{exporterOTLP, exporterPrometheus}
		}
	}
	var err error
	if p.traces, err = exporters("OTEL_TRACES_EXPORTER", p.traces, exporterOTLP, exporterConsole); err != nil {
		return p, err
	}
	if p.metrics, err = exporters("OTEL_METRICS_EXPORTER", p.metrics, exporterOTLP, exporterPrometheus, exporterConsole); err != nil {
		return p, err
	}
	if p.tracesProto, err = protocol("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", o.TracesProtocol, o.Protocol); err != nil {
		return p, err
	}
	if p.metricsProto, err = protocol("OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", o.MetricsProtocol, o.Protocol); err != nil {
		return p, err
	}
	if p.tracesURL, err = endpoint("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", o.TracesEndpoint, o.Endpoint, p.tracesProto, "v1/traces"); err != nil {
		return p, err
	}
	if p.metricsURL, err = endpoint("OTEL_EXPORTER_OTLP_METRICS_ENDPOINT", o.MetricsEndpoint, o.Endpoint, p.metricsProto, "v1/metrics"); err != nil {
		return p, err
	}
	p.tracesHeaders = mergeHeaders(o.Headers, o.TracesHeaders)
	p.metricsHeaders = mergeHeaders(o.Headers, o.MetricsHeaders)

	p.sampler = strings.ToLower(strings.TrimSpace(c.Sampler))
	p.ratio = 1
	switch p.sampler {
	case "": // the SDK's, from OTEL_TRACES_SAMPLER
	case "always_on", "always_off", "parentbased_always_on", "parentbased_always_off":
	case "traceidratio", "parentbased_traceidratio":
		if c.SamplerArg != "" {
			r, err := strconv.ParseFloat(c.SamplerArg, 64)
			if err != nil || r < 0 || r > 1 {
				return p, fmt.Errorf("telemetry: sampler argument %q is not a ratio between 0 and 1", c.SamplerArg)
			}
			p.ratio = r
		}
	default:
		return p, fmt.Errorf("telemetry: unsupported sampler %q (want always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio)", p.sampler)
	}

	names := c.Propagators
	if names == nil {
		names = []string{"tracecontext", "baggage"}
	}
	// The contrib package knows every propagator the specification names.
	if p.propagator, err = autoprop.TextMapPropagator(names...); err != nil {
		return p, fmt.Errorf("OTEL_PROPAGATORS: %w (want tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace or none)", err)
	}
	p.rpc = RPCConventionsEstablished
	switch {
	case slices.Contains(c.SemconvStabilityOptIn, "rpc/dup"):
		p.rpc = RPCConventionsBoth
	case slices.Contains(c.SemconvStabilityOptIn, "rpc"):
		p.rpc = RPCConventionsCurrent
	}
	return p, nil
}

// exporters validates a list of exporter names, dropping "none" and
// duplicates.
func exporters(env string, names []string, allowed ...string) ([]string, error) {
	var out []string
	for _, n := range names {
		switch {
		case n == exporterNone:
		case slices.Contains(allowed, n):
			if !slices.Contains(out, n) {
				out = append(out, n)
			}
		default:
			return nil, fmt.Errorf("%s: unsupported exporter %q (want %s or none)", env, n, strings.Join(allowed, ", "))
		}
	}
	return out, nil
}

func protocol(env, specific, generic string) (string, error) {
	p := specific
	if p == "" {
		p = generic
		env = "OTEL_EXPORTER_OTLP_PROTOCOL"
	}
	switch p {
	case "":
		return protocolHTTP, nil
	case protocolHTTP, protocolGRPC:
		return p, nil
	}
	return "", fmt.Errorf("%s: unsupported protocol %q (want http/protobuf or grpc)", env, p)
}

// endpoint returns the full URL of one signal: the signal-specific URL as
// is, else the base URL (plus the signal path for HTTP), else "".
func endpoint(env, specific, base, proto, path string) (string, error) {
	u := specific
	if u == "" {
		if base == "" {
			return "", nil
		}
		env, u = "OTEL_EXPORTER_OTLP_ENDPOINT", base
	}
	pu, err := url.Parse(u)
	if err != nil || (pu.Scheme != "http" && pu.Scheme != "https") || pu.Host == "" {
		return "", fmt.Errorf("%s: %q is not a URL like http://127.0.0.1:4318", env, u)
	}
	if specific == "" && proto == protocolHTTP {
		u = strings.TrimRight(base, "/") + "/" + path
	}
	return u, nil
}

func mergeHeaders(generic, specific map[string]string) map[string]string {
	if len(generic)+len(specific) == 0 {
		return nil
	}
	out := make(map[string]string, len(generic)+len(specific))
	maps.Copy(out, generic)
	maps.Copy(out, specific)
	return out
}
