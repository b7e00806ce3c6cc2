package sqlite_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

// counterProjection sums the amounts of every event into one row, with no
// guard of its own against a repeated event: an event applied twice, or
// missed, shows in the total.
func counterProjection(s *sqlite.Store) *sqlite.Projection {
	return sqlite.NewProjection(s, "counter", func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error {
		var d deposit
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "UPDATE counter SET total = total + ?, events = events + 1 WHERE id = 1", d.Amount)
		return err
	}, sqlite.Setup(func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY CHECK (id = 1), total INTEGER NOT NULL, events INTEGER NOT NULL)"); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "INSERT INTO counter VALUES (1, 0, 0) ON CONFLICT (id) DO NOTHING")
		return err
	}), sqlite.Reset(func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "UPDATE counter SET total = 0, events = 0")
		return err
	}))
}

type counterTotals struct{ total, events int64 }

func readCounter(tb testing.TB, s *sqlite.Store) counterTotals {
	tb.Helper()
	var c counterTotals
	if err := s.DB().QueryRow("SELECT total, events FROM counter WHERE id = 1").Scan(&c.total, &c.events); err != nil {
		tb.Fatal(err)
	}
	return c
}

func depositEvent(amount int64) cqrs.EventData {
	return cqrs.EventData{Type: "t.Deposit", Data: fmt.Appendf(nil, `{"amount":%d}`, amount)}
}

// Two stores on one file (as two processes would be) each run the same
// same-transaction projection while both append: every event is counted
// exactly once, whichever instance applied it.
func TestProjectionTwoStoresOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	type instance struct {
		store *sqlite.Store
		bus   *cqrs.Bus
		app   *app.App
	}
	var insts [2]instance
	for i := range insts {
		s, err := sqlite.Open(path, sqlite.WithPollInterval(2*time.Millisecond), sqlite.WithDurability(sqlite.DurabilityNormal))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		a := app.New()
		bus := cqrs.NewBus(a, s, cqrs.NewRegistry(), cqrs.WithProjectionRetry(time.Millisecond))
		bus.Projections().Add(counterProjection(s))
		insts[i] = instance{store: s, bus: bus, app: a}
	}

	var mu sync.Mutex
	var want counterTotals
	appendFrom := func(inst, writer, n int) {
		s := insts[inst].store
		stream := fmt.Sprintf("i%d-w%d", inst, writer)
		for k := range n {
			amount := int64(1 + (writer*31+k)%97)
			if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{depositEvent(amount)}}); err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			want.total += amount
			want.events++
			mu.Unlock()
		}
	}
	// A backlog, so both instances catch up over the same batches at once.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() { appendFrom(w%2, w, 400) })
	}
	wg.Wait()
	for _, in := range insts {
		if err := in.bus.Start(ctx, in.app); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := in.bus.Stop(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	// Then live appends through both stores while both follow.
	for w := range 8 {
		wg.Go(func() { appendFrom(w%2, 10+w, 150) })
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	head, err := insts[0].store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if head != want.events {
		t.Fatalf("head %d after %d appends", head, want.events)
	}
	wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	for i, in := range insts {
		if err := in.bus.Projections().WaitFor(wctx, head, "counter"); err != nil {
			st, _ := in.bus.Projections().Status(ctx)
			t.Fatalf("instance %d did not reach %d: %+v", i, head, st)
		}
	}
	if got := readCounter(t, insts[0].store); got != want {
		t.Errorf("counter %+v, want %+v (each event exactly once)", got, want)
	}
	if cp, err := insts[1].store.LoadCheckpoint(ctx, "counter"); cp != head || err != nil {
		t.Errorf("checkpoint %d, %v; want %d", cp, err, head)
	}
}

// The compare-and-set step by step: two instances of one projection on
// one file apply overlapping batches; each event counts once, and a batch
// that continues from a checkpoint that has since moved back (a reset
// elsewhere) is refused whole.
func TestProjectionCheckpointCompareAndSet(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	ctx := context.Background()
	var stores [2]*sqlite.Store
	for i := range stores {
		s, err := sqlite.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			if err := s.Close(); err != nil {
				t.Error(err)
			}
		})
		stores[i] = s
	}
	for i := range 30 {
		if _, err := stores[i%2].Append(ctx, cqrs.AppendRequest{Stream: "s", ExpectedVersion: int64(i), Events: []cqrs.EventData{depositEvent(int64(i + 1))}}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := stores[0].ReadAll(ctx, 0, 100, cqrs.Filter{})
	if err != nil || len(evs) != 30 {
		t.Fatalf("read %d events: %v", len(evs), err)
	}
	ps := [2]*sqlite.Projection{counterProjection(stores[0]), counterProjection(stores[1])}
	// sum(n) is the total of the events at positions 1..n.
	sum := func(n int64) int64 { return n * (n + 1) / 2 }
	type op int
	const (
		checkpoint op = iota
		apply
		reset
	)
	tests := []struct {
		name     string
		give     op
		inst     int
		from, to int // the batch evs[from:to]
		want     counterTotals
		wantCP   int64
		wantErr  error
	}{
		{name: "both read checkpoint 0", give: checkpoint, inst: 0, want: counterTotals{}, wantCP: 0},
		{name: "second reads 0 too", give: checkpoint, inst: 1, want: counterTotals{}, wantCP: 0},
		{name: "first applies 1-10", give: apply, inst: 0, from: 0, to: 10, want: counterTotals{sum(10), 10}, wantCP: 10},
		{name: "second's 1-10 lost the race: nothing applied", give: apply, inst: 1, from: 0, to: 10, want: counterTotals{sum(10), 10}, wantCP: 10},
		{name: "second continues with 11-20", give: apply, inst: 1, from: 10, to: 20, want: counterTotals{sum(20), 20}, wantCP: 20},
		{name: "first's 11-15 is behind the checkpoint: skipped", give: apply, inst: 0, from: 10, to: 15, want: counterTotals{sum(20), 20}, wantCP: 20},
		{name: "first's 16-25 applies only 21-25", give: apply, inst: 0, from: 15, to: 25, want: counterTotals{sum(25), 25}, wantCP: 25},
		{name: "second resets", give: reset, inst: 1, want: counterTotals{}, wantCP: 0},
		{name: "first's 26-30 continues from 25, now gone: refused", give: apply, inst: 0, from: 25, to: 30, want: counterTotals{}, wantCP: 0, wantErr: sqlite.ErrCheckpointMoved},
		{name: "first resumes from the checkpoint", give: checkpoint, inst: 0, want: counterTotals{}, wantCP: 0},
		{name: "first replays everything", give: apply, inst: 0, from: 0, to: 30, want: counterTotals{sum(30), 30}, wantCP: 30},
		{name: "second's stale 1-5 after its reset: skipped", give: apply, inst: 1, from: 0, to: 5, want: counterTotals{sum(30), 30}, wantCP: 30},
	}
	for _, tt := range tests {
		p := ps[tt.inst]
		var err error
		switch tt.give {
		case checkpoint:
			var pos int64
			pos, err = p.Checkpoint(ctx)
			if pos != tt.wantCP {
				t.Errorf("%s: Checkpoint = %d, want %d", tt.name, pos, tt.wantCP)
			}
		case apply:
			batch := evs[tt.from:tt.to]
			err = p.Apply(ctx, batch, batch[len(batch)-1].Position)
		case reset:
			err = p.Reset(ctx)
		}
		if !errors.Is(err, tt.wantErr) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.wantErr)
		}
		if got := readCounter(t, stores[0]); got != tt.want {
			t.Errorf("%s: counter %+v, want %+v", tt.name, got, tt.want)
		}
		if cp, err := stores[1].LoadCheckpoint(ctx, "counter"); cp != tt.wantCP || err != nil {
			t.Errorf("%s: checkpoint %d, %v; want %d", tt.name, cp, err, tt.wantCP)
		}
	}
}

