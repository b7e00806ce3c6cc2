// Command harness runs AllFrame's side-by-side benchmark (bench/run is its
// entry point): it builds the framework's servers and the baselines once,
// starts them on loopback, drives each with an independent load generator
// (wrk for HTTP, ghz for gRPC, bankload for the bank's deposits),
// interleaving framework and baseline runs (A B C … A B C …) for several
// rounds, and reports per workload the medians and spreads of requests/s,
// p50 / p99 latency, the server's CPU time per request (utime+stime
// delta of /proc/PID/stat over the requests served, so a saturated client
// cannot hide the server's cost) and its heap allocations per request
// (runtime/metrics, read from the server), with the framework / baseline
// ratios against the targets of issue 14.
//
//	go run ./cmd/harness [-d 3s] [-pairs 5] [-c 16] [-quick] [rest|grpc|graphql|bank ...]
package main

import (
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

//go:embed requests.lua
var requestsLua string

//go:embed overlay/bankstats.go.txt
var bankStats string

// config is what the flags set.
type config struct {
	dur    time.Duration
	pairs  int
	conns  int
	quick  bool
	out    string
	prof   string // directory for CPU profiles of the first round, if any
	groups []string
	tmp    string
	tick   float64 // seconds per clock tick of /proc/PID/stat
}

func main() {
	var c config
	flag.DurationVar(&c.dur, "d", 3*time.Second, "duration of each measured run (wrk needs whole seconds)")
	flag.IntVar(&c.pairs, "pairs", 5, "rounds: each runs the framework and every baseline once, interleaved")
	flag.IntVar(&c.conns, "c", 16, "connections (wrk), concurrent calls (ghz), clients (bankload)")
	flag.BoolVar(&c.quick, "quick", false, "one round of 1 s runs, no warm-up, report in results/quick.md: checks the harness, measures nothing worth quoting (CI)")
	flag.StringVar(&c.out, "o", "results/latest.md", "the Markdown report, also printed")
	flag.StringVar(&c.prof, "profile", "", "write a CPU profile of every server during its first measured run into this directory")
	flag.Parse()
	if c.quick {
		c.dur, c.pairs = time.Second, 1
		outSet := false
		flag.Visit(func(f *flag.Flag) { outSet = outSet || f.Name == "o" })
		if !outSet { // a check never replaces the committed results
			c.out = "results/quick.md"
		}
	}
	if c.dur < time.Second {
		c.dur = time.Second
	}
	c.groups = flag.Args()
	all := []string{"rest", "grpc", "graphql", "bank"}
	if len(c.groups) == 0 {
		c.groups = all
	}
	for _, g := range c.groups {
		if !slices.Contains(all, g) {
			log.Fatalf("harness: unknown group %q (want some of %s)", g, strings.Join(all, ", "))
		}
	}
	for _, tool := range []string{"wrk", "ghz"} {
		if _, err := exec.LookPath(tool); err != nil {
			log.Fatalf("harness: %s not found: run bench/run, which installs it", tool)
		}
	}
	c.tick = clockTick()
	tmp, err := os.MkdirTemp("", "allframe-bench-")
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	c.tmp = tmp
	if err := os.WriteFile(filepath.Join(tmp, "requests.lua"), []byte(requestsLua), 0o600); err != nil {
		log.Fatal(err)
	}
	if c.prof != "" {
		if err := os.MkdirAll(c.prof, 0o750); err != nil {
			log.Fatal(err)
		}
	}
	if err := build(tmp); err != nil {
		log.Fatal(err)
	}

	rep := newReport(c)
	started := time.Now()
	for _, g := range c.groups {
		var err error
		switch g {
		case "rest":
			err = runGroup(c, rep, restGroup())
		case "grpc":
			err = runGroup(c, rep, grpcGroup())
		case "graphql":
			err = runGroup(c, rep, graphqlGroup())
		case "bank":
			err = runBank(c, rep)
		}
		if err != nil { // reported, and the other groups still run
			stopAll()
			logf("harness: %s: %v\n", g, err)
			rep.errors = append(rep.errors, fmt.Sprintf("%s: %v", g, err))
		}
	}
	rep.elapsed = time.Since(started)
	md := rep.markdown()
	fmt.Print(md)
	if err := os.MkdirAll(filepath.Dir(c.out), 0o750); err == nil {
		err = os.WriteFile(c.out, []byte(md), 0o600)
		if err != nil {
			log.Print(err)
		}
	}
	if len(rep.errors) > 0 {
		os.Exit(1)
	}
}

// build compiles every binary once, before anything is measured. The
// bank gets the stats listener of the other servers through an overlay.
func build(tmp string) error {
	root, err := filepath.Abs("..")
	if err != nil {
		return err
	}
	statsFile := filepath.Join(tmp, "bankstats.go")
	overlay := filepath.Join(tmp, "overlay.json")
	if err := os.WriteFile(statsFile, []byte(bankStats), 0o600); err != nil {
		return err
	}
	o, _ := json.Marshal(map[string]map[string]string{"Replace": {filepath.Join(root, "examples", "bank", "zz_benchstats.go"): statsFile}})
	if err := os.WriteFile(overlay, o, 0o600); err != nil {
		return err
	}
	steps := [][]string{
		{"go", "build", "-o", filepath.Join(tmp, "allframe"), "./servers/allframe"},
		{"go", "build", "-o", filepath.Join(tmp, "baseline"), "./servers/baseline"},
		{"go", "build", "-o", filepath.Join(tmp, "bankload"), "./cmd/bankload"},
		{"go", "build", "-C", "..", "-overlay", overlay, "-o", filepath.Join(tmp, "bank"), "./examples/bank"},
	}
	for _, s := range steps {
		cmd := exec.Command(s[0], s[1:]...) //nolint:gosec // fixed commands
		cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("%s: %w", strings.Join(s, " "), err)
		}
	}
	return nil
}
