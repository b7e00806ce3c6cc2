package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"github.com/allframe-go/allframe/di/cqrsfx"
)

// benchClients is the number of concurrent HTTP clients of the end-to-end
// benchmark.
const benchClients = 32

// BenchmarkDeposits measures deposit commands end to end: HTTP/1.1 over
// loopback into the REST transport, validation, the account aggregate,
// the SQLite append (group commit) and the listing projection, with 32
// concurrent clients, on SQLite with both durability settings:
//
//   - accounts=64: deposits spread over 64 accounts;
//   - accounts=1: all on one hot account, whose queued commands the
//     aggregate decides in order and appends together (no conflicts arise
//     within a process);
//   - accounts=1/replicas=2: the hot account served by two service
//     instances on the same file, each half the clients: their commands
//     conflict and are retried on fresh state (conflicts/op), and the few
//     that exhaust their retries fail with aborted (aborted/op).
//
// It reports deposits/s (successful), p50 and p99 latency, and the mean
// number of requests per SQLite transaction (appends and projection
// batches; group commit).
//
//	go test -run '^$' -bench Deposits ./examples/bank/
func BenchmarkDeposits(b *testing.B) {
	for _, d := range []struct{ name, query string }{{"full", ""}, {"normal", "?durability=normal"}} {
		for _, v := range []struct{ accounts, replicas int }{{64, 1}, {1, 1}, {1, 2}} {
			name := fmt.Sprintf("durability=%s/accounts=%d", d.name, v.accounts)
			if v.replicas > 1 {
				name += fmt.Sprintf("/replicas=%d", v.replicas)
			}
			b.Run(name, func(b *testing.B) {
				benchDeposits(b, "sqlite:"+filepath.Join(b.TempDir(), "bank.db")+d.query, v.accounts, v.replicas)
			})
		}
	}
}

// BenchmarkDepositsPostgres is BenchmarkDeposits on PostgreSQL (the
// server in ALLFRAME_TEST_POSTGRES; skipped without it), 64 accounts: one
// service instance against three on the same schema (in this process,
// each with its own store, pool, writer and listener; the clients spread
// over them), so the ratio of the two deposits/s is what a second and
// third replica add on this machine. With affinity, a load balancer
// sends each account's requests to one replica (hashing the path), so
// replicas never race on an account.
//
//	go test -run '^$' -bench DepositsPostgres ./examples/bank/
func BenchmarkDepositsPostgres(b *testing.B) {
	for _, v := range []struct {
		replicas int
		affinity bool
	}{{1, false}, {3, false}, {3, true}} {
		name := fmt.Sprintf("accounts=64/replicas=%d", v.replicas)
		if v.affinity {
			name += "/affinity"
		}
		b.Run(name, func(b *testing.B) {
			benchDepositsRouted(b, postgresURL(b), 64, v.replicas, v.affinity)
		})
	}
}

// conflictCounter counts the appends that fail on a concurrency conflict.
type conflictCounter struct {
	cqrs.Store
	n *atomic.Int64
}

// OpenReadModel keeps the wrapped store's read models (the accounts
// listing) behind the counter.
func (c conflictCounter) OpenReadModel(ctx context.Context, spec cqrs.ReadModelSpec) (cqrs.RowStore, error) {
	rb, ok := c.Store.(cqrs.ReadModelBackend)
	if !ok {
		return nil, fmt.Errorf("the store %T keeps no read models", c.Store)
	}
	return rb.OpenReadModel(ctx, spec)
}

func (c conflictCounter) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	res, err := c.Store.Append(ctx, req)
	if errors.Is(err, cqrs.ErrConflict) {
		c.n.Add(1)
	}
	return res, err
}

// loadResult is what drive measured.
type loadResult struct {
	ok      []time.Duration // latencies of the 200 responses
	aborted int64           // 409 responses
	elapsed time.Duration
}

