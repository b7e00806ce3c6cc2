package conformance

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"

	"github.com/allframe-go/allframe/transport/graphql"
)

// FuzzGraphQL posts arbitrary documents and variables to /graphql: the
// answer is always JSON with a status below 500, never a panic or a hang.
//
//	go test -run '^$' -fuzz FuzzGraphQL -fuzztime 60s ./internal/conformance/
func FuzzGraphQL(f *testing.F) {
	for _, s := range []struct{ query, vars string }{
		{`{ hello(name: "Ada") { message } }`, `{}`},
		{`query Q($n: String!) { a: hello(name: $n) { message __typename } }`, `{"n":"x"}`},
		{`query Q($n: String!) { hello(name: $n) { message } }`, `{"n":12}`},
		{`mutation { placeOrder(customer: "Bob", lines: [{sku: "A", qty: 2, price: 1.5}], big: 18446744073709551615) { total order { id lines { sku } } } }`, `null`},
		{`mutation { fail(code: "not_found") { ok } }`, `{}`},
		{`{ hello(name: "x") { ...F } } fragment F on HelloOut { message ...F }`, `{}`},
		{`{ __schema { types { name fields { name } } } }`, `{}`},
		{`{ hello(name: "x") @skip(if: true) { message } }`, `{}`},
		{`subscription { count(n: 2) { i } }`, `{}`},
		{`{ hello(name: """block""") { message } }`, `[]`},
		{`{ a { b { c { d { e { f { g { h { i { j { k { l { m { n { o { p } } } } } } } } } } } } } } } }`, `{}`},
		{`{`, `{`},
	} {
		f.Add(s.query, s.vars)
	}
	h, err := graphql.Handler(newApp())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, query, vars string) {
		body, err := json.Marshal(map[string]any{"query": query, "variables": json.RawMessage(vars)})
		if err != nil || !json.Valid([]byte(vars)) {
			body, _ = json.Marshal(map[string]any{"query": query})
		}
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%q %s → %d %s", query, vars, rec.Code, rec.Body)
		}
	})
}
