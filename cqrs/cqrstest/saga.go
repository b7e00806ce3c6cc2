package cqrstest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/saga"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The transfer saga: debit one account, credit another; if the credit
// fails, refund the debit.

type transfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
}

type transferIn struct {
	ID     string `json:"id" validate:"required"`
	From   string `json:"from" validate:"required"`
	To     string `json:"to" validate:"required"`
	Amount int64  `json:"amount" validate:"gt=0"`
}

type transferOut struct {
	ID string `json:"id"`
}

type transferRequested struct {
	ID     string `json:"id"`
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
}

// transferHooks inject failures and pauses into the saga's credit step.
type transferHooks struct {
	beforeCredit func(ctx context.Context) error // before the deposit
	afterCredit  func(ctx context.Context) error // after the deposit succeeded
}

// transferBank is a bank replica with the transfer saga.
type transferBank struct {
	*bank
	transfers *saga.Saga[transfer]
}

func newTransferBank(tb testing.TB, store cqrs.Store, hooks transferHooks, opts ...saga.Option) *transferBank {
	tb.Helper()
	tbank := &transferBank{}
	tbank.bank = newBankWith(tb, store, func(b *bank) {
		cqrs.RegisterEvent[transferRequested](b.bus.Registry(), "bank.TransferRequested", 1)
		withdraw := saga.Command[amountIn, account](b.app, "withdraw")
		deposit := saga.Command[amountIn, account](b.app, "deposit")
		s := saga.New[transfer](b.bus, "transfer", opts...).
			Step("debit",
				func(ctx context.Context, t *transfer) error {
					_, err := withdraw(ctx, amountIn{ID: t.From, Amount: t.Amount})
					return err
				},
				func(ctx context.Context, t *transfer) error {
					_, err := deposit(ctx, amountIn{ID: t.From, Amount: t.Amount})
					return err
				}).
			Step("credit", func(ctx context.Context, t *transfer) error {
				if hooks.beforeCredit != nil {
					if err := hooks.beforeCredit(ctx); err != nil {
						return err
					}
				}
				if _, err := deposit(ctx, amountIn{ID: t.To, Amount: t.Amount}); err != nil {
					return err
				}
				if hooks.afterCredit != nil {
					return hooks.afterCredit(ctx)
				}
				return nil
			}, nil)
		saga.StartOn(s, func(ev transferRequested, _ cqrs.Event) (string, transfer, bool) {
			return ev.ID, transfer{From: ev.From, To: ev.To, Amount: ev.Amount}, true
		})
		cqrs.Command(b.bus, "transfer", func(ctx context.Context, in transferIn) (transferOut, error) {
			return transferOut{ID: in.ID}, s.Start(ctx, in.ID, transfer{From: in.From, To: in.To, Amount: in.Amount})
		})
		s.RegisterStatus("transferStatus")
		s.RegisterList("transfers")
		tbank.transfers = s
	})
	return tbank
}

func (b *transferBank) transfer(tb testing.TB, id, from, to string, amount int64) {
	tb.Helper()
	if _, err := app.Invoke[transferIn, transferOut](context.Background(), b.app, "transfer", transferIn{ID: id, From: from, To: to, Amount: amount}); err != nil {
		tb.Fatalf("transfer %s: %v", id, err)
	}
}

// funded opens an account with balance.
func (b *transferBank) funded(tb testing.TB, owner string, balance int64) string {
	tb.Helper()
	acc := b.open(tb, owner)
	if balance > 0 {
		if _, err := b.move("deposit", acc.ID, balance); err != nil {
			tb.Fatal(err)
		}
	}
	return acc.ID
}

// status returns the status of transfer id through the App.
func (b *transferBank) status(tb testing.TB, id string) saga.Status {
	tb.Helper()
	st, err := app.Invoke[saga.StatusInput, saga.Status](context.Background(), b.app, "transferStatus", saga.StatusInput{ID: id})
	if err != nil {
		tb.Fatalf("status of %s: %v", id, err)
	}
	return st
}

