package gqlgenbench

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/allframe-go/allframe/graph"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

// The benchmarks compare the framework's GraphQL endpoint with a
// gqlgen-generated server for the same schema (this package, with
// gqlgen's recommended setup: query cache, APQ, introspection), both
// through their HTTP handlers in the same process and run:
//
//	cd bench && go test -run '^$' -bench . -benchmem ./gqlgenbench/
//
// The framework and gqlgen sub-benchmarks measure each server alone, and
// executor the framework's executor behind gqlgen's stock transports (the
// framework's endpoint uses its own POST transport). The interleaved one
// rotates batches of requests to the three and reports the process CPU
// time per request (all threads, GC included) and the ratios, which is
// what the targets are about: fw/gqlgen-cpu ≤ 0.85 for hello and ≤ 0.6 for
// a list of 100 nested objects.

const (
	helloBody = `{"query":"{ hello(name: \"Ada\") { message } }"}`
	helloWant = `{"data":{"hello":{"message":"Hello, Ada!"}}}`
	itemsBody = `{"query":"{ items(count: 100) { items { id name price inStock tags owner { id name email } } } }"}`
)

func BenchmarkHello(b *testing.B) {
	benchPair(b, helloBody, helloWant)
}

func BenchmarkItems(b *testing.B) {
	benchPair(b, itemsBody, "")
}

func benchPair(b *testing.B, body, want string) {
	fw, err := graphql.Handler(NewApp())
	if err != nil {
		b.Fatal(err)
	}
	schema, err := graph.New(NewApp())
	if err != nil {
		b.Fatal(err)
	}
	servers := []struct {
		name string
		h    http.Handler
	}{
		{"framework", fw},
		{"gqlgen", NewServer()},
		// The framework's executor behind gqlgen's stock transports.
		{"executor", NewServerFor(schema.Executable())},
	}
	var first string
	for _, s := range servers {
		got := serveOnce(s.h, body)
		if want != "" && got != want {
			b.Fatalf("%s: got %s, want %s", s.name, got, want)
		}
		if first == "" {
			first = got
		} else if got != first {
			b.Fatalf("the servers answer differently:\n%s\n%s", first, got)
		}
	}
	for _, s := range servers {
		b.Run(s.name, func(b *testing.B) {
			c := newClient(body)
			b.ReportAllocs()
			for b.Loop() {
				c.serve(s.h)
			}
		})
	}
	b.Run("interleaved", func(b *testing.B) {
		const batch = 50
		c := newClient(body)
		var wall, cpu [3]time.Duration
		n := 0
		for b.Loop() {
			for i := range 3 {
				j := (i + n) % 3 // rotate which server goes first
				w0, c0 := time.Now(), cpuTime()
				for range batch {
					c.serve(servers[j].h)
				}
				cpu[j] += cpuTime() - c0
				wall[j] += time.Since(w0)
			}
			n++
		}
		reqs := float64(n * batch)
		b.ReportMetric(float64(cpu[0])/reqs, "fw-cpu-ns/req")
		b.ReportMetric(float64(cpu[1])/reqs, "gqlgen-cpu-ns/req")
		b.ReportMetric(float64(cpu[0])/float64(cpu[1]), "fw/gqlgen-cpu")
		b.ReportMetric(float64(wall[0])/float64(wall[1]), "fw/gqlgen-wall")
		b.ReportMetric(float64(cpu[2])/float64(cpu[1]), "executor/gqlgen-cpu")
	})
}

// cpuTime returns the CPU time of the process, all threads.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// client replays one request with as little harness work as possible, so
// the servers' own costs dominate.
type client struct {
	body []byte
	req  *http.Request
	rd   *bytes.Reader
	w    *discardWriter
}

func newClient(body string) *client {
	req := httptest.NewRequest(http.MethodPost, "/graphql", nil)
	req.Header.Set("Content-Type", "application/json")
	c := &client{body: []byte(body), req: req, rd: bytes.NewReader(nil), w: &discardWriter{h: http.Header{}}}
	req.Body = io.NopCloser(c.rd)
	return c
}

func (c *client) serve(h http.Handler) {
	c.rd.Reset(c.body)
	c.w.reset()
	h.ServeHTTP(c.w, c.req)
	if c.w.status != http.StatusOK {
		panic("status " + http.StatusText(c.w.status) + ": " + c.w.buf.String())
	}
}

func serveOnce(h http.Handler, body string) string {
	c := newClient(body)
	c.serve(h)
	return strings.TrimSpace(c.w.buf.String())
}

type discardWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (w *discardWriter) reset() {
	clear(w.h)
	w.status = 0
	w.buf.Reset()
}

func (w *discardWriter) Header() http.Header { return w.h }

func (w *discardWriter) WriteHeader(status int) {
	if w.status == 0 {
		w.status = status
	}
}

func (w *discardWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.buf.Write(b)
}
