package conformance

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

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
		// Hostile shapes (issue 19): quadratic validation, aliased
		// mutations, error lists larger than the request.
		{`{ hello(name: "x") { ` + strings.Repeat("message ", 20000) + `} }`, `{}`},
		{`{ ` + strings.Repeat("__typename ", 10000) + `}`, `{}`},
		{`{ hello(name: "x") { ` + strings.Repeat("message ", 1999) + `} }`, `{}`},
		{`{ hello(name: "x") { ...F0 ...F1 ...F2 } } ` + strings.Repeat(`fragment F0 on HelloOut { `+strings.Repeat("message ", 700)+`} `, 1) + `fragment F1 on HelloOut { ...F0 } fragment F2 on HelloOut { ...F1 ...F0 }`, `{}`},
		{`mutation { ` + strings.Repeat(`a: fail(code: "ok") { ok } `, 50) + strings.Repeat(`b: fail(code: "ok") { ok } c: fail(code: "ok") { ok } d: fail(code: "ok") { ok } `, 5) + `}`, `{}`},
		{`{ hello(name: "x") ` + strings.Repeat("@skip(if: false) ", 10000) + `{ message } }`, `{}`},
		{`query(` + strings.Repeat("$v: Int ", 20000) + `) { __typename }`, `{}`},
		{`query(` + strings.Repeat("$v: Int ", 3000) + `) { __typename }`, `{"v":"\ud800"}`},
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

// FuzzGraphQLBody posts arbitrary bytes as a JSON request body: the answer
// is always JSON with a status below 500, and a body that is JSON but not
// valid UTF-8 is refused with 400 (INVALID_ARGUMENT naming the member, when
// the body is otherwise a well-formed request; encoding/json would replace its invalid
// bytes with U+FFFD, storing text the client never sent).
//
//	go test -run '^$' -fuzz FuzzGraphQLBody -fuzztime 60s ./internal/conformance/
func FuzzGraphQLBody(f *testing.F) {
	for _, s := range []string{
		`{"query":"{ hello(name: \"Ada\") { message } }"}`,
		"{\"query\":\"mutation { placeOrder(customer: \\\"\xff\xfe\\\", lines: []) { total } }\"}",
		"{\"query\":\"mutation($c: String!) { placeOrder(customer: $c) { total } }\",\"variables\":{\"c\":\"\xc3\x28\"}}",
		"{\"query\":\"mutation($o: OrderInput!) { placeOrder(customer: \\\"Bob\\\") { total } }\",\"variables\":{\"o\":{\"lines\":[{\"sku\":\"\xed\xa0\x80\"}]}}}",
		"{\"query\":\"{ hello(name: \\\"\\u00e9\xff\\\") { message } }\"}",
		"{\"query\":\"# \xff\\n{ __typename }\"}",
		"{\"query\":\"{ __typename }\",\"operationName\":\"\xff\"}",
		"{\"\xff\":1,\"query\":\"{ __typename }\"}",
		`{"query":"mutation { fail(code: \"ok\") { ok } }"}}}}xyz garbage`,
		`{"query":"mutation { fail(code: \"ok\") { ok } }"}] {"query":"{ __typename }"}`,
		`{"query":"{ __typename }"} {}`,
	} {
		f.Add([]byte(s))
	}
	h, err := graphql.Handler(newApp())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 || !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%q → %d %s", body, rec.Code, rec.Body)
		}
		if json.Valid(body) && !utf8.Valid(body) && rec.Code != 400 {
			t.Fatalf("%q → %d %s, want 400", body, rec.Code, rec.Body)
		}
	})
}