func finished(state string) bool {
	return state == saga.StateCompleted || state == saga.StateCompensated || state == saga.StateFailed
}

// await waits until transfer id is finished and returns its status.
func (b *transferBank) await(tb testing.TB, id string) saga.Status {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	st, err := b.transfers.Wait(ctx, id)
	if err != nil {
		tb.Fatalf("waiting for transfer %s: %v", id, err)
	}
	if !finished(st.State) {
		tb.Fatalf("Wait returned %+v, not finished", st)
	}
	return st
}

// sagaEvents returns the types (with the step) of transfer id's events.
func (b *transferBank) sagaEvents(tb testing.TB, store cqrs.Store, id string) ([]string, []cqrs.Event) {
	tb.Helper()
	evs, err := store.ReadStream(context.Background(), b.transfers.Stream(id), 0)
	if err != nil {
		tb.Fatal(err)
	}
	out := make([]string, len(evs))
	for i, ev := range evs {
		data, err := b.bus.Registry().Decode(ev)
		if err != nil {
			tb.Fatal(err)
		}
		out[i] = ev.Type
		switch e := data.(type) {
		case saga.StepSucceeded:
			out[i] += " " + e.Step
		case saga.StepFailed:
			out[i] += " " + e.Step
		case saga.TimedOut:
			out[i] += " " + e.Step
		case saga.CompensationSucceeded:
			out[i] += " " + e.Step
		case saga.Failed:
			out[i] += " " + e.Step
		}
	}
	return out, evs
}

// accountEvents returns the events of account id after version after.
func accountEvents(tb testing.TB, store cqrs.Store, id string, after int64) []cqrs.Event {
	tb.Helper()
	evs, err := store.ReadStream(context.Background(), "account-"+id, after)
	if err != nil {
		tb.Fatal(err)
	}
	return evs
}

var statusCmp = cmpopts.IgnoreFields(saga.Status{}, "Started", "Updated", "Version")

