package saga_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/saga"
)

type Opened struct{}

type Deposited struct {
	Amount int64 `json:"amount"`
}

type Withdrawn struct {
	Amount int64 `json:"amount"`
}

type Account struct {
	Open    bool
	Balance int64
}

func applyAccount(a *Account, ev any) {
	switch e := ev.(type) {
	case Opened:
		a.Open = true
	case Deposited:
		a.Balance += e.Amount
	case Withdrawn:
		a.Balance -= e.Amount
	}
}

type AmountIn struct {
	ID     string `json:"id" validate:"required"`
	Amount int64  `json:"amount" validate:"gt=0"`
}

type Balance struct {
	Balance int64 `json:"balance"`
}

// Transfer is the saga's state.
type Transfer struct {
	From   string `json:"from"`
	To     string `json:"to"`
	Amount int64  `json:"amount"`
}

func Example() {
	ctx := context.Background()
	a := app.New(app.Name("bank"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Opened](reg, "bank.Opened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	cqrs.RegisterEvent[Withdrawn](reg, "bank.Withdrawn", 1)
	bus := cqrs.NewBus(a, memory.New(), reg)
	accounts := cqrs.NewAggregate(bus, "account", applyAccount)
	view := func(st cqrs.State[Account]) Balance { return Balance{Balance: st.Value.Balance} }
	move := func(name string, ev func(int64) any, check func(Account, int64) error) {
		cqrs.Handle(accounts, name, func(in AmountIn) string { return in.ID },
			func(_ context.Context, st cqrs.State[Account], in AmountIn) ([]any, error) {
				if !st.Value.Open {
					return nil, app.NewError(app.CodeNotFound, "no account "+st.ID)
				}
				if err := check(st.Value, in.Amount); err != nil {
					return nil, err
				}
				return []any{ev(in.Amount)}, nil
			}, view)
	}
	move("deposit", func(n int64) any { return Deposited{Amount: n} }, func(Account, int64) error { return nil })
	move("withdraw", func(n int64) any { return Withdrawn{Amount: n} }, func(acc Account, n int64) error {
		if acc.Balance < n {
			return app.NewError(app.CodeFailedPrecondition, "insufficient funds")
		}
		return nil
	})

	// The saga: debit, then credit; a failed credit refunds the debit.
	withdraw := saga.Command[AmountIn, Balance](a, "withdraw")
	deposit := saga.Command[AmountIn, Balance](a, "deposit")
	transfers := saga.New[Transfer](bus, "transfer").
		Step("debit",
			func(ctx context.Context, t *Transfer) error {
				_, err := withdraw(ctx, AmountIn{ID: t.From, Amount: t.Amount})
				return err
			},
			func(ctx context.Context, t *Transfer) error {
				_, err := deposit(ctx, AmountIn{ID: t.From, Amount: t.Amount})
				return err
			}).
		Step("credit", func(ctx context.Context, t *Transfer) error {
			_, err := deposit(ctx, AmountIn{ID: t.To, Amount: t.Amount})
			return err
		}, nil)
	transfers.RegisterStatus("transferStatus")

	if err := a.Start(ctx); err != nil {
		panic(err)
	}
	defer func() { _ = a.Stop(ctx) }()
	for _, id := range []string{"ada", "bob"} {
		if _, err := accounts.Execute(ctx, id, func(cqrs.State[Account]) ([]any, error) { return []any{Opened{}, Deposited{Amount: 100}}, nil }); err != nil {
			panic(err)
		}
	}
	balance := func(id string) int64 {
		st, _ := accounts.Load(ctx, id)
		return st.Value.Balance
	}

	_ = transfers.Start(ctx, "t1", Transfer{From: "ada", To: "bob", Amount: 30})
	st, _ := transfers.Wait(ctx, "t1")
	fmt.Printf("t1 %s: ada %d, bob %d\n", st.State, balance("ada"), balance("bob"))

	_ = transfers.Start(ctx, "t2", Transfer{From: "ada", To: "nobody", Amount: 10})
	st, _ = transfers.Wait(ctx, "t2")
	fmt.Printf("t2 %s at %s (%s): ada %d\n", st.State, st.Step, st.Error, balance("ada"))

	st, _ = app.Invoke[saga.StatusInput, saga.Status](ctx, a, "transferStatus", saga.StatusInput{ID: "t1"})
	fmt.Println("transferStatus t1:", st.State)
	// Output:
	// t1 completed: ada 70, bob 130
	// t2 compensated at credit (no account nobody): ada 70
	// transferStatus t1: completed
}
