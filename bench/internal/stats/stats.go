// Package stats lets the harness read a server's heap allocation count:
// every benchmark server calls Serve, which answers GET / on
// BENCH_STATS_ADDR with the process's cumulative allocated objects
// (runtime/metrics /gc/heap/allocs:objects), so allocations per request
// are measured in the server under load, the same way for every server.
package stats

import (
	"net"
	"net/http"
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
	srv := &http.Server{ReadHeaderTimeout: time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s := []metrics.Sample{{Name: allocs}}
		metrics.Read(s)
		_, _ = w.Write(strconv.AppendUint(nil, s[0].Value.Uint64(), 10))
	})}
	go func() { _ = srv.Serve(ln) }() // for the life of the process
	return nil
}
