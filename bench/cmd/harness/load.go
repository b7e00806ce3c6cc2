package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

var logw io.Writer = os.Stderr

// logf reports progress on stderr (the table goes to stdout).
func logf(format string, args ...any) { _, _ = fmt.Fprintf(logw, format, args...) }

// sample is one measured run of one implementation.
type sample struct {
	rps    float64 // requests (or stream messages) per second
	p50ms  float64
	p99ms  float64
	cpuUS  float64 // server CPU µs per request (or message)
	allocs float64 // server heap objects per request (or message); -1 when unknown
	client float64 // load client CPU µs per request, when the harness runs the client (bank)
}

// load is what a load generator reports.
type load struct {
	requests int // successful requests (or messages)
	seconds  float64
	p50ms    float64
	p99ms    float64
}

// measure runs w against im once and reads the server's CPU and
// allocations around the run.
func measure(c config, g *group, w workload, im impl, profile string) (sample, error) {
	s := g.servers[im.server]
	wait := s.profile(c, profile)
	a0 := s.allocs()
	c0, err := s.cpu(c.tick)
	if err != nil {
		return sample{}, err
	}
	var l load
	if im.grpc {
		l, err = runGhz(c, s.grpc, w)
	} else {
		l, err = runWrk(c, s.http, w, im.name)
	}
	if err != nil {
		return sample{}, err
	}
	c1, err := s.cpu(c.tick)
	if err != nil {
		return sample{}, err
	}
	a1 := s.allocs()
	wait()
	if l.requests == 0 {
		return sample{}, errors.New("no request succeeded")
	}
	out := sample{rps: float64(l.requests) / l.seconds, p50ms: l.p50ms, p99ms: l.p99ms,
		cpuUS: float64(c1-c0) / 1e3 / float64(l.requests), allocs: -1}
	if a0 >= 0 && a1 >= 0 {
		out.allocs = float64(a1-a0) / float64(l.requests)
	}
	return out, nil
}

func requestsFor(w workload, name string) []string {
	if r, ok := w.requests[name]; ok {
		return r
	}
	return w.requests[""]
}

func statusFor(w workload, name string) int {
	if s, ok := w.status[name]; ok {
		return s
	}
	if s, ok := w.status[""]; ok {
		return s
	}
	return http.StatusOK
}

