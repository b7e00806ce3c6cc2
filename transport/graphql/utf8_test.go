package graphql_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	graphql "github.com/allframe-go/allframe/transport/graphql"
)

type OpenIn struct {
	Owner string   `json:"owner"`
	Tags  []string `json:"tags"`
	Addr  *struct {
		City string `json:"city"`
	} `json:"addr"`
}

type OpenOut struct {
	Owner string `json:"owner"`
}

func TestInvalidUTF8(t *testing.T) {
	var runs int
	a := app.New()
	app.Command(a, "openAccount", func(_ context.Context, in OpenIn) (OpenOut, error) {
		runs++
		return OpenOut{Owner: in.Owner}, nil
	})
	app.Query(a, "owner", func(_ context.Context, in OpenIn) (OpenOut, error) {
		return OpenOut{Owner: in.Owner}, nil
	})
	h, err := graphql.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name        string
		give        string // a POST body
		wantMessage string
		wantField   string
		wantPath    []any
	}{
		{name: "argument", give: "{\"query\":\"mutation { openAccount(owner: \\\"\xff\xfe\\\") { owner } }\"}", wantMessage: `invalid owner: must be valid UTF-8 (in field "openAccount")`, wantField: "owner"},
		{name: "argument after an escape", give: "{\"query\":\"mutation {\\n openAccount(owner: \\\"\\\\u00e9\xc3(\\\") { owner } }\"}", wantMessage: `invalid owner: must be valid UTF-8 (in field "openAccount")`, wantField: "owner"},
		{name: "nested argument", give: "{\"query\":\"mutation { openAccount(owner: \\\"ok\\\", tags: [\\\"a\\\", \\\"\xff\\\"], addr: {city: \\\"x\\\"}) { owner } }\"}", wantMessage: `invalid tags[1]: must be valid UTF-8 (in field "openAccount")`, wantField: "tags[1]"},
		{name: "object argument", give: "{\"query\":\"mutation { openAccount(addr: {city: \\\"\xff\\\"}) { owner } }\"}", wantMessage: `invalid addr.city: must be valid UTF-8 (in field "openAccount")`, wantField: "addr.city"},
		{name: "valid UTF-8 runs", give: "{\"query\":\"{ owner @skip(if: false) { owner @include(if: true) } } \"}", wantMessage: ""},
		{name: "variable default", give: "{\"query\":\"query($o: String = \\\"\xff\\\") { owner(owner: $o) { owner } }\"}", wantMessage: `invalid o: must be valid UTF-8 (in the default of variable $o)`, wantField: "o"},
		{name: "comment", give: "{\"query\":\"# \xff\\n{ owner { owner } }\"}", wantMessage: `invalid query: must be valid UTF-8`, wantField: "query"},
		{name: "variable", give: "{\"query\":\"mutation($o: String) { openAccount(owner: $o) { owner } }\",\"variables\":{\"o\":\"\xff\xfe\"}}", wantMessage: `invalid variable o: must be valid UTF-8`, wantField: "o", wantPath: []any{"variable", "o"}},
		{name: "nested variable", give: "{\"query\":\"mutation($i: OpenInInput!) { openAccount(owner: \\\"x\\\") { owner } }\",\"variables\":{\"i\":{\"tags\":[\"ok\",\"\xc3\x28\"]}}}", wantMessage: `invalid variable i.tags[1]: must be valid UTF-8`, wantField: "i.tags[1]", wantPath: []any{"variable", "i", "tags", float64(1)}},
		{name: "operation name", give: "{\"query\":\"{ owner { owner } }\",\"operationName\":\"\xff\"}", wantMessage: `invalid operationName: must be valid UTF-8`, wantField: "operationName"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			runs = 0
			status, got := serve(h, tt.give)
			if tt.wantMessage == "" {
				if status != http.StatusOK || len(got.Errors) != 0 {
					t.Fatalf("got %d %+v", status, got.Errors)
				}
				return
			}
			if status != http.StatusBadRequest || len(got.Errors) != 1 {
				t.Fatalf("got %d %+v, want 400 and one error", status, got.Errors)
			}
			e := got.Errors[0]
			if e.Message != tt.wantMessage || e.Extensions["code"] != "INVALID_ARGUMENT" {
				t.Errorf("got %q %v, want %q INVALID_ARGUMENT", e.Message, e.Extensions["code"], tt.wantMessage)
			}
			want := []any{map[string]any{"field": tt.wantField, "description": "must be valid UTF-8"}}
			if diff := cmp.Diff(want, e.Extensions["violations"]); diff != "" {
				t.Errorf("violations (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantPath, e.Path); diff != "" {
				t.Errorf("path (-want +got):\n%s", diff)
			}
			if runs != 0 || (got.Data != nil && string(got.Data) != "null") {
				t.Errorf("ran %d times, data %s", runs, got.Data)
			}
		})
	}

	srv := newServerFor(t, h)
	for _, tt := range []struct{ name, give, wantMessage string }{
		{name: "GET query", give: "query=" + url.QueryEscape("{ owner(owner: \"\xff\") { owner } }"), wantMessage: `invalid owner: must be valid UTF-8 (in field \"owner\")`},
		{name: "GET variables", give: "query=" + url.QueryEscape("query($o: String) { owner(owner: $o) { owner } }") + "&variables=" + url.QueryEscape("{\"o\":\"\xfe\"}"), wantMessage: "invalid variable o: must be valid UTF-8"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := do(t, http.MethodGet, srv.URL+"/graphql?"+tt.give, "", "")
			if status != http.StatusBadRequest || !strings.Contains(body, tt.wantMessage) || !strings.Contains(body, "INVALID_ARGUMENT") {
				t.Errorf("got %d %s, want 400 %q", status, body, tt.wantMessage)
			}
		})
	}
	t.Run("SSE", func(t *testing.T) {
		status, _, body := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", "{\"query\":\"{ owner(owner: \\\"\xff\\\") { owner } }\"}", "Accept", "text/event-stream")
		if status != http.StatusBadRequest || !strings.Contains(body, `invalid owner: must be valid UTF-8`) {
			t.Errorf("got %d %s, want 400", status, body)
		}
	})
}

// TestTrailingData checks that a body with anything after its JSON object
// is refused and nothing runs (issue 19, item 1, for GraphQL).
func TestTrailingData(t *testing.T) {
	h, err := graphql.Handler(newApp(t))
	if err != nil {
		t.Fatal(err)
	}
	for _, give := range []string{
		`{"query":"mutation { rename(id: 1, name: \"x\") { id } }"}}}}xyz garbage`,
		`{"query":"mutation { rename(id: 1, name: \"x\") { id } }"}] {"query":"{ __typename }"}`,
		`{"query":"mutation { rename(id: 1, name: \"x\") { id } }"} {}`,
	} {
		status, got := serve(h, give)
		if status != http.StatusBadRequest || len(got.Errors) != 1 || !strings.HasPrefix(got.Errors[0].Message, "json request body could not be decoded") || (got.Data != nil && string(got.Data) != "null") {
			t.Errorf("%s: got %d %+v %s", give, status, got.Errors, got.Data)
		}
	}
}

func newServerFor(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