// RunSaga runs the saga scenarios against stores from open: a transfer
// saga (debit, then credit; refund the debit when the credit fails) run by
// cqrs/saga through the App — completion, start on an event, compensation
// on a business error, retries then failure, a deadline that compensates,
// a runner stopped between the debit and the credit's record and resumed
// by another (money conserved, nothing applied twice), concurrent sagas,
// and correlation and causation ids on every event.
func RunSaga(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"Completes", scenarioSagaCompletes},
		{"StartsOnEvent", scenarioSagaStartsOnEvent},
		{"Compensates", scenarioSagaCompensates},
		{"RetriesThenFails", scenarioSagaRetries},
		{"TimeoutCompensates", scenarioSagaTimeout},
		{"ResumesAfterCrash", scenarioSagaCrash},
		{"Concurrent", scenarioSagaConcurrent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

func scenarioSagaCompletes(t *testing.T, open Open) {
	store := open(t)
	b := newTransferBank(t, store, transferHooks{})
	a, c := b.funded(t, "ada", 100), b.funded(t, "bob", 0)
	b.transfer(t, "t1", a, c, 30)
	got := b.await(t, "t1")
	if diff := cmp.Diff(got, saga.Status{ID: "t1", Saga: "transfer", State: saga.StateCompleted, Step: "credit"}, statusCmp); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if viaApp := b.status(t, "t1"); viaApp != got {
		t.Errorf("transferStatus = %+v, want %+v", viaApp, got)
	}
	if ba, bc := b.balance(t, a), b.balance(t, c); ba != 70 || bc != 30 {
		t.Errorf("balances %d, %d; want 70, 30", ba, bc)
	}
	types, sagaEvs := b.sagaEvents(t, store, "t1")
	want := []string{saga.EventStarted, saga.EventStepSucceeded + " debit", saga.EventStepSucceeded + " credit", saga.EventCompleted}
	if diff := cmp.Diff(types, want); diff != "" {
		t.Fatalf("saga events (-got +want):\n%s", diff)
	}
	// Correlation: the saga id everywhere; causation: the previous saga
	// event, and for commands the event that triggered their step.
	for i, ev := range sagaEvs {
		if ev.Metadata.CorrelationID != "t1" {
			t.Errorf("saga event %d correlation %q, want t1", i, ev.Metadata.CorrelationID)
		}
		if i > 0 && ev.Metadata.CausationID != sagaEvs[i-1].ID {
			t.Errorf("saga event %d caused by %q, want the previous event %q", i, ev.Metadata.CausationID, sagaEvs[i-1].ID)
		}
	}
	withdrawn := accountEvents(t, store, a, 2)
	deposited := accountEvents(t, store, c, 1)
	if len(withdrawn) != 1 || len(deposited) != 1 {
		t.Fatalf("account events after the transfer: %d and %d, want 1 and 1", len(withdrawn), len(deposited))
	}
	wantMeta := []cqrs.Metadata{
		{CorrelationID: "t1", CausationID: sagaEvs[0].ID, IdempotencyKey: "saga/transfer/t1/debit"},
		{CorrelationID: "t1", CausationID: sagaEvs[1].ID, IdempotencyKey: "saga/transfer/t1/credit"},
	}
	gotMeta := []cqrs.Metadata{withdrawn[0].Metadata, deposited[0].Metadata}
	if diff := cmp.Diff(gotMeta, wantMeta, cmpopts.EquateEmpty(), cmpopts.IgnoreFields(cqrs.Metadata{}, "TraceParent", "TraceState")); diff != "" {
		t.Errorf("command event metadata (-got +want):\n%s", diff)
	}
	// A second start with the same id is refused.
	_, err := app.Invoke[transferIn, transferOut](context.Background(), b.app, "transfer", transferIn{ID: "t1", From: a, To: c, Amount: 1})
	wantCode(t, "second start of t1", err, app.CodeAlreadyExists)
	_, err = app.Invoke[saga.StatusInput, saga.Status](context.Background(), b.app, "transferStatus", saga.StatusInput{ID: "nope"})
	wantCode(t, "status of an unknown transfer", err, app.CodeNotFound)
	_, err = app.Invoke[transferIn, transferOut](context.Background(), b.app, "transfer", transferIn{ID: "bad id", From: a, To: c, Amount: 1})
	wantCode(t, "transfer with an invalid id", err, app.CodeInvalidArgument)
}

func scenarioSagaStartsOnEvent(t *testing.T, open Open) {
	store := open(t)
	b := newTransferBank(t, store, transferHooks{})
	a, c := b.funded(t, "ada", 100), b.funded(t, "bob", 0)
	ed, err := b.bus.Registry().Encode(transferRequested{ID: "t2", From: a, To: c, Amount: 25})
	if err != nil {
		t.Fatal(err)
	}
	ed.Metadata.CorrelationID = "req-corr"
	res, err := store.Append(context.Background(), cqrs.AppendRequest{Stream: "transferRequest-t2", StreamType: "transferRequest", ExpectedVersion: cqrs.NoStream, Events: []cqrs.EventData{ed}})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, waitTimeout, func() bool { // started by the runner, asynchronously
		_, err := b.transfers.Status(context.Background(), "t2")
		return err == nil
	})
	if st := b.await(t, "t2"); st.State != saga.StateCompleted {
		t.Fatalf("status %+v, want completed", st)
	}
	request := readAll(t, store)[res.FirstPosition-1]
	_, sagaEvs := b.sagaEvents(t, store, "t2")
	if got := sagaEvs[0].Metadata; got.CorrelationID != "t2" || got.CausationID != request.ID {
		t.Errorf("Started metadata %+v, want correlation t2 caused by the request %s", got, request.ID)
	}
	// Replaying the log (a rebuild of the runner) starts nothing again.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := b.bus.Projections().Rebuild(ctx, "saga-transfer"); err != nil {
		t.Fatal(err)
	}
	head, err := store.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.bus.Projections().WaitFor(ctx, head, "saga-transfer"); err != nil {
		t.Fatal(err)
	}
	if types, _ := b.sagaEvents(t, store, "t2"); len(types) != 4 {
		t.Errorf("after a replay the saga has events %v, want the 4 of one run", types)
	}
	if ba, bc := b.balance(t, a), b.balance(t, c); ba != 75 || bc != 25 {
		t.Errorf("balances %d, %d after a replay; want 75, 25", ba, bc)
	}
}

