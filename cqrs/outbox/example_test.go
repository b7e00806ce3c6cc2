package outbox_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/outbox"
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
	} // outbox.Message events fall through: they do not change the state
}

// AccountOpenedV1 is the integration event partners receive: a contract
// of its own, apart from the domain event.
type AccountOpenedV1 struct {
	Account string `json:"account"`
	Owner   string `json:"owner"`
}

// DepositV1 is the integration event of a deposit.
type DepositV1 struct {
	Account string `json:"account"`
	Amount  int64  `json:"amount"`
}

// Integration messages from a decide function (appended atomically with
// the domain events) and from a mapped domain event, published in log
// order by a relay; here the publisher prints what a webhook or NATS
// publisher would send.
func Example() {
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Opened](reg, "bank.Opened", 1)
	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 1)
	a := app.New(app.Name("bank"), app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	bus := cqrs.NewBus(a, memory.New(), reg)
	accounts := cqrs.NewAggregate(bus, "account", (*Account).apply)

	printer := outbox.PublisherFunc(func(_ context.Context, msgs []outbox.Message) error {
		for _, m := range msgs {
			fmt.Printf("%s key=%s v%d %s\n", m.Topic, m.Key, m.Version, m.Payload)
		}
		return nil // acknowledged: the relay saves its checkpoint
	})
	relay := outbox.New(bus, "partners", printer,
		outbox.Map(func(ev Deposited, e cqrs.Event) (outbox.Message, error) {
			return outbox.NewMessage("bank.deposited", e.Stream, DepositV1{Account: e.Stream, Amount: ev.Amount})
		}))

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		panic(err)
	}
	defer func() { _ = a.Stop(ctx) }()

	_, _ = accounts.Execute(ctx, "42", func(st cqrs.State[Account]) ([]any, error) {
		msg, err := outbox.NewMessage("bank.account-opened", "account-"+st.ID, AccountOpenedV1{Account: st.ID, Owner: "ada"})
		if err != nil {
			return nil, err
		}
		return []any{Opened{Owner: "ada"}, msg}, nil
	})
	st, _ := accounts.Execute(ctx, "42", func(cqrs.State[Account]) ([]any, error) {
		return []any{Deposited{Amount: 5}}, nil
	})
	// Wait until the relay has published everything up to the deposit.
	if err := bus.Projections().WaitFor(ctx, st.Position, relay.Name()); err != nil {
		panic(err)
	}
	status, _ := relay.Status(ctx)
	fmt.Println(status.Name, status.Position, status.Lag)
	// Output:
	// bank.account-opened key=account-42 v2 {"account":"42","owner":"ada"}
	// bank.deposited key=account-42 v3 {"account":"account-42","amount":5}
	// outbox-partners 3 0
}
