package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/saga"
)

// Events: the facts of an account's life. Their names (registry) are stored
// with every event, so they never change; the Go types may be renamed.
type (
	// AccountOpened is the first event of every account.
	AccountOpened struct {
		Owner string `json:"owner"`
	}
	// Deposited records money paid in.
	Deposited struct {
		Amount int64 `json:"amount"`
	}
	// Withdrawn records money taken out: an amount, as Deposited.
	Withdrawn Deposited
	// AccountClosed records that an account takes no more deposits.
	AccountClosed struct{}
	// Event is one of the events above: the feed's sum type (app.OneOf).
	Event interface{ accountEvent() }
)

func (AccountOpened) accountEvent() {}
func (Deposited) accountEvent()     {}
func (Withdrawn) accountEvent()     {}
func (AccountClosed) accountEvent() {}

const eventOpened = "bank.AccountOpened"

// registry types the bank's events.
func registry() *cqrs.Registry {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[AccountOpened](reg, eventOpened, 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	cqrs.RegisterEvent[Withdrawn](reg, "bank.Withdrawn", 1)
	cqrs.RegisterEvent[AccountClosed](reg, "bank.AccountClosed", 1)
	return reg
}

// Account is an account: the state folded from its events (snapshotted as
// JSON), a row of the accounts read model, and what the API returns.
type Account struct {
	ID      string `json:"id" doc:"Account id"`
	Owner   string `json:"owner" doc:"Account owner"`
	Balance int64  `json:"balance" doc:"Balance in minor units (cents)"`
	Version int64  `json:"version" doc:"Number of events in the account's history"`
	cqrs.Written
	Closed bool `json:"closed,omitempty" doc:"A closed account refuses deposits"`
}

// apply folds one event into the account; the aggregate and the read
// model share it.
func (a *Account) apply(data any, ev cqrs.Event) {
	switch e := data.(type) {
	case AccountOpened:
		*a = Account{ID: cqrs.StreamID(ev), Owner: e.Owner}
	case Deposited:
		a.Balance += e.Amount
	case Withdrawn:
		a.Balance -= e.Amount
	case AccountClosed:
		a.Closed = true
	}
	a.Version, a.Position = ev.Version, ev.Position
}

type (
	// OpenAccountIn is the input of openAccount.
	OpenAccountIn struct {
		Owner string `json:"owner" validate:"required,max=100" doc:"Who owns the account"`
	}
	// AmountIn is the input of deposit and withdraw.
	AmountIn struct {
		ID     string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
		Amount int64  `json:"amount" validate:"gt=0,lte=1000000000000" doc:"Amount in minor units (cents), at most 10^12"`
	}
	// AccountIn names an account.
	AccountIn struct {
		ID string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
	}
	// ListAccountsIn is the input of listAccounts: a page of accounts in id
	// order (ids are time-ordered, so oldest first), maybe of one owner.
	ListAccountsIn struct {
		cqrs.ListIn
		Owner string `json:"owner,omitempty" index:"owner" validate:"max=100" doc:"Only the accounts of this owner"`
	}
	// Transfer moves money between accounts: the input of transfer and the
	// state of its saga.
	Transfer struct {
		From   string `json:"from" validate:"required,max=64" doc:"Account to debit"`
		To     string `json:"to" validate:"required,max=64" doc:"Account to credit"`
		Amount int64  `json:"amount" validate:"gt=0,lte=1000000000000" doc:"Amount in minor units (cents), at most 10^12"`
	}
	// AccountEventsIn selects the event feed of one account.
	AccountEventsIn struct {
		ID    string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
		After int64  `json:"after" query:"after" validate:"gte=0" doc:"Send events after this global position (0: the whole history); the Last-Event-ID header does the same"`
	}
	// AccountEvent is one event of an account's feed: the event, typed, and where it stands.
	AccountEvent struct {
		Event         Event     `json:"event" validate:"required" doc:"The event: accountOpened, deposited, withdrawn or accountClosed"`
		Version       int64     `json:"version" doc:"Version of the account after the event"`
		Position      int64     `json:"position" doc:"Global position of the event; resume after it with Last-Event-ID or after"`
		Time          time.Time `json:"time" doc:"When the event was recorded"`
		CorrelationID string    `json:"correlationId,omitempty" doc:"Correlation id of the request that caused it (X-Correlation-ID; a transfer's id)"`
	}
)

// bank is the service, registered in the App: accounts as event-sourced
// aggregates, the accounts read model, transfers as a saga, an event feed.
type bank struct{ transfers *saga.Saga[Transfer] }

func notFound(id string) error {
	return app.NewError(app.CodeNotFound, fmt.Sprintf("account %q not found", id)).WithDetail("id", id)
}

func refuse(msg, reason string, acc Account) error {
	return app.NewError(app.CodeFailedPrecondition, msg).WithDetail("reason", reason).WithDetail("balance", acc.Balance)
}

func view(st cqrs.State[Account]) Account {
	acc := st.Value
	acc.ID, acc.Version, acc.Position = st.ID, st.Version, st.Position
	return acc
}

// command registers the command name on existing accounts (POST path):
// decide returns the event to append, or an error.
func command[In any](accounts *cqrs.Aggregate[Account], name, path, desc string, id func(In) string, decide func(Account, In) (any, error)) {
	cqrs.Handle(accounts, name, id, func(_ context.Context, st cqrs.State[Account], in In) ([]any, error) {
		if !st.Exists() {
			return nil, notFound(id(in))
		}
		ev, err := decide(st.Value, in)
		if err != nil {
			return nil, err
		}
		return []any{ev}, nil
	}, view, app.HTTP("POST", path), app.Describe(desc))
}

// on is the read model's handler of events of type E.
func on[E any]() cqrs.ReadModelOption[Account] {
	return cqrs.Update(func(acc *Account, e E, ev cqrs.Event) { acc.apply(e, ev) })
}

// newBank registers the bank's operations in a, on bus.
func newBank(a *app.App, bus *cqrs.Bus) *bank {
	accounts := cqrs.NewAggregate(bus, "account", func(acc *Account, ev any) { acc.apply(ev, cqrs.Event{}) }, cqrs.SnapshotEvery(100))
	ids := cqrs.NewIDGenerator(nil) // account and transfer ids: UUIDv7, increasing within the process
	byID := func(in AmountIn) string { return in.ID }
	app.OneOf[Event](a, app.Variant[AccountOpened](), app.Variant[Deposited](), app.Variant[Withdrawn](), app.Variant[AccountClosed]())

	cqrs.Handle(accounts, "openAccount", func(OpenAccountIn) string { return ids.New() },
		func(_ context.Context, _ cqrs.State[Account], in OpenAccountIn) ([]any, error) {
			return []any{AccountOpened(in)}, nil
		}, view, app.HTTP("POST", "/accounts"), app.Describe("Opens an account with a zero balance"))
	command(accounts, "deposit", "/accounts/{id}/deposit", "Pays money into an account; send an Idempotency-Key to make retries safe", byID,
		func(acc Account, in AmountIn) (any, error) {
			switch {
			case acc.Closed:
				return nil, refuse("account closed", "closed", acc)
			case acc.Balance > math.MaxInt64-in.Amount:
				return nil, refuse("balance limit reached", "balance_limit", acc)
			}
			return Deposited{Amount: in.Amount}, nil
		})
	command(accounts, "withdraw", "/accounts/{id}/withdraw", "Takes money out of an account; fails with failed_precondition rather than overdraw", byID,
		func(acc Account, in AmountIn) (any, error) {
			if acc.Balance < in.Amount {
				return nil, refuse("insufficient funds", "insufficient_funds", acc)
			}
			return Withdrawn{Amount: in.Amount}, nil
		})
	command(accounts, "closeAccount", "/accounts/{id}/close", "Closes an account: it refuses deposits from then on (withdrawals still pay its balance out)",
		func(in AccountIn) string { return in.ID },
		func(acc Account, _ AccountIn) (any, error) {
			if acc.Closed {
				return nil, refuse("account already closed", "closed", acc)
			}
			return AccountClosed{}, nil
		})
	load := func(ctx context.Context, id string) (cqrs.State[Account], error) {
		st, err := accounts.Load(ctx, id)
		if err == nil && !st.Exists() {
			err = notFound(id)
		}
		return st, err
	}
	app.Query(a, "getAccount", func(ctx context.Context, in AccountIn) (Account, error) {
		st, err := load(ctx, in.ID)
		return view(st), err
	}, app.HTTP("GET", "/accounts/{id}"), app.Describe("Reads an account from its events (always up to date)"))

	// The accounts read model: one row per account, kept by the store
	// (memory, SQLite or PostgreSQL), indexed by owner.
	list := cqrs.NewReadModel(bus, "accounts",
		cqrs.Create(func(e AccountOpened, ev cqrs.Event) (acc Account) { acc.apply(e, ev); return acc }),
		on[Deposited](), on[Withdrawn](), on[AccountClosed](),
		cqrs.Index("owner", func(acc Account) string { return acc.Owner }))
	cqrs.RegisterListBy[ListAccountsIn](list, "listAccounts", app.HTTP("GET", "/accounts"),
		app.Describe("Lists accounts from the accounts read model; send a command's Consistency-Token header to read your own writes"))

	// Transfers: a saga debits one account, then credits the other; when
	// the credit fails (a closed or missing account), it refunds the debit.
	withdraw, deposit := saga.Command[AmountIn, Account](a, "withdraw"), saga.Command[AmountIn, Account](a, "deposit")
	from, to := func(t *Transfer) string { return t.From }, func(t *Transfer) string { return t.To }
	move := func(cmd func(context.Context, AmountIn) (Account, error), id func(*Transfer) string) saga.Action[Transfer] {
		return func(ctx context.Context, t *Transfer) error {
			_, err := cmd(ctx, AmountIn{ID: id(t), Amount: t.Amount})
			return err
		}
	}
	transfers := saga.New[Transfer](bus, "transfer").
		Step("debit", move(withdraw, from), move(deposit, from)).
		Step("credit", move(deposit, to), nil)
	cqrs.Command(bus, "transfer", func(ctx context.Context, in Transfer) (saga.Status, error) {
		id := ids.New()
		if err := transfers.Start(ctx, id, in); err != nil {
			return saga.Status{}, err
		}
		return transfers.Status(ctx, id)
	}, app.HTTP("POST", "/transfers"), app.Describe("Starts a transfer (a saga: debit, credit, refund if the credit fails); follow it with transferStatus"))
	transfers.RegisterStatus("transferStatus", app.HTTP("GET", "/transfers/{id}"))
	transfers.RegisterList("listTransfers", app.HTTP("GET", "/transfers"))

	cqrs.EventStream(bus, "accountEvents", func(ctx context.Context, in AccountEventsIn) (cqrs.Filter, int64, error) {
		_, err := load(ctx, in.ID)
		return cqrs.Filter{Streams: []string{accounts.Stream(in.ID)}}, in.After, err
	}, accountEventView, app.HTTP("GET", "/accounts/{id}/events"),
		app.Describe("Streams an account's events: its history, then new events as they happen"))

	bus.RegisterAdmin()
	return &bank{transfers: transfers}
}

// accountEventView renders a stored event for the feed.
func accountEventView(ev cqrs.Event, data any) (AccountEvent, bool) {
	e, ok := data.(Event) // every event of an account's stream
	return AccountEvent{Event: e, Version: ev.Version, Position: ev.Position, Time: ev.Time.UTC(), CorrelationID: ev.Metadata.CorrelationID}, ok
}
