package main

import (
	"bytes"
	"context"
	"encoding/json"
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

// runBank measures examples/bank's deposits (SQLite, full durability)
// over REST, GraphQL and gRPC with the same Go client (bankload), in
// rotation, and reports the server's CPU per deposit on each protocol.
func runBank(c config, rep *report) error {
	defer stopAll()
	s := &server{name: "bank", http: port(200), grpc: port(201), stats: port(202)}
	env := []string{"ALLFRAME_HTTP_ADDR=" + s.http, "ALLFRAME_GRPC_ADDR=" + s.grpc, "BENCH_STATS_ADDR=" + s.stats,
		"ALLFRAME_EVENTSTORE=sqlite:" + filepath.Join(c.tmp, "bank.db")}
	if err := start(s, filepath.Join(c.tmp, "bank"), env); err != nil {
		return err
	}
	ids := make([]string, 0, 64)
	for n := range 64 {
		id, err := openAccount(s.http, n)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	idsFile := filepath.Join(c.tmp, "ids.txt")
	if err := os.WriteFile(idsFile, []byte(strings.Join(ids, "\n")+"\n"), 0o600); err != nil {
		return err
	}
	w := workload{name: "bank deposit (SQLite), same Go client", impls: []string{"gRPC", "REST", "GraphQL"}}
	res := rep.workload(w)
	run := func(proto string, dur time.Duration, profile string) (sample, error) {
		wait := s.profile(c, profile)
		defer wait()
		a0 := s.allocs()
		c0, err := s.cpu(c.tick)
		if err != nil {
			return sample{}, err
		}
		cmd := exec.Command(filepath.Join(c.tmp, "bankload"), "-proto", strings.ToLower(proto), //nolint:gosec // the harness's own binary
			"-http", s.http, "-grpc", s.grpc, "-ids", idsFile, "-c", strconv.Itoa(c.conns*2), "-d", dur.String())
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return sample{}, fmt.Errorf("bankload %s: %w: %s", proto, err, stderr.Bytes())
		}
		c1, err := s.cpu(c.tick)
		if err != nil {
			return sample{}, err
		}
		a1 := s.allocs()
		client := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
		var l struct {
			Requests int     `json:"requests"`
			Errors   int     `json:"errors"`
			Seconds  float64 `json:"seconds"`
			P50ms    float64 `json:"p50_ms"`
			P99ms    float64 `json:"p99_ms"`
		}
		if err := json.Unmarshal(out, &l); err != nil {
			return sample{}, err
		}
		if l.Requests == 0 || l.Errors > l.Requests/100 {
			return sample{}, fmt.Errorf("bankload %s: %d deposits, %d errors", proto, l.Requests, l.Errors)
		}
		return sample{rps: float64(l.Requests) / l.Seconds, p50ms: l.P50ms, p99ms: l.P99ms,
			cpuUS: float64(c1-c0) / 1e3 / float64(l.Requests), allocs: float64(a1-a0) / float64(l.Requests),
			client: float64(client) / 1e3 / float64(l.Requests)}, nil
	}
	if !c.quick {
		for _, p := range w.impls {
			if _, err := run(p, c.dur/3, ""); err != nil {
				return err
			}
		}
	}
	for round := range c.pairs {
		for i := range w.impls {
			p := w.impls[(i+round)%len(w.impls)]
			prof := ""
			if round == 0 {
				prof = "bank " + p
			}
			smp, err := run(p, c.dur, prof)
			if err != nil {
				return err
			}
			res.add(p, round, smp)
			logf("%-52s %-18s round %d: %8.0f req/s  %7.2f µs CPU/req  %6.1f allocs/req  client %7.2f µs CPU/req\n",
				w.name, p, round+1, smp.rps, smp.cpuUS, smp.allocs, smp.client)
		}
	}
	return nil
}

func openAccount(addr string, n int) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+addr+"/accounts",
		strings.NewReader(`{"owner":"bench-`+strconv.Itoa(n)+`"}`))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var out struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(b, &out); err != nil || out.ID == "" {
		return "", fmt.Errorf("open account: status %d: %s", resp.StatusCode, b)
	}
	return out.ID, nil
}
