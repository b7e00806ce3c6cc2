package cqrs_test

import (
	"context"
	"fmt"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

type Opened struct {
	Owner string `json:"owner"`
}

type Deposited struct {
	Amount int64 `json:"amount"`
}

type Account struct {
	Owner   string
	Balance int64
}

func (a *Account) apply(event any) {
	switch e := event.(type) {
	case Opened:
		a.Owner = e.Owner
	case Deposited:
		a.Balance += e.Amount
	}
}

type DepositIn struct {
	ID     string `json:"id" path:"id" validate:"required"`
	Amount int64  `json:"amount" validate:"gt=0"`
}

type AccountOut struct {
	ID      string `json:"id"`
	Balance int64  `json:"balance"`
	cqrs.Written
}

// An event-sourced account whose deposit command is an App operation:
// served by every transport, validated, retried on conflicts.
func Example() {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Opened](reg, "bank.Opened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)

	a := app.New(app.Name("bank"))
	bus := cqrs.NewBus(a, memory.New(), reg)
	accounts := cqrs.NewAggregate(bus, "account", (*Account).apply)
	cqrs.Handle(accounts, "deposit", func(in DepositIn) string { return in.ID },
		func(_ context.Context, st cqrs.State[Account], in DepositIn) ([]any, error) {
			if !st.Exists() {
				return nil, app.NewError(app.CodeNotFound, "no account "+st.ID)
			}
			return []any{Deposited{Amount: in.Amount}}, nil
		},
		func(st cqrs.State[Account]) AccountOut { return AccountOut{ID: st.ID, Balance: st.Value.Balance} },
		app.HTTP("POST", "/accounts/{id}/deposit"))

	ctx := context.Background()
	_, _ = accounts.Execute(ctx, "42", func(cqrs.State[Account]) ([]any, error) { return []any{Opened{Owner: "ada"}}, nil })
	out, err := app.Invoke[DepositIn, AccountOut](ctx, a, "deposit", DepositIn{ID: "42", Amount: 5})
	fmt.Println(out.Balance, out.Position, err)
	_, err = app.Invoke[DepositIn, AccountOut](ctx, a, "deposit", DepositIn{ID: "43", Amount: 5})
	fmt.Println(app.CodeOf(err))
	_, err = app.Invoke[DepositIn, AccountOut](ctx, a, "deposit", DepositIn{ID: "42", Amount: 0})
	fmt.Println(err)
	// Output:
	// 5 2 <nil>
	// not_found
	// invalid_argument: invalid amount: must be greater than 0
}
