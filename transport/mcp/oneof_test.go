package mcp_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/mcp"
)

type PaymentMethod interface{ isPaymentMethod() }

type Card struct {
	Last4 string `json:"last4" validate:"len=4"`
}

type Wallet struct {
	Provider string `json:"provider"`
}

func (Card) isPaymentMethod()    {}
func (*Wallet) isPaymentMethod() {}

type PayIn struct {
	Method  PaymentMethod   `json:"method" validate:"required"`
	History []PaymentMethod `json:"history,omitempty"`
}

type PayOut struct {
	Method  PaymentMethod   `json:"method"`
	History []PaymentMethod `json:"history"`
}

// TestOneOf calls a tool taking and returning a sum type: the arguments
// decode into the variant the discriminator names and the result carries
// it (the SDK checks the result against the tool's output schema).
func TestOneOf(t *testing.T) {
	a := app.New(app.Name("pay"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Command(a, "pay", func(_ context.Context, in PayIn) (PayOut, error) { return PayOut(in), nil })
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host, mcp.New(mcp.WithAll()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	cs := connect(t, &service{app: a, base: "http://" + host.Addr().String()}, nil, nil)

	args := map[string]any{
		"method":  map[string]any{"type": "wallet", "provider": "apple"},
		"history": []any{map[string]any{"type": "card", "last4": "4242"}},
	}
	got := decodeResult[map[string]any](t, callTool(t, cs, "pay", args))
	want := map[string]any{
		"method":  map[string]any{"type": "wallet", "provider": "apple"},
		"history": []any{map[string]any{"type": "card", "last4": "4242"}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}

	e := toolErr(t, callTool(t, cs, "pay", map[string]any{"method": map[string]any{"type": "cash"}}))
	if e.Code != "invalid_argument" || len(e.Violations) != 1 || e.Violations[0].Field != "method.type" {
		t.Errorf("unknown variant: got %+v, want invalid_argument naming method.type", e)
	}
}