func (r loadResult) report(b *testing.B, unit string) {
	slices.Sort(r.ok)
	pct := func(p float64) float64 {
		return float64(r.ok[min(len(r.ok)-1, int(p*float64(len(r.ok))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(len(r.ok))/r.elapsed.Seconds(), unit)
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
}

// drive sends b.N requests from benchClients concurrent clients over
// keep-alive connections; newReq builds client c's request number i.
func drive(b *testing.B, newReq func(c int, i int64) *http.Request) loadResult {
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: benchClients}}
	defer hc.CloseIdleConnections()
	var (
		next         atomic.Int64
		wg           sync.WaitGroup
		mu           sync.Mutex
		res          = loadResult{ok: make([]time.Duration, 0, b.N)}
		aborted      atomic.Int64
		fails        atomic.Int64
		firstFailure atomic.Value
	)
	b.ResetTimer()
	t0 := time.Now()
	for c := range benchClients {
		wg.Go(func() {
			mine := make([]time.Duration, 0, b.N/benchClients+1)
			for i := next.Add(1) - 1; i < int64(b.N); i = next.Add(1) - 1 {
				req := newReq(c, i)
				start := time.Now()
				resp, err := hc.Do(req)
				if err != nil {
					fails.Add(1)
					firstFailure.CompareAndSwap(nil, err.Error())
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					mine = append(mine, time.Since(start))
				case http.StatusConflict: // aborted: retries exhausted
					aborted.Add(1)
				default:
					fails.Add(1)
					firstFailure.CompareAndSwap(nil, fmt.Sprintf("%d %s", resp.StatusCode, body))
				}
			}
			mu.Lock()
			res.ok = append(res.ok, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	res.elapsed = time.Since(t0)
	b.StopTimer()
	if n := fails.Load(); n > 0 {
		b.Fatalf("%d of %d requests failed, first: %v", n, b.N, firstFailure.Load())
	}
	res.aborted = aborted.Load()
	return res
}

func benchDeposits(b *testing.B, url string, accounts, replicas int) {
	benchDepositsRouted(b, url, accounts, replicas, false)
}

// benchDepositsRouted is benchDeposits; with affinity each account's
// requests go to one replica, else each client's to one replica.
func benchDepositsRouted(b *testing.B, url string, accounts, replicas int, affinity bool) {
	var conflicts atomic.Int64
	count := fx.Decorate(func(s cqrs.Store) cqrs.Store { return conflictCounter{Store: s, n: &conflicts} })
	servers := make([]*server, replicas)
	stores := make([]*cqrsfx.EventStore, replicas)
	for i := range servers {
		servers[i] = start(b, url, count, fx.Populate(&stores[i]))
	}
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = servers[0].restOpen(b, fmt.Sprint("owner", i)).ID
	}
	body := []byte(`{"amount":1}`)
	stats := func() (tx, req int64) {
		for _, es := range stores {
			switch s := es.Store.(type) {
			case *sqlite.Store:
				st := s.Stats()
				tx, req = tx+st.Transactions, req+st.Requests
			case *postgres.Store:
				st := s.Stats()
				tx, req = tx+st.Transactions, req+st.Requests
			}
		}
		return tx, req
	}
	tx0, req0 := stats()

	res := drive(b, func(c int, i int64) *http.Request {
		acc := (int(i) + c) % accounts
		to := servers[c%replicas]
		if affinity {
			to = servers[acc%replicas]
		}
		req, _ := http.NewRequest("POST", to.http+"/accounts/"+ids[acc]+"/deposit", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		return req
	})

	// Every acknowledged deposit counted exactly once.
	var total int64
	for _, id := range ids {
		total += servers[0].restGet(b, id).account.Balance
	}
	if total != int64(len(res.ok)) {
		b.Fatalf("balances sum to %d after %d acknowledged deposits of 1", total, len(res.ok))
	}
	res.report(b, "deposits/s")
	if tx1, req1 := stats(); tx1 > tx0 {
		b.ReportMetric(float64(req1-req0)/float64(tx1-tx0), "requests/commit")
	}
	if replicas > 1 {
		b.ReportMetric(float64(conflicts.Load())/float64(b.N), "conflicts/op")
		b.ReportMetric(float64(res.aborted)/float64(b.N), "aborted/op")
	}
}

// BenchmarkGetAccount is the baseline of BenchmarkDeposits: the same 32
// clients and HTTP stack reading accounts (getAccount: the aggregate from
// its cache, no write), so the difference is the cost of the command and
// its durable append.
func BenchmarkGetAccount(b *testing.B) {
	s := start(b, "sqlite:"+filepath.Join(b.TempDir(), "bank.db"))
	ids := make([]string, 64)
	for i := range ids {
		ids[i] = s.restOpen(b, fmt.Sprint("owner", i)).ID
	}
	res := drive(b, func(c int, i int64) *http.Request {
		req, _ := http.NewRequest("GET", s.http+"/accounts/"+ids[(int(i)+c)%len(ids)], nil)
		return req
	})
	res.report(b, "reads/s")
}
