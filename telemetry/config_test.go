package telemetry_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/allframe-go/allframe/telemetry"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		give map[string]string
		want telemetry.Config
	}{
		{name: "nothing", give: nil, want: telemetry.Config{}},
		{
			name: "everything",
			give: map[string]string{
				"OTEL_SDK_DISABLED":                   "false",
				"OTEL_SERVICE_NAME":                   "hello", // read by the SDK when New builds the resource
				"OTEL_RESOURCE_ATTRIBUTES":            "team=a%20b",
				"OTEL_TRACES_EXPORTER":                "OTLP, console",
				"OTEL_METRICS_EXPORTER":               "prometheus",
				"OTEL_TRACES_SAMPLER":                 "parentbased_traceidratio", // read by the SDK's tracer provider
				"OTEL_TRACES_SAMPLER_ARG":             "0.25",
				"OTEL_PROPAGATORS":                    "tracecontext",
				"OTEL_METRIC_EXPORT_INTERVAL":         "5000",
				"OTEL_SEMCONV_STABILITY_OPT_IN":       "http,rpc/dup",
				"OTEL_EXPORTER_OTLP_ENDPOINT":         "http://127.0.0.1:4318",
				"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT":  "http://collector/traces",
				"OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": "http://collector/metrics",
				"OTEL_EXPORTER_OTLP_PROTOCOL":         "grpc",
				"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL":  "http/protobuf",
				"OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc",
				"OTEL_EXPORTER_OTLP_HEADERS":          "api-key=s%3Dcret",
				"OTEL_EXPORTER_OTLP_TRACES_HEADERS":   "x-t=1",
				"OTEL_EXPORTER_OTLP_METRICS_HEADERS":  "x-m=2",
			},
			want: telemetry.Config{
				TracesExporters:       []string{"otlp", "console"},
				MetricsExporters:      []string{"prometheus"},
				Propagators:           []string{"tracecontext"},
				MetricExportInterval:  5 * time.Second,
				SemconvStabilityOptIn: []string{"http", "rpc/dup"},
				OTLP: telemetry.OTLPConfig{
					Endpoint: "http://127.0.0.1:4318", TracesEndpoint: "http://collector/traces", MetricsEndpoint: "http://collector/metrics",
					Protocol: "grpc", TracesProtocol: "http/protobuf", MetricsProtocol: "grpc",
					Headers: map[string]string{"api-key": "s=cret"}, TracesHeaders: map[string]string{"x-t": "1"}, MetricsHeaders: map[string]string{"x-m": "2"},
				},
			},
		},
		{name: "disabled", give: map[string]string{"OTEL_SDK_DISABLED": "TRUE"}, want: telemetry.Config{Disabled: true}},
		{name: "only true disables", give: map[string]string{"OTEL_SDK_DISABLED": "1"}, want: telemetry.Config{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := telemetry.ConfigFromEnv(env(tt.give))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("Config (-got +want):\n%s", diff)
			}
		})
	}
}