func scenarioSagaCompensates(t *testing.T, open Open) {
	store := open(t)
	b := newTransferBank(t, store, transferHooks{})
	a := b.funded(t, "ada", 100)
	b.transfer(t, "t3", a, "missing", 40)
	got := b.await(t, "t3")
	want := saga.Status{ID: "t3", Saga: "transfer", State: saga.StateCompensated, Step: "credit", Code: "not_found", Error: "no account missing"}
	if diff := cmp.Diff(got, want, statusCmp); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if bal := b.balance(t, a); bal != 100 {
		t.Errorf("balance %d after the refund, want 100", bal)
	}
	types, _ := b.sagaEvents(t, store, "t3")
	wantTypes := []string{saga.EventStarted, saga.EventStepSucceeded + " debit", saga.EventStepFailed + " credit",
		saga.EventCompensationSucceeded + " debit", saga.EventCompensated}
	if diff := cmp.Diff(types, wantTypes); diff != "" {
		t.Errorf("saga events (-got +want):\n%s", diff)
	}
	evs := accountEvents(t, store, a, 2) // after opening and funding
	if len(evs) != 2 || evs[1].Type != "bank.Deposited" || evs[1].Metadata.IdempotencyKey != "saga/transfer/t3/debit/compensate" {
		t.Errorf("account events after the refund: %+v", evs)
	}
	// A failing first step has nothing to compensate.
	b.transfer(t, "t4", a, a, 1000)
	got = b.await(t, "t4")
	want = saga.Status{ID: "t4", Saga: "transfer", State: saga.StateCompensated, Step: "debit", Code: "failed_precondition", Error: "insufficient funds"}
	if diff := cmp.Diff(got, want, statusCmp); diff != "" {
		t.Errorf("overdraft status (-got +want):\n%s", diff)
	}
	list, err := app.Invoke[saga.ListInput, saga.ListOutput](context.Background(), b.app, "transfers", saga.ListInput{})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list.Sagas {
		ids = append(ids, s.ID+" "+s.State)
	}
	if diff := cmp.Diff(ids, []string{"t3 compensated", "t4 compensated"}); diff != "" || list.Next != 0 {
		t.Errorf("transfers (-got +want), next %d:\n%s", list.Next, diff)
	}
	page, err := b.transfers.List(context.Background(), 0, 1)
	if err != nil || len(page.Sagas) != 1 || page.Sagas[0].ID != "t3" || page.Next == 0 {
		t.Fatalf("first page of 1 = %+v, %v", page, err)
	}
	if page, err = b.transfers.List(context.Background(), page.Next, 1); err != nil || len(page.Sagas) != 1 || page.Sagas[0].ID != "t4" {
		t.Errorf("second page = %+v, %v", page, err)
	}
}

