package cqrstest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/google/go-cmp/cmp"
)

// RunReadModels runs the declarative read model scenarios (cqrs.ReadModel)
// against a backend, whose store must implement cqrs.ReadModelBackend:
// create, update and delete, index lookups, keyset pages with filters in
// both orders, restart (rows persist and no event is applied twice),
// rebuild, a changed declaration, concurrent appends while the projection
// runs, and read-your-writes with consistency tokens. storage returns, for
// each test, a Reopen over new, empty storage, which may be open twice at
// once (two replicas); a backend without durable storage (memory) returns
// the same store on every call and closes it in a cleanup.
func RunReadModels(t *testing.T, storage func(tb testing.TB) Reopen) {
	tests := []struct {
		name string
		run  func(*testing.T, Reopen)
	}{
		{"CreateUpdateDelete", rmCreateUpdateDelete},
		{"Pages", rmPages},
		{"Restart", rmRestart},
		{"Rebuild", rmRebuild},
		{"ChangedDeclaration", rmChangedDeclaration},
		{"ConcurrentAppends", rmConcurrentAppends},
		{"Replicas", rmReplicas},
		{"ReadYourWrites", rmReadYourWrites},
		{"HandlerFailure", rmHandlerFailure},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { tt.run(t, storage(t)) })
	}
}

// rmAccount is a row of the read model under test.
type rmAccount struct {
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
	Version int64  `json:"version"`
}

type accountClosed struct{}

type transferredIn struct {
	From   string `json:"from"`
	Amount int64  `json:"amount"`
}

// rmListIn is the input of the filtered list query.
type rmListIn struct {
	cqrs.ListIn
	Owner string `json:"owner,omitempty" index:"owner"`
	Rich  *bool  `json:"rich,omitempty" index:"rich"`
}

func rmRegistry() *cqrs.Registry {
	reg := bankRegistry()
	cqrs.RegisterEvent[accountClosed](reg, "bank.AccountClosed", 1)
	cqrs.RegisterEvent[transferredIn](reg, "bank.TransferredIn", 1)
	return reg
}

// rmDeclaration is the read model under test.
func rmDeclaration() []cqrs.ReadModelOption[rmAccount] {
	return []cqrs.ReadModelOption[rmAccount]{
		cqrs.Create(func(e accountOpened, ev cqrs.Event) rmAccount {
			return rmAccount{ID: cqrs.StreamID(ev), Owner: e.Owner, Version: ev.Version}
		}),
		cqrs.Update(func(a *rmAccount, e deposited, ev cqrs.Event) {
			a.Balance += e.Amount
			a.Version = ev.Version
		}),
		cqrs.On(func(a *rmAccount, e withdrawn, ev cqrs.Event) cqrs.Change {
			if a.ID == "" {
				return cqrs.ChangeNone // never opened
			}
			a.Balance -= e.Amount
			a.Version = ev.Version
			return cqrs.ChangeSave
		}),
		cqrs.Delete[rmAccount, accountClosed](),
		// A transfer is recorded on the receiving account's stream but
		// keyed by the sender, to exercise key functions: it debits From.
		cqrs.Update(func(a *rmAccount, e transferredIn, _ cqrs.Event) { a.Balance -= e.Amount },
			func(e transferredIn, _ cqrs.Event) string { return e.From }),
		cqrs.Index("owner", func(a rmAccount) string { return a.Owner }),
		cqrs.Index("rich", func(a rmAccount) bool { return a.Balance >= 100 }),
	}
}

// rmFixture is one process serving the read model.
type rmFixture struct {
	app   *app.App
	bus   *cqrs.Bus
	store cqrs.Store
	reg   *cqrs.Registry
	rm    *cqrs.ReadModel[rmAccount]
	// stopApp stops the App (once; also run by cleanup).
	stopApp func()
}

const rmName = "accounts"

