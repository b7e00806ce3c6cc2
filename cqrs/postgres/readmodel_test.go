package postgres_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// TestReadModels runs the read model scenarios; each Reopen opens another
// Store on the test's schema (a restart, or a second replica).
func TestReadModels(t *testing.T) {
	cqrstest.RunReadModels(t, func(tb testing.TB) cqrstest.Reopen {
		dsn := postgrestest.DSN(tb)
		schema := postgrestest.Schema(tb, dsn)
		return func(tb testing.TB) (cqrs.Store, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
			if err != nil {
				tb.Fatal(err)
			}
			closed := false
			return s, func() {
				if closed {
					return
				}
				closed = true
				if err := s.Close(); err != nil {
					tb.Error(err)
				}
			}
		}
	})
}

type noted struct {
	Text string `json:"text"`
}

type note struct {
	ID   string `json:"id"`
	Text string `json:"text"`
	By   string `json:"by"`
}

// noteReplica is a process serving the read model "notes" on schema.
type noteReplica struct {
	store *postgres.Store
	bus   *cqrs.Bus
	rm    *cqrs.ReadModel[note]
}

func newNoteReplica(t *testing.T, dsn, schema, name string) *noteReplica {
	t.Helper()
	store := postgrestest.OpenSchema(t, dsn, schema)
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[noted](reg, "noted", 1)
	a := app.New(app.Name("notes"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, reg, cqrs.WithProjectionRetry(time.Millisecond), cqrs.WithConsistencyTimeout(waitLimit))
	rm := cqrs.NewReadModel(bus, "notes",
		cqrs.Create(func(e noted, ev cqrs.Event) note { return note{ID: ev.Stream, Text: e.Text, By: name} }),
		cqrs.Index("text", func(n note) string { return n.Text }))
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return &noteReplica{store: store, bus: bus, rm: rm}
}

func (r *noteReplica) state(t *testing.T) (string, int64) {
	t.Helper()
	st, err := r.bus.Projections().Status(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st[0].State, st[0].Position
}

func (r *noteReplica) note(t *testing.T, id, text string) int64 {
	t.Helper()
	res, err := r.store.Append(context.Background(), cqrs.AppendRequest{Stream: id, ExpectedVersion: cqrs.AnyVersion,
		Events: []cqrs.EventData{{Type: "noted", Data: []byte(`{"text":"` + text + `"}`)}}})
	if err != nil {
		t.Fatal(err)
	}
	return res.LastPosition
}

// A read model on two replicas: one applies (holding the lease), the other
// stands by and follows its checkpoint; keys and index values order
// bytewise; a rebuild started on the replica standing by is applied at
// once, though no new event comes.
func TestReadModelLeaseAndRebuildOnStandby(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := newNoteReplica(t, dsn, schema, "a")
	testenv.Eventually(t, waitLimit, func() bool { st, _ := a.state(t); return st == cqrs.StateLive })
	b := newNoteReplica(t, dsn, schema, "b")
	testenv.Eventually(t, waitLimit, func() bool { st, _ := b.state(t); return st == cqrs.StateStandby })
	var head int64
	for _, id := range []string{"b", "a", "B", "_", "é", "A"} {
		head = b.note(t, id, "x")
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	for _, r := range []*noteReplica{a, b} {
		if err := r.bus.Projections().WaitFor(ctx, head, "notes"); err != nil {
			t.Fatal(err)
		}
	}
	if st, _ := b.state(t); st != cqrs.StateStandby {
		t.Errorf("replica b is %s, want standby", st)
	}
	keys := func(r *noteReplica) (ids, by []string) {
		t.Helper()
		p, err := r.rm.List(ctx, cqrs.ListQuery{Where: map[string]string{"text": "x"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range p.Items {
			ids, by = append(ids, n.ID), append(by, n.By)
		}
		return ids, by
	}
	ids, by := keys(b)
	if diff := cmp.Diff(ids, []string{"A", "B", "_", "a", "b", "é"}); diff != "" {
		t.Errorf("keys not in byte order (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(by, []string{"a", "a", "a", "a", "a", "a"}); diff != "" {
		t.Errorf("rows applied by (-got +want):\n%s", diff)
	}

	if err := b.bus.Projections().Rebuild(ctx, "notes"); err != nil {
		t.Fatal(err)
	}
	// a loses its lease when it sees the reset; either replica rebuilds.
	testenv.Eventually(t, waitLimit, func() bool {
		_, pa := a.state(t)
		_, pb := b.state(t)
		ids, _ := keys(a)
		return pa == head && pb == head && len(ids) == 6
	})
}
