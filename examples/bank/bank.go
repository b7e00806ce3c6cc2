package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/di/cqrsfx"
)

// Events: the facts of an account's life. Their names are stored with
// every event, so they never change; the Go types may be renamed freely.

// AccountOpened is the first event of every account.
type AccountOpened struct {
	Owner string `json:"owner"`
}

// Deposited records money paid in.
type Deposited struct {
	Amount int64 `json:"amount"`
}

// Withdrawn records money taken out.
type Withdrawn struct {
	Amount int64 `json:"amount"`
}

// Stored event names.
const (
	eventOpened    = "bank.AccountOpened"
	eventDeposited = "bank.Deposited"
	eventWithdrawn = "bank.Withdrawn"
)

// maxAmount bounds one deposit or withdrawal (in minor units: cents), and
// so keeps balances far from int64 overflow for any realistic history.
const maxAmount = 1_000_000_000_000

// accountState is an account rebuilt from its events (exported fields:
// it is snapshotted as JSON).
type accountState struct {
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
}

// applyAccount folds one event into the state.
func applyAccount(s *accountState, ev any) {
	switch e := ev.(type) {
	case AccountOpened:
		s.Owner = e.Owner
	case Deposited:
		s.Balance += e.Amount
	case Withdrawn:
		s.Balance -= e.Amount
	}
}

// Account is an account as the API returns it.
type Account struct {
	ID      string `json:"id" doc:"Account id"`
	Owner   string `json:"owner" doc:"Account owner"`
	Balance int64  `json:"balance" doc:"Balance in minor units (cents)"`
	Version int64  `json:"version" doc:"Number of events in the account's history"`
	cqrs.Written
}

func accountView(st cqrs.State[accountState]) Account {
	return Account{ID: st.ID, Owner: st.Value.Owner, Balance: st.Value.Balance, Version: st.Version, Written: cqrs.Written{Position: st.Position}}
}

// OpenAccountIn is the input of openAccount.
type OpenAccountIn struct {
	Owner string `json:"owner" validate:"required,max=100" doc:"Who owns the account"`
}

// AmountIn is the input of deposit and withdraw.
type AmountIn struct {
	ID     string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
	Amount int64  `json:"amount" validate:"gt=0,lte=1000000000000" doc:"Amount in minor units (cents), at most 10^12"`
}

// AccountIn names an account.
type AccountIn struct {
	ID string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
}

// ListAccountsIn is the input of listAccounts: a page of accounts in id
// order (ids are time-ordered, so oldest first).
type ListAccountsIn struct {
	After string `json:"after" query:"after" validate:"max=64" doc:"Return accounts after this id (the previous page's next)"`
	Limit int32  `json:"limit" query:"limit" validate:"gte=0,lte=1000" doc:"Page size, 1 to 1000 (0: 100)"`
}

// ListAccountsOut is a page of accounts.
type ListAccountsOut struct {
	Accounts []Account `json:"accounts" doc:"Accounts in id order"`
	Next     string    `json:"next,omitempty" doc:"Pass as after to read the next page; empty on the last page"`
}

// AccountEventsIn selects the event feed of one account.
type AccountEventsIn struct {
	ID    string `json:"id" path:"id" validate:"required,max=64" doc:"Account id"`
	After int64  `json:"after" query:"after" validate:"gte=0" doc:"Send events after this global position (0: the whole history); the Last-Event-ID header does the same"`
}

// AccountEvent is one event of an account's feed.
type AccountEvent struct {
	Type          string    `json:"type" doc:"bank.AccountOpened, bank.Deposited or bank.Withdrawn"`
	Owner         string    `json:"owner,omitempty" doc:"Owner (bank.AccountOpened)"`
	Amount        int64     `json:"amount,omitempty" doc:"Amount, negative for a withdrawal"`
	Version       int64     `json:"version" doc:"Version of the account after the event"`
	Position      int64     `json:"position" doc:"Global position of the event; resume after it with Last-Event-ID or after"`
	Time          time.Time `json:"time" doc:"When the event was recorded"`
	CorrelationID string    `json:"correlationId,omitempty" doc:"Correlation id of the request that caused it (X-Correlation-ID)"`
}

// registry types the bank's events.
func registry() *cqrs.Registry {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[AccountOpened](reg, eventOpened, 1)
	cqrs.RegisterEvent[Deposited](reg, eventDeposited, 1)
	cqrs.RegisterEvent[Withdrawn](reg, eventWithdrawn, 1)
	return reg
}

// bank is the service: accounts as event-sourced aggregates, a listing
// projection and an event feed, all registered in the App.
type bank struct {
	bus      *cqrs.Bus
	accounts *cqrs.Aggregate[accountState]
	list     accountList
	ids      *cqrs.IDGenerator // account ids: UUIDv7, increasing within the process
}

// projectionName is the name (and checkpoint) of the accounts listing.
const projectionName = "accounts"

