package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// noPoll makes a subscriber depend on notifications alone.
var noPoll = postgres.WithPollInterval(0)

// A subscription on one Store (one replica) sees the events appended
// through another Store on the same schema, woken by NOTIFY: polling is
// off, so nothing else would wake it.
func TestSubscriptionSeesOtherReplica(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := postgrestest.OpenSchema(t, dsn, schema, noPoll)
	b := postgrestest.OpenSchema(t, dsn, schema, noPoll)
	testenv.Eventually(t, 10*time.Second, func() bool { return a.Stats().Listens == 1 })
	sub := follow(t, a)
	for i := range 20 {
		cqrstest.Append(t, b, "shared", int64(i), cqrstest.Event("E", fmt.Sprintf(`{"i":%d}`, i)))
		want := i + 1
		testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() >= want })
	}
	checkConsecutive(t, "subscription on the other replica", sub.positions(), 20)
	if st := a.Stats(); st.Transactions != 0 {
		t.Errorf("replica a committed %d transactions: the events it saw must come from b", st.Transactions)
	}
}

// Killing the listening connection (pg_terminate_backend) loses no event:
// the listener reconnects and wakes the subscriptions to re-read, even
// with polling off.
func TestListenerReconnects(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := postgrestest.OpenSchema(t, dsn, schema, noPoll)
	b := postgrestest.OpenSchema(t, dsn, schema, noPoll)
	ctx := context.Background()
	testenv.Eventually(t, 10*time.Second, func() bool { return postgres.ListenerPID(a) != 0 })
	sub := follow(t, a)
	cqrstest.Append(t, b, "s", 0, cqrstest.Event("E", `{}`))
	testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() == 1 })
	n := 1
	for kill := range 3 {
		pid := postgres.ListenerPID(a)
		if pid == 0 {
			t.Fatal("listener is down")
		}
		var ok bool
		// Waits (up to 5 s) until the backend has exited.
		if err := b.Pool().QueryRow(ctx, "SELECT pg_terminate_backend($1, 5000)", int32(pid)).Scan(&ok); err != nil || !ok {
			t.Fatalf("pg_terminate_backend(%d) = %v, %v", pid, ok, err)
		}
		// Appends right after the kill: their notifications go nowhere.
		for range 5 {
			cqrstest.Append(t, b, "s", int64(n), cqrstest.Event("E", `{}`))
			n++
		}
		want := n
		testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() >= want })
		testenv.Eventually(t, 10*time.Second, func() bool { return a.Stats().Listens == int64(kill+2) })
		if newPID := postgres.ListenerPID(a); newPID == pid {
			t.Errorf("listener pid %d unchanged after it was terminated", pid)
		}
	}
	// And it still relays notifications after the reconnects.
	cqrstest.Append(t, b, "s", int64(n), cqrstest.Event("E", `{}`))
	n++
	testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() >= n })
	checkConsecutive(t, "subscription across listener kills", sub.positions(), n)
}

// Without LISTEN, a subscription still sees other replicas by polling.
func TestPollFallback(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	a := postgrestest.OpenSchema(t, dsn, schema, postgres.WithListen(false), postgres.WithPollInterval(5*time.Millisecond))
	b := postgrestest.OpenSchema(t, dsn, schema)
	sub := follow(t, a)
	for i := range 5 {
		cqrstest.Append(t, b, "s", int64(i), cqrstest.Event("E", `{}`))
	}
	testenv.Eventually(t, 10*time.Second, func() bool { return sub.len() >= 5 })
	checkConsecutive(t, "polling subscription", sub.positions(), 5)
	if got := a.Stats().Listens; got != 0 {
		t.Errorf("%d LISTEN connections with WithListen(false)", got)
	}
}
