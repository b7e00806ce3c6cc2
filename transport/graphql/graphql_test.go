package graphql_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
	"github.com/allframe-go/allframe/graph/graphtest"
	graphql "github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestHello(t *testing.T) {
	srv := newServer(t)
	status, h, body := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", `{"query":"{ hello(name: \"Ada\") { message } }"}`)
	if status != http.StatusOK || body != `{"data":{"hello":{"message":"Hello, Ada!"}}}` {
		t.Fatalf("got %d %s", status, body)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	status, h, body = do(t, http.MethodPost, srv.URL+"/graphql", "application/json; charset=utf-8", `{"query":"{ hello(name: \"Ada\") { message } }"}`,
		"Accept", "application/graphql-response+json")
	if status != http.StatusOK || body != `{"data":{"hello":{"message":"Hello, Ada!"}}}` || h.Get("Content-Type") != "application/graphql-response+json" {
		t.Fatalf("graphql-response+json: got %d %s %v", status, body, h)
	}
}

func TestQueryFeatures(t *testing.T) {
	srv := newServer(t)
	tests := []struct {
		name string
		give string
		vars map[string]any
		want string
	}{
		{name: "variables", give: `query Q($n: String!) { hello(name: $n) { message } }`, vars: map[string]any{"n": "Vars"}, want: `{"hello":{"message":"Hello, Vars!"}}`},
		{name: "aliases", give: `{ a: hello(name: "A") { m: message } b: hello(name: "B") { message } }`, want: `{"a":{"m":"Hello, A!"},"b":{"message":"Hello, B!"}}`},
		{name: "fragments", give: `{ tree { ...T child { ...T child { ... on Tree { name } } } } } fragment T on Tree { name kids { name } }`, want: `{"tree":{"name":"a","kids":[],"child":{"name":"b","kids":[],"child":{"name":"c"}}}}`},
		{name: "skip and include", give: `query($y: Boolean!) { tree { name @include(if: $y) child @skip(if: $y) { name } } }`, vars: map[string]any{"y": true}, want: `{"tree":{"name":"a"}}`},
		{name: "typename", give: `{ __typename tree { __typename } }`, want: `{"__typename":"Query","tree":{"__typename":"Tree"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, got := query(t, srv, tt.give, tt.vars)
			if status != http.StatusOK || got.Errors != nil {
				t.Fatalf("status %d errors %+v", status, got.Errors)
			}
			if diff := cmp.Diff(tt.want, string(got.Data)); diff != "" {
				t.Errorf("data (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMutation(t *testing.T) {
	srv := newServer(t)
	status, got := query(t, srv, `mutation($id: Int!) { rename(id: $id, name: "new") { id name } }`, map[string]any{"id": 4})
	if status != http.StatusOK || string(got.Data) != `{"rename":{"id":4,"name":"new"}}` || got.Errors != nil {
		t.Fatalf("got %d %s %+v", status, got.Data, got.Errors)
	}
}

func TestMetadataAndResponseHeaders(t *testing.T) {
	srv := newServer(t)
	status, h, body := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", `{"query":"{ whoami { tenant peer route } }"}`, "X-Tenant", "acme")
	if status != http.StatusOK || body != `{"data":{"whoami":{"tenant":"acme","peer":true,"route":"Query.whoami"}}}` {
		t.Fatalf("got %d %s", status, body)
	}
	if got := h.Get("X-Served-By"); got != "graphql" {
		t.Errorf("X-Served-By %q", got)
	}
	// GET goes through gqlgen's GET transport and the request wrapper.
	status, h, body = do(t, http.MethodGet, getURL(srv, `{ whoami { tenant route } }`), "", "", "X-Tenant", "globex")
	if status != http.StatusOK || body != `{"data":{"whoami":{"tenant":"globex","route":"Query.whoami"}}}` || h.Get("X-Served-By") != "graphql" {
		t.Fatalf("GET: got %d %s %v", status, body, h)
	}
}

func TestGET(t *testing.T) {
	srv := newServer(t)
	status, _, body := do(t, http.MethodGet, getURL(srv, `{ hello(name: "Get") { message } }`), "", "")
	if status != http.StatusOK || body != `{"data":{"hello":{"message":"Hello, Get!"}}}` {
		t.Fatalf("got %d %s", status, body)
	}
	status, _, body = do(t, http.MethodGet, getURL(srv, `mutation { rename(id: 1, name: "x") { id } }`), "", "")
	if status != http.StatusNotAcceptable || !strings.Contains(body, "GET requests only allow query operations") {
		t.Fatalf("mutation over GET: got %d %s", status, body)
	}
}

func TestRequestErrors(t *testing.T) {
	srv := newServer(t, graphql.WithMaxBodyBytes(4096))
	deep := "{ tree { child { child { child { child { child { child { child { child { child { child { child { child { child { child { child { name } } } } } } } } } } } } } } } } }"
	tests := []struct {
		name        string
		method      string
		contentType string
		give        string
		header      []string
		wantStatus  int
		wantCode    string
		wantMessage string
	}{
		{name: "malformed JSON", give: `{"query": "{ hello`, wantStatus: 400, wantMessage: "json request body could not be decoded: unexpected end of JSON input"},
		{name: "not an object", give: `["query"]`, wantStatus: 400, wantMessage: "json request body could not be decoded: the body must be a JSON object"},
		{name: "query not a string", give: `{"query": 5}`, wantStatus: 400, wantMessage: "json request body could not be decoded: query must be a string"},
		{name: "variables not an object", give: `{"query": "{ __typename }", "variables": [1]}`, wantStatus: 400, wantMessage: "json request body could not be decoded: variables must be an object"},
		{name: "empty body", give: ``, wantStatus: 400, wantMessage: "json request body could not be decoded: unexpected end of JSON input"},
		{name: "no operation", give: `{}`, wantStatus: 422, wantCode: "GRAPHQL_VALIDATION_FAILED", wantMessage: "no operation provided"},
		{name: "syntax error", give: `{"query": "{ hello("}`, wantStatus: 422, wantCode: "GRAPHQL_PARSE_FAILED"},
		{name: "unknown field", give: `{"query": "{ nope }"}`, wantStatus: 422, wantCode: "GRAPHQL_VALIDATION_FAILED", wantMessage: `Cannot query field "nope" on type "Query".`},
		{name: "unknown field, graphql-response+json", give: `{"query": "{ nope }"}`, header: []string{"Accept", "application/graphql-response+json"}, wantStatus: 400, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "too deep", give: `{"query": "` + deep + `"}`, wantStatus: 422, wantCode: "GRAPHQL_VALIDATION_FAILED", wantMessage: "operation has depth 17, which exceeds the limit of 15"},
		{name: "wrong variable type", give: `{"query": "query($n: String!) { hello(name: $n) { message } }", "variables": {"n": 5}}`, wantStatus: 200, wantCode: "INVALID_ARGUMENT", wantMessage: "invalid name: must be a string"},
		{name: "over-long name", give: `{"query": "{ hello(name: \"` + strings.Repeat("x", 65) + `\") { message } }"}`, wantStatus: 200, wantCode: "INVALID_ARGUMENT", wantMessage: "invalid name: must be at most 64 characters"},
		{name: "too large", give: `{"query": "` + strings.Repeat(" ", 5000) + `{ __typename }"}`, wantStatus: 413, wantMessage: "the request body is too large"},
		{name: "subscription over POST", give: `{"query": "subscription { ticks(n: 1) { seq } }"}`, wantStatus: 422, wantCode: "GRAPHQL_VALIDATION_FAILED", wantMessage: "subscriptions need a streaming transport"},
		{name: "unsupported content type", contentType: "text/plain", give: `{ hello }`, wantStatus: 400, wantMessage: "transport not supported"},
		{name: "unsupported method", method: http.MethodPut, give: `{}`, wantStatus: 400, wantMessage: "transport not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method, ct := tt.method, tt.contentType
			if method == "" {
				method = http.MethodPost
			}
			if ct == "" {
				ct = "application/json"
			}
			status, _, body := do(t, method, srv.URL+"/graphql", ct, tt.give, tt.header...)
			if status != tt.wantStatus {
				t.Errorf("status %d, want %d (%s)", status, tt.wantStatus, body)
			}
			var got response
			if err := json.Unmarshal([]byte(body), &got); err != nil {
				t.Fatalf("not a GraphQL response: %q", body)
			}
			if len(got.Errors) == 0 {
				t.Fatalf("no errors in %s", body)
			}
			if code, _ := got.Errors[0].Extensions["code"].(string); code != tt.wantCode {
				t.Errorf("code %q, want %q (%s)", code, tt.wantCode, body)
			}
			if !strings.Contains(got.Errors[0].Message, tt.wantMessage) {
				t.Errorf("message %q, want it to contain %q", got.Errors[0].Message, tt.wantMessage)
			}
		})
	}
}

func TestLimits(t *testing.T) {
	tests := []struct {
		name     string
		give     []graphql.Option
		query    string
		wantCode string
	}{
		{name: "depth within default", query: `{ tree { child { name } } }`},
		{name: "depth over custom limit", give: []graphql.Option{graphql.WithMaxDepth(2)}, query: `{ tree { child { name } } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "depth through fragments", give: []graphql.Option{graphql.WithMaxDepth(2)}, query: `{ tree { ...F } } fragment F on Tree { child { name } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "depth limit disabled", give: []graphql.Option{graphql.WithMaxDepth(0)}, query: `{ tree { child { child { child { name } } } } }`},
		{name: "complexity over limit", give: []graphql.Option{graphql.WithComplexityLimit(3)}, query: `{ a: hello(name: "a") { message } b: hello(name: "b") { message } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "complexity counts fragment spreads", give: []graphql.Option{graphql.WithComplexityLimit(5)}, query: `{ tree { ...F ...F child { ...F } } } fragment F on Tree { name kids { name } }`, wantCode: "GRAPHQL_VALIDATION_FAILED"},
		{name: "introspection not counted", give: []graphql.Option{graphql.WithMaxDepth(2), graphql.WithComplexityLimit(2)}, query: graphtest.IntrospectionQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.give...)
			_, got := query(t, srv, tt.query, nil)
			var code string
			if len(got.Errors) > 0 {
				code, _ = got.Errors[0].Extensions["code"].(string)
			}
			if code != tt.wantCode {
				t.Errorf("code %q, want %q: %+v", code, tt.wantCode, got.Errors)
			}
		})
	}
}

func TestIntrospectionSwitch(t *testing.T) {
	srv := newServer(t, graphql.WithIntrospection(false))
	_, got := query(t, srv, `{ __schema { types { name } } __typename }`, nil)
	if string(got.Data) != `{"__schema":null,"__typename":"Query"}` || len(got.Errors) != 1 || got.Errors[0].Message != "introspection disabled" {
		t.Fatalf("got %s %+v", got.Data, got.Errors)
	}
	_, got = query(t, srv, `{ hello(name: "x") { message } }`, nil)
	if got.Errors != nil {
		t.Fatalf("queries still work: %+v", got.Errors)
	}
}

func TestAutomaticPersistedQueries(t *testing.T) {
	srv := newServer(t)
	q := `{ hello(name: "Persisted") { message } }`
	sum := sha256.Sum256([]byte(q))
	ext := `"extensions":{"persistedQuery":{"version":1,"sha256Hash":"` + hex.EncodeToString(sum[:]) + `"}}`
	_, _, body := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", `{`+ext+`}`)
	if !strings.Contains(body, "PERSISTED_QUERY_NOT_FOUND") {
		t.Fatalf("unknown hash: %s", body)
	}
	qj, _ := json.Marshal(q)
	_, _, body = do(t, http.MethodPost, srv.URL+"/graphql", "application/json", `{"query":`+string(qj)+`,`+ext+`}`)
	if body != `{"data":{"hello":{"message":"Hello, Persisted!"}}}` {
		t.Fatalf("register: %s", body)
	}
	_, _, body = do(t, http.MethodPost, srv.URL+"/graphql", "application/json", `{`+ext+`}`)
	if body != `{"data":{"hello":{"message":"Hello, Persisted!"}}}` {
		t.Fatalf("hash only: %s", body)
	}
}

func TestPlayground(t *testing.T) {
	srv := newServer(t)
	status, h, body := do(t, http.MethodGet, srv.URL+"/graphql", "", "", "Accept", "text/html,application/xhtml+xml")
	if status != http.StatusOK || !strings.Contains(h.Get("Content-Type"), "text/html") || !strings.Contains(strings.ToLower(body), "graphiql") {
		t.Fatalf("got %d %v %.200s", status, h, body)
	}
	if strings.Contains(body, "https://") {
		t.Errorf("GraphiQL page loads from another site:\n%s", body)
	}
	// The assets come from the binary, under the endpoint.
	script := regexp.MustCompile(`src="(/graphql/assets/graphiql-[^"]+\.js)"`).FindStringSubmatch(body)
	if script == nil {
		t.Fatalf("no GraphiQL script under /graphql/assets/ in %s", body)
	}
	status, h, js := do(t, http.MethodGet, srv.URL+script[1], "", "")
	if status != http.StatusOK || !strings.Contains(js, "GraphiQL") || h.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d %v %d bytes", script[1], status, h, len(js))
	}
	off := newServer(t, graphql.WithPlayground(false))
	status, _, _ = do(t, http.MethodGet, off.URL+"/graphql", "", "", "Accept", "text/html")
	if status == http.StatusOK {
		t.Errorf("playground disabled but served")
	}
	status, _, _ = do(t, http.MethodGet, off.URL+script[1], "", "")
	if status != http.StatusNotFound {
		t.Errorf("playground disabled but its assets served: %d", status)
	}
}

func TestSDLEndpointMatchesIntrospection(t *testing.T) {
	srv := newServer(t)
	status, h, sdl := do(t, http.MethodGet, srv.URL+"/schema.graphql", "", "")
	if status != http.StatusOK || h.Get("Content-Type") != "text/plain; charset=utf-8" {
		t.Fatalf("got %d %v", status, h)
	}
	s, err := graph.New(newApp(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(s.SDL()+"\n", sdl); diff != "" {
		t.Errorf("SDL (-want +got):\n%s", diff)
	}
	body, _ := json.Marshal(map[string]string{"query": graphtest.IntrospectionQuery})
	_, _, res := do(t, http.MethodPost, srv.URL+"/graphql", "application/json", string(body))
	fromIntrospection, err := graphtest.SDLFromIntrospection([]byte(res))
	if err != nil {
		t.Fatal(err)
	}
	fromSDL, err := graphtest.Format(sdl)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(fromSDL, fromIntrospection); diff != "" {
		t.Errorf("introspection differs from /schema.graphql (-sdl +introspection):\n%s", diff)
	}
	status, _, _ = do(t, http.MethodPost, srv.URL+"/schema.graphql", "text/plain", "")
	if status != http.StatusMethodNotAllowed {
		t.Errorf("POST /schema.graphql: %d", status)
	}
	status, _, _ = do(t, http.MethodGet, srv.URL+"/elsewhere", "", "")
	if status != http.StatusNotFound {
		t.Errorf("GET /elsewhere: %d", status)
	}
}

func TestWriteSDL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "schema.graphql")
	if err := graphql.WriteSDL(newApp(t), path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := graph.New(newApp(t))
	if diff := cmp.Diff(s.SDL()+"\n", string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if err := graphql.WriteSDL(newApp(t), filepath.Join(t.TempDir(), "missing", "dir", "x.graphql")); err == nil {
		t.Errorf("writing into a missing directory succeeded")
	}
}

func TestTransportMountsRoutes(t *testing.T) {
	a := newApp(t)
	tr := graphql.New(graphql.WithPath("/api/graphql"), graphql.WithSDLPath("/api/schema.graphql"))
	if err := tr.Prepare(a); err == nil || !strings.Contains(err.Error(), "httpserver.New()") {
		t.Fatalf("Prepare without a host = %v; want an error naming httpserver.New()", err)
	}
	host := httpserver.New()
	a.Mount(host, tr)
	if err := tr.Prepare(a); err != nil {
		t.Fatal(err)
	}
	got := host.Routes()
	if diff := cmp.Diff([]string{"* /api/graphql", "* /api/graphql/assets/*", "GET /api/schema.graphql"}, got); diff != "" {
		t.Errorf("routes (-want +got):\n%s", diff)
	}
	if tr.Schema() == nil || !strings.Contains(tr.Schema().SDL(), "hello(") {
		t.Errorf("schema not built")
	}
	if err := tr.Start(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	if err := tr.Stop(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestPrepareReportsSchemaErrors(t *testing.T) {
	type Bad struct {
		X int `json:"x-y"`
	}
	a := app.New()
	app.Query(a, "bad", func(context.Context, Empty) (Bad, error) { return Bad{}, nil })
	if err := graphql.New().Prepare(a); err == nil || !strings.Contains(err.Error(), `"x-y" is not a valid GraphQL name`) {
		t.Fatalf("got %v", err)
	}
	if _, err := graphql.Handler(app.New(), graphql.WithPath("graphql")); err == nil {
		t.Fatalf("a relative path was accepted")
	}
}
