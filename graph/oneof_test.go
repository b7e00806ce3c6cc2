package graph_test

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
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
	Backup  PaymentMethod   `json:"backup,omitempty"`
	History []PaymentMethod `json:"history,omitempty"`
}

type PayOut struct {
	Method  PaymentMethod   `json:"method"`
	Backup  PaymentMethod   `json:"backup"`
	History []PaymentMethod `json:"history"`
}

func newPayApp() *app.App {
	a := app.New(app.Name("pay"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Command(a, "pay", func(_ context.Context, in PayIn) (PayOut, error) { return PayOut(in), nil })
	return a
}

func TestOneOfSDL(t *testing.T) {
	sdl := mustSchema(t, newPayApp()).SDL()
	for _, want := range []string{
		"type Mutation {\n  pay(method: PaymentMethodInput!, backup: PaymentMethodInput, history: [PaymentMethodInput]): PayOut\n}",
		"type PayOut {\n  method: PaymentMethod\n  backup: PaymentMethod\n  history: [PaymentMethod]!\n}",
		"union PaymentMethod = Card | Wallet\n",
		"\"Exactly one of: card, wallet.\"\ninput PaymentMethodInput @oneOf {\n  card: CardInput\n  wallet: WalletInput\n}",
		"type Card {\n  last4: String!\n}",
		"input CardInput {\n  last4: String\n}",
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("SDL lacks\n%s\nin\n%s", want, sdl)
		}
	}
}

func TestOneOfGraphQL(t *testing.T) {
	h := server(t, mustSchema(t, newPayApp()), true)
	const sel = `{ method { __typename ... on Card { last4 } ... on Wallet { provider } }
		backup { ... on PaymentMethod { __typename } }
		history { __typename ... on Card { last4 } } }`
	tests := []struct {
		give string
		vars map[string]any
		want string
	}{
		{
			give: `mutation { pay(method: {card: {last4: "4242"}}) ` + sel + ` }`,
			want: `{"pay":{"method":{"__typename":"Card","last4":"4242"},"backup":null,"history":[]}}`,
		},
		{
			give: `mutation($m: PaymentMethodInput!, $h: [PaymentMethodInput]) { pay(method: $m, backup: {card: {last4: "1111"}}, history: $h) ` + sel + ` }`,
			vars: map[string]any{"m": map[string]any{"wallet": map[string]any{"provider": "apple"}}, "h": []any{map[string]any{"wallet": map[string]any{}}, map[string]any{"card": map[string]any{"last4": "0000"}}}},
			want: `{"pay":{"method":{"__typename":"Wallet","provider":"apple"},"backup":{"__typename":"Card"},"history":[{"__typename":"Wallet"},{"__typename":"Card","last4":"0000"}]}}`,
		},
	}
	for _, tt := range tests {
		got := post(t, h, tt.give, tt.vars)
		if got.Errors != nil {
			t.Fatalf("%s: errors %+v", tt.give, got.Errors)
		}
		if diff := cmp.Diff(string(got.Data), tt.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tt.give, diff)
		}
	}
}

