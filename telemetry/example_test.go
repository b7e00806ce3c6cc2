package telemetry_test

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
)

// A service reads the OTEL_* variables, builds Telemetry and installs it
// in its App: middleware, GET /metrics and a flush when the App stops.
// With nothing configured, no exporter runs and no middleware is added.
func ExampleNew() {
	ctx := context.Background()
	cfg, err := telemetry.ConfigFromEnv(func(string) string { return "" }) // nil reads os.Getenv
	if err != nil {
		panic(err)
	}
	tel, err := telemetry.New(ctx, cfg, telemetry.WithService("hello", "1.0.0"))
	if err != nil {
		panic(err)
	}
	a := app.New(app.Name("hello"))
	tel.Install(a)
	fmt.Println("exporting:", tel.Enabled(), "mounted:", len(a.Transports()))
	// Output: exporting: false mounted: 0
}

// Middleware works with any tracer and meter provider. Here an in-memory
// exporter shows the server span of a gRPC call, a child of the caller's.
func ExampleMiddleware() {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := app.New(app.Name("hello"), app.Use(telemetry.Middleware(tp, nil)))
	app.Query(a, "hello", func(_ context.Context, in RenameIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	})

	// What the gRPC transport does for one call.
	md := app.MapMetadata{}
	md.Set("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01")
	call := &app.Call{Protocol: app.ProtocolGRPC, Metadata: md, Route: "/hello.v1.HelloService/Hello", Input: &RenameIn{Name: "Ada"}}
	if _, err := a.Operation("hello").Handle(context.Background(), call); err != nil {
		panic(err)
	}

	s := exp.GetSpans()[0]
	fmt.Println(s.Name, s.SpanKind, "parent", s.Parent.SpanID())
	for _, kv := range s.Attributes {
		if strings.HasPrefix(string(kv.Key), "rpc.") {
			fmt.Println(kv.Key, "=", kv.Value.String())
		}
	}
	// Output:
	// hello.v1.HelloService/Hello server parent 00f067aa0ba902b7
	// rpc.system = grpc
	// rpc.service = hello.v1.HelloService
	// rpc.method = Hello
	// rpc.grpc.status_code = 0
}

// OTEL_METRICS_EXPORTER=prometheus (or an OTLP endpoint) turns on the
// Prometheus endpoint that Install mounts at GET /metrics.
func ExampleTelemetry_MetricsHandler() {
	ctx := context.Background()
	tel, err := telemetry.New(ctx, telemetry.Config{MetricsExporters: []string{"prometheus"}})
	if err != nil {
		panic(err)
	}
	defer func() { _ = tel.Shutdown(ctx) }()
	a := app.New(app.Name("hello"))
	app.Query(a, "hello", func(context.Context, RenameIn) (HelloOut, error) { return HelloOut{}, nil })
	tel.Install(a)
	for range 3 {
		_, _ = app.Invoke[RenameIn, HelloOut](ctx, a, "hello", RenameIn{Name: "Ada"})
	}

	rec := httptest.NewRecorder()
	tel.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		if line := sc.Text(); strings.HasPrefix(line, "allframe_operation_duration_seconds_count") {
			name, rest, _ := strings.Cut(line, "{")
			labels, value, _ := strings.Cut(rest, "} ")
			fmt.Println(name, strings.Join(strings.Split(labels, ",")[:3], ","), value)
		}
	}
	// Output: allframe_operation_duration_seconds_count allframe_code="ok",allframe_operation="hello",allframe_protocol="inprocess" 3
}

// LogHandler adds the trace and span ids of the ctx to each record.
func ExampleNewLogHandler() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	logger := slog.New(telemetry.NewLogHandler(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))

	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	logger.InfoContext(ctx, "charged card", "amount", 42)
	// Output: level=INFO msg="charged card" amount=42 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7
}