// newRMFixture declares the read model over store and registers its
// queries; start starts the App (and so the projection).
func newRMFixture(tb testing.TB, store cqrs.Store, extra ...cqrs.ReadModelOption[rmAccount]) *rmFixture {
	tb.Helper()
	a := app.New(app.Name("rm"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, rmRegistry(), cqrs.WithProjectionRetry(time.Millisecond), cqrs.WithConsistencyTimeout(waitTimeout))
	f := &rmFixture{app: a, bus: bus, store: store, reg: bus.Registry()}
	f.rm = cqrs.NewReadModel(bus, rmName, append(rmDeclaration(), extra...)...)
	f.rm.RegisterGet("getAccount")
	cqrs.RegisterListBy[rmListIn](f.rm, "listAccounts")
	f.rm.RegisterList("allAccounts")
	return f
}

func (f *rmFixture) start(tb testing.TB) {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := f.app.Start(ctx); err != nil {
		tb.Fatal(err)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
		defer cancel()
		if err := f.app.Stop(ctx); err != nil {
			tb.Error(err)
		}
	}
	tb.Cleanup(stop)
	f.stopApp = stop
}

// emit appends events (registered structs) to the account stream id and
// returns the position of the last; it fails tb on error.
func (f *rmFixture) emit(tb testing.TB, id string, events ...any) int64 {
	tb.Helper()
	pos, err := f.append(id, events...)
	if err != nil {
		tb.Fatal(err)
	}
	return pos
}

// append is emit for goroutines other than the test's.
func (f *rmFixture) append(id string, events ...any) (int64, error) {
	req := cqrs.AppendRequest{Stream: "account-" + id, StreamType: "account", ExpectedVersion: cqrs.AnyVersion}
	for _, e := range events {
		ed, err := f.reg.Encode(e)
		if err != nil {
			return 0, err
		}
		req.Events = append(req.Events, ed)
	}
	res, err := f.store.Append(context.Background(), req)
	if err != nil {
		return 0, fmt.Errorf("append to %s: %w", id, err)
	}
	return res.LastPosition, nil
}

// caughtUp waits until the read model has applied every stored event.
func (f *rmFixture) caughtUp(tb testing.TB) int64 {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	head, err := f.store.Head(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	if err := f.bus.Projections().WaitFor(ctx, head, rmName); err != nil {
		st, _ := f.bus.Projections().Status(context.Background())
		tb.Fatalf("read model did not reach %d: %v (status %+v)", head, err, st)
	}
	return head
}

func (f *rmFixture) get(id string, opts ...app.InvokeOption) (rmAccount, error) {
	return app.Invoke[cqrs.GetIn, rmAccount](context.Background(), f.app, "getAccount", cqrs.GetIn{ID: id}, opts...)
}

func (f *rmFixture) list(in rmListIn, opts ...app.InvokeOption) (cqrs.Page[rmAccount], error) {
	return app.Invoke[rmListIn, cqrs.Page[rmAccount]](context.Background(), f.app, "listAccounts", in, opts...)
}

// all returns every row in key order through the Go API.
func (f *rmFixture) all(tb testing.TB) []rmAccount {
	tb.Helper()
	var out []rmAccount
	q := cqrs.ListQuery{Limit: 7}
	for {
		p, err := f.rm.List(context.Background(), q)
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out
		}
		q.After = p.Next
	}
}

func rmCreateUpdateDelete(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	f := newRMFixture(t, store)
	f.start(t)
	f.emit(t, "a", accountOpened{Owner: "ada"}, deposited{Amount: 50})
	f.emit(t, "b", accountOpened{Owner: "bob"}, deposited{Amount: 10})
	f.emit(t, "c", accountOpened{Owner: "ada"})
	f.emit(t, "a", withdrawn{Amount: 20}, deposited{Amount: 200})
	f.emit(t, "b", accountClosed{})
	f.emit(t, "ghost", deposited{Amount: 5}, withdrawn{Amount: 1}) // no row: Update and On skip
	f.emit(t, "c", transferredIn{From: "a", Amount: 30})           // keyed by From: debits a
	f.caughtUp(t)

	got, err := f.get("a")
	if want := (rmAccount{ID: "a", Owner: "ada", Balance: 200, Version: 4}); err != nil || got != want {
		t.Errorf("getAccount a = %+v, %v; want %+v", got, err, want)
	}
	_, err = f.get("b")
	wantCode(t, "getAccount of a deleted row", err, app.CodeNotFound)
	_, err = f.get("ghost")
	wantCode(t, "getAccount of a row never created", err, app.CodeNotFound)
	_, err = f.get("")
	wantCode(t, "getAccount without a key", err, app.CodeInvalidArgument)

	want := []rmAccount{{ID: "a", Owner: "ada", Balance: 200, Version: 4}, {ID: "c", Owner: "ada", Version: 1}}
	if diff := cmp.Diff(f.all(t), want); diff != "" {
		t.Errorf("rows (-got +want):\n%s", diff)
	}
	byOwner, err := f.rm.Lookup(context.Background(), "owner", "ada")
	if diff := cmp.Diff(byOwner, want); diff != "" || err != nil {
		t.Errorf("Lookup owner=ada (-got +want), %v:\n%s", err, diff)
	}
	if got, err := f.rm.Lookup(context.Background(), "owner", "bob"); len(got) != 0 || err != nil {
		t.Errorf("Lookup owner=bob (deleted) = %+v, %v", got, err)
	}
	rich, err := f.rm.Lookup(context.Background(), "rich", cqrs.FormatIndexValue(true))
	if len(rich) != 1 || rich[0].ID != "a" || err != nil {
		t.Errorf("Lookup rich=true = %+v, %v", rich, err)
	}
	if _, err := f.rm.Lookup(context.Background(), "nope", "x"); !errors.Is(err, cqrs.ErrInvalid) {
		t.Errorf("Lookup on an unknown index: %v, want ErrInvalid", err)
	}
	if row, ok, err := f.rm.Get(context.Background(), "c"); !ok || err != nil || row.Owner != "ada" {
		t.Errorf("Get c = %+v, %v, %v", row, ok, err)
	}
}

func rmPages(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	f := newRMFixture(t, store)
	f.start(t)
	var all, xs []string
	for i := range 23 {
		id := fmt.Sprintf("acc-%02d", i)
		owner := []string{"x", "y", "z"}[i%3]
		f.emit(t, id, accountOpened{Owner: owner}, deposited{Amount: int64(i * 10)})
		all = append(all, id)
		if owner == "x" {
			xs = append(xs, id)
		}
	}
	f.caughtUp(t)
	richX := []string{}
	for _, id := range xs {
		if id >= "acc-10" {
			richX = append(richX, id)
		}
	}
	yes := true
	tests := []struct {
		name string
		give rmListIn
		want []string
	}{
		{name: "all ascending", give: rmListIn{ListIn: cqrs.ListIn{Limit: 4}}, want: all},
		{name: "all descending", give: rmListIn{ListIn: cqrs.ListIn{Limit: 5, Order: "desc"}}, want: reversed(all)},
		{name: "owner ascending", give: rmListIn{ListIn: cqrs.ListIn{Limit: 3}, Owner: "x"}, want: xs},
		{name: "owner descending", give: rmListIn{ListIn: cqrs.ListIn{Limit: 2, Order: "desc"}, Owner: "x"}, want: reversed(xs)},
		{name: "two filters", give: rmListIn{ListIn: cqrs.ListIn{Limit: 1}, Owner: "x", Rich: &yes}, want: richX},
		{name: "default limit", give: rmListIn{}, want: all},
		{name: "after a key", give: rmListIn{ListIn: cqrs.ListIn{Limit: 10, After: "acc-19"}}, want: all[20:]},
		{name: "before a key", give: rmListIn{ListIn: cqrs.ListIn{Limit: 10, After: "acc-03", Order: "desc"}}, want: []string{"acc-02", "acc-01", "acc-00"}},
		{name: "no match", give: rmListIn{Owner: "nobody"}, want: nil},
	}
	for _, tt := range tests {
		var got []string
		in, pages := tt.give, 0
		for {
			p, err := f.list(in)
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			pages++
			if limit := int(max(in.Limit, 0)); limit > 0 && len(p.Items) > limit {
				t.Errorf("%s: page of %d items, limit %d", tt.name, len(p.Items), limit)
			}
			for _, a := range p.Items {
				got = append(got, a.ID)
			}
			if p.Next == "" {
				break
			}
			if len(p.Items) == 0 || p.Next != p.Items[len(p.Items)-1].ID {
				t.Fatalf("%s: next %q is not the last item of %+v", tt.name, p.Next, p.Items)
			}
			in.After = p.Next
		}
		if diff := cmp.Diff(got, tt.want); diff != "" {
			t.Errorf("%s: ids over %d pages (-got +want):\n%s", tt.name, pages, diff)
		}
	}
	bad := []struct {
		name string
		give rmListIn
	}{
		{name: "limit above the maximum", give: rmListIn{ListIn: cqrs.ListIn{Limit: cqrs.MaxPageSize + 1}}},
		{name: "negative limit", give: rmListIn{ListIn: cqrs.ListIn{Limit: -1}}},
		{name: "unknown order", give: rmListIn{ListIn: cqrs.ListIn{Order: "sideways"}}},
	}
	for _, tt := range bad {
		_, err := f.list(tt.give)
		wantCode(t, tt.name, err, app.CodeInvalidArgument)
	}
	p, err := app.Invoke[cqrs.ListIn, cqrs.Page[rmAccount]](context.Background(), f.app, "allAccounts", cqrs.ListIn{Limit: 2, Order: "desc"})
	if err != nil || len(p.Items) != 2 || p.Items[0].ID != "acc-22" || p.Next != "acc-21" {
		t.Errorf("allAccounts = %+v, %v", p, err)
	}
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

func rmRestart(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	store, closeStore := reopen(t)
	f := newRMFixture(t, store)
	f.start(t)
	for i := range 5 {
		f.emit(t, fmt.Sprintf("r%d", i), accountOpened{Owner: "ada"}, deposited{Amount: 10}, deposited{Amount: int64(i)})
	}
	head := f.caughtUp(t)
	before := f.all(t)
	f.stopApp()
	closeStore()

	store, closeStore = reopen(t)
	t.Cleanup(closeStore)
	f = newRMFixture(t, store)
	if cp, err := f.rm.Checkpoint(ctx); cp != head || err != nil {
		t.Errorf("checkpoint after reopen = %d, %v; want %d", cp, err, head)
	}
	if diff := cmp.Diff(f.all(t), before); diff != "" {
		t.Errorf("rows after reopen, before the projection runs (-got +want):\n%s", diff)
	}
	f.start(t)
	f.emit(t, "r0", deposited{Amount: 1})
	f.caughtUp(t)
	before[0].Balance++
	before[0].Version++
	if diff := cmp.Diff(f.all(t), before); diff != "" {
		t.Errorf("rows after reopen and one more deposit (-got +want): an event was applied twice or lost:\n%s", diff)
	}
}

func rmRebuild(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	f := newRMFixture(t, store)
	f.start(t)
	f.emit(t, "a", accountOpened{Owner: "ada"}, deposited{Amount: 7})
	f.emit(t, "b", accountOpened{Owner: "bob"}, accountClosed{})
	head := f.caughtUp(t)
	before := f.all(t)
	if err := f.bus.Projections().Rebuild(ctx, rmName); err != nil {
		t.Fatal(err)
	}
	f.caughtUp(t)
	if diff := cmp.Diff(f.all(t), before); diff != "" {
		t.Errorf("rows after rebuild (-got +want):\n%s", diff)
	}
	st, err := f.bus.Projections().Status(ctx)
	if err != nil || len(st) != 1 || st[0].Position != head || st[0].Lag != 0 || st[0].State != cqrs.StateLive {
		t.Errorf("status after rebuild = %+v, %v", st, err)
	}
}

func rmChangedDeclaration(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	store, closeStore := reopen(t)
	f := newRMFixture(t, store)
	f.start(t)
	f.emit(t, "a", accountOpened{Owner: "ada"}, deposited{Amount: 7})
	f.emit(t, "b", accountOpened{Owner: "bob"})
	head := f.caughtUp(t)
	before := f.all(t)
	f.stopApp()
	closeStore()

	// A new index changes the fingerprint: the rows are rebuilt.
	store, closeStore = reopen(t)
	t.Cleanup(closeStore)
	f = newRMFixture(t, store, cqrs.Index("version", func(a rmAccount) int64 { return a.Version }))
	if cp, err := f.rm.Checkpoint(ctx); cp != 0 || err != nil {
		t.Errorf("checkpoint after a changed declaration = %d, %v; want 0 (rebuild)", cp, err)
	}
	if got := f.all(t); len(got) != 0 {
		t.Errorf("rows of the old declaration kept: %+v", got)
	}
	f.start(t)
	if got := f.caughtUp(t); got != head {
		t.Errorf("head moved: %d, want %d", got, head)
	}
	if diff := cmp.Diff(f.all(t), before); diff != "" {
		t.Errorf("rows after the rebuild (-got +want):\n%s", diff)
	}
	v2, err := f.rm.Lookup(ctx, "version", "2")
	if len(v2) != 1 || v2[0].ID != "a" || err != nil {
		t.Errorf("Lookup on the new index = %+v, %v", v2, err)
	}
}

func rmConcurrentAppends(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	f := newRMFixture(t, store)
	const accounts, deposits = 6, 40
	for i := range accounts {
		f.emit(t, fmt.Sprintf("c%d", i), accountOpened{Owner: "ada"})
	}
	f.start(t) // catching up while the appends below run
	var wg sync.WaitGroup
	errs := make(chan error, accounts)
	for i := range accounts {
		wg.Go(func() {
			for j := range deposits {
				if _, err := f.append(fmt.Sprintf("c%d", i), deposited{Amount: int64(j + 1)}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	f.caughtUp(t)
	rows := f.all(t)
	if len(rows) != accounts {
		t.Fatalf("%d rows, want %d", len(rows), accounts)
	}
	for _, a := range rows {
		if a.Balance != deposits*(deposits+1)/2 || a.Version != deposits+1 {
			t.Errorf("%s: balance %d at version %d, want %d at %d: an event was lost or applied twice",
				a.ID, a.Balance, a.Version, deposits*(deposits+1)/2, deposits+1)
		}
	}
}

func rmReadYourWrites(t *testing.T, reopen Reopen) {
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	f := newRMFixture(t, store)
	f.start(t)
	f.emit(t, "a", accountOpened{Owner: "ada"})
	for i := range 20 {
		pos := f.emit(t, "a", deposited{Amount: 1})
		tok := md(cqrs.MetaConsistencyToken, cqrs.FormatToken(pos))
		got, err := f.get("a", tok)
		if err != nil || got.Balance != int64(i+1) {
			t.Fatalf("getAccount after deposit %d with its token = %+v, %v", i+1, got, err)
		}
		p, err := f.list(rmListIn{Owner: "ada"}, tok)
		if err != nil || len(p.Items) != 1 || p.Items[0].Balance != int64(i+1) {
			t.Fatalf("listAccounts after deposit %d with its token = %+v, %v", i+1, p, err)
		}
	}
	tests := []struct {
		give string
		want app.Code
	}{
		{give: "abc", want: app.CodeInvalidArgument},
		{give: "999999999", want: app.CodeInvalidArgument},
		{give: "1", want: app.CodeOK},
	}
	for _, tt := range tests {
		_, err := f.get("a", md(cqrs.MetaConsistencyToken, tt.give))
		wantCode(t, "getAccount with token "+tt.give, err, tt.want)
		_, err = f.list(rmListIn{}, md(cqrs.MetaConsistencyToken, tt.give))
		wantCode(t, "listAccounts with token "+tt.give, err, tt.want)
	}
}

// rmReplicas: two processes (two stores over the same storage) run the same
// read model while both append; each event changes the rows exactly once.
func rmReplicas(t *testing.T, reopen Reopen) {
	s1, close1 := reopen(t)
	t.Cleanup(close1)
	s2, close2 := reopen(t)
	t.Cleanup(close2)
	fs := []*rmFixture{newRMFixture(t, s1), newRMFixture(t, s2)}
	const accounts, deposits = 4, 30
	for i := range accounts {
		fs[0].emit(t, fmt.Sprintf("p%d", i), accountOpened{Owner: "ada"})
	}
	for _, f := range fs {
		f.start(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, accounts)
	for i := range accounts {
		f := fs[i%2]
		wg.Go(func() {
			for range deposits {
				if _, err := f.append(fmt.Sprintf("p%d", i), deposited{Amount: 1}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, f := range fs {
		f.caughtUp(t)
	}
	// caughtUp waits for each process's own runner; the rows are shared.
	for _, f := range fs {
		rows := f.all(t)
		if len(rows) != accounts {
			t.Fatalf("%d rows, want %d", len(rows), accounts)
		}
		for _, a := range rows {
			if a.Balance != deposits || a.Version != deposits+1 {
				t.Errorf("%s: balance %d at version %d, want %d at %d: an event was lost or applied twice",
					a.ID, a.Balance, a.Version, deposits, deposits+1)
			}
		}
	}
}

// rmHandlerFailure: a handler that panics fails its batch (nothing of it is
// written) and the projection reports the failure and retries.
func rmHandlerFailure(t *testing.T, reopen Reopen) {
	ctx := context.Background()
	store, closeStore := reopen(t)
	t.Cleanup(closeStore)
	a := app.New(app.Name("rm"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, store, rmRegistry(), cqrs.WithProjectionRetry(time.Millisecond))
	var mu sync.Mutex
	fail := true
	rm := cqrs.NewReadModel(bus, "failing",
		cqrs.Create(func(e accountOpened, _ cqrs.Event) rmAccount {
			mu.Lock()
			defer mu.Unlock()
			if fail && e.Owner == "boom" {
				panic("boom")
			}
			return rmAccount{Owner: e.Owner}
		}))
	f := &rmFixture{app: a, bus: bus, store: store, reg: bus.Registry(), rm: rm}
	f.emit(t, "ok", accountOpened{Owner: "ada"})
	pos := f.emit(t, "bad", accountOpened{Owner: "boom"})
	f.start(t)
	testenv.Eventually(t, waitTimeout, func() bool {
		st, err := bus.Projections().Status(ctx)
		return err == nil && st[0].State == cqrs.StateFailed && strings.Contains(st[0].Error, "boom")
	})
	if _, ok, err := rm.Get(ctx, "ok"); ok || err != nil {
		t.Errorf("a row of the failed batch was written: %v, %v", ok, err)
	}
	mu.Lock()
	fail = false
	mu.Unlock()
	waitCtx, cancel := context.WithTimeout(ctx, waitTimeout)
	defer cancel()
	if err := bus.Projections().WaitFor(waitCtx, pos, "failing"); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := rm.Get(ctx, "bad"); !ok || err != nil {
		t.Errorf("row after the retry: %v, %v", ok, err)
	}
}
