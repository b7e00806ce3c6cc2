package console_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/console"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type helloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

type helloOut struct {
	Message string `json:"message"`
}

// helloService serves GET /hello/{name} over REST on the HTTP host's
// handler (in process, no network), with tracing over tp when it is not
// nil and con mounted when it is not nil.
func helloService(b *testing.B, tp *sdktrace.TracerProvider, con *console.Console) http.Handler {
	b.Helper()
	a := app.New(app.Name("bench"), app.Logger(slog.New(slog.DiscardHandler)))
	if tp != nil {
		a.Use(telemetry.Middleware(tp, nil))
	}
	app.Query(a, "hello", func(_ context.Context, in helloIn) (helloOut, error) {
		return helloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	host := httpserver.New()
	a.Mount(host, rest.New(rest.WithDocs(false)))
	if con != nil {
		a.Mount(con)
	}
	h, err := host.Handler(a)
	if err != nil {
		b.Fatal(err)
	}
	return h
}

func serveHello(b *testing.B, h http.Handler) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, "/hello/Ada", nil)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code, w.Body.String())
		}
	}
	// CPU time per request, the garbage collector's included: steadier
	// than ns/op on a shared machine, and what the recorder's budget is
	// about.
	if d := cpuTime() - cpu; d > 0 {
		b.ReportMetric(float64(d.Nanoseconds())/float64(b.N), "cpu-ns/op")
	}
}

// BenchmarkHello compares a REST call, in one run:
//   - tracing: telemetry's middleware over an SDK provider with no exporter,
//     with and without the console's recorder; the SDK snapshots ended
//     spans only for processors, so this difference includes the
//     snapshots, which any exporter costs too;
//   - tracing with a (discarding) exporter, with and without the recorder:
//     the recorder's own cost;
//   - no tracing: no console at all, and a console that is off
//     (console.FromEnv without ALLFRAME_CONSOLE), which must cost nothing.
//
// for i in 1 2 3 4 5 6; do go test -run '^$' -bench BenchmarkHello ./transport/console/; done | benchstat -col /variant -
//
// (a loop rather than -count, so that the variants interleave on a busy
// machine).
func BenchmarkHello(b *testing.B) {
	b.Run("variant=tracing", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider()
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		serveHello(b, helloService(b, tp, nil))
	})
	b.Run("variant=tracing+recorder", func(b *testing.B) {
		con := console.New()
		tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(con.SpanProcessor()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		serveHello(b, helloService(b, tp, con))
	})
	// With an exporter the SDK snapshots every ended span anyway: the
	// recorder's own cost is the difference of these two.
	b.Run("variant=tracing+exporter", func(b *testing.B) {
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		serveHello(b, helloService(b, tp, nil))
	})
	b.Run("variant=tracing+exporter+recorder", func(b *testing.B) {
		con := console.New()
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(tracetest.NewNoopExporter()), sdktrace.WithSpanProcessor(con.SpanProcessor()))
		b.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
		serveHello(b, helloService(b, tp, con))
	})
	b.Run("variant=no-console", func(b *testing.B) {
		serveHello(b, helloService(b, nil, nil))
	})
	b.Run("variant=console-off", func(b *testing.B) {
		b.Setenv(console.EnvEnabled, "")
		serveHello(b, helloService(b, nil, console.FromEnv()))
	})
}
