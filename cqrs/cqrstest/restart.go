package cqrstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// Reopen opens a durable store over the same data on every call, and
// returns a function that closes it completely (the next call reopens).
type Reopen func(tb testing.TB) (store cqrs.Store, closeStore func())

// RunRestart runs the durability tests of a persistent backend: events,
// snapshots, checkpoints and idempotency records survive a close and a
// reopen, and an idempotent command is not executed again after a restart.
// storage returns, for each test, a Reopen over new, empty storage.
func RunRestart(t *testing.T, storage func(tb testing.TB) Reopen) {
	t.Run("StoreSurvivesRestart", func(t *testing.T) { testStoreSurvivesRestart(t, storage(t)) })
	t.Run("IdempotencyAcrossRestart", func(t *testing.T) { testIdempotencyAcrossRestart(t, storage(t)) })
}

func testStoreSurvivesRestart(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	s, closeStore := reopen(t)
	e := Event("A", `{"n":1}`)
	e.Metadata = cqrs.Metadata{CorrelationID: "c", User: map[string]string{"k": "v"}}
	Append(t, s, "a", cqrs.NoStream, e, Event("A", `{"n":2}`), Event("A", `{"n":3}`))
	Append(t, s, "b", cqrs.NoStream, Event("B", `{}`), Event("B", `{}`))
	at := time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)
	if err := s.SaveSnapshot(ctx, cqrs.Snapshot{Stream: "a", Version: 3, Position: 3, SchemaVersion: 1, Data: []byte(`{"s":3}`), Time: at}); err != nil {
		t.Fatal(err)
	}
	if err := s.SaveCheckpoint(ctx, "proj", 4); err != nil {
		t.Fatal(err)
	}
	rec := cqrs.IdempotencyRecord{Scope: "op", Key: "k", RequestHash: "h", Response: []byte(`{"ok":1}`), Position: 5, Time: at}
	if _, _, err := s.SaveIdempotency(ctx, rec); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, s)
	closeStore()

	s, closeStore = reopen(t)
	defer closeStore()
	after := readAll(t, s)
	if diff := cmp.Diff(after, before, cmpopts.EquateApproxTime(time.Microsecond)); diff != "" {
		t.Errorf("events after reopen (-got +want):\n%s", diff)
	}
	head, err := s.Head(ctx)
	if err != nil || head != before[len(before)-1].Position {
		t.Errorf("Head after reopen = %d, %v", head, err)
	}
	if _, err := s.Append(ctx, cqrs.AppendRequest{Stream: "a", ExpectedVersion: 2, Events: []cqrs.EventData{Event("A", `{}`)}}); !errors.Is(err, cqrs.ErrConflict) {
		t.Errorf("stale append after reopen: %v, want a conflict", err)
	}
	res := Append(t, s, "a", 3, Event("A", `{"n":4}`))
	if res.StreamVersion != 4 || res.FirstPosition <= head {
		t.Errorf("append after reopen = %+v, want version 4 after position %d", res, head)
	}
	sn, ok, err := s.LoadSnapshot(ctx, "a")
	if err != nil || !ok || string(sn.Data) != `{"s":3}` || sn.Version != 3 {
		t.Errorf("snapshot after reopen = %+v, %v, %v", sn, ok, err)
	}
	if cp, err := s.LoadCheckpoint(ctx, "proj"); cp != 4 || err != nil {
		t.Errorf("checkpoint after reopen = %d, %v", cp, err)
	}
	got, ok, err := s.LoadIdempotency(ctx, "op", "k")
	if diff := cmp.Diff(got, rec, cmpopts.EquateApproxTime(time.Microsecond)); diff != "" || !ok || err != nil {
		t.Errorf("idempotency record after reopen (-got +want), %v, %v:\n%s", ok, err, diff)
	}
}

func testIdempotencyAcrossRestart(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	s, closeStore := reopen(t)
	b := newBank(t, s)
	acc := b.open(t, "ada")
	first, err := b.move("deposit", acc.ID, 10, md("Idempotency-Key", "restart-1"))
	if err != nil {
		t.Fatal(err)
	}
	if err := b.app.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	closeStore()

	s, closeStore = reopen(t)
	defer closeStore()
	b = newBank(t, s)
	h := headers{}
	again, err := b.move("deposit", acc.ID, 10, md("Idempotency-Key", "restart-1"), withHeaders(h))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(again, first); diff != "" || h[cqrs.HeaderIdempotentReplayed] != "true" {
		t.Errorf("repeated key after restart (-got +want), replayed %q:\n%s", h[cqrs.HeaderIdempotentReplayed], diff)
	}
	if bal := b.balance(t, acc.ID); bal != 10 {
		t.Errorf("balance %d after a repeated key across a restart, want 10", bal)
	}
	_, err = b.move("deposit", acc.ID, 11, md("Idempotency-Key", "restart-1"))
	wantCode(t, "key reused after restart", err, app.CodeFailedPrecondition)
	if err := b.app.Stop(ctx); err != nil {
		t.Fatal(err)
	}
}
