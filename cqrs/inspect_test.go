package cqrs_test

import (
	"context"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

type tally struct{ N int64 }

// TestInspect checks the type-erased view of a Bus: a declared aggregate
// folds events into its state at any version, and projections say what
// they are.
func TestInspect(t *testing.T) {
	a := app.New()
	store := memory.New()
	bus := cqrs.NewBus(a, store, counterRegistry())
	cqrs.NewAggregate(bus, "tally", func(s *tally, ev any) { s.N += ev.(added).N })
	bus.Projections().Add(cqrs.NewProjection("plain", func(context.Context, cqrs.Event) error { return nil }))
	cqrs.NewReadModel[tally](bus, "tallies", cqrs.KeyBy[tally](cqrs.StreamID))

	ags := bus.Aggregates()
	if len(ags) != 1 || ags[0].Type != "tally" || ags[0].Prefix != "tally-" {
		t.Fatalf("Aggregates() = %+v", ags)
	}
	for _, n := range []string{`{"n":2}`, `{"n":3}`} {
		if _, err := store.Append(context.Background(), cqrs.AppendRequest{Stream: "tally-1", StreamType: "tally", ExpectedVersion: cqrs.AnyVersion,
			Events: []cqrs.EventData{{Type: "test.Added", SchemaVersion: 1, Data: []byte(n)}}}); err != nil {
			t.Fatal(err)
		}
	}
	evs, err := store.ReadStream(context.Background(), "tally-1", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		give int
		want int64
	}{{0, 0}, {1, 2}, {2, 5}} {
		st, err := ags[0].Fold(evs[:tt.give])
		if err != nil || st.(tally).N != tt.want {
			t.Errorf("Fold(%d events) = %+v, %v; want N=%d", tt.give, st, err, tt.want)
		}
	}
	if _, err := ags[0].Fold([]cqrs.Event{{Type: "test.Unknown"}}); err == nil {
		t.Error("Fold of an unregistered event type succeeded")
	}
	for _, tt := range []struct{ give, want string }{{"plain", "projection"}, {"tallies", "readmodel"}, {"nope", ""}} {
		if got := bus.Projections().Kind(tt.give); got != tt.want {
			t.Errorf("Kind(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
