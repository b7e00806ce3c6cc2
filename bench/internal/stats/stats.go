// Package stats lets the harness read a server's heap allocation count
// and profile it: every benchmark server calls Serve, which answers GET /
// on BENCH_STATS_ADDR with the process's cumulative allocated objects
// (runtime/metrics /gc/heap/allocs:objects), so allocations per request
// are measured in the server under load, the same way for every server,
// and serves net/http/pprof under /debug/pprof/. (examples/bank gets the
// same listener from the harness through a build overlay: bankstats.go.)
package stats

import (
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime/metrics"
	"strconv"
	"time"
)

const allocs = "/gc/heap/allocs:objects"

// Serve starts the stats listener when BENCH_STATS_ADDR is set. It lives
// as long as the process.
func Serve() error {
	addr := os.Getenv("BENCH_STATS_ADDR")
	if addr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, _ *http.Request) {
		s := []metrics.Sample{{Name: allocs}}
		metrics.Read(s)
		_, _ = w.Write(strconv.AppendUint(nil, s[0].Value.Uint64(), 10))
	})
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: mux}
	go func() { _ = srv.Serve(ln) }() // for the life of the process
	return nil
}
