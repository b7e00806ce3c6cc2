package graphql_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/allframe-go/allframe/app"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

// hostileShape is a small request that used to cost seconds of CPU or
// megabytes of response (issue 19, items 2, 3 and 8).
type hostileShape struct {
	name string
	body string // a JSON request body
	// wantCode is the code of the first error; wantMessage a part of its
	// message.
	wantCode, wantMessage string
	// wantErrors is the number of errors when the shape is answered with
	// many (capped); 0 means exactly one.
	wantErrors int
}

// repeat joins n copies of format, each formatted with its index.
func repeat(n int, format string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, format, i)
		b.WriteByte(' ')
	}
	return b.String()
}

func requestBody(query string) string {
	b, _ := json.Marshal(map[string]string{"query": query})
	return string(b)
}

func hostileShapes() []hostileShape {
	return []hostileShape{
		{
			name:        "one field 20000 times",
			body:        requestBody("{ tree { " + strings.Repeat("name ", 20000) + "} }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has more than 15000 tokens, which exceeds the limit",
		},
		{
			name:        "typename 10000 times",
			body:        requestBody("{ " + strings.Repeat("__typename ", 10000) + "}"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has 10000 selections, which exceeds the limit of 2000",
		},
		{
			name:        "one field 3000 times within the token limit",
			body:        requestBody("{ tree { " + strings.Repeat("name ", 3000) + "} }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has 3001 selections, which exceeds the limit of 2000",
		},
		{
			name:        "fragments repeating one field",
			body:        requestBody("{ tree { ...F0 ...F1 ...F2 ...F3 } } " + repeat(4, "fragment F%d on Tree { "+strings.Repeat("name ", 600)+"}")),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has 2405 selections, which exceeds the limit of 2000",
		},
		{
			name:        "aliases 3000 times",
			body:        requestBody("{ " + repeat(3000, `a%d: __typename`) + "}"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has 3000 selections, which exceeds the limit of 2000",
		},
		{
			name:        "mutation 400 aliases",
			body:        requestBody("mutation { " + repeat(400, `a%d: rename(id: 1, name: "x") { id }`) + "}"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "mutation has 400 root fields, which exceeds the limit of 10; nothing was run",
		},
		{
			name:        "skip 10000 times",
			body:        requestBody("{ tree " + strings.Repeat("@skip(if: false) ", 10000) + "{ name } }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has more than 15000 tokens",
		},
		{
			name:        "skip 2000 times within the token limit",
			body:        requestBody("{ tree " + strings.Repeat("@skip(if: false) ", 2000) + "{ name } }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: `The directive "@skip" can only be used once at this location.`,
			wantErrors:  101,
		},
		{
			name:        "unused variables 20000 times",
			body:        requestBody("query(" + repeat(20000, "$v%d: Int") + ") { __typename }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: "the document has more than 15000 tokens",
		},
		{
			name:        "unused variables 3500 times within the token limit",
			body:        requestBody("query(" + repeat(3500, "$v%d: Int") + ") { __typename }"),
			wantCode:    "GRAPHQL_VALIDATION_FAILED",
			wantMessage: `Variable "$v0" is never used.`,
			wantErrors:  101,
		},
	}
}

func TestHostileDocuments(t *testing.T) {
	h, err := graphql.Handler(newApp(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range hostileShapes() {
		t.Run(tt.name, func(t *testing.T) {
			status, got := serve(h, tt.body)
			if status != http.StatusUnprocessableEntity {
				t.Errorf("status %d, want 422", status)
			}
			wantErrors := max(tt.wantErrors, 1)
			if len(got.Errors) != wantErrors {
				t.Fatalf("%d errors, want %d: %.300v", len(got.Errors), wantErrors, got.Errors)
			}
			if code, _ := got.Errors[0].Extensions["code"].(string); code != tt.wantCode {
				t.Errorf("code %q, want %q", code, tt.wantCode)
			}
			if !strings.Contains(got.Errors[0].Message, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", got.Errors[0].Message, tt.wantMessage)
			}
			if got.Data != nil && string(got.Data) != "null" {
				t.Errorf("data %s, want none", got.Data)
			}
			if tt.wantErrors > 0 {
				last := got.Errors[len(got.Errors)-1]
				if !strings.HasSuffix(last.Message, "more errors not shown (at most 100 are reported)") || last.Extensions["code"] != tt.wantCode {
					t.Errorf("last error %+v, want a summary", last)
				}
			}
		})
	}
}

// BenchmarkHostileDocuments measures how long the server takes to answer
// each hostile shape (before the document limits: 21 s for one field
// repeated 20000 times, 4.5 s for 10000 __typename):
//
//	go test -run '^$' -bench HostileDocuments ./transport/graphql/
func BenchmarkHostileDocuments(b *testing.B) {
	h, err := graphql.Handler(newApp(b))
	if err != nil {
		b.Fatal(err)
	}
	for _, tt := range hostileShapes() {
		b.Run(strings.ReplaceAll(tt.name, " ", "_"), func(b *testing.B) {
			b.SetBytes(int64(len(tt.body)))
			for b.Loop() {
				if status, _ := serve(h, tt.body); status != http.StatusUnprocessableEntity {
					b.Fatalf("status %d", status)
				}
			}
		})
	}
}

// serve posts body to h in process and decodes the response.
func serve(h http.Handler, body string) (int, response) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var resp response
	if err := json.Unmarshal(rec.Body.Bytes(), &resp); err != nil {
		resp.Errors = []gqlError{{Message: "not a GraphQL response: " + rec.Body.String()}}
	}
	return rec.Code, resp
}

func TestMutationFieldLimit(t *testing.T) {
	var runs atomic.Int32
	a := app.New()
	app.Command(a, "deposit", func(_ context.Context, in RenameIn) (RenameOut, error) {
		runs.Add(1)
		return RenameOut(in), nil
	})
	tests := []struct {
		name     string
		give     []graphql.Option
		query    string
		wantRuns int32
		wantCode string
	}{
		{name: "at the default limit", query: "mutation { " + repeat(10, `a%d: deposit(id: 1, name: "x") { id }`) + "}", wantRuns: 10},
		{name: "over the default limit", query: "mutation { " + repeat(11, `a%d: deposit(id: 1, name: "x") { id }`) + "}", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "through fragments", query: "mutation { ...M ... on Mutation { b: deposit(id: 1, name: \"x\") { id } } } fragment M on Mutation { " + repeat(10, `a%d: deposit(id: 1, name: "x") { id }`) + "}", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "one response name counts once", query: "mutation { " + strings.Repeat(`a: deposit(id: 1, name: "x") { id } `, 20) + "__typename }", wantRuns: 1},
		{name: "custom limit", give: []graphql.Option{graphql.WithMaxMutationFields(2)}, query: "mutation { " + repeat(3, `a%d: deposit(id: 1, name: "x") { id }`) + "}", wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "limit disabled", give: []graphql.Option{graphql.WithMaxMutationFields(0)}, query: "mutation { " + repeat(30, `a%d: deposit(id: 1, name: "x") { id }`) + "}", wantRuns: 30},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := graphql.Handler(a, tt.give...)
			if err != nil {
				t.Fatal(err)
			}
			runs.Store(0)
			_, got := serve(h, requestBody(tt.query))
			var code string
			if len(got.Errors) > 0 {
				code, _ = got.Errors[0].Extensions["code"].(string)
			}
			if code != tt.wantCode {
				t.Errorf("code %q, want %q: %+v", code, tt.wantCode, got.Errors)
			}
			if n := runs.Load(); n != tt.wantRuns {
				t.Errorf("%d commands ran, want %d", n, tt.wantRuns)
			}
		})
	}
}

func TestErrorLimit(t *testing.T) {
	tests := []struct {
		name        string
		give        []graphql.Option
		query       string
		wantErrors  int
		wantSummary string
	}{
		{name: "execution errors", give: []graphql.Option{graphql.WithMaxErrors(2)}, query: "{ " + repeat(5, `a%d: hello(name: "") { message }`) + "}", wantErrors: 3, wantSummary: "3 more errors not shown (at most 2 are reported)"},
		{name: "at the limit", give: []graphql.Option{graphql.WithMaxErrors(5)}, query: "{ " + repeat(5, `a%d: hello(name: "") { message }`) + "}", wantErrors: 5},
		{name: "limit disabled", give: []graphql.Option{graphql.WithMaxErrors(0)}, query: "query(" + repeat(300, "$v%d: Int") + ") { __typename }", wantErrors: 300},
		{name: "validation errors", query: "query(" + repeat(300, "$v%d: Int") + ") { __typename }", wantErrors: 101, wantSummary: "200 more errors not shown (at most 100 are reported)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := graphql.Handler(newApp(t), tt.give...)
			if err != nil {
				t.Fatal(err)
			}
			_, got := serve(h, requestBody(tt.query))
			if len(got.Errors) != tt.wantErrors {
				t.Fatalf("%d errors, want %d", len(got.Errors), tt.wantErrors)
			}
			last := got.Errors[len(got.Errors)-1]
			if tt.wantSummary != "" && (last.Message != tt.wantSummary || last.Extensions["code"] != got.Errors[0].Extensions["code"]) {
				t.Errorf("last error %+v, want %q with the code of the others", last, tt.wantSummary)
			}
		})
	}
}