// TestOneOfGraphQLBadInput: a @oneOf literal with no or two fields fails
// document validation, as graphql-js's ValuesOfCorrectType rule fails it; a
// variable does not, so the executor reports it as invalid_argument naming
// the field, as it reports other invalid variable values.
func TestOneOfGraphQLBadInput(t *testing.T) {
	h := server(t, mustSchema(t, newPayApp()), true)
	const m = `mutation($m: PaymentMethodInput!, $h: [PaymentMethodInput]) { pay(method: $m, history: $h) { backup { __typename } } }`
	card := map[string]any{"card": map[string]any{"last4": "4242"}}
	tests := []struct {
		give      string
		vars      map[string]any
		wantCode  string
		wantField string
	}{
		{give: `mutation { pay(method: {card: {last4: "4242"}, wallet: {provider: "x"}}) { backup { __typename } } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{give: `mutation { pay(method: {}) { backup { __typename } } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{give: `mutation { pay(method: {card: {last4: "42"}}) { backup { __typename } } }`, wantCode: "INVALID_ARGUMENT", wantField: "method.last4"},
		{give: m, vars: map[string]any{"m": map[string]any{"card": map[string]any{"last4": "4242"}, "wallet": map[string]any{}}}, wantCode: "INVALID_ARGUMENT", wantField: "method"},
		{give: m, vars: map[string]any{"m": map[string]any{}}, wantCode: "INVALID_ARGUMENT", wantField: "method"},
		{give: m, vars: map[string]any{"m": card, "h": []any{card, map[string]any{"card": nil}}}, wantCode: "INVALID_ARGUMENT", wantField: "history[1].card"},
	}
	for _, tt := range tests {
		got := post(t, h, tt.give, tt.vars)
		if len(got.Errors) != 1 {
			t.Errorf("%s %v: got errors %+v, want one", tt.give, tt.vars, got.Errors)
			continue
		}
		e := got.Errors[0]
		var field string
		if vs, ok := e.Extensions["violations"].([]any); ok && len(vs) > 0 {
			field, _ = vs[0].(map[string]any)["field"].(string)
		}
		if e.Extensions["code"] != tt.wantCode || field != tt.wantField {
			t.Errorf("%s %v: got %+v, want %s naming %q", tt.give, tt.vars, e, tt.wantCode, tt.wantField)
		}
	}
}

func TestOneOfIntrospection(t *testing.T) {
	h := server(t, mustSchema(t, newPayApp()), true)
	got := post(t, h, `{ u: __type(name: "PaymentMethod") { kind possibleTypes { name } }
		i: __type(name: "PaymentMethodInput") { kind isOneOf inputFields { name } } }`, nil)
	want := `{"u":{"kind":"UNION","possibleTypes":[{"name":"Card"},{"name":"Wallet"}]},"i":{"kind":"INPUT_OBJECT","isOneOf":true,"inputFields":[{"name":"card"},{"name":"wallet"}]}}`
	if diff := cmp.Diff(string(got.Data), want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

// TestOneOfRequiredOutput: an output sum type marked validate:"required"
// is a non-null union; a handler returning no variant there gets a field
// error and the null propagates to the nearest nullable position, as
// graphql-js does for any non-null field.
func TestOneOfRequiredOutput(t *testing.T) {
	type Feed struct {
		Event PaymentMethod `json:"event" validate:"required"`
		Seq   int32         `json:"seq"`
	}
	a := app.New(app.Name("feed"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Query(a, "feed", func(_ context.Context, in struct {
		N int32 `json:"n"`
	}) (Feed, error) {
		switch in.N {
		case 0:
			return Feed{Event: Card{Last4: "4242"}, Seq: 1}, nil
		case 1:
			return Feed{Event: (*Wallet)(nil), Seq: 2}, nil
		}
		return Feed{Seq: 3}, nil
	})
	s := mustSchema(t, a)
	if want := "type Feed {\n  event: PaymentMethod!\n  seq: Int!\n}"; !strings.Contains(s.SDL(), want) {
		t.Fatalf("SDL lacks\n%s\nin\n%s", want, s.SDL())
	}
	h := server(t, s, true)
	got := post(t, h, `{ feed(n: 0) { seq event { __typename ... on Card { last4 } } } }`, nil)
	if got.Errors != nil || string(got.Data) != `{"feed":{"seq":1,"event":{"__typename":"Card","last4":"4242"}}}` {
		t.Errorf("variant: %s %+v", got.Data, got.Errors)
	}
	for _, n := range []string{"1", "2"} {
		got := post(t, h, `{ feed(n: `+n+`) { seq event { __typename } } }`, nil)
		if string(got.Data) != `{"feed":null}` || len(got.Errors) != 1 || got.Errors[0].Message != "Cannot return null for non-nullable field Feed.event." {
			t.Errorf("n=%s: %s %+v", n, got.Data, got.Errors)
		}
	}
}
