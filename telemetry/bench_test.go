package telemetry_test

import (
	"context"
	"net/http"
	"testing"

	"go.opentelemetry.io/otel/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
)

// BenchmarkMiddleware measures what telemetry costs per call, through
// op.Handle as a transport calls it. Compare each variant with "none"
// (no middleware at all) from the same run:
//
//	go test -run '^$' -bench Middleware -benchmem -benchtime 1s ./telemetry/
func BenchmarkMiddleware(b *testing.B) {
	ctx := context.Background()
	noopExporter := func() trace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		b.Cleanup(func() { _ = tp.Shutdown(ctx) })
		return tp
	}
	prometheus := func() metric.MeterProvider {
		tel, err := telemetry.New(ctx, telemetry.Config{MetricsExporters: []string{"prometheus"}})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { _ = tel.Shutdown(ctx) })
		return tel.MeterProvider()
	}
	nothing := func() []app.Middleware {
		tel, err := telemetry.New(ctx, telemetry.Config{})
		if err != nil {
			b.Fatal(err)
		}
		return []app.Middleware{tel.Middleware()}
	}
	sampledOff := func() trace.TracerProvider {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSampler(sdktrace.NeverSample()))
		b.Cleanup(func() { _ = tp.Shutdown(ctx) })
		return tp
	}
	variants := []struct {
		name string
		mw   func() []app.Middleware
	}{
		{"none", func() []app.Middleware { return nil }},
		{"nothing-configured", nothing},
		{"metrics-prometheus", func() []app.Middleware { return []app.Middleware{telemetry.Middleware(nil, prometheus())} }},
		{"tracing-sampled-off", func() []app.Middleware { return []app.Middleware{telemetry.Middleware(sampledOff(), nil)} }},
		{"tracing-noop-exporter", func() []app.Middleware { return []app.Middleware{telemetry.Middleware(noopExporter(), nil)} }},
		{"tracing+metrics", func() []app.Middleware {
			return []app.Middleware{telemetry.Middleware(noopExporter(), prometheus(), telemetry.WithHTTPStatus(statusCode))}
		}},
	}
	protocols := []struct {
		name string
		call func() fakeCall
	}{
		{"http", func() fakeCall { return httpCall("Ada", http.Header{"Traceparent": {traceparent}}) }},
		{"grpc", func() fakeCall { return grpcCall("Ada", traceparent) }},
	}
	for _, p := range protocols {
		for _, v := range variants {
			b.Run(p.name+"/"+v.name, func(b *testing.B) {
				a := newApp(b, v.mw()...)
				op := a.Operation("hello")
				fc := p.call()
				in := &HelloIn{Name: "Ada"}
				b.ReportAllocs()
				for b.Loop() {
					call := app.Call{Protocol: fc.proto, Metadata: fc.md, Peer: fc.peer, Route: fc.route, Input: in, HTTPRequest: fc.req}
					if _, err := op.Handle(ctx, &call); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
