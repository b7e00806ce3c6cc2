package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"reflect"
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
	Method  PaymentMethod   `json:"method" validate:"required" doc:"How to pay"`
	Backup  PaymentMethod   `json:"backup,omitempty"`
	History []PaymentMethod `json:"history,omitempty"`
}

type PayOut struct {
	Method  PaymentMethod   `json:"method"`
	Backup  PaymentMethod   `json:"backup"`
	History []PaymentMethod `json:"history"`
}

func newPayments(t testing.TB) *client {
	a := app.New(app.Name("pay"))
	app.OneOf[PaymentMethod](a, app.Variant[Card](), app.Variant[*Wallet]())
	app.Command(a, "pay", func(_ context.Context, in PayIn) (PayOut, error) {
		return PayOut(in), nil
	})
	app.Stream(a, "methods", func(_ context.Context, _ struct{}, send func(PayOut) error) error {
		for _, m := range []PaymentMethod{Card{Last4: "4242"}, &Wallet{Provider: "apple"}} {
			if err := send(PayOut{Method: m}); err != nil {
				return err
			}
		}
		return nil
	})
	return newClient(t, a)
}

func TestOneOfRoundTrip(t *testing.T) {
	c := newPayments(t)
	tests := []struct {
		give, want string
	}{
		{
			give: `{"method":{"last4":"4242","type":"card"}}`,
			want: `{"method":{"type":"card","last4":"4242"},"backup":null,"history":null}`,
		},
		{
			give: `{"method":{"type":"wallet","provider":"apple"},"backup":{"type":"card","last4":"1111"},"history":[{"type":"wallet","provider":"g"},{"type":"card","last4":"0000"}]}`,
			want: `{"method":{"type":"wallet","provider":"apple"},"backup":{"type":"card","last4":"1111"},"history":[{"type":"wallet","provider":"g"},{"type":"card","last4":"0000"}]}`,
		},
	}
	for _, tt := range tests {
		res := c.do("POST", "/pay", tt.give)
		if res.status != 200 {
			t.Fatalf("POST %s: %d %s", tt.give, res.status, res.body)
		}
		if diff := cmp.Diff(strings.TrimSpace(string(res.body)), tt.want); diff != "" {
			t.Errorf("POST %s (-got +want):\n%s", tt.give, diff)
		}
	}
}

func TestOneOfBadInput(t *testing.T) {
	c := newPayments(t)
	tests := []struct {
		give, wantField string
	}{
		{give: `{"method":{"last4":"4242"}}`, wantField: "method.type"},
		{give: `{"method":{"type":"cash"}}`, wantField: "method.type"},
		{give: `{"method":{"type":7}}`, wantField: "method.type"},
		{give: `{"method":{"type":"card","last4":42}}`, wantField: "method.last4"},
		{give: `{"method":{"type":"card"},"history":[{"type":"card","last4":"1234"},{"type":"bank"}]}`, wantField: "history[1].type"},
		{give: `{"method":[1]}`, wantField: "method"},
		{give: `{"method":{"type":"card","last4":"12"}}`, wantField: "method.last4"}, // the variant's validation
		{give: `{}`, wantField: "method"},
	}
	for _, tt := range tests {
		res := c.do("POST", "/pay", tt.give)
		if res.status != 400 {
			t.Errorf("POST %s: got %d %s, want 400", tt.give, res.status, res.body)
			continue
		}
		var p struct {
			Code   string `json:"code"`
			Errors []struct {
				Field string `json:"field"`
			} `json:"violations"`
		}
		if err := json.Unmarshal(res.body, &p); err != nil {
			t.Fatal(err)
		}
		if p.Code != "invalid_argument" || len(p.Errors) == 0 || p.Errors[0].Field != tt.wantField {
			t.Errorf("POST %s: got %s, want invalid_argument naming %s", tt.give, res.body, tt.wantField)
		}
	}
}

func TestOneOfStream(t *testing.T) {
	c := newPayments(t)
	res := c.do("GET", "/methods", "")
	want := "id: 1\ndata: {\"method\":{\"type\":\"card\",\"last4\":\"4242\"},\"backup\":null,\"history\":null}\n\n" +
		"id: 2\ndata: {\"method\":{\"type\":\"wallet\",\"provider\":\"apple\"},\"backup\":null,\"history\":null}\n\n"
	if diff := cmp.Diff(string(res.body), want); diff != "" {
		t.Error(diff)
	}
}

func TestOneOfOpenAPI(t *testing.T) {
	c := newPayments(t)
	rec := httptest.NewRecorder()
	c.h.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc struct {
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ give, want string }{
		{give: "PaymentMethod", want: `{"discriminator":{"mapping":{"card":"#/components/schemas/Card","wallet":"#/components/schemas/Wallet"},"propertyName":"type"},"oneOf":[{"$ref":"#/components/schemas/Card"},{"$ref":"#/components/schemas/Wallet"}]}`},
		{give: "Card", want: `{"properties":{"last4":{"maxLength":4,"minLength":4,"type":"string"},"type":{"const":"card","type":"string"}},"required":["type"],"type":"object"}`},
		{give: "Wallet", want: `{"properties":{"provider":{"type":"string"},"type":{"const":"wallet","type":"string"}},"required":["type"],"type":"object"}`},
		// A documented sum field: anyOf, not allOf (which reads as inheriting
		// from the sum and loses the discriminator in openapi-typescript).
		{give: "PayIn", want: `{"properties":{"backup":{"anyOf":[{"$ref":"#/components/schemas/PaymentMethod"},{"type":"null"}]},"history":{"items":{"$ref":"#/components/schemas/PaymentMethod"},"type":["array","null"]},"method":{"anyOf":[{"$ref":"#/components/schemas/PaymentMethod"}],"description":"How to pay"}},"required":["method"],"type":"object"}`},
	}
	for _, tt := range tests {
		var got bytes.Buffer
		if err := json.Compact(&got, doc.Components.Schemas[tt.give]); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(got.String(), tt.want); diff != "" {
			t.Errorf("schema %s (-got +want):\n%s", tt.give, diff)
		}
	}
}

func TestOneOfMisdeclared(t *testing.T) {
	tests := []struct {
		name string
		give []app.OneOfOption
		want string
	}{
		{name: "not implementing", give: []app.OneOfOption{app.Variant[Card](), app.Variant[Wallet]()}, want: "variant rest_test.Wallet does not implement it"},
		{name: "duplicate names", give: []app.OneOfOption{app.Variant[Card](), app.Variant[*Wallet]().Named("card")}, want: `two variants named "card"`},
		{name: "discriminator clash", give: []app.OneOfOption{app.Variant[Card](), app.Variant[*Wallet](), app.Discriminator("provider")}, want: `field Provider named like the discriminator "provider"`},
		{name: "no variants", want: "has no variants"},
		{name: "bad name", give: []app.OneOfOption{app.Variant[Card]().Named("a-b")}, want: `wire name "a-b"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := app.NewTypes().DeclareOneOf(reflect.TypeFor[PaymentMethod](), tt.give...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "PaymentMethod") {
				t.Errorf("got %v, want an error naming PaymentMethod containing %q", err, tt.want)
			}
		})
	}
}
