package telemetry_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	colmetricpb "go.opentelemetry.io/proto/otlp/collector/metrics/v1"
	coltracepb "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	"go.uber.org/goleak"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"

	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// collector is a fake OTLP/HTTP collector that records what it receives.
type collector struct {
	mu      sync.Mutex
	spans   []string // "name parent=<span id> service=<service.name>"
	metrics []string // metric names
	headers []string // api-key header of each request
	status  int      // answer with this status when non-zero
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.status != 0 {
		http.Error(w, "rejected", c.status)
		return
	}
	c.headers = append(c.headers, r.URL.Path+" api-key="+r.Header.Get("Api-Key"))
	switch r.URL.Path {
	case "/v1/traces":
		var req coltracepb.ExportTraceServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		c.spans = append(c.spans, spansOf(&req)...)
	case "/v1/metrics":
		var req colmetricpb.ExportMetricsServiceRequest
		if err := proto.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		for _, rm := range req.GetResourceMetrics() {
			for _, sm := range rm.GetScopeMetrics() {
				for _, m := range sm.GetMetrics() {
					c.metrics = append(c.metrics, m.GetName())
				}
			}
		}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/x-protobuf")
	w.WriteHeader(http.StatusOK)
}

func spansOf(req *coltracepb.ExportTraceServiceRequest) []string {
	var out []string
	for _, rs := range req.GetResourceSpans() {
		service := ""
		for _, kv := range rs.GetResource().GetAttributes() {
			if kv.GetKey() == "service.name" {
				service = kv.GetValue().GetStringValue()
			}
		}
		for _, ss := range rs.GetScopeSpans() {
			for _, s := range ss.GetSpans() {
				out = append(out, s.GetName()+" parent="+hex.EncodeToString(s.GetParentSpanId())+" service="+service)
			}
		}
	}
	return out
}

func TestOTLPHTTPExport(t *testing.T) {
	col := &collector{}
	srv := httptest.NewServer(col)
	defer srv.Close()
	ctx := context.Background()
	// Only an endpoint: OTLP traces and metrics, plus /metrics.
	cfg := telemetry.Config{OTLP: telemetry.OTLPConfig{Endpoint: srv.URL, Headers: map[string]string{"api-key": "s3cret"}}}
	tel, err := telemetry.New(ctx, cfg, telemetry.WithService("hello", "1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	host := httpserver.New()
	a.Mount(host)
	tel.Install(a)
	if _, err := host.Handler(a); err != nil { // mounts /metrics
		t.Fatal(err)
	}
	if _, err := serve(ctx, a, httpCall("Ada", http.Header{"Traceparent": {traceparent}})); err != nil {
		t.Fatal(err)
	}
	if err := a.Stop(ctx); err != nil { // runs tel.Shutdown, which flushes
		t.Fatal(err)
	}
	col.mu.Lock()
	defer col.mu.Unlock()
	if diff := cmp.Diff(col.spans, []string{"GET /hello/{name} parent=" + callerSpan + " service=hello"}); diff != "" {
		t.Errorf("spans (-got +want):\n%s", diff)
	}
	slices.Sort(col.metrics)
	if diff := cmp.Diff(col.metrics, []string{"allframe.operation.duration", "http.server.request.duration"}); diff != "" {
		t.Errorf("metrics (-got +want):\n%s", diff)
	}
	slices.Sort(col.headers)
	if diff := cmp.Diff(col.headers, []string{"/v1/metrics api-key=s3cret", "/v1/traces api-key=s3cret"}); diff != "" {
		t.Errorf("requests (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(host.Routes(), []string{"GET /metrics"}); diff != "" {
		t.Errorf("routes (-got +want):\n%s", diff)
	}
}

// traceService is a fake OTLP/gRPC trace collector.
type traceService struct {
	coltracepb.UnimplementedTraceServiceServer
	mu    sync.Mutex
	spans []string
}

func (s *traceService) Export(_ context.Context, req *coltracepb.ExportTraceServiceRequest) (*coltracepb.ExportTraceServiceResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spans = append(s.spans, spansOf(req)...)
	return &coltracepb.ExportTraceServiceResponse{}, nil
}

func TestOTLPGRPCExport(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gs := grpc.NewServer()
	svc := &traceService{}
	coltracepb.RegisterTraceServiceServer(gs, svc)
	go func() { _ = gs.Serve(lis) }()
	defer gs.Stop()

	ctx := context.Background()
	cfg := telemetry.Config{
		TracesExporters:  []string{"otlp"},
		MetricsExporters: []string{"none"},
		OTLP:             telemetry.OTLPConfig{Endpoint: "http://" + lis.Addr().String(), Protocol: "grpc"},
	}
	tel, err := telemetry.New(ctx, cfg, telemetry.WithService("hello", ""))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, tel.Middleware())
	if _, err := serve(ctx, a, grpcCall("Ada", traceparent)); err != nil {
		t.Fatal(err)
	}
	if err := tel.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	svc.mu.Lock()
	got := slices.Clone(svc.spans)
	svc.mu.Unlock()
	if diff := cmp.Diff(got, []string{"hello.v1.HelloService/Hello parent=" + callerSpan + " service=hello"}); diff != "" {
		t.Errorf("spans (-got +want):\n%s", diff)
	}
	if err := tel.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestExportFailure(t *testing.T) {
	col := &collector{status: http.StatusBadRequest}
	srv := httptest.NewServer(col)
	defer srv.Close()
	ctx := context.Background()
	var logs bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))
	cfg := telemetry.Config{MetricsExporters: []string{"none"}, OTLP: telemetry.OTLPConfig{Endpoint: srv.URL}}
	tel, err := telemetry.New(ctx, cfg, telemetry.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t, tel.Middleware())
	_, _ = serve(ctx, a, grpcCall("Ada", ""))
	// While running, a failed export is logged, not returned.
	if err := tel.ForceFlush(ctx); err != nil {
		t.Errorf("ForceFlush: %v, want the failure logged instead", err)
	}
	var rec struct {
		Msg, Signal, Endpoint, Error string
	}
	if err := json.Unmarshal(logs.Bytes(), &rec); err != nil {
		t.Fatalf("log %q: %v", logs.String(), err)
	}
	if rec.Msg != "telemetry: export failed" || rec.Signal != "spans" || rec.Endpoint != srv.URL+"/v1/traces" || !strings.Contains(rec.Error, "400") {
		t.Errorf("log record = %+v, want an export failure for spans at %s/v1/traces with the 400", rec, srv.URL)
	}
	// The final flush reports its failure to the caller of Shutdown.
	_, _ = serve(ctx, a, grpcCall("Bob", ""))
	if err := tel.Shutdown(ctx); err == nil {
		t.Error("Shutdown after a failed final export = nil, want the error")
	}
}

func TestConsoleExport(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		give telemetry.Config
		env  map[string]string // OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES
		opts []telemetry.Option
		want string            // service.name in the exported resource
		more map[string]string // other attributes the resource must hold
	}{
		{name: "config service name wins", give: telemetry.Config{ServiceName: "cfg", ResourceAttributes: map[string]string{"service.name": "attrs"}}, env: map[string]string{"OTEL_SERVICE_NAME": "env"}, opts: []telemetry.Option{telemetry.WithService("code", "")}, want: "cfg"},
		{name: "config resource attributes next", give: telemetry.Config{ResourceAttributes: map[string]string{"service.name": "attrs"}}, env: map[string]string{"OTEL_SERVICE_NAME": "env"}, opts: []telemetry.Option{telemetry.WithService("code", "")}, want: "attrs"},
		{
			name: "OTEL_SERVICE_NAME over OTEL_RESOURCE_ATTRIBUTES",
			env:  map[string]string{"OTEL_SERVICE_NAME": "env", "OTEL_RESOURCE_ATTRIBUTES": "service.name=envattrs,deployment.environment.name=prod,team=a%20b"},
			opts: []telemetry.Option{telemetry.WithService("code", "1.0")}, want: "env",
			more: map[string]string{"deployment.environment.name": "prod", "team": "a b", "service.version": "1.0"},
		},
		{
			name: "OTEL_RESOURCE_ATTRIBUTES over code",
			env:  map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=envattrs,service.version=9"},
			opts: []telemetry.Option{telemetry.WithService("code", "1.0")}, want: "envattrs",
			more: map[string]string{"service.version": "9"},
		},
		{name: "then code", opts: []telemetry.Option{telemetry.WithService("code", "")}, want: "code"},
		{name: "else unknown", want: "unknown_service:telemetry.test"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_SERVICE_NAME", tt.env["OTEL_SERVICE_NAME"])
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", tt.env["OTEL_RESOURCE_ATTRIBUTES"])
			var out bytes.Buffer
			cfg := tt.give
			cfg.TracesExporters, cfg.MetricsExporters = []string{"console"}, []string{"console"}
			tel, err := telemetry.New(ctx, cfg, append(tt.opts, telemetry.WithConsoleWriter(&out))...)
			if err != nil {
				t.Fatal(err)
			}
			a := newApp(t, tel.Middleware())
			_, _ = serve(ctx, a, graphqlCall("hello", &HelloIn{Name: "Ada"}, ""))
			if err := tel.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			var span struct {
				Name     string
				Resource []struct {
					Key   string
					Value struct{ Value any }
				}
			}
			first, _, _ := bytes.Cut(out.Bytes(), []byte("\n"))
			if err := json.Unmarshal(first, &span); err != nil {
				t.Fatalf("console span %q: %v", first, err)
			}
			res := map[string]any{}
			for _, kv := range span.Resource {
				res[kv.Key] = kv.Value.Value
			}
			if span.Name != "query hello" || res["service.name"] != tt.want {
				t.Errorf("console span %q of %v, want %q of %q", span.Name, res["service.name"], "query hello", tt.want)
			}
			for k, v := range tt.more {
				if res[k] != v {
					t.Errorf("resource %s = %v, want %q (resource %v)", k, res[k], v, res)
				}
			}
			if !strings.Contains(out.String(), `"allframe.operation.duration"`) {
				t.Errorf("console metrics lack allframe.operation.duration:\n%s", out.String())
			}
		})
	}
}