func scenarioSagaRetries(t *testing.T, open Open) {
	store := open(t)
	var calls atomic.Int32
	flaky := transferHooks{beforeCredit: func(context.Context) error {
		if calls.Add(1) <= 2 {
			return errors.New("database unavailable")
		}
		return nil
	}}
	b := newTransferBank(t, store, flaky, saga.WithRetries(2), saga.WithBackoff(time.Millisecond, time.Millisecond))
	a, c := b.funded(t, "ada", 100), b.funded(t, "bob", 0)
	b.transfer(t, "t5", a, c, 10)
	if st := b.await(t, "t5"); st.State != saga.StateCompleted || calls.Load() != 3 {
		t.Errorf("after two failures: %+v with %d attempts, want completed after 3", st, calls.Load())
	}
	if ba, bc := b.balance(t, a), b.balance(t, c); ba != 90 || bc != 10 {
		t.Errorf("balances %d, %d; want 90, 10", ba, bc)
	}

	store = open(t)
	broken := transferHooks{beforeCredit: func(context.Context) error { return errors.New("disk on fire") }}
	b = newTransferBank(t, store, broken, saga.WithRetries(2), saga.WithBackoff(time.Millisecond, time.Millisecond))
	a, c = b.funded(t, "ada", 100), b.funded(t, "bob", 0)
	b.transfer(t, "t6", a, c, 10)
	got := b.await(t, "t6")
	want := saga.Status{ID: "t6", Saga: "transfer", State: saga.StateFailed, Step: "credit", Code: "internal", Error: "internal error"}
	if diff := cmp.Diff(got, want, statusCmp); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	_, evs := b.sagaEvents(t, store, "t6")
	data, err := b.bus.Registry().Decode(evs[len(evs)-1])
	if err != nil {
		t.Fatal(err)
	}
	if f, ok := data.(saga.Failed); !ok || f.Attempts != 3 || f.Compensating || !strings.Contains(f.Cause, "disk on fire") {
		t.Errorf("last event %#v, want Failed after 3 attempts with the cause", data)
	}
	// Failed waits for an operator: the debit stays, nothing is credited.
	if ba, bc := b.balance(t, a), b.balance(t, c); ba != 90 || bc != 0 {
		t.Errorf("balances %d, %d; want 90, 0", ba, bc)
	}
}

// fakeClock is a saga.Clock moved by the test.
type fakeClock struct {
	mu      sync.Mutex
	now     time.Time
	waiters []clockWaiter
}

type clockWaiter struct {
	at time.Time
	ch chan time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.now
		return ch
	}
	c.waiters = append(c.waiters, clockWaiter{at: c.now.Add(d), ch: ch})
	return ch
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at.After(c.now) {
			kept = append(kept, w)
			continue
		}
		w.ch <- c.now
	}
	c.waiters = kept
}

func scenarioSagaTimeout(t *testing.T, open Open) {
	store := open(t)
	clock := &fakeClock{now: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}
	entered := make(chan struct{}, 1)
	stuck := transferHooks{beforeCredit: func(ctx context.Context) error {
		entered <- struct{}{}
		<-ctx.Done() // a credit that hangs until canceled
		return ctx.Err()
	}}
	b := newTransferBank(t, store, stuck, saga.WithTimeout(time.Minute), saga.WithClock(clock))
	a, c := b.funded(t, "ada", 100), b.funded(t, "bob", 0)
	b.transfer(t, "t7", a, c, 60)
	select {
	case <-entered:
	case <-time.After(waitTimeout):
		t.Fatal("the credit step did not run")
	}
	if st := b.status(t, "t7"); st.State != saga.StateRunning || st.Step != "credit" {
		t.Errorf("status while the credit hangs: %+v", st)
	}
	clock.Advance(time.Minute + time.Second)
	got := b.await(t, "t7")
	want := saga.Status{ID: "t7", Saga: "transfer", State: saga.StateCompensated, Step: "credit", Code: "deadline_exceeded", Error: "deadline exceeded"}
	if diff := cmp.Diff(got, want, statusCmp); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if !got.Updated.Equal(clock.Now()) {
		t.Errorf("updated %v, want the saga clock's %v", got.Updated, clock.Now())
	}
	types, _ := b.sagaEvents(t, store, "t7")
	wantTypes := []string{saga.EventStarted, saga.EventStepSucceeded + " debit", saga.EventTimedOut + " credit",
		saga.EventCompensationSucceeded + " debit", saga.EventCompensated}
	if diff := cmp.Diff(types, wantTypes); diff != "" {
		t.Errorf("saga events (-got +want):\n%s", diff)
	}
	if ba, bc := b.balance(t, a), b.balance(t, c); ba != 100 || bc != 0 {
		t.Errorf("balances %d, %d after the timeout; want 100, 0", ba, bc)
	}
}

