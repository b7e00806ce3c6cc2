package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/sqlite"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
)

func TestRestart(t *testing.T) {
	cqrstest.RunRestart(t, func(tb testing.TB) cqrstest.Reopen {
		path := filepath.Join(tb.TempDir(), "events.db")
		return func(tb testing.TB) (cqrs.Store, func()) {
			s, err := sqlite.Open(path)
			if err != nil {
				tb.Fatal(err)
			}
			return s, func() {
				if err := s.Close(); err != nil {
					tb.Error(err)
				}
			}
		}
	})
}

func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		give string
		want string
	}{
		{give: "", want: "needs a file"},
		{give: ":memory:", want: "needs a file"},
		{give: filepath.Join(dir, "a?b.db"), want: "must not contain"},
		{give: filepath.Join(dir, "missing", "dir", "x.db"), want: "unable to open"},
	}
	for _, tt := range tests {
		s, err := sqlite.Open(tt.give)
		if err == nil {
			_ = s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q) = %v, want an error containing %q", tt.give, err, tt.want)
		}
	}
	// A file written by a newer schema is refused, not misread.
	path := filepath.Join(dir, "newer.db")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	_ = db.Close()
	if s, err := sqlite.Open(path); err == nil || !strings.Contains(err.Error(), "newer") {
		if s != nil {
			_ = s.Close()
		}
		t.Errorf("Open of a newer schema = %v", err)
	}
}

func TestCloseDrainsAndRefuses(t *testing.T) {
	path := filepath.Join(t.TempDir(), "events.db")
	s, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	// The first batch's sync is held, so that appends are queued behind
	// it when Close begins: Close must drain them.
	held, gate := make(chan struct{}), make(chan struct{})
	var holdOnce sync.Once
	sqlite.SetSync(s, func(f *os.File) error {
		holdOnce.Do(func() { close(held); <-gate })
		return f.Sync()
	})
	ctx := context.Background()
	subDone := make(chan error, 1)
	go func() {
		subDone <- s.Subscribe(ctx, 0, cqrs.Filter{}, func([]cqrs.Event) error { return nil })
	}()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var acked []int64
	for i := range 32 {
		wg.Go(func() {
			res, err := s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("s-%d", i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
			if err == nil {
				mu.Lock()
				acked = append(acked, res.LastPosition)
				mu.Unlock()
			} else if !errors.Is(err, cqrs.ErrClosed) {
				t.Error(err)
			}
		})
	}
	<-held
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	testenv.Eventually(t, 5*time.Second, func() bool { return sqlite.Closing(s) })
	close(gate)
	if err := <-closed; err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	if len(acked) == 0 {
		t.Error("no append queued before Close was acknowledged: Close did not drain them")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	select {
	case err := <-subDone:
		if !errors.Is(err, cqrs.ErrClosed) {
			t.Errorf("subscription ended with %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscription did not end on Close")
	}
	if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "x", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}}); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("Append after Close: %v", err)
	}
	if _, err := s.ReadAll(ctx, 0, 10, cqrs.Filter{}); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("ReadAll after Close: %v", err)
	}
	if err := s.SaveCheckpoint(ctx, "p", 1); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("SaveCheckpoint after Close: %v", err)
	}
	s2, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = s2.Close() }()
	for _, pos := range acked {
		evs, err := s2.ReadAll(ctx, pos-1, 1, cqrs.Filter{})
		if err != nil || len(evs) != 1 || evs[0].Position != pos {
			t.Errorf("acknowledged position %d missing after Close: %v %v", pos, evs, err)
		}
	}
}

