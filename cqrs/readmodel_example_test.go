package cqrs_test

import (
	"context"
	"fmt"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

type AccountOpened struct {
	Owner string `json:"owner"`
}

type AccountClosed struct{}

// AccountRow is a row of the "accounts" read model.
type AccountRow struct {
	ID      string `json:"id"`
	Owner   string `json:"owner"`
	Balance int64  `json:"balance"`
}

// ListAccountsIn filters the account list by owner.
type ListAccountsIn struct {
	cqrs.ListIn
	Owner string `json:"owner,omitempty" index:"owner" doc:"Only this owner's accounts"`
}

// A read model declared once — rows, handlers, an index — stored by the
// Bus's store and served as two queries on every transport. A query sent
// with a command's Consistency-Token sees that command's writes.
func ExampleNewReadModel() {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[AccountOpened](reg, "bank.AccountOpened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	cqrs.RegisterEvent[AccountClosed](reg, "bank.AccountClosed", 1)
	a := app.New(app.Name("bank"))
	store := memory.New() // or sqlite.Open(path): the same declaration
	defer store.Close()
	bus := cqrs.NewBus(a, store, reg)

	accounts := cqrs.NewReadModel(bus, "accounts",
		cqrs.Create(func(e AccountOpened, ev cqrs.Event) AccountRow {
			return AccountRow{ID: cqrs.StreamID(ev), Owner: e.Owner}
		}),
		cqrs.Update(func(row *AccountRow, e Deposited, _ cqrs.Event) { row.Balance += e.Amount }),
		cqrs.Delete[AccountRow, AccountClosed](),
		cqrs.Index("owner", func(row AccountRow) string { return row.Owner }))
	accounts.RegisterGet("getAccount", app.HTTP("GET", "/accounts/{id}"))
	cqrs.RegisterListBy[ListAccountsIn](accounts, "listAccounts", app.HTTP("GET", "/accounts"))

	ctx := context.Background()
	if err := a.Start(ctx); err != nil {
		panic(err)
	}
	defer a.Stop(ctx) //nolint:errcheck // the example's end

	agg := cqrs.NewAggregate(bus, "account", func(*struct{}, any) {})
	emit := func(id string, events ...any) string {
		st, err := agg.Execute(ctx, id, func(cqrs.State[struct{}]) ([]any, error) { return events, nil })
		if err != nil {
			panic(err)
		}
		return cqrs.FormatToken(st.Position)
	}
	emit("1", AccountOpened{Owner: "ada"}, Deposited{Amount: 5})
	emit("2", AccountOpened{Owner: "bob"})
	emit("3", AccountOpened{Owner: "ada"})
	token := emit("2", AccountClosed{})

	read := app.WithMetadata(app.MapMetadata{cqrs.MetaConsistencyToken: {token}})
	row, err := app.Invoke[cqrs.GetIn, AccountRow](ctx, a, "getAccount", cqrs.GetIn{ID: "1"}, read)
	fmt.Println(row, err)
	_, err = app.Invoke[cqrs.GetIn, AccountRow](ctx, a, "getAccount", cqrs.GetIn{ID: "2"}, read)
	fmt.Println(app.CodeOf(err))
	page, err := app.Invoke[ListAccountsIn, cqrs.Page[AccountRow]](ctx, a, "listAccounts",
		ListAccountsIn{ListIn: cqrs.ListIn{Limit: 1, Order: "desc"}, Owner: "ada"}, read)
	fmt.Println(page.Items, page.Next, err)
	// Output:
	// {1 ada 5} <nil>
	// not_found
	// [{3 ada 0}] 3 <nil>
}
