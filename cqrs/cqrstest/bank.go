package cqrstest

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// The bank: accounts as event-sourced aggregates, the scenario every
// backend runs in process through the App router.

type accountOpened struct {
	Owner string `json:"owner"`
}

type deposited struct {
	Amount int64 `json:"amount"`
}

type withdrawn struct {
	Amount int64 `json:"amount"`
}

type accountState struct {
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
}

func applyAccount(s *accountState, ev any) {
	switch e := ev.(type) {
	case accountOpened:
		s.Owner = e.Owner
	case deposited:
		s.Balance += e.Amount
	case withdrawn:
		s.Balance -= e.Amount
	}
}

// account is the output of the account operations.
type account struct {
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
	Version int64  `json:"version"`
	cqrs.Written
}

func accountView(st cqrs.State[accountState]) account {
	return account{ID: st.ID, Owner: st.Value.Owner, Balance: st.Value.Balance, Version: st.Version}
}

type openAccountIn struct {
	Owner string `json:"owner" validate:"required,max=100"`
}

type amountIn struct {
	ID     string `json:"id" path:"id" validate:"required"`
	Amount int64  `json:"amount" validate:"gt=0"`
}

type accountIn struct {
	ID string `json:"id" path:"id" validate:"required"`
}

type listAccountsIn struct{}

type listAccountsOut struct {
	Accounts []account `json:"accounts"`
}

type accountEventsIn struct {
	ID    string `json:"id" path:"id" validate:"required"`
	After int64  `json:"after" query:"after"`
}