func TestGroupCommit(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	const writers, each = 64, 20
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("w-%d", w), ExpectedVersion: int64(i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Requests != writers*each || st.Events != writers*each {
		t.Fatalf("stats %+v", st)
	}
	if st.Transactions*2 > st.Requests {
		t.Errorf("%d transactions for %d concurrent appends: group commit is not batching", st.Transactions, st.Requests)
	}
	if st.Syncs == 0 || st.Syncs*2 > st.Requests {
		t.Errorf("%d WAL syncs for %d concurrent appends: syncs are not grouped", st.Syncs, st.Requests)
	}
	t.Logf("%d appends in %d transactions, %d syncs", st.Requests, st.Transactions, st.Syncs)
}

func TestWriteIsolatesFailures(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	if err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE notes (n INTEGER)")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// Many writes at once share transactions; the failing ones roll back
	// alone.
	var wg sync.WaitGroup
	errs := make([]error, 60)
	for i := range errs {
		wg.Go(func() {
			switch i % 3 {
			case 0:
				_, errs[i] = s.Append(ctx, cqrs.AppendRequest{Stream: fmt.Sprintf("s-%d", i), Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
			case 1:
				errs[i] = s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
					if _, err := tx.ExecContext(ctx, "INSERT INTO notes VALUES (?)", i); err != nil {
						return err
					}
					if i%2 == 1 {
						return errors.New("handler failed")
					}
					return nil
				})
			case 2:
				errs[i] = s.Write(ctx, func(context.Context, *sql.Tx) error { panic("handler panicked") })
			}
		})
	}
	wg.Wait()
	var notes int
	for i, err := range errs {
		switch {
		case i%3 == 0 && err != nil:
			t.Errorf("append %d failed: %v", i, err)
		case i%3 == 1 && i%2 == 1 && (err == nil || err.Error() != "handler failed"):
			t.Errorf("failing write %d returned %v", i, err)
		case i%3 == 1 && i%2 == 0:
			if err != nil {
				t.Errorf("write %d failed: %v", i, err)
			}
			notes++
		case i%3 == 2 && (err == nil || !strings.Contains(err.Error(), "panicked")):
			t.Errorf("panicking write %d returned %v", i, err)
		}
	}
	var got int
	if err := s.DB().QueryRow("SELECT COUNT(*) FROM notes").Scan(&got); err != nil || got != notes {
		t.Errorf("notes = %d, %v; want %d (failed writes rolled back)", got, err, notes)
	}
	if head, _ := s.Head(ctx); head != 20 {
		t.Errorf("head %d, want 20 appended events", head)
	}
	// The read pool cannot write.
	if _, err := s.DB().Exec("INSERT INTO notes VALUES (1)"); err == nil {
		t.Error("DB() accepted a write")
	}
}

func TestTwoStoresOnOneFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "shared.db")
	a, err := sqlite.Open(path, sqlite.WithPollInterval(5*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Close() }()
	b, err := sqlite.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = b.Close() }()
	ctx := context.Background()
	seen := make(chan cqrs.Event, 100)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	subDone := make(chan error, 1)
	go func() {
		subDone <- a.Subscribe(sctx, 0, cqrs.Filter{}, func(evs []cqrs.Event) error {
			for _, e := range evs {
				seen <- e
			}
			return nil
		})
	}()
	stores := []*sqlite.Store{a, b}
	for i := range 10 {
		res, err := stores[i%2].Append(ctx, cqrs.AppendRequest{Stream: "shared", ExpectedVersion: int64(i), Events: []cqrs.EventData{cqrstest.Event("A", fmt.Sprintf(`{"i":%d}`, i))}})
		if err != nil {
			t.Fatalf("append %d through store %d: %v", i, i%2, err)
		}
		if res.FirstPosition != int64(i+1) {
			t.Fatalf("append %d landed at %d", i, res.FirstPosition)
		}
	}
	_, err = a.Append(ctx, cqrs.AppendRequest{Stream: "shared", ExpectedVersion: 5, Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
	if !errors.Is(err, cqrs.ErrConflict) {
		t.Errorf("stale append across stores: %v", err)
	}
	var got []int64
	for len(got) < 10 {
		select {
		case e := <-seen:
			got = append(got, e.Version)
		case <-time.After(5 * time.Second):
			t.Fatalf("subscription on one store saw %v of the other's writes", got)
		}
	}
	if diff := cmp.Diff(got, []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}); diff != "" {
		t.Error(diff)
	}
	cancel()
	if err := <-subDone; !errors.Is(err, context.Canceled) {
		t.Errorf("subscription ended with %v, want context.Canceled", err)
	}
}

