package telemetry_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
)

// records decodes JSON log lines.
func records(t *testing.T, b *bytes.Buffer) []map[string]any {
	t.Helper()
	var out []map[string]any
	dec := json.NewDecoder(b)
	for dec.More() {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			t.Fatalf("log line: %v", err)
		}
		delete(m, "time")
		out = append(out, m)
	}
	return out
}

func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("svc", "hello")
	tp := sdktrace.NewTracerProvider()
	ctx, span := tp.Tracer("test").Start(context.Background(), "op")
	sc := span.SpanContext()

	logger.InfoContext(ctx, "inside")
	logger.InfoContext(context.Background(), "outside")
	logger.WithGroup("g").InfoContext(ctx, "grouped", "k", "v")
	logger.DebugContext(ctx, "filtered")
	span.End()

	want := []map[string]any{
		{"level": "INFO", "msg": "inside", "svc": "hello", "trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()},
		{"level": "INFO", "msg": "outside", "svc": "hello"},
		{"level": "INFO", "msg": "grouped", "svc": "hello", "g": map[string]any{"k": "v", "trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()}},
	}
	if diff := cmp.Diff(records(t, &buf), want); diff != "" {
		t.Errorf("records (-got +want):\n%s", diff)
	}
}

func TestLogRequests(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	// The tracing middleware outside, request logging inside: records
	// carry the server span's ids.
	a := newApp(t, telemetry.Middleware(tp, nil), telemetry.LogRequests(logger))
	ctx := context.Background()
	_, _ = serve(ctx, a, httpCall("Ada", http.Header{"Traceparent": {traceparent}}))
	_, _ = serve(ctx, a, grpcCall("nobody", ""))
	_, _ = serve(ctx, a, graphqlCall("hello", &HelloIn{Name: "secret"}, ""))
	_, _ = serve(ctx, a, fakeCall{proto: app.ProtocolInProcess, op: "hello", input: &HelloIn{Name: "panic"}})

	spans := exp.GetSpans()
	if len(spans) != 4 {
		t.Fatalf("got %d spans, want 4", len(spans))
	}
	got := records(t, &buf)
	for _, r := range got {
		// slog's JSON handler writes durations as nanoseconds.
		if d, ok := r["duration"].(float64); !ok || d <= 0 || d > float64(time.Minute) {
			t.Errorf("duration %v, want a positive number of nanoseconds", r["duration"])
		}
		delete(r, "duration")
	}
	ids := func(i int) (string, string) {
		return spans[i].SpanContext.TraceID().String(), spans[i].SpanContext.SpanID().String()
	}
	t0, s0 := ids(0)
	t1, s1 := ids(1)
	t2, s2 := ids(2)
	t3, s3 := ids(3)
	want := []map[string]any{
		{"level": "INFO", "msg": "request", "operation": "hello", "protocol": "http", "code": "ok", "route": "/hello/{name}", "peer": "10.1.2.3:51000", "trace_id": t0, "span_id": s0},
		{"level": "INFO", "msg": "request", "operation": "hello", "protocol": "grpc", "code": "not_found", "route": "/hello.v1.HelloService/Hello", "peer": "127.0.0.1:53000", "error": "no such person", "trace_id": t1, "span_id": s1},
		{"level": "ERROR", "msg": "request", "operation": "hello", "protocol": "graphql", "code": "internal", "peer": "127.0.0.1:53001", "error": "internal error", "trace_id": t2, "span_id": s2},
		{"level": "ERROR", "msg": "request", "operation": "hello", "protocol": "inprocess", "code": "internal", "error": "panic", "trace_id": t3, "span_id": s3},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("records (-got +want):\n%s", diff)
	}
	if t0 != callerTrace {
		t.Errorf("trace id %s, want the caller's %s", t0, callerTrace)
	}
}

func TestLogRequestsLevel(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn}))
	warnClientErrors := func(c app.Code) slog.Level {
		if c == app.CodeOK {
			return slog.LevelInfo
		}
		return slog.LevelWarn
	}
	a := newApp(t, telemetry.LogRequests(logger, telemetry.WithLogLevel(warnClientErrors)))
	ctx := context.Background()
	_, _ = serve(ctx, a, grpcCall("Ada", ""))    // info: below the logger's level
	_, _ = serve(ctx, a, grpcCall("nobody", "")) // warn
	var got []string
	for _, r := range records(t, &buf) {
		got = append(got, r["level"].(string)+" "+r["code"].(string))
	}
	if diff := cmp.Diff(got, []string{"WARN not_found"}); diff != "" {
		t.Errorf("records (-got +want):\n%s", diff)
	}
}