// NewProjection creates the projection's tables at once, so a query can
// read them before the projection (or the App) starts.
func TestProjectionSetupIsEager(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	p := counterProjection(s)
	if got := readCounter(t, s); got != (counterTotals{}) {
		t.Errorf("counter %+v before any event", got)
	}
	if err := p.Setup(ctx); err != nil {
		t.Errorf("Setup after a successful setup: %v", err)
	}

	// A setup that fails at creation is retried by Setup and Checkpoint.
	calls := 0
	flaky := sqlite.NewProjection(s, "flaky", func(context.Context, *sql.Tx, cqrs.Event) error { return nil },
		sqlite.Setup(func(ctx context.Context, tx *sql.Tx) error {
			calls++
			if calls == 1 {
				return errors.New("disk on fire")
			}
			_, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS flaky (n INTEGER)")
			return err
		}))
	if _, err := s.DB().Exec("SELECT n FROM flaky"); err == nil {
		t.Error("the failed setup created its table")
	}
	if err := flaky.Setup(ctx); err != nil {
		t.Fatalf("Setup retry: %v", err)
	}
	if _, err := s.DB().Exec("SELECT n FROM flaky"); err != nil {
		t.Errorf("table after the retried setup: %v", err)
	}
	if calls != 2 {
		t.Errorf("setup ran %d times, want 2", calls)
	}

	// A setup that keeps failing is reported by Setup and by Checkpoint
	// (so the runner shows it as the projection's error).
	broken := sqlite.NewProjection(s, "broken", func(context.Context, *sql.Tx, cqrs.Event) error { return nil },
		sqlite.Setup(func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, "CREATE TABLE (")
			return err
		}))
	if err := broken.Setup(ctx); err == nil || !strings.Contains(err.Error(), "set up projection broken") {
		t.Errorf("Setup of a broken projection = %v", err)
	}
	if _, err := broken.Checkpoint(ctx); err == nil || !strings.Contains(err.Error(), "set up projection broken") {
		t.Errorf("Checkpoint of a broken projection = %v", err)
	}
}

// A query registered on the App reads the projection's table before the
// App starts (and before the projection has applied anything).
func TestProjectionTableReadableBeforeStart(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	a := app.New()
	bus := cqrs.NewBus(a, s, cqrs.NewRegistry())
	bus.Projections().Add(counterProjection(s))
	type totalIn struct{}
	type totalOut struct {
		Total int64 `json:"total"`
	}
	app.Query(a, "total", func(ctx context.Context, _ totalIn) (totalOut, error) {
		var out totalOut
		err := s.DB().QueryRowContext(ctx, "SELECT total FROM counter WHERE id = 1").Scan(&out.Total)
		return out, err
	})
	if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{depositEvent(5)}}); err != nil {
		t.Fatal(err)
	}
	got, err := app.Invoke[totalIn, totalOut](ctx, a, "total", totalIn{})
	if err != nil {
		t.Fatalf("query before start: %v", err)
	}
	if got.Total != 0 {
		t.Errorf("total %d before the projection ran, want 0", got.Total)
	}
}