func TestConfigFromEnvErrors(t *testing.T) {
	tests := []struct {
		give map[string]string
		want string
	}{
		{give: map[string]string{"OTEL_EXPORTER_OTLP_HEADERS": "a"}, want: `OTEL_EXPORTER_OTLP_HEADERS: "a" is not key=value`},
		{give: map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "soon"}, want: `OTEL_METRIC_EXPORT_INTERVAL: "soon" is not a positive number`},
		{give: map[string]string{"OTEL_METRIC_EXPORT_INTERVAL": "-5"}, want: `OTEL_METRIC_EXPORT_INTERVAL: "-5" is not a positive number`},
	}
	for _, tt := range tests {
		_, err := telemetry.ConfigFromEnv(env(tt.give))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ConfigFromEnv(%v) error = %v, want it to contain %q", tt.give, err, tt.want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		give telemetry.Config
		want string
	}{
		{give: telemetry.Config{TracesExporters: []string{"jaeger"}}, want: `OTEL_TRACES_EXPORTER: unsupported exporter "jaeger" (want otlp, console or none)`},
		{give: telemetry.Config{MetricsExporters: []string{"statsd"}}, want: `OTEL_METRICS_EXPORTER: unsupported exporter "statsd" (want otlp, prometheus, console or none)`},
		{give: telemetry.Config{OTLP: telemetry.OTLPConfig{Endpoint: "127.0.0.1:4318"}}, want: `OTEL_EXPORTER_OTLP_ENDPOINT: "127.0.0.1:4318" is not a URL like http://127.0.0.1:4318`},
		{give: telemetry.Config{OTLP: telemetry.OTLPConfig{TracesEndpoint: "ftp://x"}}, want: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "ftp://x" is not a URL`},
		{give: telemetry.Config{OTLP: telemetry.OTLPConfig{Protocol: "http/json"}}, want: `OTEL_EXPORTER_OTLP_PROTOCOL: unsupported protocol "http/json" (want http/protobuf or grpc)`},
		{give: telemetry.Config{OTLP: telemetry.OTLPConfig{MetricsProtocol: "udp"}}, want: `OTEL_EXPORTER_OTLP_METRICS_PROTOCOL: unsupported protocol "udp"`},
		{give: telemetry.Config{Sampler: "sometimes"}, want: `telemetry: unsupported sampler "sometimes"`},
		{give: telemetry.Config{Sampler: "traceidratio", SamplerArg: "2"}, want: `telemetry: sampler argument "2" is not a ratio between 0 and 1`},
		{give: telemetry.Config{Propagators: []string{"b4"}}, want: `OTEL_PROPAGATORS: unknown propagator: b4 (want tracecontext, baggage, b3, b3multi, jaeger, xray, ottrace or none)`},
		{give: telemetry.Config{Propagators: []string{"tracecontext", "b4"}}, want: `OTEL_PROPAGATORS: unknown propagator: b4`},
	}
	for _, tt := range tests {
		tel, err := telemetry.New(context.Background(), tt.give)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("New(%+v) error = %v, want it to contain %q", tt.give, err, tt.want)
		}
		if tel != nil {
			t.Errorf("New(%+v) returned a Telemetry with its error", tt.give)
		}
	}
}

// TestNothingConfigured checks the zero Config: no-op providers, nothing
// exported, a middleware that is the identity, Shutdown a no-op.
func TestNothingConfigured(t *testing.T) {
	tests := []struct {
		name string
		give telemetry.Config
	}{
		{name: "zero", give: telemetry.Config{}},
		{name: "disabled wins", give: telemetry.Config{Disabled: true, OTLP: telemetry.OTLPConfig{Endpoint: "http://127.0.0.1:4318"}}},
		{name: "explicit none", give: telemetry.Config{TracesExporters: []string{"none"}, MetricsExporters: []string{"none"}, OTLP: telemetry.OTLPConfig{Endpoint: "http://127.0.0.1:4318"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tel, err := telemetry.New(context.Background(), tt.give)
			if err != nil {
				t.Fatal(err)
			}
			_, noTraces := tel.TracerProvider().(tracenoop.TracerProvider)
			_, noMetrics := tel.MeterProvider().(metricnoop.MeterProvider)
			got := []bool{noTraces, noMetrics, tel.Enabled()}
			if diff := cmp.Diff(got, []bool{true, true, false}); diff != "" {
				t.Errorf("noop traces, noop metrics, enabled (-got +want):\n%s", diff)
			}
			a := newApp(t)
			tel.Install(a)
			if err := a.Stop(context.Background()); err != nil {
				t.Errorf("stop: %v", err)
			}
		})
	}
}

// TestPropagators checks that every propagator the specification names for
// OTEL_PROPAGATORS is understood, by the headers it injects and extracts.
func TestPropagators(t *testing.T) {
	tests := []struct {
		give []string
		want []string
	}{
		{give: nil, want: []string{"baggage", "traceparent", "tracestate"}},
		{give: []string{"tracecontext"}, want: []string{"traceparent", "tracestate"}},
		{give: []string{"b3"}, want: []string{"b3"}},
		{give: []string{"b3multi"}, want: []string{"x-b3-flags", "x-b3-sampled", "x-b3-spanid", "x-b3-traceid"}},
		{give: []string{"jaeger", "baggage"}, want: []string{"baggage", "uber-trace-id"}},
		{give: []string{"xray"}, want: []string{"X-Amzn-Trace-Id"}},
		{give: []string{"ottrace"}, want: []string{"ot-tracer-sampled", "ot-tracer-spanid", "ot-tracer-traceid"}},
		{give: []string{"tracecontext", "none"}, want: nil},
	}
	for _, tt := range tests {
		tel, err := telemetry.New(context.Background(), telemetry.Config{Propagators: tt.give})
		if err != nil {
			t.Fatalf("%v: %v", tt.give, err)
		}
		got := tel.Propagator().Fields()
		slices.Sort(got)
		if diff := cmp.Diff(got, tt.want, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%v: fields (-got +want):\n%s", tt.give, diff)
		}
	}
}
