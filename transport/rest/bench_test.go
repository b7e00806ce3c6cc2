package rest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/go-playground/validator/v10"
	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

type benchHelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

type benchHelloOut struct {
	Message string `json:"message"`
}

func benchHello(_ context.Context, in benchHelloIn) (benchHelloOut, error) {
	return benchHelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

// rawEcho is the same handler written directly on echo, the way an echo
// user validates input: bind the path parameter, validate the struct with
// go-playground/validator, call the handler, write JSON.
func rawEcho(validate bool) http.Handler {
	e := echo.New()
	v := validator.New()
	e.GET("/hello/:name", func(c echo.Context) error {
		in := benchHelloIn{Name: c.Param("name")}
		if validate {
			if err := v.Struct(&in); err != nil {
				return c.JSON(http.StatusBadRequest, map[string]string{"error": err.Error()})
			}
		}
		out, err := benchHello(c.Request().Context(), in)
		if err != nil {
			return c.JSON(http.StatusInternalServerError, map[string]string{"error": "internal"})
		}
		return c.JSON(http.StatusOK, out)
	})
	return e
}

// framework is what a service serves: the HTTP host's mux (body limits,
// health, other protocols' routes) in front of the REST router.
func framework(tb testing.TB) http.Handler {
	a := app.New(app.Name("bench"))
	app.Query(a, "hello", benchHello, app.HTTP("GET", "/hello/{name}"))
	host := httpserver.New()
	a.Mount(host, rest.New())
	h, err := host.Handler(a)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

func serve(b *testing.B, h http.Handler) {
	req := httptest.NewRequest("GET", "/hello/Ada", nil)
	w := &discardWriter{h: http.Header{}}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		clear(w.h)
		w.code = 0
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatalf("status %d", w.code)
		}
	}
}

// discardWriter is a minimal ResponseWriter so the benchmark measures the
// handler stack, not a recorder's buffering.
type discardWriter struct {
	h    http.Header
	code int
}

func (w *discardWriter) Header() http.Header { return w.h }
func (w *discardWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return len(b), nil
}
func (w *discardWriter) WriteHeader(code int) { w.code = code }

// BenchmarkHello compares the framework's REST hello with the same handler
// written directly on echo, in the same run:
//
//	go test -run '^$' -bench Hello -benchmem -count 6 ./transport/rest/
func BenchmarkHello(b *testing.B) {
	b.Run("framework", func(b *testing.B) { serve(b, framework(b)) })
	b.Run("echo+validator", func(b *testing.B) { serve(b, rawEcho(true)) })
	b.Run("echo-novalidate", func(b *testing.B) { serve(b, rawEcho(false)) })
}

// BenchmarkHelloInterleaved alternates blocks of requests between the
// framework and the raw echo handlers (ABBA order, so drift on a shared
// machine hits both alike) and reports each one's ns per request and the
// ratios:
//
//	go test -run '^$' -bench HelloInterleaved -benchtime 200000x -count 6 ./transport/rest/
func BenchmarkHelloInterleaved(b *testing.B) {
	handlers := []http.Handler{framework(b), rawEcho(true), rawEcho(false)}
	req := httptest.NewRequest("GET", "/hello/Ada", nil)
	w := &discardWriter{h: http.Header{}}
	const block = 1000
	var elapsed [3]time.Duration
	var counts [3]int
	run := func(i, n int) {
		start := time.Now()
		for range n {
			clear(w.h)
			w.code = 0
			handlers[i].ServeHTTP(w, req)
		}
		elapsed[i] += time.Since(start)
		counts[i] += n
	}
	b.ResetTimer()
	for done := 0; done < b.N; done += block {
		n := min(block, b.N-done)
		order := []int{0, 1, 2, 2, 1, 0}
		if (done/block)%2 == 1 {
			order = []int{2, 1, 0, 0, 1, 2}
		}
		for _, i := range order {
			run(i, (n+1)/2)
		}
	}
	ns := func(i int) float64 { return float64(elapsed[i].Nanoseconds()) / float64(counts[i]) }
	b.ReportMetric(ns(0), "framework-ns/req")
	b.ReportMetric(ns(1), "echo+validator-ns/req")
	b.ReportMetric(ns(2), "echo-ns/req")
	b.ReportMetric(ns(0)/ns(1), "ratio-vs-echo+validator")
	b.ReportMetric(ns(0)/ns(2), "ratio-vs-echo")
}
