package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/jackc/pgx/v5"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// waitLimit bounds every wait of the multi-node tests.
const waitLimit = 20 * time.Second

// The service under test: counters as aggregates ("add" commands append
// added events), a SQL projection "totals" (a table of totals per counter
// and a log of which replica applied which event, without a key, so a
// duplicate would show), the query "total" reading it, and the stream
// "counterEvents".

type added struct {
	N int64 `json:"n"`
}

type addIn struct {
	ID string `json:"id"`
	N  int64  `json:"n"`
}

type counterOut struct {
	ID    string `json:"id"`
	Total int64  `json:"total"`
	cqrs.Written
}

type idIn struct {
	ID string `json:"id"`
}

type counterEvent struct {
	N        int64 `json:"n"`
	Position int64 `json:"position"`
}

// replica is one service instance: its own Store (pool, writer, listener)
// on the shared schema, App and Bus.
type replica struct {
	name  string
	store *postgres.Store
	app   *app.App
	bus   *cqrs.Bus
	stop  func()
}

func newReplica(t *testing.T, dsn, schema, name string, opts ...postgres.Option) *replica {
	t.Helper()
	store := postgrestest.OpenSchema(t, dsn, schema, opts...)
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[added](reg, "added", 1)
	a := app.New(app.Name("counters"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, reg, cqrs.WithRetries(100), cqrs.WithConsistencyTimeout(waitLimit))
	r := &replica{name: name, store: store, app: a, bus: bus}
	counters := cqrs.NewAggregate(bus, "counter", func(s *int64, ev any) { *s += ev.(added).N })
	view := func(st cqrs.State[int64]) counterOut {
		return counterOut{ID: st.ID, Total: st.Value, Written: cqrs.Written{Position: st.Position}}
	}
	cqrs.Handle(counters, "add", func(in addIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[int64], in addIn) ([]any, error) {
			return []any{added{N: in.N}}, nil
		}, view)
	totals, applied := pgx.Identifier{schema, "totals"}.Sanitize(), pgx.Identifier{schema, "applied"}.Sanitize()
	bus.Projections().Add(postgres.NewProjection(store, "totals", func(ctx context.Context, tx pgx.Tx, ev cqrs.Event) error {
		data, err := reg.Decode(ev)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "INSERT INTO "+applied+" (position, replica) VALUES ($1, $2)", ev.Position, name); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "INSERT INTO "+totals+" (id, total) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET total = "+totals+".total + excluded.total",
			ev.Stream, data.(added).N)
		return err
	}, postgres.Setup(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+totals+" (id text PRIMARY KEY, total bigint NOT NULL); "+
			"CREATE TABLE IF NOT EXISTS "+applied+" (position bigint NOT NULL, replica text NOT NULL)")
		return err
	}), postgres.Reset(func(ctx context.Context, tx pgx.Tx) error {
		_, err := tx.Exec(ctx, "DELETE FROM "+totals+"; DELETE FROM "+applied)
		return err
	})))
	app.Query(a, "total", func(ctx context.Context, in idIn) (counterOut, error) {
		out := counterOut{ID: in.ID}
		err := store.Pool().QueryRow(ctx, "SELECT total FROM "+totals+" WHERE id = $1", counters.Stream(in.ID)).Scan(&out.Total)
		if errors.Is(err, pgx.ErrNoRows) {
			err = nil
		}
		return out, err
	}, bus.ReadsFrom("totals"))
	cqrs.EventStream(bus, "counterEvents", func(_ context.Context, in idIn) (cqrs.Filter, int64, error) {
		return cqrs.Filter{Streams: []string{counters.Stream(in.ID)}}, 0, nil
	}, func(ev cqrs.Event, data any) (counterEvent, bool) {
		return counterEvent{N: data.(added).N, Position: ev.Position}, true
	})

	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	r.stop = func() {
		once.Do(func() {
			ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
			defer cancel()
			if err := a.Stop(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(r.stop)
	return r
}

func (r *replica) add(id string, n int64, md ...string) (counterOut, error) {
	m := app.MapMetadata{}
	for i := 0; i+1 < len(md); i += 2 {
		m.Set(md[i], md[i+1])
	}
	return app.Invoke[addIn, counterOut](context.Background(), r.app, "add", addIn{ID: id, N: n}, app.WithMetadata(m))
}

func (r *replica) state(t *testing.T) string {
	t.Helper()
	st, err := r.bus.Projections().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st[0].State
}

// waitAll waits until the projection has reached the store's head on every
// replica.
func waitAll(t *testing.T, rs ...*replica) {
	t.Helper()
	head, err := rs[0].store.Head(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, r := range rs {
		if err := r.bus.Projections().WaitFor(ctx, head, "totals"); err != nil {
			t.Fatalf("replica %s: totals did not reach %d: %v", r.name, head, err)
		}
	}
}

// readModel returns the totals table and how many times each event was
// applied by each replica.
func readModel(t *testing.T, r *replica) (totals map[string]int64, byReplica map[string]int) {
	t.Helper()
	ctx := context.Background()
	schema := r.store.Schema()
	totals = map[string]int64{}
	rows, err := r.store.Pool().Query(ctx, "SELECT id, total FROM "+pgx.Identifier{schema, "totals"}.Sanitize())
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		totals[id] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	var dups int
	if err := r.store.Pool().QueryRow(ctx, "SELECT count(*) FROM (SELECT position FROM "+pgx.Identifier{schema, "applied"}.Sanitize()+
		" GROUP BY position HAVING count(*) > 1) d").Scan(&dups); err != nil {
		t.Fatal(err)
	}
	if dups > 0 {
		t.Errorf("%d events applied more than once", dups)
	}
	byReplica = map[string]int{}
	rows, err = r.store.Pool().Query(ctx, "SELECT replica, count(*) FROM "+pgx.Identifier{schema, "applied"}.Sanitize()+" GROUP BY replica")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		var n int
		if err := rows.Scan(&name, &n); err != nil {
			t.Fatal(err)
		}
		byReplica[name] = n
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	return totals, byReplica
}

// fold computes the totals from the log, as a fresh rebuild would.
func fold(t *testing.T, s *postgres.Store) (map[string]int64, int) {
	t.Helper()
	evs, err := s.ReadAll(context.Background(), 0, 1_000_000, cqrs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	for _, ev := range evs {
		var a added
		if _, err := fmt.Sscanf(string(ev.Data), `{"n":%d}`, &a.N); err != nil {
			t.Fatalf("event %d: %s", ev.Position, ev.Data)
		}
		out[ev.Stream] += a.N
	}
	return out, len(evs)
}

// checkExactlyOnce checks that the read model equals the fold of the log
// and that every event was applied once; it returns the counts by
// replica.
func checkExactlyOnce(t *testing.T, r *replica) map[string]int {
	t.Helper()
	totals, byReplica := readModel(t, r)
	want, n := fold(t, r.store)
	if diff := cmp.Diff(totals, want); diff != "" {
		t.Errorf("totals (-got +fold of the log):\n%s", diff)
	}
	applied := 0
	for _, c := range byReplica {
		applied += c
	}
	if applied != n {
		t.Errorf("%d events applied, the log holds %d (%v)", applied, n, byReplica)
	}
	return byReplica
}

// leaseHolder returns the backend pid of the session holding the totals
// lease on r's schema.
func leaseHolder(t *testing.T, r *replica) int {
	t.Helper()
	var pid int
	err := r.store.Pool().QueryRow(context.Background(), `SELECT a.pid FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
WHERE a.application_name = $1 AND l.locktype = 'advisory' AND l.granted AND l.objsubid = 1`,
		"allframe lease "+r.store.Schema()+" totals").Scan(&pid)
	if err != nil {
		t.Fatalf("lease holder: %v", err)
	}
	return pid
}

func TestProjectionExactlyOnceAndRebuild(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	r := newReplica(t, dsn, schema, "a")
	for i := range 50 {
		if _, err := r.add(fmt.Sprint("c", i%5), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, r)
	checkExactlyOnce(t, r)
	if st := r.state(t); st != cqrs.StateLive {
		t.Errorf("state %s, want live (the only replica holds the lease)", st)
	}

	// A restart continues from the checkpoint: nothing applied again.
	r.stop()
	r = newReplica(t, dsn, schema, "b")
	for i := range 10 {
		if _, err := r.add("c0", int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, r)
	if by := checkExactlyOnce(t, r); by["a"] != 50 || by["b"] != 10 {
		t.Errorf("applied by replica %v, want a: 50 (before the restart), b: 10", by)
	}

	// Rebuild: the read model equals the one built live.
	before, _ := readModel(t, r)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := r.bus.Projections().Rebuild(ctx, "totals"); err != nil {
		t.Fatal(err)
	}
	waitAll(t, r)
	after, by := readModel(t, r)
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("rebuilt totals (-got +before):\n%s", diff)
	}
	if by["b"] != 60 || len(by) != 1 {
		t.Errorf("after the rebuild, applied by %v, want b: 60", by)
	}
}

// A batch that another instance has applied in part since it was read is
// applied only for the rest: the checkpoint check fences a holder that
// lost its lease without knowing yet. A checkpoint moved back (Reset
// elsewhere) refuses the batch.
func TestProjectionSkipsWhatAnotherApplied(t *testing.T) {
	s := open(t)
	for i := range 6 {
		cqrstest.Append(t, s, "s", int64(i), cqrstest.Event("E", "{}"))
	}
	evs, err := s.ReadAll(context.Background(), 0, 100, cqrs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var applied []int64
	instance := func() *postgres.Projection {
		return postgres.NewProjection(s, "p", func(_ context.Context, _ pgx.Tx, ev cqrs.Event) error {
			mu.Lock()
			defer mu.Unlock()
			applied = append(applied, ev.Position)
			return nil
		})
	}
	p1, p2 := instance(), instance()
	ctx := context.Background()
	for _, p := range []*postgres.Projection{p1, p2} {
		if cp, err := p.Checkpoint(ctx); err != nil || cp != 0 {
			t.Fatalf("checkpoint %d, %v", cp, err)
		}
	}
	if err := p1.Apply(ctx, evs[:4], evs[3].Position); err != nil {
		t.Fatal(err)
	}
	if err := p2.Apply(ctx, evs, evs[5].Position); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(applied, []int64{1, 2, 3, 4, 5, 6}); diff != "" {
		t.Errorf("applied (-got +want):\n%s", diff)
	}
	if cp, err := s.LoadCheckpoint(ctx, "p"); err != nil || cp != 6 {
		t.Errorf("checkpoint %d, %v; want 6", cp, err)
	}
	if err := p1.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := p2.Apply(ctx, evs, evs[5].Position); !errors.Is(err, postgres.ErrCheckpointMoved) {
		t.Errorf("apply after a reset elsewhere: %v, want %v", err, postgres.ErrCheckpointMoved)
	}
	if len(applied) != 6 {
		t.Errorf("applied %v after the refused batch", applied)
	}
}

// Two replicas (two Stores, two Buses) run the same projection: one
// applies while the other stands by. Killing the holder's lease session
// mid-run (pg_terminate_backend) hands the projection to the other, which
// continues from the checkpoint; stopping that one hands it back. The
// read model equals a fresh rebuild, and no event was applied twice.
func TestProjectionOneWorkerAcrossReplicas(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := newReplica(t, dsn, schema, "a", postgres.WithLeaseTimeout(2*time.Second))
	b := newReplica(t, dsn, schema, "b", postgres.WithLeaseTimeout(2*time.Second))
	var holder, other *replica
	testenv.Eventually(t, waitLimit, func() bool {
		sa, sb := a.state(t), b.state(t)
		switch {
		case sa == cqrs.StateLive && sb == cqrs.StateStandby:
			holder, other = a, b
		case sb == cqrs.StateLive && sa == cqrs.StateStandby:
			holder, other = b, a
		}
		return holder != nil
	})

	// Load from both replicas while the holder's session is killed.
	const n = 400
	var wg sync.WaitGroup
	wg.Go(func() {
		for i := range n {
			r := a
			if i%2 == 1 {
				r = b
			}
			if _, err := r.add(fmt.Sprint("c", i%7), int64(i)); err != nil {
				t.Error(err)
				return
			}
		}
	})
	testenv.Eventually(t, waitLimit, func() bool {
		cp, err := a.store.LoadCheckpoint(context.Background(), "totals")
		return err == nil && cp >= n/4
	})
	pid := leaseHolder(t, holder)
	if _, err := holder.store.Pool().Exec(context.Background(), "SELECT pg_terminate_backend($1)", pid); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, waitLimit, func() bool { return leaseHolder(t, other) != pid })
	wg.Wait()
	waitAll(t, a, b)
	by := checkExactlyOnce(t, a)
	if by[other.name] == 0 {
		t.Errorf("applied by %v: replica %s never took over", by, other.name)
	}
	testenv.Eventually(t, waitLimit, func() bool { return other.state(t) == cqrs.StateLive && holder.state(t) == cqrs.StateStandby })

	// Stopping the new holder hands the projection back.
	other.stop()
	before := by[holder.name]
	for i := range 20 {
		if _, err := holder.add("c0", int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, holder)
	by = checkExactlyOnce(t, holder)
	if by[holder.name] < before+20 {
		t.Errorf("applied by %v after %s stopped; want %s to apply the last 20", by, other.name, holder.name)
	}
}

// A command on one replica returns a consistency token that a query on
// the other honours — whichever of them holds the projection's lease.
func TestConsistencyTokenAcrossReplicas(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	rs := []*replica{newReplica(t, dsn, schema, "a"), newReplica(t, dsn, schema, "b")}
	for i := range 20 {
		w, r := rs[i%2], rs[(i+1)%2]
		out, err := w.add("c", 1)
		if err != nil {
			t.Fatal(err)
		}
		got, err := app.Invoke[idIn, counterOut](context.Background(), r.app, "total", idIn{ID: "c"},
			app.WithMetadata(app.MapMetadata{cqrs.MetaConsistencyToken: {cqrs.FormatToken(out.Position)}}))
		if err != nil {
			t.Fatal(err)
		}
		if got.Total != int64(i+1) {
			t.Fatalf("replica %s read total %d with the token of replica %s's command %d", r.name, got.Total, w.name, i+1)
		}
	}
}

// The same idempotency key sent to both replicas at once runs once: one
// event, and both callers get its result.
func TestIdempotencyKeyOnTwoReplicasAtOnce(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	rs := []*replica{newReplica(t, dsn, schema, "a"), newReplica(t, dsn, schema, "b")}
	const keys = 30
	for k := range keys {
		outs := make([]counterOut, 2)
		var wg sync.WaitGroup
		for i, r := range rs {
			wg.Go(func() {
				out, err := r.add("c", 1, cqrs.MetaIdempotencyKey, fmt.Sprint("key-", k))
				if err != nil {
					t.Error(err)
				}
				outs[i] = out
			})
		}
		wg.Wait()
		if outs[0] != outs[1] {
			t.Errorf("key %d: replica a returned %+v, b %+v", k, outs[0], outs[1])
		}
	}
	evs, err := rs[0].store.ReadStream(context.Background(), "counter-c", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != keys {
		t.Errorf("%d events for %d keys sent twice each", len(evs), keys)
	}
}

// A live event stream served by one replica sees the commands run on the
// other.
func TestStreamSeesOtherReplica(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a, b := newReplica(t, dsn, schema, "a", noPoll), newReplica(t, dsn, schema, "b", noPoll)
	testenv.Eventually(t, waitLimit, func() bool { return b.store.Stats().Listens == 1 })
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan counterEvent, 64)
	done := make(chan error, 1)
	go func() {
		done <- app.InvokeStream(ctx, b.app, "counterEvents", idIn{ID: "c"}, func(e counterEvent) error {
			events <- e
			return nil
		})
	}()
	defer func() {
		cancel()
		<-done //nolint:errcheck // the stream ends with the cancellation
	}()
	for i := range 20 {
		out, err := a.add("c", int64(i+1))
		if err != nil {
			t.Fatal(err)
		}
		select {
		case e := <-events:
			if e.N != int64(i+1) || e.Position != out.Position {
				t.Fatalf("stream on b: %+v, want n %d at %d", e, i+1, out.Position)
			}
		case err := <-done:
			t.Fatalf("stream ended: %v", err)
		case <-time.After(waitLimit):
			t.Fatalf("stream on b did not see event %d appended on a", i+1)
		}
	}
}

// A holder cut off from the database without its connections closing (a
// network partition; a hung process) loses the lease within the lease
// timeout: the server ends its silent session (idle_session_timeout) and
// the replica standing by takes over; the cut-off holder notices, and
// stops applying.
func TestLeaseExpiresWhenTheHolderIsCutOff(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	px := newFreezer(t, dsn)
	const ttl = time.Second
	a := newReplica(t, px.dsn, schema, "a", postgres.WithLeaseTimeout(ttl))
	testenv.Eventually(t, waitLimit, func() bool { return a.state(t) == cqrs.StateLive })
	b := newReplica(t, dsn, schema, "b", postgres.WithLeaseTimeout(ttl))
	testenv.Eventually(t, waitLimit, func() bool { return b.state(t) == cqrs.StateStandby })
	if _, err := b.add("c", 1); err != nil {
		t.Fatal(err)
	}
	waitAll(t, a, b)

	px.freeze()
	cut := time.Now()
	testenv.Eventually(t, waitLimit, func() bool { return b.state(t) == cqrs.StateLive })
	took := time.Since(cut)
	t.Logf("b took over %v after a was cut off (lease timeout %v)", took.Round(time.Millisecond), ttl)
	if took > 3*ttl {
		t.Errorf("takeover took %v, want about the lease timeout %v", took, ttl)
	}
	// (a's Status would wait for the database: the applied log below
	// shows that a applied nothing more.)
	for i := range 10 {
		if _, err := b.add("c", int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, b)
	px.thaw()
	waitAll(t, a)
	if by := checkExactlyOnce(t, b); by["a"] != 1 || by["b"] != 10 {
		t.Errorf("applied by %v, want a: 1, b: 10", by)
	}
}

// freezer is a TCP proxy to the test server that can stop forwarding
// while keeping every connection open.
type freezer struct {
	dsn    string
	mu     sync.Mutex
	frozen bool
	thawed chan struct{}
}

func newFreezer(t *testing.T, dsn string) *freezer {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	target := u.Host
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u.Host = l.Addr().String()
	f := &freezer{dsn: u.String(), thawed: make(chan struct{})}
	close(f.thawed)
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		f.thaw()
		l.Close()
		connsMu.Lock()
		for _, c := range conns {
			c.Close()
		}
		connsMu.Unlock()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			connsMu.Lock()
			conns = append(conns, c, s)
			connsMu.Unlock()
			wg.Go(func() { f.pipe(s, c) })
			wg.Go(func() { f.pipe(c, s) })
		}
	})
	return f
}

func (f *freezer) pipe(dst, src net.Conn) {
	defer dst.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			f.mu.Lock()
			thawed := f.thawed
			f.mu.Unlock()
			<-thawed
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (f *freezer) freeze() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.frozen {
		f.frozen, f.thawed = true, make(chan struct{})
	}
}

func (f *freezer) thaw() {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.frozen {
		f.frozen = false
		close(f.thawed)
	}
}

// A rebuild started on the replica standing by resets the shared read
// model; the replica applying it notices and the model is rebuilt at once,
// though no new event comes.
func TestRebuildOnTheStandbyReplica(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := newReplica(t, dsn, schema, "a")
	testenv.Eventually(t, waitLimit, func() bool { return a.state(t) == cqrs.StateLive })
	b := newReplica(t, dsn, schema, "b")
	testenv.Eventually(t, waitLimit, func() bool { return b.state(t) == cqrs.StateStandby })
	for i := range 30 {
		if _, err := b.add(fmt.Sprint("c", i%3), int64(i)); err != nil {
			t.Fatal(err)
		}
	}
	waitAll(t, a, b)
	before, _ := readModel(t, a)
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := b.bus.Projections().Rebuild(ctx, "totals"); err != nil {
		t.Fatal(err)
	}
	waitAll(t, a, b)
	after, by := readModel(t, a)
	if diff := cmp.Diff(after, before); diff != "" {
		t.Errorf("rebuilt totals (-got +before):\n%s", diff)
	}
	// Either replica may rebuild it (a gives up its lease when it sees
	// the reset, and b is waiting for it), but one does, once.
	if by["a"]+by["b"] != 30 || len(by) != 1 {
		t.Errorf("applied by %v after the rebuild, want 30 events by one replica", by)
	}
}
