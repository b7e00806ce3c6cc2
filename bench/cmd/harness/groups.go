package main

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// impl is one implementation of a group's workloads: which server serves
// it and on which of its addresses.
type impl struct {
	name   string // as reported, e.g. "allframe", "echo"
	server string // key of the group's servers
	grpc   bool   // driven on the server's gRPC address (ghz) rather than HTTP (wrk)
}

// target is a goal of issue 14: the framework's CPU per request over a
// baseline's at most max, or (throughput) its requests/s over the
// baseline's at least min.
type target struct {
	baseline string
	max      float64 // CPU ratio ≤ max
	min      float64 // throughput ratio ≥ min (when max is 0)
}

// workload is one measured request (or rotation of requests).
type workload struct {
	name    string
	impls   []string // impls[0] is the framework
	targets []target
	// HTTP, driven by wrk: requests, one a line (METHOD\tPATH[\tBODY]),
	// per implementation name when they differ ("" for all).
	requests map[string][]string
	status   map[string]int // expected status per implementation ("" for all)
	// gRPC, driven by ghz.
	call    string // e.g. bench.v1.BenchService.Hello
	data    string
	perCall int // messages per call (server streams)
}

// group is a set of servers and the workloads run against them.
type group struct {
	name      string
	servers   map[string]*server
	args      map[string][]string // server key → arguments
	env       map[string][]string
	bin       map[string]string // server key → binary name in tmp
	impls     map[string]impl
	workloads []workload
}

// port hands out fixed loopback ports, far from the usual ones.
func port(n int) string { return "127.0.0.1:" + strconv.Itoa(18700+n) }

func frameworkServer(key, app string, base int) (*server, []string, []string) {
	s := &server{name: key, http: port(base), grpc: port(base + 1), stats: port(base + 2)}
	env := []string{"ALLFRAME_HTTP_ADDR=" + s.http, "ALLFRAME_GRPC_ADDR=" + s.grpc, "BENCH_STATS_ADDR=" + s.stats}
	return s, env, []string{"-app", app}
}

func baselineServer(g *group, key, implName string, base int, grpc bool) {
	s := &server{name: key, stats: port(base + 2)}
	if grpc {
		s.grpc = port(base)
	} else {
		s.http = port(base)
	}
	g.servers[key] = s
	g.bin[key] = "baseline"
	g.args[key] = []string{"-impl", implName, "-addr", port(base)}
	g.env[key] = []string{"BENCH_STATS_ADDR=" + s.stats}
}

func newGroup(name string) *group {
	return &group{name: name, servers: map[string]*server{}, args: map[string][]string{}, env: map[string][]string{},
		bin: map[string]string{}, impls: map[string]impl{}}
}

func (g *group) framework(key, app string, base int) {
	s, env, args := frameworkServer(key, app, base)
	g.servers[key], g.env[key], g.args[key], g.bin[key] = s, env, args, "allframe"
}

const (
	createBody  = `{"name":"Ada Lovelace","email":"ada@example.com","age":36,"country":"GB","plan":"pro"}`
	invalidBody = `{"name":"A","email":"nope","age":12,"country":"GBR","plan":"gold"}`
)

func restGroup() *group {
	g := newGroup("rest")
	g.framework("allframe", "workload", 0)
	all := []string{"allframe"}
	for i, b := range []string{"echo", "nethttp", "chi", "huma"} {
		baselineServer(g, b, b, 10+10*i, false)
		g.impls[b] = impl{name: b, server: b}
		all = append(all, b)
	}
	g.impls["allframe"] = impl{name: "allframe", server: "allframe"}
	one := func(line string) map[string][]string { return map[string][]string{"": {line}} }
	g.workloads = []workload{
		{name: "REST GET hello", impls: all, requests: one("GET\t/hello/Ada"),
			targets: []target{{baseline: "echo", max: 1.0}}},
		{name: "REST POST 5-field validated body", impls: all, requests: one("POST\t/users\t" + createBody),
			targets: []target{{baseline: "nethttp", max: 0.75}, {baseline: "huma", max: 0.6}}},
		{name: "REST GET 100-object list", impls: all, requests: one("GET\t/items?count=100")},
		{name: "REST validation failure (problem+json)", impls: all, requests: one("POST\t/users\t" + invalidBody),
			status:  map[string]int{"": 400, "huma": 422},
			targets: []target{{baseline: "nethttp", max: 1.0}}},
	}
	return g
}