// A read model in the same file: one row per account with its balance.
func accountsProjection(s *sqlite.Store, reg *cqrs.Registry) *sqlite.Projection {
	return sqlite.NewProjection(s, "balances", func(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error {
		data, err := reg.Decode(ev)
		if errors.Is(err, cqrs.ErrUnknownEvent) {
			return nil
		}
		if err != nil {
			return err
		}
		amount := int64(0)
		switch e := data.(type) {
		case deposit:
			amount = e.Amount
		case poison:
			return errors.New("poison")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO balances (stream, balance, events) VALUES (?, ?, 1)
			ON CONFLICT (stream) DO UPDATE SET balance = balance + excluded.balance, events = events + 1`, ev.Stream, amount)
		return err
	}, sqlite.Setup(func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS balances (stream TEXT PRIMARY KEY, balance INTEGER NOT NULL, events INTEGER NOT NULL)")
		return err
	}), sqlite.Reset(func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, "DELETE FROM balances")
		return err
	}))
}

type deposit struct {
	Amount int64 `json:"amount"`
}

type poison struct{}

func TestProjectionExactlyOnce(t *testing.T) {
	s := open(t)
	ctx := context.Background()
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[deposit](reg, "t.Deposit", 1)
	cqrs.RegisterEvent[poison](reg, "t.Poison", 1)
	a := app.New()
	bus := cqrs.NewBus(a, s, reg, cqrs.WithProjectionRetry(time.Millisecond))
	bus.Projections().Add(accountsProjection(s, reg))
	appendDeposit := func(stream string, n int64) int64 {
		t.Helper()
		ed, _ := reg.Encode(deposit{Amount: n})
		res, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ed}})
		if err != nil {
			t.Fatal(err)
		}
		return res.LastPosition
	}
	for i := range 50 {
		appendDeposit(fmt.Sprintf("acc-%d", i%5), 2)
	}
	if err := bus.Start(ctx, a); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus.Stop(ctx) }()
	wait := func(pos int64) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if err := bus.Projections().WaitFor(wctx, pos, "balances"); err != nil {
			st, _ := bus.Projections().Status(ctx)
			t.Fatalf("projection stuck: %+v", st)
		}
	}
	check := func(wantTotal, wantEvents int64) {
		t.Helper()
		var total, events int64
		if err := s.DB().QueryRow("SELECT COALESCE(SUM(balance), 0), COALESCE(SUM(events), 0) FROM balances").Scan(&total, &events); err != nil {
			t.Fatal(err)
		}
		if total != wantTotal || events != wantEvents {
			t.Errorf("read model: total %d over %d events, want %d over %d", total, events, wantTotal, wantEvents)
		}
	}
	wait(50)
	check(100, 50)
	// A poison event fails the batch; nothing of it is applied, and the
	// projection stays at its checkpoint, reporting the error.
	ed, _ := reg.Encode(poison{})
	if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "acc-0", ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{func() cqrs.EventData { d, _ := reg.Encode(deposit{Amount: 1}); return d }(), ed}}); err != nil {
		t.Fatal(err)
	}
	var st []cqrs.ProjectionStatus
	testenv.Eventually(t, 5*time.Second, func() bool {
		st, _ = bus.Projections().Status(ctx)
		return st[0].State == cqrs.StateFailed && strings.Contains(st[0].Error, "poison")
	})
	if st[0].Position != 50 || st[0].Lag != 2 {
		t.Errorf("failed projection status %+v", st[0])
	}
	check(100, 50)
	cp, _ := s.LoadCheckpoint(ctx, "balances")
	if cp != 50 {
		t.Errorf("checkpoint %d, want 50: it must commit with the writes", cp)
	}
	// Rebuild from scratch once the poison is gone from the registry's view.
	reg2 := cqrs.NewRegistry()
	cqrs.RegisterEvent[deposit](reg2, "t.Deposit", 1)
	a2 := app.New()
	bus2 := cqrs.NewBus(a2, s, reg2)
	bus2.Projections().Add(accountsProjection(s, reg2))
	if err := bus.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := bus2.Start(ctx, a2); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = bus2.Stop(ctx) }()
	bus = bus2
	if err := bus2.Projections().Rebuild(ctx, "balances"); err != nil {
		t.Fatal(err)
	}
	last := appendDeposit("acc-9", 5)
	wait(last)
	check(106, 52)
}

func TestNestedWriteFailsInsteadOfDeadlocking(t *testing.T) {
	s := open(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var inner error
	err := s.Write(ctx, func(ctx context.Context, _ *sql.Tx) error {
		_, inner = s.Append(ctx, cqrs.AppendRequest{Stream: "s", Events: []cqrs.EventData{cqrstest.Event("A", `{}`)}})
		return nil
	})
	if err != nil || !errors.Is(inner, sqlite.ErrNestedWrite) {
		t.Errorf("Write = %v, nested Append = %v; want ErrNestedWrite", err, inner)
	}
}
