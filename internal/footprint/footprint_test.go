package footprint

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Env turns the footprint test on: it builds three binaries and starts each
// a few times, which takes a minute. With Env=1 (CI) the test fails past
// each binary's ceiling — the limit where it is met, else today's
// measure with a small margin, so that nothing grows back; with
// Env=strict it fails past the limits, met or not.
const Env = "ALLFRAME_FOOTPRINT"

// The limits of issue 14 ("link only what is used"), for binaries built
// with go build's default flags (DWARF and symbol table included), and the
// ceilings enforced until they are met; sizes in bytes, 10^6 per MB.
// Measures of the last change are in BENCHMARKS.md (## Footprint).
var binaries = []struct {
	name            string
	pkg             string
	maxSize, maxRSS int64 // the limits: file size, idle resident set
	ceilSize        int64 // enforced with Env=1 while maxSize is not met
	ceilRSS         int64 // enforced with Env=1 while maxRSS is not met
}{
	{name: "hellorest", pkg: "./examples/hellorest", maxSize: 12e6, maxRSS: 20e6, ceilSize: 18e6, ceilRSS: 20e6},
	{name: "helloworld", pkg: "./examples/helloworld", maxSize: 25e6, maxRSS: 20e6, ceilSize: 28e6, ceilRSS: 20e6},
	{name: "bank", pkg: "./examples/bank", maxSize: 35e6, maxRSS: 30e6, ceilSize: 53.5e6, ceilRSS: 42e6},
}

// verdict says whether got meets the limit and fails the test past
// the enforced bound: the limit when strict, the ceiling otherwise.
func verdict(t *testing.T, what string, got, limit, ceiling int64, strict bool, detail func() string) {
	t.Helper()
	met := "met"
	if got > limit {
		met = "NOT met"
	}
	t.Logf("%s: %s, issue limit %s (%s), ceiling %s", what, MB(got), MB(limit), met, MB(ceiling))
	bound := max(limit, ceiling)
	if strict {
		bound = limit
	}
	if got > bound {
		t.Errorf("%s is %s, past %s%s", what, MB(got), MB(bound), detail())
	}
}

// TestFootprint builds the REST-only hello (examples/hellorest), the README's
// hello world over REST, GraphQL and gRPC (examples/helloworld) and the bank
// with default flags and fails past the size bounds (see Env), with the
// table of where the bytes go in the failure. It then starts each binary
// five times, logs the median time from exec to the first 200 of /readyz
// (timing is a benchmark's business, so it is not asserted) and fails past
// the bound of the idle resident set, the largest of the five read from
// /proc a second after ready.
func TestFootprint(t *testing.T) {
	mode := os.Getenv(Env)
	if mode == "" {
		t.Skip("builds and runs the examples; set " + Env + "=1 (CI does) or " + Env + "=strict")
	}
	if raceEnabled {
		t.Skip("measured by the run without -race (CI runs both; the binaries are the same)")
	}
	strict := mode == "strict"
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, b := range binaries {
		t.Run(b.name, func(t *testing.T) {
			bin := filepath.Join(dir, b.name)
			r, err := Build(root, b.pkg, bin)
			if err != nil {
				t.Fatal(err)
			}
			verdict(t, b.name+" binary", r.Size, b.maxSize, b.ceilSize, strict, func() string { return ":\n" + r.Table(30) })
			var starts []time.Duration
			var rss, anon int64
			for range 5 {
				start, idle := run(t, bin, dir)
				starts = append(starts, start)
				if idle.rss > rss {
					rss, anon = idle.rss, idle.anon
				}
			}
			t.Logf("%s: of the idle RSS, %s anonymous (heap, stacks), %s the binary's own pages", b.name, MB(anon), MB(rss-anon))
			slices.Sort(starts)
			t.Logf("%s: startup to ready %v (median of 5; not asserted: timing is the benchmarks' business)", b.name, starts[2].Round(time.Millisecond))
			verdict(t, b.name+" idle RSS", rss, b.maxRSS, b.ceilRSS, strict, func() string { return " (the binary's own pages count: see BENCHMARKS.md)" })
		})
	}
}

// memory is a resident set and its anonymous part.
type memory struct{ rss, anon int64 }

// run starts bin on free ports, waits for /readyz to answer 200 and returns
// the time that took and the resident set a second later.
func run(t *testing.T, bin, dir string) (time.Duration, memory) {
	t.Helper()
	httpAddr, grpcAddr := freeAddr(t), freeAddr(t)
	cmd := exec.Command(bin)
	cmd.Env = append(os.Environ(),
		"ALLFRAME_HTTP_ADDR="+httpAddr, "ALLFRAME_GRPC_ADDR="+grpcAddr,
		"ALLFRAME_EVENTSTORE=sqlite:"+filepath.Join(t.TempDir(), "bank.db"),
		"OTEL_SDK_DISABLED=true")
	cmd.Dir = dir
	var out strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &out
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() {
			_ = cmd.Wait() // killed by the signal: the exit status says nothing
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	}()
	client := &http.Client{Timeout: time.Second}
	deadline := begin.Add(20 * time.Second)
	for {
		resp, err := client.Get("http://" + httpAddr + "/readyz")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready after 20 s:\n%s", bin, out.String())
		}
		time.Sleep(time.Millisecond)
	}
	ready := time.Since(begin)
	time.Sleep(time.Second) // idle: let the start-up garbage settle
	return ready, memory{rss: status(t, cmd.Process.Pid, "VmRSS"), anon: status(t, cmd.Process.Pid, "RssAnon")}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// status reads a size in kB (VmRSS, RssAnon) of process pid from
// /proc/pid/status and returns it in bytes.
func status(t *testing.T, pid int, field string) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb * 1024
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}
