package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/cqrs/saga"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// postgresURL returns an ALLFRAME_EVENTSTORE value naming a new schema
// on the server in ALLFRAME_TEST_POSTGRES (skipping without it), dropped
// when the test ends.
func postgresURL(t testing.TB) string {
	t.Helper()
	dsn := postgrestest.DSN(t)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "schema=" + postgrestest.Schema(t, dsn)
}

// Two bank instances on one PostgreSQL schema act as one service: what
// is written on one is read, listed and streamed on the other, over every
// protocol; one of them runs the accounts projection, the other stands by.
func TestTwoInstancesOnPostgres(t *testing.T) {
	url := postgresURL(t)
	var busA, busB *cqrs.Bus
	var bankA *bank
	a := start(t, url, fx.Populate(&busA, &bankA))
	b := start(t, url, fx.Populate(&busB))
	acc := a.restOpen(t, "ada")

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	sse, sseErrs := b.sseSubscribe(t, ctx, acc.ID)
	gql, gqlErrs := b.gqlSubscribe(t, ctx, acc.ID)
	grpcEvents, grpcErrs := b.grpcSubscribe(t, ctx, acc.ID)
	feeds := map[string]<-chan feedEvent{"SSE": sse, "GraphQL": gql, "gRPC": grpcEvents}
	errs := map[string]<-chan string{"SSE": sseErrs, "GraphQL": gqlErrs, "gRPC": grpcErrs}
	next := func(name string) feedEvent {
		t.Helper()
		select {
		case e := <-feeds[name]:
			return e
		case e := <-errs[name]:
			t.Fatalf("%s on b: %s", name, e)
		case <-ctx.Done():
			t.Fatalf("%s on b: no event", name)
		}
		return feedEvent{}
	}
	for name := range feeds {
		if e := next(name); e.Event.Type != "accountOpened" || e.Position != acc.Position {
			t.Errorf("%s on b: first event %+v", name, e)
		}
	}

	// Deposits and a withdrawal on a, over each protocol.
	moves := []reply{
		a.restMove(t, "deposit", acc.ID, 100),
		a.grpcMove(t, "Deposit", acc.ID, 50),
		a.gqlMove(t, "withdraw", acc.ID, 30),
	}
	wants := []feedData{{Type: "deposited", Amount: 100}, {Type: "deposited", Amount: 50}, {Type: "withdrawn", Amount: 30}}
	var last int64
	for i, m := range moves {
		if m.code != app.CodeOK {
			t.Fatalf("move %d on a: %s", i, m.raw)
		}
		for name := range feeds {
			if e := next(name); e.Event != wants[i] || e.Version != int64(i+2) {
				t.Errorf("%s on b: event %+v, want %+v, version %d", name, e, wants[i], i+2)
			} else {
				last = e.Position
			}
		}
	}
	want := Account{ID: acc.ID, Owner: "ada", Balance: 120, Version: 4}
	b.wantAccount(t, want)

	// The listing on b, read with a's consistency token.
	code, _, body := b.rest(t, "GET", "/accounts", "", "Consistency-Token", fmt.Sprint(last))
	var list cqrs.Page[Account]
	if err := json.Unmarshal(body, &list); err != nil || code != http.StatusOK || len(list.Items) != 1 {
		t.Fatalf("listAccounts on b: %d %s", code, body)
	}
	if got := list.Items[0]; got.Balance != 120 || got.Version != 4 || got.Position != last {
		t.Errorf("b lists %+v", got)
	}

	// One instance applies the read model and runs the transfers, the
	// other stands by.
	testenv.Eventually(t, waitTimeout, func() bool {
		states := map[string]int{}
		for _, bus := range []*cqrs.Bus{busA, busB} {
			st, err := bus.Projections().Status(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range st {
				states[p.Name+" "+p.State]++
			}
		}
		return states["accounts live"] == 1 && states["accounts standby"] == 1 &&
			states["saga-transfer live"] == 1 && states["saga-transfer standby"] == 1
	})

	// Deposits on b are seen on a too; concurrent deposits on both count once.
	done := make(chan reply, 40)
	for i := range 40 {
		s := a
		if i%2 == 1 {
			s = b
		}
		go func() { done <- s.restMove(t, "deposit", acc.ID, 1) }()
	}
	for range 40 {
		if r := <-done; r.code != app.CodeOK {
			t.Errorf("concurrent deposit: %s", r.raw)
		}
	}
	want.Balance, want.Version = 160, 44
	a.wantAccount(t, want)
	b.wantAccount(t, want)
	testenv.Eventually(t, waitTimeout, func() bool {
		code, _, body := a.rest(t, "GET", "/accounts", "")
		var list cqrs.Page[Account]
		return code == http.StatusOK && json.Unmarshal(body, &list) == nil && len(list.Items) == 1 && list.Items[0].Balance == 160
	})

	// Transfers started on b run on whichever instance holds the saga's
	// lease; their status reads the same on both.
	bob := b.funded(t, "bob", 0)
	ok := b.transfer(t, acc.ID, bob, 60).rest()
	closed := b.funded(t, "cy", 0)
	if code, _, body := a.rest(t, "POST", "/accounts/"+closed+"/close", ""); code != http.StatusOK {
		t.Fatalf("closeAccount on a: %d %s", code, body)
	}
	refunded := b.transfer(t, acc.ID, closed, 50).rest()
	if st := bankA.await(t, ok.ID); st.State != saga.StateCompleted {
		t.Errorf("transfer to bob: %+v", st)
	}
	if st := bankA.await(t, refunded.ID); st.State != saga.StateCompensated {
		t.Errorf("transfer to a closed account: %+v", st)
	}
	for _, s := range []*server{a, b} {
		if got := []int64{s.balance(t, acc.ID), s.balance(t, bob), s.balance(t, closed)}; !slices.Equal(got, []int64{100, 60, 0}) {
			t.Errorf("balances %v after the transfers, want [100 60 0]", got)
		}
		if st := s.transferStatus(t, refunded.ID).grpc(); st.State != saga.StateCompensated || st.Code != "failed_precondition" {
			t.Errorf("transferStatus over gRPC: %+v", st)
		}
	}
}