func grpcGroup() *group {
	g := newGroup("grpc")
	g.framework("allframe", "workload", 0)
	baselineServer(g, "grpc", "grpc", 50, true)
	baselineServer(g, "connect", "connect", 60, true)
	g.servers["connect"].http = g.servers["connect"].grpc // h2c and HTTP/1.1 on one port
	g.framework("allframe-connect", "connect", 20)
	g.impls["allframe"] = impl{name: "allframe", server: "allframe", grpc: true}
	g.impls["allframe Connect"] = impl{name: "allframe Connect", server: "allframe-connect"}
	g.impls["connect-go Connect"] = impl{name: "connect-go Connect", server: "connect"}
	g.impls["grpc-go generated"] = impl{name: "grpc-go generated", server: "grpc", grpc: true}
	g.impls["connect-go"] = impl{name: "connect-go", server: "connect", grpc: true}
	all := []string{"allframe", "grpc-go generated", "connect-go"}
	g.workloads = []workload{
		{name: "gRPC unary hello", impls: all, call: "bench.v1.BenchService.Hello", data: `{"name":"Ada"}`,
			targets: []target{{baseline: "grpc-go generated", max: 0.97}}},
		{name: "gRPC unary, 100-element repeated nested message", impls: all, call: "bench.v1.BenchService.Items", data: `{"count":100}`,
			targets: []target{{baseline: "grpc-go generated", max: 0.85}}},
		{name: "gRPC server stream of 1,000 messages (per message)", impls: all, call: "bench.v1.BenchService.Ticks", data: `{"count":1000}`, perCall: 1000,
			targets: []target{{baseline: "grpc-go generated", min: 1.0}}},
		// The Connect protocol (unary JSON over HTTP/1.1, as curl or a
		// browser sends it): the framework's vanguard translation against
		// connect-go's own handler. No target; reported.
		{name: "Connect unary hello (JSON over HTTP/1.1)", impls: []string{"allframe Connect", "connect-go Connect"},
			requests: map[string][]string{"": {"POST\t/bench.v1.BenchService/Hello\t" + `{"name":"Ada"}`}}},
	}
	return g
}

// shapes returns n distinct GraphQL documents over items: field subsets,
// aliases and list sizes vary, so each is a new plan.
func shapes(n int) []string {
	fields := []string{"id", "name", "price", "inStock", "tags", "owner { id name email }"}
	out := make([]string, n)
	for k := range n {
		mask := k%63 + 1
		var sel []string
		for i, f := range fields {
			if mask&(1<<i) != 0 {
				sel = append(sel, f)
			}
		}
		q := fmt.Sprintf("query Q%d { a%d: items(count: %d) { items { %s } } }", k, k, 10+k%5, strings.Join(sel, " "))
		out[k] = "POST\t/graphql\t" + `{"query":"` + q + `"}`
	}
	return out
}

func graphqlGroup() *group {
	g := newGroup("graphql")
	g.framework("allframe", "graphql", 100)
	baselineServer(g, "gqlgen", "gqlgen", 110, false)
	g.impls["allframe"] = impl{name: "allframe", server: "allframe"}
	g.impls["gqlgen"] = impl{name: "gqlgen", server: "gqlgen"}
	all := []string{"allframe", "gqlgen"}
	one := func(body string) map[string][]string { return map[string][]string{"": {"POST\t/graphql\t" + body}} }
	g.workloads = []workload{
		{name: "GraphQL hello with variables", impls: all,
			requests: one(`{"query":"query H($name: String!) { hello(name: $name) { message } }","variables":{"name":"Ada"}}`),
			targets:  []target{{baseline: "gqlgen", max: 0.5}}},
		{name: "GraphQL 100-object list", impls: all,
			requests: one(`{"query":"{ items(count: 100) { items { id name price inStock tags owner { id name email } } } }"}`),
			targets:  []target{{baseline: "gqlgen", max: 0.5}}},
		{name: "GraphQL 100 query shapes in rotation", impls: all,
			requests: map[string][]string{"": shapes(100)},
			targets:  []target{{baseline: "gqlgen", max: 1.0}}},
	}
	return g
}

// runGroup starts g's servers, checks every workload once on every
// implementation, then measures: per workload, c.pairs rounds of one run
// per implementation, the order rotating from round to round.
func runGroup(c config, rep *report, g *group) error {
	defer stopAll()
	for key, s := range g.servers {
		if err := start(s, filepath.Join(c.tmp, g.bin[key]), g.env[key], g.args[key]...); err != nil {
			return err
		}
	}
	for _, w := range g.workloads {
		for _, name := range w.impls {
			if err := check(c, g, w, g.impls[name]); err != nil {
				return fmt.Errorf("%s on %s: %w", w.name, name, err)
			}
		}
		if !c.quick { // warm-up: one short run each, not recorded
			for _, name := range w.impls {
				if _, err := measure(config{tmp: c.tmp, dur: c.dur / 3, conns: c.conns, tick: c.tick}, g, w, g.impls[name], ""); err != nil {
					return fmt.Errorf("%s on %s: %w", w.name, name, err)
				}
			}
		}
		res := rep.workload(w)
		for round := range c.pairs {
			for i := range w.impls {
				name := w.impls[(i+round)%len(w.impls)]
				prof := ""
				if round == 0 {
					prof = w.name + " " + name
				}
				s, err := measure(c, g, w, g.impls[name], prof)
				if err != nil {
					return fmt.Errorf("%s on %s: %w", w.name, name, err)
				}
				res.add(name, round, s)
				logf("%-52s %-18s round %d: %8.0f req/s  %7.2f µs CPU/req  %6.1f allocs/req\n",
					w.name, name, round+1, s.rps, s.cpuUS, s.allocs)
			}
		}
	}
	return nil
}
