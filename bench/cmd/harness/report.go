package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// report collects the samples of every workload and prints them.
type report struct {
	c         config
	results   []*result
	failed    bool // a target was missed (reported only: no timing is asserted)
	elapsed   time.Duration
	errors    []string // groups that failed
	startLoad string
	started   time.Time
}

// result holds the samples of one workload, by implementation and round.
type result struct {
	w       workload
	samples map[string][]sample
	rounds  map[string]map[int]sample
}

func newReport(c config) *report {
	return &report{c: c, startLoad: loadavg(), started: time.Now()}
}

func (r *report) workload(w workload) *result {
	res := &result{w: w, samples: map[string][]sample{}, rounds: map[string]map[int]sample{}}
	r.results = append(r.results, res)
	return res
}

func (res *result) add(name string, round int, s sample) {
	res.samples[name] = append(res.samples[name], s)
	if res.rounds[name] == nil {
		res.rounds[name] = map[int]sample{}
	}
	res.rounds[name][round] = s
}

// stat is a median with its spread.
type stat struct{ med, lo, hi float64 }

func stats(xs []float64) stat {
	if len(xs) == 0 {
		return stat{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return stat{m, s[0], s[len(s)-1]}
}

func pick(ss []sample, f func(sample) float64) stat {
	xs := make([]float64, len(ss))
	for i, s := range ss {
		xs[i] = f(s)
	}
	return stats(xs)
}

// ratio is the framework's (first implementation's) figure over name's,
// per round, summarised.
func (res *result) ratio(name string, f func(sample) float64) stat {
	first := res.w.impls[0]
	var xs []float64
	for round, b := range res.rounds[name] {
		a, ok := res.rounds[first][round]
		if ok && f(b) > 0 {
			xs = append(xs, f(a)/f(b))
		}
	}
	return stats(xs)
}

func (s stat) spread(format string) string {
	return fmt.Sprintf(format+" ("+format+"–"+format+")", s.med, s.lo, s.hi)
}

func (r *report) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "## Results — %s\n\n", r.started.UTC().Format("2006-01-02 15:04 UTC"))
	fmt.Fprintf(&b, "Machine: %s; %d cores (GOMAXPROCS %d); %s; Linux %s. Load average before: %s, after: %s.\n\n",
		cpuModel(), runtime.NumCPU(), runtime.GOMAXPROCS(0), goVersion(), kernel(), r.startLoad, loadavg())
	fmt.Fprintf(&b, "Run: `bench/run %s` — %d round(s) of %s per implementation, %d connections, took %s.",
		strings.Join(os.Args[1:], " "), r.c.pairs, r.c.dur, r.c.conns, r.elapsed.Round(time.Second))
	if r.c.quick {
		b.WriteString(" **Quick mode: one 1 s run each, no warm-up — a check of the harness, not a measurement.**")
	}
	b.WriteString("\n\nMedians with (min–max) over the rounds. CPU is the server process's utime+stime per request " +
		"(per message for the stream), allocs its heap objects per request; ratio is the first row's CPU (the framework's, " +
		"or gRPC's for the bank) over this row's, per round, median (min–max).\n\n")
	b.WriteString("| workload | impl | req/s | p50 ms | p99 ms | CPU µs/req | allocs/req | ratio (CPU) | target | met? |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, res := range r.results {
		first := res.w.impls[0]
		fwAllocs := pick(res.samples[first], func(s sample) float64 { return s.allocs }).med
		for i, name := range res.w.impls {
			ss := res.samples[name]
			if len(ss) == 0 {
				continue
			}
			rps := pick(ss, func(s sample) float64 { return s.rps })
			p50 := pick(ss, func(s sample) float64 { return s.p50ms })
			p99 := pick(ss, func(s sample) float64 { return s.p99ms })
			cpu := pick(ss, func(s sample) float64 { return s.cpuUS })
			al := pick(ss, func(s sample) float64 { return s.allocs })
			allocs := "—"
			if al.med >= 0 {
				allocs = fmt.Sprintf("%.1f", al.med)
			}
			ratio, tgt, met := "", "", ""
			if cl := pick(ss, func(s sample) float64 { return s.client }); cl.med > 0 {
				tgt = "client (bankload) CPU " + cl.spread("%.1f") + " µs/req"
			}
			if i > 0 {
				ratio = res.ratio(name, func(s sample) float64 { return s.cpuUS }).spread("%.2f×")
				for _, t := range res.w.targets {
					if t.baseline != name {
						continue
					}
					var ok bool
					if t.max > 0 {
						tgt = fmt.Sprintf("CPU ≤ %.2f×", t.max)
						ok = res.ratio(name, func(s sample) float64 { return s.cpuUS }).med <= t.max
					} else {
						thr := res.ratio(name, func(s sample) float64 { return s.rps })
						tgt = fmt.Sprintf("msgs/s ≥ %.2f× (is %s)", t.min, thr.spread("%.2f×"))
						ok = thr.med >= t.min
					}
					met = "CPU " + mark(ok)
					if t.min > 0 {
						met = "msgs/s " + mark(ok)
					}
					if al.med >= 0 && fwAllocs >= 0 {
						tgt += ", allocs ≤ +2"
						aok := fwAllocs <= al.med+2
						met += ", allocs " + mark(aok)
						ok = ok && aok
					}
					if !ok {
						r.failed = true
					}
				}
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", res.w.name, name,
				rps.spread("%.0f"), p50.spread("%.2f"), p99.spread("%.2f"), cpu.spread("%.2f"), allocs, ratio, tgt, met)
		}
	}
	for _, e := range r.errors {
		fmt.Fprintf(&b, "\n**Failed:** %s\n", e)
	}
	return b.String()
}

func mark(ok bool) string {
	if ok {
		return "✅"
	}
	return "❌"
}

func loadavg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer func() { _ = f.Close() }()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func goVersion() string { return runtime.Version() }

func kernel() string {
	out, err := exec.Command("uname", "-r").Output()
	if err != nil {
		return "?"
	}
	return strings.TrimSpace(string(out))
}