// check sends every request of w to im once and checks the status (and,
// for GraphQL, that no error came back), or makes one ghz call.
func check(c config, g *group, w workload, im impl) error {
	s := g.servers[im.server]
	if im.grpc {
		_, err := ghz(c, s.grpc, w, []string{"-n", "2", "-c", "1"})
		return err
	}
	want := statusFor(w, im.name)
	for _, line := range requestsFor(w, im.name) {
		parts := strings.SplitN(line, "\t", 3)
		var body io.Reader
		if len(parts) == 3 {
			body = strings.NewReader(parts[2])
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		req, err := http.NewRequestWithContext(ctx, parts[0], "http://"+s.http+parts[1], body)
		if err != nil {
			cancel()
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			cancel()
			return err
		}
		b, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		cancel()
		if resp.StatusCode != want {
			return fmt.Errorf("%s %s: status %d, want %d: %s", parts[0], parts[1], resp.StatusCode, want, b)
		}
		if strings.HasPrefix(parts[1], "/graphql") && bytes.Contains(b, []byte(`"errors"`)) {
			return fmt.Errorf("GraphQL errors: %s", b)
		}
	}
	return nil
}

// runWrk drives addr with wrk: one thread (the other core is the
// server's), c.conns connections, the requests of w in rotation.
func runWrk(c config, addr string, w workload, name string) (load, error) {
	reqFile := filepath.Join(c.tmp, "requests.txt")
	if err := os.WriteFile(reqFile, []byte(strings.Join(requestsFor(w, name), "\n")+"\n"), 0o600); err != nil {
		return load{}, err
	}
	secs := strconv.Itoa(max(1, int(c.dur.Round(time.Second)/time.Second)))
	cmd := exec.Command("wrk", "-t1", "-c"+strconv.Itoa(c.conns), "-d"+secs+"s", "--timeout", "5s", //nolint:gosec // fixed tool
		"-s", filepath.Join(c.tmp, "requests.lua"), "http://"+addr, "--", reqFile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return load{}, fmt.Errorf("wrk: %w: %s", err, out)
	}
	i := bytes.Index(out, []byte("WRK "))
	if i < 0 {
		return load{}, fmt.Errorf("wrk printed no summary: %s", out)
	}
	v := map[string]float64{}
	for _, kv := range strings.Fields(string(out[i+4:])) {
		k, val, _ := strings.Cut(kv, "=")
		f, _ := strconv.ParseFloat(val, 64)
		v[k] = f
	}
	ok := v["requests"]
	if statusFor(w, name) == http.StatusOK {
		ok -= v["non2xx"]
	} else if v["non2xx"] != v["requests"] {
		return load{}, fmt.Errorf("%v of %v responses were not the expected error", v["requests"]-v["non2xx"], v["requests"])
	}
	if v["socket_errors"] > 0 {
		logf("  (wrk: %v socket errors)\n", v["socket_errors"])
	}
	return load{requests: int(ok), seconds: v["seconds"], p50ms: v["p50_ms"], p99ms: v["p99_ms"]}, nil
}

// ghzReport is the part of ghz's JSON report the harness reads.
type ghzReport struct {
	Count   int     `json:"count"`
	Total   float64 `json:"total"` // ns
	Latency []struct {
		Percentage int     `json:"percentage"`
		Latency    float64 `json:"latency"` // ns
	} `json:"latencyDistribution"`
	Status map[string]int `json:"statusCodeDistribution"`
	Errors map[string]int `json:"errorDistribution"`
}

// runGhz drives addr with ghz: c.conns concurrent calls over 4
// connections, w's call and data, from the workload's committed .proto.
func runGhz(c config, addr string, w workload) (load, error) {
	r, err := ghz(c, addr, w, []string{"-z", c.dur.String(), "-c", strconv.Itoa(c.conns), "--connections", "4"})
	if err != nil {
		return load{}, err
	}
	l := load{requests: r.Status["OK"], seconds: r.Total / 1e9}
	if w.perCall > 0 {
		l.requests *= w.perCall
	}
	for _, p := range r.Latency {
		switch p.Percentage {
		case 50:
			l.p50ms = p.Latency / 1e6
		case 99:
			l.p99ms = p.Latency / 1e6
		}
	}
	return l, nil
}

func ghz(c config, addr string, w workload, extra []string) (ghzReport, error) {
	args := append([]string{"--insecure", "--proto", "workload/benchpb/bench.proto", "--call", w.call, "-d", w.data,
		"--format", "json"}, extra...)
	args = append(args, addr)
	cmd := exec.Command("ghz", args...) //nolint:gosec // fixed tool
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return ghzReport{}, fmt.Errorf("ghz: %w: %s", err, stderr.Bytes())
	}
	var r ghzReport
	if err := json.Unmarshal(out, &r); err != nil {
		return ghzReport{}, fmt.Errorf("ghz: %w", err)
	}
	// A run stopped by -z cancels the calls in flight (Canceled, or
	// Unavailable when ghz closes a connection under them): at most one
	// per concurrent caller and connection. Any other failure fails.
	failed := 0
	for code, n := range r.Status {
		switch code {
		case "OK":
		case "Canceled", "Unavailable":
			failed += n
		default:
			return r, fmt.Errorf("ghz: calls failed: %v %v", r.Status, r.Errors)
		}
	}
	if r.Status["OK"] == 0 || failed > 2*c.conns {
		return r, fmt.Errorf("ghz: calls failed: %v %v", r.Status, r.Errors)
	}
	return r, nil
}