// TestSampler checks the sampler: OTEL_TRACES_SAMPLER read by the SDK's
// tracer provider, and Config.Sampler, set in code, winning over it.
func TestSampler(t *testing.T) {
	tests := []struct {
		name   string
		env    string // OTEL_TRACES_SAMPLER
		envArg string // OTEL_TRACES_SAMPLER_ARG
		give   string // Config.Sampler
		want   int    // spans exported of: a root, a sampled child, an unsampled child
	}{
		{name: "default parentbased_always_on", want: 2},
		{name: "env", env: "parentbased_always_off", want: 1},
		{name: "env ratio", env: "traceidratio", envArg: "0", want: 0},
		{name: "config", give: "parentbased_always_off", want: 1},
		{name: "config wins over env", env: "always_off", give: "always_on", want: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("OTEL_TRACES_SAMPLER", tt.env)
			t.Setenv("OTEL_TRACES_SAMPLER_ARG", tt.envArg)
			ctx := context.Background()
			var out bytes.Buffer
			cfg := telemetry.Config{TracesExporters: []string{"console"}, Sampler: tt.give}
			tel, err := telemetry.New(ctx, cfg, telemetry.WithConsoleWriter(&out))
			if err != nil {
				t.Fatal(err)
			}
			a := newApp(t, tel.Middleware())
			_, _ = serve(ctx, a, grpcCall("root", ""))
			_, _ = serve(ctx, a, grpcCall("child", traceparent))
			_, _ = serve(ctx, a, grpcCall("unsampled", traceparent[:len(traceparent)-2]+"00"))
			if err := tel.Shutdown(ctx); err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(out.String(), `"Name":"hello.v1.HelloService/Hello"`); n != tt.want {
				t.Errorf("exported %d spans, want %d:\n%s", n, tt.want, out.String())
			}
		})
	}
}

