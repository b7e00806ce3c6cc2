package telemetry_test

import (
	"context"
	"go/build"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Without WithHTTPStatus, a REST call (one that carries its request)
// reports the status the HTTP host answers.
func TestHTTPStatusFromTheHost(t *testing.T) {
	tests := []struct {
		give      string // name, selecting hello's result
		wantCode  app.Code
		wantError bool
	}{
		{give: "Ada", wantCode: app.CodeOK},
		{give: "nobody", wantCode: app.CodeNotFound},
		{give: "secret", wantCode: app.CodeInternal, wantError: true},
	}
	for _, tt := range tests {
		spans := traced(t, httpCall(tt.give, http.Header{}))
		if len(spans) != 1 {
			t.Fatalf("%s: got %d spans, want 1", tt.give, len(spans))
		}
		st := httpserver.StatusCode(tt.wantCode)
		got := []string{spans[0].Attrs["http.response.status_code"], spans[0].Attrs["error.type"]}
		want := []string{strconv.Itoa(st), ""}
		if tt.wantError {
			want[1] = strconv.Itoa(st)
		}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("%s: status, error.type (-got +want):\n%s", tt.give, diff)
		}
	}
}

// WithHTTPStatus overrides the host's mapping.
func TestHTTPStatusOverride(t *testing.T) {
	teapot := func(app.Code) int { return http.StatusTeapot }
	spans := traced(t, httpCall("secret", http.Header{}), telemetry.WithHTTPStatus(teapot))
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	got := []string{spans[0].Attrs["http.response.status_code"], spans[0].Attrs["error.type"], spans[0].Attrs["allframe.error.code"]}
	if diff := cmp.Diff(got, []string{"418", "", "internal"}); diff != "" {
		t.Errorf("status, error.type, error code (-got +want):\n%s", diff)
	}
}

// A protocol telemetry has no conventions for gets the generic ones: an
// INTERNAL span named after the operation, and its name on the metric.
func TestUnknownProtocol(t *testing.T) {
	fc := fakeCall{proto: app.Protocol("carrier-pigeon"), op: "hello", input: &HelloIn{Name: "nobody"}, md: http.Header{}, peer: "10.0.0.1:7", route: "/coop/1"}
	spans := traced(t, fc)
	want := []spanView{{
		Name: "hello", Kind: trace.SpanKindInternal, Trace: spans[0].Trace,
		Attrs: map[string]string{"allframe.operation": "hello", "allframe.error.code": "not_found", "network.peer.address": "10.0.0.1", "network.peer.port": "7"},
	}}
	if diff := cmp.Diff(spans, want); diff != "" {
		t.Errorf("spans (-got +want):\n%s", diff)
	}

	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	a := newApp(t, telemetry.Middleware(nil, mp))
	_, _ = serve(context.Background(), a, fc)
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			h, ok := m.Data.(metricdata.Histogram[float64])
			if !ok {
				continue
			}
			for _, dp := range h.DataPoints {
				p, _ := dp.Attributes.Value(telemetry.AttrProtocol)
				got = append(got, m.Name+" "+p.AsString())
			}
		}
	}
	if diff := cmp.Diff(got, []string{telemetry.MetricOperationDuration + " carrier-pigeon"}); diff != "" {
		t.Errorf("metrics (-got +want):\n%s", diff)
	}
}

// TestImports keeps telemetry free of transports: protocol conventions
// name protocols, and the HTTP status comes from the HTTP host.
func TestImports(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		for _, banned := range []string{
			"github.com/allframe-go/allframe/transport/rest", "github.com/allframe-go/allframe/transport/grpc",
			"github.com/allframe-go/allframe/transport/graphql", "github.com/allframe-go/allframe/graph",
			"github.com/labstack/echo", "github.com/99designs/gqlgen", "google.golang.org/grpc",
		} {
			if imp == banned || strings.HasPrefix(imp, banned+"/") {
				t.Errorf("telemetry imports %s", imp)
			}
		}
	}
}
