package baseline_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/allframe-go/allframe/bench/baseline"
	"github.com/allframe-go/allframe/bench/workload"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// BenchmarkREST serves the REST workloads of bench/run in-process
// (ServeHTTP, no network) on the framework — the handler allframe.Run
// serves: the HTTP host's mux, REST, the default limits — and on each
// baseline, for allocations per request without the server's own net/http
// costs:
//
//	cd bench && go test -run '^$' -bench REST -benchmem ./baseline/
func BenchmarkREST(b *testing.B) {
	a := workload.NewApp()
	a.Use(middleware.Defaults()...)
	host := httpserver.New()
	a.Mount(host, rest.New())
	fw, err := host.Handler(a)
	if err != nil {
		b.Fatal(err)
	}
	impls := []struct {
		name string
		h    http.Handler
	}{{"allframe", fw}, {"echo", baseline.Echo()}, {"nethttp", baseline.NetHTTP()}, {"chi", baseline.Chi()}, {"huma", baseline.Huma()}}
	workloads := []struct {
		name, method, path, body string
		status                   int
	}{
		{"hello", "GET", "/hello/Ada", "", 200},
		{"createUser", "POST", "/users", `{"name":"Ada Lovelace","email":"ada@example.com","age":36,"country":"GB","plan":"pro"}`, 200},
		{"items", "GET", "/items?count=100", "", 200},
		{"invalid", "POST", "/users", `{"name":"A","email":"nope","age":12,"country":"GBR","plan":"gold"}`, 400},
	}
	for _, w := range workloads {
		for _, im := range impls {
			b.Run(w.name+"/"+im.name, func(b *testing.B) {
				body := []byte(w.body)
				rd := bytes.NewReader(body)
				req := httptest.NewRequest(w.method, w.path, nil)
				req.Header.Set("Content-Type", "application/json")
				nop := io.NopCloser(rd)
				req.ContentLength = int64(len(body))
				want := w.status
				if im.name == "huma" && want == 400 {
					want = 422
				}
				b.ReportAllocs()
				for b.Loop() {
					rd.Reset(body)
					req.Body = nop // a handler may have wrapped it (body limits)
					if len(body) == 0 {
						req.Body = http.NoBody // as net/http's server gives a GET
					}
					rec := httptest.NewRecorder()
					im.h.ServeHTTP(rec, req)
					if rec.Code != want {
						b.Fatalf("status %d, want %d: %s", rec.Code, want, rec.Body)
					}
				}
			})
		}
	}
}