func TestSetGlobal(t *testing.T) {
	prevTP, prevMP, prevProp, prevEH := otel.GetTracerProvider(), otel.GetMeterProvider(), otel.GetTextMapPropagator(), otel.GetErrorHandler()
	t.Cleanup(func() {
		otel.SetErrorHandler(prevEH)
		otel.SetTracerProvider(prevTP)
		otel.SetMeterProvider(prevMP)
		otel.SetTextMapPropagator(prevProp)
	})
	ctx := context.Background()
	var out bytes.Buffer
	tel, err := telemetry.New(ctx, telemetry.Config{TracesExporters: []string{"console"}, MetricsExporters: []string{"prometheus"}, Propagators: []string{"tracecontext"}}, telemetry.WithConsoleWriter(&out))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(ctx) }()
	tel.SetGlobal()
	got := []bool{otel.GetTracerProvider() == tel.TracerProvider(), otel.GetMeterProvider() == tel.MeterProvider()}
	if diff := cmp.Diff(got, []bool{true, true}); diff != "" {
		t.Errorf("globals are t's providers (-got +want):\n%s", diff)
	}
	fields := otel.GetTextMapPropagator().Fields()
	slices.Sort(fields)
	if diff := cmp.Diff(fields, []string{"traceparent", "tracestate"}); diff != "" {
		t.Errorf("global propagator fields (-got +want):\n%s", diff)
	}
}

