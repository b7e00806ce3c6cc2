package telemetry_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// scrape GETs h and parses the Prometheus text exposition.
func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: status %d: %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// histCount returns the sample count of the histogram series of family
// name whose labels include want, or -1 when there is none.
func histCount(fams map[string]*dto.MetricFamily, name string, want map[string]string) int {
	f := fams[name]
	if f == nil {
		return -1
	}
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for k, v := range want {
			if labels[k] != v {
				match = false
			}
		}
		if match && m.GetHistogram() != nil {
			return int(m.GetHistogram().GetSampleCount())
		}
	}
	return -1
}

func TestPrometheusMetrics(t *testing.T) {
	ctx := context.Background()
	tel, err := telemetry.New(ctx, telemetry.Config{MetricsExporters: []string{"prometheus"}}, telemetry.WithService("hello", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = tel.Shutdown(ctx) })
	a := newApp(t, tel.Middleware(telemetry.WithHTTPStatus(statusCode)))
	calls := []fakeCall{
		httpCall("Ada", http.Header{}),
		httpCall("Bob", http.Header{}),
		httpCall("nobody", http.Header{}),
		grpcCall("Ada", ""),
		grpcCall("secret", ""),
		graphqlCall("hello", &HelloIn{Name: "Ada"}, ""),
		graphqlCall("ticks", &TickIn{N: 2}, ""),
		{proto: app.ProtocolInProcess, op: "hello", input: &HelloIn{Name: "Ada"}},
	}
	for _, fc := range calls {
		_, _ = serve(ctx, a, fc)
	}
	fams := scrape(t, tel.MetricsHandler())

	type series struct {
		name   string
		labels map[string]string
	}
	tests := []struct {
		give series
		want int
	}{
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "http", "allframe_code": "ok"}}, 2},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "http", "allframe_code": "not_found"}}, 1},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "grpc", "allframe_code": "ok"}}, 1},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "grpc", "allframe_code": "internal"}}, 1},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "graphql", "allframe_code": "ok"}}, 1},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "ticks", "allframe_protocol": "graphql", "allframe_code": "ok"}}, 1},
		{series{"allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello", "allframe_protocol": "inprocess", "allframe_code": "ok"}}, 1},
		{series{"http_server_request_duration_seconds", map[string]string{"http_request_method": "GET", "http_route": "/hello/{name}", "http_response_status_code": "200", "url_scheme": "http"}}, 2},
		{series{"http_server_request_duration_seconds", map[string]string{"http_route": "/hello/{name}", "http_response_status_code": "404"}}, 1},
		{series{"rpc_server_duration_milliseconds", map[string]string{"rpc_system": "grpc", "rpc_service": "hello.v1.HelloService", "rpc_method": "Hello", "rpc_grpc_status_code": "0"}}, 1},
		{series{"rpc_server_duration_milliseconds", map[string]string{"rpc_method": "Hello", "rpc_grpc_status_code": "13", "error_type": "INTERNAL"}}, 1},
	}
	for _, tt := range tests {
		if got := histCount(fams, tt.give.name, tt.give.labels); got != tt.want {
			t.Errorf("%s%v count = %d, want %d", tt.give.name, tt.give.labels, got, tt.want)
		}
	}
	// The default registry serves the Go runtime and the process too.
	want := []string{"go_goroutines"}
	if runtime.GOOS == "linux" {
		want = append(want, "process_resident_memory_bytes")
	}
	for _, name := range want {
		if _, ok := fams[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	// The resource reaches Prometheus as target_info.
	ti := fams["target_info"]
	var gotService []string
	for _, m := range ti.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "service_name" || l.GetName() == "service_version" {
				gotService = append(gotService, l.GetValue())
			}
		}
	}
	if diff := cmp.Diff(gotService, []string{"hello", "1.2.3"}); diff != "" {
		t.Errorf("target_info service labels (-got +want):\n%s", diff)
	}
}

func TestMetricsRoute(t *testing.T) {
	ctx := context.Background()
	tel, err := telemetry.New(ctx, telemetry.Config{MetricsExporters: []string{"prometheus"}})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	host := httpserver.New()
	a.Mount(host)
	tel.Install(a)
	if _, err := host.Handler(a); err != nil {
		t.Fatal(err)
	}
	got := host.Routes()
	if diff := cmp.Diff(got, []string{"GET /metrics"}); diff != "" {
		t.Errorf("routes (-got +want):\n%s", diff)
	}
	// Install added the middleware: a call shows up in /metrics.
	if _, err := app.Invoke[HelloIn, HelloOut](ctx, a, "hello", HelloIn{Name: "Ada"}); err != nil {
		t.Fatal(err)
	}
	if n := histCount(scrape(t, tel.MetricsHandler()), "allframe_operation_duration_seconds", map[string]string{"allframe_operation": "hello"}); n != 1 {
		t.Errorf("count after one call = %d, want 1", n)
	}
	// Install registered Shutdown with the App: stopping it shuts t down.
	if err := a.Stop(ctx); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := tel.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
}

func TestMetricsOff(t *testing.T) {
	tel, err := telemetry.New(context.Background(), telemetry.Config{})
	if err != nil {
		t.Fatal(err)
	}
	a := newApp(t)
	tel.Install(a)
	if ts := a.Transports(); len(ts) != 0 {
		t.Errorf("mounted with metrics off = %v, want nothing (no /metrics route)", ts)
	}
	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	if rec.Code != http.StatusNotFound || !strings.Contains(string(body), "OTEL_METRICS_EXPORTER=prometheus") {
		t.Errorf("GET /metrics with metrics off = %d %q, want 404 with a hint", rec.Code, body)
	}
}