func notFound(id string) error {
	return app.NewError(app.CodeNotFound, fmt.Sprintf("account %q not found", id)).WithDetail("id", id)
}

// newBank registers the bank's operations in a, on bus (over the opened
// event store es: its type chooses the listing's implementation).
func newBank(a *app.App, bus *cqrs.Bus, es *cqrsfx.EventStore) (*bank, error) {
	list, err := newAccountList(context.Background(), es.Store, bus.Registry())
	if err != nil {
		return nil, err
	}
	b := &bank{
		bus:      bus,
		accounts: cqrs.NewAggregate(bus, "account", applyAccount, cqrs.SnapshotEvery(100)),
		list:     list,
		ids:      cqrs.NewIDGenerator(nil),
	}
	bus.Projections().Add(b.list.projector())

	cqrs.Handle(b.accounts, "openAccount", func(OpenAccountIn) string { return b.ids.New() },
		func(_ context.Context, st cqrs.State[accountState], in OpenAccountIn) ([]any, error) {
			if st.Exists() { // a fresh UUIDv7 never exists; guard anyway
				return nil, app.NewError(app.CodeAlreadyExists, "account exists")
			}
			return []any{AccountOpened(in)}, nil
		}, accountView, app.HTTP("POST", "/accounts"), app.Describe("Opens an account with a zero balance"))

	cqrs.Handle(b.accounts, "deposit", func(in AmountIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[accountState], in AmountIn) ([]any, error) {
			if !st.Exists() {
				return nil, notFound(in.ID)
			}
			if st.Value.Balance > math.MaxInt64-in.Amount {
				return nil, app.NewError(app.CodeFailedPrecondition, "balance limit reached").
					WithDetail("reason", "balance_limit").WithDetail("balance", st.Value.Balance)
			}
			return []any{Deposited{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/deposit"),
		app.Describe("Pays money into an account; send an Idempotency-Key to make retries safe"))

	cqrs.Handle(b.accounts, "withdraw", func(in AmountIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[accountState], in AmountIn) ([]any, error) {
			if !st.Exists() {
				return nil, notFound(in.ID)
			}
			if st.Value.Balance < in.Amount {
				return nil, app.NewError(app.CodeFailedPrecondition, "insufficient funds").
					WithDetail("reason", "insufficient_funds").WithDetail("balance", st.Value.Balance)
			}
			return []any{Withdrawn{Amount: in.Amount}}, nil
		}, accountView, app.HTTP("POST", "/accounts/{id}/withdraw"),
		app.Describe("Takes money out of an account; fails with failed_precondition rather than overdraw"))

	app.Query(a, "getAccount", func(ctx context.Context, in AccountIn) (Account, error) {
		st, err := b.accounts.Load(ctx, in.ID)
		if err != nil {
			return Account{}, err
		}
		if !st.Exists() {
			return Account{}, notFound(in.ID)
		}
		return accountView(st), nil
	}, app.HTTP("GET", "/accounts/{id}"), app.Describe("Reads an account from its events (always up to date)"))

	app.Query(a, "listAccounts", func(ctx context.Context, in ListAccountsIn) (ListAccountsOut, error) {
		limit := int(in.Limit)
		if limit == 0 {
			limit = 100
		}
		accs, err := b.list.page(ctx, in.After, limit+1)
		if err != nil {
			return ListAccountsOut{}, err
		}
		out := ListAccountsOut{Accounts: accs}
		if len(accs) > limit {
			out.Accounts = accs[:limit]
			out.Next = accs[limit-1].ID
		}
		return out, nil
	}, app.HTTP("GET", "/accounts"), bus.ReadsFrom(projectionName),
		app.Describe("Lists accounts from the accounts projection; send a command's Consistency-Token header to read your own writes"))

	cqrs.EventStream(bus, "accountEvents", func(ctx context.Context, in AccountEventsIn) (cqrs.Filter, int64, error) {
		st, err := b.accounts.Load(ctx, in.ID)
		if err != nil {
			return cqrs.Filter{}, 0, err
		}
		if !st.Exists() {
			return cqrs.Filter{}, 0, notFound(in.ID)
		}
		return cqrs.Filter{Streams: []string{b.accounts.Stream(in.ID)}}, in.After, nil
	}, accountEventView, app.HTTP("GET", "/accounts/{id}/events"),
		app.Describe("Streams an account's events: its history, then new events as they happen"))

	bus.RegisterAdmin()
	return b, nil
}

// accountEventView renders a stored event for the feed.
func accountEventView(ev cqrs.Event, data any) (AccountEvent, bool) {
	out := AccountEvent{Type: ev.Type, Version: ev.Version, Position: ev.Position, Time: ev.Time.UTC(), CorrelationID: ev.Metadata.CorrelationID}
	switch e := data.(type) {
	case AccountOpened:
		out.Owner = e.Owner
	case Deposited:
		out.Amount = e.Amount
	case Withdrawn:
		out.Amount = -e.Amount
	default:
		return out, false
	}
	return out, true
}