// TestResourceEnvErrors checks that a malformed OTEL_RESOURCE_ATTRIBUTES,
// which the SDK's resource.WithFromEnv rejects, stops New. (A bad
// percent-escape is not an error there: the SDK keeps the value as
// written and reports it to the OpenTelemetry error handler.)
func TestResourceEnvErrors(t *testing.T) {
	tests := []struct {
		give string
		want string
	}{
		{give: "novalue", want: "missing value"},
		{give: "team=a,novalue", want: "missing value"},
	}
	for _, tt := range tests {
		t.Run(tt.give, func(t *testing.T) {
			t.Setenv("OTEL_RESOURCE_ATTRIBUTES", tt.give)
			tel, err := telemetry.New(context.Background(), telemetry.Config{TracesExporters: []string{"console"}}, telemetry.WithConsoleWriter(io.Discard))
			if err == nil || !strings.Contains(err.Error(), "OTEL_RESOURCE_ATTRIBUTES") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New with OTEL_RESOURCE_ATTRIBUTES=%q: %v, %v; want an error containing %q", tt.give, tel, err, tt.want)
			}
		})
	}
}

// TestWithSpanProcessorAlone turns tracing on with a processor and no
// exporter: the middleware is installed and spans reach the processor.
func TestWithSpanProcessorAlone(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tel, err := telemetry.New(context.Background(), telemetry.Config{}, telemetry.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(exp)))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tel.Shutdown(context.Background()) }()
	if !tel.Enabled() {
		t.Fatal("a span processor alone does not turn tracing on")
	}
	_, span := tel.TracerProvider().Tracer("test").Start(context.Background(), "op")
	span.End()
	if n := len(exp.GetSpans()); n != 1 {
		t.Errorf("%d spans reached the processor, want 1", n)
	}
	off, err := telemetry.New(context.Background(), telemetry.Config{}, telemetry.WithSpanProcessor(nil))
	if err != nil {
		t.Fatal(err)
	}
	if off.Enabled() {
		t.Error("WithSpanProcessor(nil) turns tracing on")
	}
}