type accountEvent struct {
	Type     string `json:"type"`
	Amount   int64  `json:"amount,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Version  int64  `json:"version"`
	Position int64  `json:"position"`
}

// bank is one replica of the bank service.
type bank struct {
	app      *app.App
	bus      *cqrs.Bus
	accounts *cqrs.Aggregate[accountState]

	mu   sync.Mutex
	list map[string]account // the "accounts" projection
}

func bankRegistry() *cqrs.Registry {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[accountOpened](reg, "bank.AccountOpened", 1)
	cqrs.RegisterEvent[deposited](reg, "bank.Deposited", 1)
	cqrs.RegisterEvent[withdrawn](reg, "bank.Withdrawn", 1)
	return reg
}

func newBank(tb testing.TB, store cqrs.Store, opts ...cqrs.BusOption) *bank {
	tb.Helper()
	return newBankWith(tb, store, nil, opts...)
}

// newBankWith is newBank with declare called before the App starts, to
// declare more on the bank (a saga).
func newBankWith(tb testing.TB, store cqrs.Store, declare func(*bank), opts ...cqrs.BusOption) *bank {
	tb.Helper()
	a := app.New(app.Name("bank"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, bankRegistry(), opts...)
	b := &bank{app: a, bus: bus, list: map[string]account{}}
	b.accounts = cqrs.NewAggregate(bus, "account", applyAccount, cqrs.SnapshotEvery(50))

	cqrs.Handle(b.accounts, "openAccount", func(openAccountIn) string { return cqrs.NewID() },
		func(_ context.Context, st cqrs.State[accountState], in openAccountIn) ([]any, error) {
			if st.Exists() {
				return nil, app.NewError(app.CodeAlreadyExists, "account exists")
			}
			return []any{accountOpened(in)}, nil
		}, accountView, app.HTTP("POST", "/accounts"))
	cqrs.Handle(b.accounts, "deposit", func(in amountIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[accountState], in amountIn) ([]any, error) {
			if !st.Exists() {
				return nil, app.NewError(app.CodeNotFound, "no account "+st.ID)
			}
			return []any{deposited{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/deposit"))
	cqrs.Handle(b.accounts, "withdraw", func(in amountIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[accountState], in amountIn) ([]any, error) {
			if !st.Exists() {
				return nil, app.NewError(app.CodeNotFound, "no account "+st.ID)
			}
			if st.Value.Balance < in.Amount {
				return nil, app.NewError(app.CodeFailedPrecondition, "insufficient funds").WithDetail("balance", st.Value.Balance)
			}
			return []any{withdrawn{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/withdraw"))
	app.Query(a, "getAccount", func(ctx context.Context, in accountIn) (account, error) {
		st, err := b.accounts.Load(ctx, in.ID)
		if err != nil {
			return account{}, err
		}
		if !st.Exists() {
			return account{}, app.NewError(app.CodeNotFound, "no account "+in.ID)
		}
		return accountView(st), nil
	}, app.HTTP("GET", "/accounts/{id}"))

	reg := bus.Registry()
	bus.Projections().Add(cqrs.NewProjection("accounts", func(_ context.Context, ev cqrs.Event) error {
		if ev.StreamType != "account" {
			return nil
		}
		data, err := reg.Decode(ev)
		if err != nil {
			return err
		}
		id := strings.TrimPrefix(ev.Stream, "account-")
		b.mu.Lock()
		defer b.mu.Unlock()
		acc := b.list[id]
		st := cqrs.State[accountState]{ID: id, Version: ev.Version, Value: accountState{Owner: acc.Owner, Balance: acc.Balance}}
		applyAccount(&st.Value, data)
		b.list[id] = accountView(st)
		return nil
	}, cqrs.OnReset(func(context.Context) error {
		b.mu.Lock()
		defer b.mu.Unlock()
		clear(b.list)
		return nil
	})))
	app.Query(a, "listAccounts", func(context.Context, listAccountsIn) (listAccountsOut, error) {
		b.mu.Lock()
		defer b.mu.Unlock()
		out := listAccountsOut{Accounts: make([]account, 0, len(b.list))}
		for _, acc := range b.list {
			out.Accounts = append(out.Accounts, acc)
		}
		sort.Slice(out.Accounts, func(i, j int) bool { return out.Accounts[i].ID < out.Accounts[j].ID })
		return out, nil
	}, app.HTTP("GET", "/accounts"), bus.ReadsFrom("accounts"))
	cqrs.EventStream(bus, "accountEvents", func(ctx context.Context, in accountEventsIn) (cqrs.Filter, int64, error) {
		st, err := b.accounts.Load(ctx, in.ID)
		if err != nil {
			return cqrs.Filter{}, 0, err
		}
		if !st.Exists() {
			return cqrs.Filter{}, 0, app.NewError(app.CodeNotFound, "no account "+in.ID)
		}
		return cqrs.Filter{Streams: []string{b.accounts.Stream(in.ID)}}, in.After, nil
	}, func(ev cqrs.Event, data any) (accountEvent, bool) {
		out := accountEvent{Type: ev.Type, Version: ev.Version, Position: ev.Position}
		switch e := data.(type) {
		case accountOpened:
			out.Owner = e.Owner
		case deposited:
			out.Amount = e.Amount
		case withdrawn:
			out.Amount = -e.Amount
		}
		return out, true
	}, app.HTTP("GET", "/accounts/{id}/events"))
	bus.RegisterAdmin()
	if declare != nil {
		declare(b)
	}

	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			tb.Error(err)
		}
	})
	return b
}

// headers records response headers of in-process calls.
type headers map[string]string

func (h headers) Set(k, v string) { h[k] = v }

func withHeaders(h headers) app.InvokeOption { return func(c *app.Call) { c.ResponseHeader = h } }

func md(kv ...string) app.InvokeOption {
	m := app.MapMetadata{}
	for i := 0; i+1 < len(kv); i += 2 {
		m.Set(kv[i], kv[i+1])
	}
	return app.WithMetadata(m)
}

func (b *bank) open(tb testing.TB, owner string) account {
	tb.Helper()
	acc, err := app.Invoke[openAccountIn, account](context.Background(), b.app, "openAccount", openAccountIn{Owner: owner})
	if err != nil {
		tb.Fatal(err)
	}
	return acc
}

func (b *bank) move(op, id string, amount int64, opts ...app.InvokeOption) (account, error) {
	return app.Invoke[amountIn, account](context.Background(), b.app, op, amountIn{ID: id, Amount: amount}, opts...)
}

func (b *bank) balance(tb testing.TB, id string) int64 {
	tb.Helper()
	acc, err := app.Invoke[accountIn, account](context.Background(), b.app, "getAccount", accountIn{ID: id})
	if err != nil {
		tb.Fatal(err)
	}
	return acc.Balance
}

// wantCode reports whether err has the code want, failing tb if not.
func wantCode(tb testing.TB, what string, err error, want app.Code) bool {
	tb.Helper()
	if got := app.CodeOf(err); got != want {
		tb.Errorf("%s: code %v (%v), want %v", what, got, err, want)
		return false
	}
	return true
}

// RunScenarios runs the bank scenarios in process through the App router
// against stores from open: accounts as aggregates, validation, domain
// errors, idempotency, concurrency (in one replica and across replicas),
// read-your-writes through a projection, correlation metadata, event
// streams and projection status.
func RunScenarios(t *testing.T, open Open) {
	tests := []struct {
		name string
		run  func(*testing.T, Open)
	}{
		{"Accounts", scenarioAccounts},
		{"Validation", scenarioValidation},
		{"Idempotency", scenarioIdempotency},
		{"IdempotencyRetention", scenarioIdempotencyRetention},
		{"ConcurrentDeposits", scenarioConcurrentDeposits},
		{"ReplicasRetryConflicts", scenarioReplicas},
		{"ConflictRetriedOnFreshState", scenarioInjectedConflicts},
		{"ReadYourWrites", scenarioReadYourWrites},
		{"CorrelationMetadata", scenarioCorrelation},
		{"EventStream", scenarioEventStream},
		{"ProjectionStatusAndRebuild", scenarioProjectionAdmin},
		{"Snapshots", scenarioSnapshots},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, open) })
	}
}

func scenarioAccounts(t *testing.T, open Open) {
	b := newBank(t, open(t))
	h := headers{}
	acc, err := app.Invoke[openAccountIn, account](context.Background(), b.app, "openAccount", openAccountIn{Owner: "ada"}, withHeaders(h))
	if err != nil {
		t.Fatal(err)
	}
	if acc.ID == "" || acc.Owner != "ada" || acc.Balance != 0 || acc.Version != 1 || acc.Position < 1 {
		t.Fatalf("opened %+v", acc)
	}
	if h[cqrs.HeaderConsistencyToken] != cqrs.FormatToken(acc.Position) {
		t.Errorf("Consistency-Token header = %q, want %d", h[cqrs.HeaderConsistencyToken], acc.Position)
	}
	steps := []struct {
		op       string
		give     int64
		want     int64
		wantCode app.Code
	}{
		{op: "deposit", give: 100, want: 100},
		{op: "withdraw", give: 30, want: 70},
		{op: "withdraw", give: 71, want: 70, wantCode: app.CodeFailedPrecondition},
		{op: "deposit", give: 5, want: 75},
		{op: "withdraw", give: 75, want: 0},
		{op: "withdraw", give: 1, want: 0, wantCode: app.CodeFailedPrecondition},
	}
	version := acc.Version
	for _, st := range steps {
		got, err := b.move(st.op, acc.ID, st.give)
		if code := app.CodeOf(err); code != st.wantCode {
			t.Fatalf("%s %d: code %v (%v), want %v", st.op, st.give, code, err, st.wantCode)
		}
		if err == nil {
			version++
			if got.Balance != st.want || got.Version != version || got.ID != acc.ID {
				t.Errorf("%s %d = %+v, want balance %d version %d", st.op, st.give, got, st.want, version)
			}
		}
		if bal := b.balance(t, acc.ID); bal != st.want {
			t.Errorf("after %s %d: balance %d, want %d", st.op, st.give, bal, st.want)
		}
	}
	if _, err := b.move("withdraw", acc.ID, 1); wantCode(t, "overdraft", err, app.CodeFailedPrecondition) {
		if e := app.ErrorFrom(err); e.Message != "insufficient funds" || e.Details["balance"] != int64(0) {
			t.Errorf("overdraft error = %q %v", e.Message, e.Details)
		}
	}
	for _, op := range []string{"deposit", "withdraw"} {
		_, err := b.move(op, "no-such-account", 1)
		wantCode(t, op+" to an unknown account", err, app.CodeNotFound)
	}
	_, err = app.Invoke[accountIn, account](context.Background(), b.app, "getAccount", accountIn{ID: "no-such-account"})
	wantCode(t, "getAccount of an unknown account", err, app.CodeNotFound)
}

func scenarioValidation(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	tests := []struct {
		op   string
		give string
		want []app.FieldViolation
	}{
		{op: "deposit", give: `{"id":"` + acc.ID + `","amount":0}`, want: []app.FieldViolation{{Field: "amount", Description: "must be greater than 0"}}},
		{op: "deposit", give: `{"id":"` + acc.ID + `","amount":-5}`, want: []app.FieldViolation{{Field: "amount", Description: "must be greater than 0"}}},
		{op: "withdraw", give: `{"amount":5}`, want: []app.FieldViolation{{Field: "id", Description: "is required"}}},
		{op: "openAccount", give: `{}`, want: []app.FieldViolation{{Field: "owner", Description: "is required"}}},
		{op: "openAccount", give: `{"owner":"` + strings.Repeat("x", 101) + `"}`, want: []app.FieldViolation{{Field: "owner", Description: "must be at most 100 characters"}}},
		{op: "deposit", give: `{"id":"` + acc.ID + `","amount":"ten"}`},
		{op: "deposit", give: `{"id":`},
		{op: "deposit", give: `{"id":"bad\u0001id","amount":1}`, want: []app.FieldViolation{{Field: "id", Description: "must not contain control characters"}}},
	}
	for _, tt := range tests {
		_, err := b.app.InvokeJSON(context.Background(), tt.op, []byte(tt.give))
		if !wantCode(t, tt.op+" "+tt.give, err, app.CodeInvalidArgument) {
			continue
		}
		if diff := cmp.Diff(app.ErrorFrom(err).Violations, tt.want, cmpopts.EquateEmpty()); diff != "" {
			t.Errorf("%s %s violations (-got +want):\n%s", tt.op, tt.give, diff)
		}
	}
	if bal := b.balance(t, acc.ID); bal != 0 {
		t.Errorf("invalid commands changed the balance to %d", bal)
	}
}

func scenarioIdempotency(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	const n = 5
	outs := make([]account, n)
	hs := make([]headers, n)
	var wg sync.WaitGroup
	for i := range n {
		hs[i] = headers{}
		wg.Go(func() {
			var err error
			outs[i], err = b.move("deposit", acc.ID, 10, md("Idempotency-Key", "dep-1"), withHeaders(hs[i]))
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if bal := b.balance(t, acc.ID); bal != 10 {
		t.Errorf("five deposits with one key: balance %d, want 10", bal)
	}
	replayed := 0
	for i := range n {
		if diff := cmp.Diff(outs[i], outs[0]); diff != "" {
			t.Errorf("response %d differs (-got +want):\n%s", i, diff)
		}
		if hs[i][cqrs.HeaderIdempotentReplayed] == "true" {
			replayed++
		}
	}
	if outs[0].Balance != 10 || outs[0].Position == 0 || replayed != n-1 {
		t.Errorf("responses %+v, %d replayed; want balance 10, a position and %d replayed", outs[0], replayed, n-1)
	}
	// Same key, another input.
	_, err := b.move("deposit", acc.ID, 11, md("Idempotency-Key", "dep-1"))
	if wantCode(t, "key reused with another amount", err, app.CodeFailedPrecondition) && app.ErrorFrom(err).Details["reason"] != "idempotency_key_reused" {
		t.Errorf("details %v", app.ErrorFrom(err).Details)
	}
	// Keys are per operation.
	if _, err := b.move("withdraw", acc.ID, 10, md("Idempotency-Key", "dep-1")); err != nil {
		t.Errorf("same key on another operation: %v", err)
	}
	_, err = b.move("deposit", acc.ID, 1, md("Idempotency-Key", strings.Repeat("k", 256)))
	wantCode(t, "key too long", err, app.CodeInvalidArgument)
	_, err = b.move("deposit", acc.ID, 1, md("Idempotency-Key", "with space"))
	wantCode(t, "key with a space", err, app.CodeInvalidArgument)
	// A failed command does not consume its key.
	_, err = b.move("withdraw", acc.ID, 1000, md("Idempotency-Key", "w-2"))
	wantCode(t, "overdraft with a key", err, app.CodeFailedPrecondition)
	if _, err := b.move("deposit", acc.ID, 1000, md("Idempotency-Key", "d-2")); err != nil {
		t.Fatal(err)
	}
	if got, err := b.move("withdraw", acc.ID, 1000, md("Idempotency-Key", "w-2")); err != nil || got.Balance != 0 {
		t.Errorf("retry of a failed command = %+v, %v; want it to run", got, err)
	}
	// openAccount replays the same account.
	o1, err1 := app.Invoke[openAccountIn, account](context.Background(), b.app, "openAccount", openAccountIn{Owner: "bob"}, md("Idempotency-Key", "open-bob"))
	o2, err2 := app.Invoke[openAccountIn, account](context.Background(), b.app, "openAccount", openAccountIn{Owner: "bob"}, md("idempotency-key", "open-bob"))
	if err1 != nil || err2 != nil || o1.ID != o2.ID || o1.ID == "" {
		t.Errorf("idempotent openAccount: %+v %v / %+v %v", o1, err1, o2, err2)
	}
}

// scenarioIdempotencyRetention: a key is honoured for the retention, then
// purged — by Bus.PurgeIdempotency, and by a started Bus on its own — after
// which the same key runs the command again.
func scenarioIdempotencyRetention(t *testing.T, open Open) {
	store := open(t)
	var mu sync.Mutex
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	advance := func(d time.Duration) {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(d)
	}
	ctx := context.Background()
	b := newBank(t, store, cqrs.WithClock(clock), cqrs.WithIdempotencyRetention(time.Hour))
	acc := b.open(t, "ada")
	deposit := func() {
		t.Helper()
		if _, err := b.move("deposit", acc.ID, 10, md("Idempotency-Key", "k")); err != nil {
			t.Fatal(err)
		}
	}
	deposit()
	deposit()
	advance(59 * time.Minute)
	if n, err := b.bus.PurgeIdempotency(ctx); err != nil || n != 0 {
		t.Fatalf("purge within the retention = %d, %v; want 0", n, err)
	}
	deposit()
	if bal := b.balance(t, acc.ID); bal != 10 {
		t.Fatalf("balance %d after three deposits with one key within the retention, want 10", bal)
	}
	advance(2 * time.Minute)
	if n, err := b.bus.PurgeIdempotency(ctx); err != nil || n != 1 {
		t.Fatalf("purge after the retention = %d, %v; want 1", n, err)
	}
	deposit()
	if bal := b.balance(t, acc.ID); bal != 20 {
		t.Fatalf("balance %d after the key expired, want 20 (the command runs again)", bal)
	}
	// A started Bus purges on its own: a replica started two hours later
	// removes the new record.
	advance(2 * time.Hour)
	newBank(t, store, cqrs.WithClock(clock), cqrs.WithIdempotencyRetention(time.Hour))
	testenv.Eventually(t, waitTimeout, func() bool { // the replica's purge
		_, found, err := store.LoadIdempotency(ctx, "deposit", "k")
		if err != nil {
			t.Fatal(err)
		}
		return !found
	})
	// Retention 0 keeps records forever.
	keep := newBank(t, store, cqrs.WithClock(clock), cqrs.WithIdempotencyRetention(0))
	if _, err := keep.move("deposit", acc.ID, 10, md("Idempotency-Key", "forever")); err != nil {
		t.Fatal(err)
	}
	advance(1000 * time.Hour)
	if n, err := keep.bus.PurgeIdempotency(ctx); err != nil || n != 0 {
		t.Errorf("purge with retention 0 = %d, %v; want 0", n, err)
	}
}

func scenarioConcurrentDeposits(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	const n = 150
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range n {
		wg.Go(func() {
			if _, err := b.move("deposit", acc.ID, 1); err != nil {
				failed.Add(1)
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if bal := b.balance(t, acc.ID); bal != n || failed.Load() != 0 {
		t.Errorf("%d concurrent deposits of 1: balance %d, %d failed", n, bal, failed.Load())
	}
}

// conflictCounter counts appends that failed with a conflict. Its reads
// take a little longer, as over a network, which widens the window in
// which replicas race.
type conflictCounter struct {
	cqrs.Store
	conflicts atomic.Int64
}

func (c *conflictCounter) ReadStream(ctx context.Context, stream string, after int64) ([]cqrs.Event, error) {
	evs, err := c.Store.ReadStream(ctx, stream, after)
	time.Sleep(200 * time.Microsecond)
	return evs, err
}

func (c *conflictCounter) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	res, err := c.Store.Append(ctx, req)
	if errors.Is(err, cqrs.ErrConflict) {
		c.conflicts.Add(1)
	}
	return res, err
}

func scenarioReplicas(t *testing.T, open Open) {
	store := &conflictCounter{Store: open(t)}
	const replicas, workers, deposits = 4, 4, 10
	banks := make([]*bank, replicas)
	for i := range banks {
		banks[i] = newBank(t, store, cqrs.WithRetries(100))
	}
	acc := banks[0].open(t, "ada")
	var wg sync.WaitGroup
	var ok, aborted atomic.Int64
	for r := range replicas {
		for range workers {
			wg.Go(func() {
				for range deposits {
					_, err := banks[r].move("deposit", acc.ID, 1)
					switch app.CodeOf(err) {
					case app.CodeOK:
						ok.Add(1)
					case app.CodeAborted:
						aborted.Add(1)
					default:
						t.Error(err)
					}
				}
			})
		}
	}
	wg.Wait()
	total := int64(replicas * workers * deposits)
	for i, b := range banks {
		if bal := b.balance(t, acc.ID); bal != ok.Load() {
			t.Errorf("replica %d sees balance %d, want %d successful deposits", i, bal, ok.Load())
		}
	}
	if ok.Load()+aborted.Load() != total || ok.Load() < total*9/10 {
		t.Errorf("%d ok + %d aborted of %d deposits", ok.Load(), aborted.Load(), total)
	}
	if store.conflicts.Load() == 0 {
		t.Error("replicas never conflicted: the test exercised no retry")
	}
	t.Logf("%d deposits across %d replicas: %d conflicts retried, %d aborted", total, replicas, store.conflicts.Load(), aborted.Load())
}

// interloper appends a deposit to the stream before each of the first n
// appends of the bank, as a writer in another process would.
type interloper struct {
	cqrs.Store
	n       atomic.Int64
	appends atomic.Int64
}

func (s *interloper) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	s.appends.Add(1)
	if s.n.Add(-1) >= 0 {
		ev := Event("bank.Deposited", `{"amount":1000}`)
		if _, err := s.Store.Append(ctx, cqrs.AppendRequest{Stream: req.Stream, StreamType: req.StreamType, ExpectedVersion: cqrs.AnyVersion, Events: []cqrs.EventData{ev}}); err != nil {
			return cqrs.AppendResult{}, err
		}
	}
	return s.Store.Append(ctx, req)
}

func scenarioInjectedConflicts(t *testing.T, open Open) {
	store := &interloper{Store: open(t)}
	b := newBank(t, store, cqrs.WithRetries(3))
	acc := b.open(t, "ada")
	store.n.Store(2)
	store.appends.Store(0)
	// Twice another writer gets in first; the deposit succeeds on the third
	// attempt, decided on the state that includes the other deposits.
	got, err := b.move("deposit", acc.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	if got.Balance != 2010 || got.Version != 4 || store.appends.Load() != 3 {
		t.Errorf("deposit after 2 conflicts = %+v in %d appends; want balance 2010, version 4, 3 appends", got, store.appends.Load())
	}
	// A stream that keeps moving exhausts the retries: aborted, nothing written.
	store.n.Store(100)
	store.appends.Store(0)
	_, err = b.move("withdraw", acc.ID, 1)
	wantCode(t, "always conflicting", err, app.CodeAborted)
	if n := store.appends.Load(); n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
	store.n.Store(0)
	if bal := b.balance(t, acc.ID); bal != 2010+4*1000 {
		t.Errorf("balance %d: the aborted command wrote, or a deposit was lost", bal)
	}
}

func scenarioReadYourWrites(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	for i := range 20 {
		dep, err := b.move("deposit", acc.ID, 1)
		if err != nil {
			t.Fatal(err)
		}
		list, err := app.Invoke[listAccountsIn, listAccountsOut](context.Background(), b.app, "listAccounts", listAccountsIn{},
			md("Consistency-Token", cqrs.FormatToken(dep.Position)))
		if err != nil {
			t.Fatal(err)
		}
		if len(list.Accounts) != 1 || list.Accounts[0].Balance != int64(i+1) {
			t.Fatalf("listAccounts after deposit %d with its token = %+v", i+1, list.Accounts)
		}
	}
	tests := []struct {
		give string
		want app.Code
	}{
		{give: "abc", want: app.CodeInvalidArgument},
		{give: "-1", want: app.CodeInvalidArgument},
		{give: "999999999", want: app.CodeInvalidArgument},
		{give: "0", want: app.CodeOK},
	}
	for _, tt := range tests {
		_, err := app.Invoke[listAccountsIn, listAccountsOut](context.Background(), b.app, "listAccounts", listAccountsIn{}, md("Consistency-Token", tt.give))
		wantCode(t, "token "+tt.give, err, tt.want)
	}
}

func scenarioCorrelation(t *testing.T, open Open) {
	store := open(t)
	b := newBank(t, store)
	acc := b.open(t, "ada")
	dep, err := b.move("deposit", acc.ID, 7, md("X-Correlation-ID", "corr-42", "X-Request-ID", "req-1", "Idempotency-Key", "k-7"))
	if err != nil {
		t.Fatal(err)
	}
	evs, err := store.ReadStream(context.Background(), b.accounts.Stream(acc.ID), 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("events after opening: %v, %v", evs, err)
	}
	got := evs[0]
	if got.Position != dep.Position || got.Type != "bank.Deposited" || got.StreamType != "account" {
		t.Errorf("event %+v, want the deposit at %d", got, dep.Position)
	}
	want := cqrs.Metadata{CorrelationID: "corr-42", CausationID: "req-1", IdempotencyKey: "k-7"}
	if diff := cmp.Diff(got.Metadata, want, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("metadata (-got +want):\n%s", diff)
	}
	// Without request ids, a new correlation id is both correlation and causation.
	opened, _ := store.ReadStream(context.Background(), b.accounts.Stream(acc.ID), 0)
	if m := opened[0].Metadata; m.CorrelationID == "" || m.CausationID != m.CorrelationID {
		t.Errorf("metadata without request ids: %+v", m)
	}
}

func scenarioEventStream(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	if _, err := b.move("deposit", acc.ID, 5); err != nil {
		t.Fatal(err)
	}
	other := b.open(t, "bob")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	items := make(chan accountEvent, 100)
	done := make(chan error, 1)
	go func() {
		done <- app.InvokeStream(ctx, b.app, "accountEvents", accountEventsIn{ID: acc.ID}, func(e accountEvent) error {
			items <- e
			return nil
		})
	}()
	next := func() accountEvent {
		t.Helper()
		select {
		case e := <-items:
			return e
		case <-time.After(waitTimeout):
			t.Fatal("no event from the stream")
			return accountEvent{}
		}
	}
	got := []accountEvent{next(), next()}
	if _, err := b.move("deposit", other.ID, 9); err != nil { // another stream: not sent
		t.Fatal(err)
	}
	w, err := b.move("withdraw", acc.ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, next())
	want := []accountEvent{
		{Type: "bank.AccountOpened", Owner: "ada", Version: 1, Position: acc.Position},
		{Type: "bank.Deposited", Amount: 5, Version: 2},
		{Type: "bank.Withdrawn", Amount: -2, Version: 3, Position: w.Position},
	}
	if diff := cmp.Diff(got, want, cmpopts.IgnoreFields(accountEvent{}, "Position")); diff != "" {
		t.Errorf("stream (-got +want):\n%s", diff)
	}
	if got[2].Position != w.Position {
		t.Errorf("live event position %d, want %d", got[2].Position, w.Position)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("stream ended with %v after the client left", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("stream did not end after cancel")
	}
	// Resume after a position: only later events.
	ctx2, cancel2 := context.WithCancel(context.Background())
	defer cancel2()
	resumed := make(chan accountEvent, 10)
	go func() {
		_ = app.InvokeStream(ctx2, b.app, "accountEvents", accountEventsIn{ID: acc.ID}, func(e accountEvent) error {
			resumed <- e
			return nil
		}, md("Last-Event-ID", cqrs.FormatToken(got[1].Position)))
	}()
	select {
	case e := <-resumed:
		if e.Version != 3 {
			t.Errorf("resumed stream starts at version %d, want 3", e.Version)
		}
	case <-time.After(waitTimeout):
		t.Fatal("resumed stream sent nothing")
	}
	err = app.InvokeStream(context.Background(), b.app, "accountEvents", accountEventsIn{ID: "nope"}, func(accountEvent) error { return nil })
	wantCode(t, "stream of an unknown account", err, app.CodeNotFound)
}

func scenarioProjectionAdmin(t *testing.T, open Open) {
	b := newBank(t, open(t))
	acc := b.open(t, "ada")
	dep, err := b.move("deposit", acc.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := b.bus.Projections().WaitFor(ctx, dep.Position, "accounts"); err != nil {
		t.Fatal(err)
	}
	st, err := app.Invoke[cqrs.ProjectionsInput, cqrs.ProjectionsOutput](ctx, b.app, "projections", cqrs.ProjectionsInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := []cqrs.ProjectionStatus{{Name: "accounts", Position: dep.Position, Head: dep.Position, State: cqrs.StateLive}}
	if diff := cmp.Diff(st.Projections, want, cmpopts.IgnoreFields(cqrs.ProjectionStatus{}, "Updated")); diff != "" {
		t.Errorf("status (-got +want):\n%s", diff)
	}
	if _, err := app.Invoke[cqrs.RebuildInput, cqrs.ProjectionStatus](ctx, b.app, "rebuildProjection", cqrs.RebuildInput{Name: "accounts"}); err != nil {
		t.Fatal(err)
	}
	if err := b.bus.Projections().WaitFor(ctx, dep.Position, "accounts"); err != nil {
		t.Fatal(err)
	}
	list, err := app.Invoke[listAccountsIn, listAccountsOut](ctx, b.app, "listAccounts", listAccountsIn{}, md("Consistency-Token", cqrs.FormatToken(dep.Position)))
	if err != nil || len(list.Accounts) != 1 || list.Accounts[0].Balance != 3 {
		t.Errorf("after rebuild: %+v, %v", list, err)
	}
	_, err = app.Invoke[cqrs.RebuildInput, cqrs.ProjectionStatus](ctx, b.app, "rebuildProjection", cqrs.RebuildInput{Name: "nope"})
	wantCode(t, "rebuild of an unknown projection", err, app.CodeNotFound)
}

// snapshotCounter records from which version aggregates read their streams.
type snapshotCounter struct {
	cqrs.Store
	mu    sync.Mutex
	after []int64
}

func (s *snapshotCounter) ReadStream(ctx context.Context, stream string, after int64) ([]cqrs.Event, error) {
	s.mu.Lock()
	s.after = append(s.after, after)
	s.mu.Unlock()
	return s.Store.ReadStream(ctx, stream, after)
}

func scenarioSnapshots(t *testing.T, open Open) {
	store := &snapshotCounter{Store: open(t)}
	b := newBank(t, store) // snapshots every 50 events
	acc := b.open(t, "ada")
	for i := range 120 {
		if _, err := b.move("deposit", acc.ID, int64(i+1)); err != nil {
			t.Fatal(err)
		}
	}
	sn, ok, err := store.LoadSnapshot(context.Background(), b.accounts.Stream(acc.ID))
	if err != nil || !ok || sn.Version != 100 {
		t.Fatalf("snapshot = version %d, %v, %v; want version 100", sn.Version, ok, err)
	}
	want := int64(120 * 121 / 2)
	if bal := b.balance(t, acc.ID); bal != want {
		t.Errorf("balance = %d, want %d", bal, want)
	}
	// Another replica (nothing cached) starts from the snapshot.
	b2 := newBank(t, store)
	store.mu.Lock()
	store.after = nil
	store.mu.Unlock()
	if bal := b2.balance(t, acc.ID); bal != want {
		t.Errorf("balance loaded from snapshot = %d, want %d", bal, want)
	}
	store.mu.Lock()
	defer store.mu.Unlock()
	if diff := cmp.Diff(store.after, []int64{100}); diff != "" {
		t.Errorf("load read the stream after versions (-got +want):\n%s", diff)
	}
}