func scenarioSagaCrash(t *testing.T, open Open) {
	store := open(t)
	ctx := context.Background()
	credited := make(chan struct{}, 1)
	// The first runner deposits to the target, then "dies" before it can
	// record the credit: the debit is recorded, the credit applied but not
	// recorded.
	dies := transferHooks{afterCredit: func(ctx context.Context) error {
		credited <- struct{}{}
		<-ctx.Done()
		return ctx.Err()
	}}
	b1 := newTransferBank(t, store, dies)
	a, c := b1.funded(t, "ada", 100), b1.funded(t, "bob", 0)
	b1.transfer(t, "t8", a, c, 30)
	select {
	case <-credited:
	case <-time.After(waitTimeout):
		t.Fatal("the credit step did not run")
	}
	if err := b1.app.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if st, err := b1.transfers.Status(ctx, "t8"); err != nil || st.State != saga.StateRunning || st.Step != "credit" {
		t.Fatalf("status after the crash: %+v, %v; want running at credit", st, err)
	}
	// A new runner on the same store resumes the transfer and finishes it
	// once: the repeated credit is replayed from its idempotency record.
	b2 := newTransferBank(t, store, transferHooks{})
	if st := b2.await(t, "t8"); st.State != saga.StateCompleted {
		t.Fatalf("status after the restart: %+v, want completed", st)
	}
	if ba, bc := b2.balance(t, a), b2.balance(t, c); ba != 70 || bc != 30 {
		t.Errorf("balances %d, %d; want 70, 30 (money conserved, nothing applied twice)", ba, bc)
	}
	if evs := accountEvents(t, store, c, 1); len(evs) != 1 {
		t.Errorf("target account has %d deposits, want 1", len(evs))
	}
	types, _ := b2.sagaEvents(t, store, "t8")
	want := []string{saga.EventStarted, saga.EventStepSucceeded + " debit", saga.EventStepSucceeded + " credit", saga.EventCompleted}
	if diff := cmp.Diff(types, want); diff != "" {
		t.Errorf("saga events (-got +want):\n%s", diff)
	}
}

func scenarioSagaConcurrent(t *testing.T, open Open) {
	store := open(t)
	b := newTransferBank(t, store, transferHooks{}, saga.WithConcurrency(8))
	const accounts, perAccount = 6, 4
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = b.funded(t, fmt.Sprint("owner", i), 100)
	}
	want := map[string]int64{}
	for _, id := range ids {
		want[id] = 100
	}
	type job struct {
		id, from, to string
		ok           bool
	}
	var jobs []job
	for i := range accounts {
		for k := range perAccount {
			from := ids[i]
			to := ids[(i+k+1)%accounts]
			ok := k != perAccount-1 || i%2 == 0
			if !ok {
				to = "missing-" + fmt.Sprint(i) // compensated
			}
			jobs = append(jobs, job{id: fmt.Sprintf("c%d-%d", i, k), from: from, to: to, ok: ok})
			if ok {
				want[from] -= 10
				want[to] += 10
			}
		}
	}
	var wg sync.WaitGroup
	for _, j := range jobs {
		wg.Go(func() { b.transfer(t, j.id, j.from, j.to, 10) })
	}
	wg.Wait()
	for _, j := range jobs {
		st := b.await(t, j.id)
		wantState := saga.StateCompleted
		if !j.ok {
			wantState = saga.StateCompensated
		}
		if st.State != wantState {
			t.Errorf("transfer %s: %s (%s), want %s", j.id, st.State, st.Error, wantState)
		}
	}
	var total int64
	for _, id := range ids {
		bal := b.balance(t, id)
		total += bal
		if bal != want[id] {
			t.Errorf("account %s: balance %d, want %d", id, bal, want[id])
		}
	}
	if total != accounts*100 {
		t.Errorf("total %d, want %d: money was created or destroyed", total, accounts*100)
	}
}
