package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
)

const adminToken = "conformance-admin-token" //nolint:gosec // G101: a test token, not a credential

// adminServers serves an App holding cqrs's admin operations (projections,
// rebuildProjection), an admin stream (tail) and a plain query (hello)
// over REST, GraphQL and gRPC in process. The admin token comes from
// ALLFRAME_ADMIN_TOKEN, set to env.
type adminServers struct {
	a     *app.App
	restH http.Handler
	gqlH  http.Handler
	grpcC *grpcjson.Client
}

func newAdminServers(t *testing.T, env string) *adminServers {
	t.Helper()
	t.Setenv(app.AdminTokenEnv, env)
	a := app.New(app.Name("conf"))
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	app.Stream(a, "tail", func(_ context.Context, in CountIn, send func(Tick) error) error {
		for i := range in.N {
			if err := send(Tick{I: i + 1}); err != nil {
				return err
			}
		}
		return nil
	}, app.Admin())
	cqrs.NewBus(a, memory.New(), cqrs.NewRegistry()).RegisterAdmin()

	s := &adminServers{a: a}
	var err error
	if s.restH, err = rest.Handler(a); err != nil {
		t.Fatal(err)
	}
	if s.gqlH, err = graphql.Handler(a); err != nil {
		t.Fatal(err)
	}
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(grpc.WithListener(lis))
	if err := gt.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := gt.Start(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gt.Stop(context.Background()) })
	conn, err := grpcgo.NewClient("passthrough:///bufconn",
		grpcgo.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	if s.grpcC, err = grpcjson.New(context.Background(), conn, "conf.v1.ConfService"); err != nil {
		t.Fatal(err)
	}
	return s
}

// adminResult is what a protocol answered: an error code and message, or
// the normalised output (the items of a stream).
type adminResult struct {
	Code    string
	Message string
	Out     any
}

// adminCall is one call: op with a JSON input over REST at method path.
type adminCall struct {
	op, input    string
	method, path string
}

func (s *adminServers) rest(t *testing.T, c adminCall, auth string) adminResult {
	t.Helper()
	var body *strings.Reader
	if c.method == "POST" {
		body = strings.NewReader(c.input)
	}
	req := httptest.NewRequest(c.method, c.path, nil)
	if body != nil {
		req = httptest.NewRequest(c.method, c.path, body)
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	s.restH.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		var p rest.Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("REST %s: %d %s", c.op, rec.Code, rec.Body)
		}
		if want := rest.StatusCode(mustCode(p.Code)); rec.Code != want {
			t.Errorf("REST %s: status %d for %s; want %d", c.op, rec.Code, p.Code, want)
		}
		if ct := rec.Header().Get("Content-Type"); ct != rest.ProblemContentType {
			t.Errorf("REST %s: Content-Type %q; want %q", c.op, ct, rest.ProblemContentType)
		}
		return adminResult{Code: p.Code, Message: p.Detail}
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		var items []any
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				items = append(items, normalize(decodeJSON(t, data)))
			}
		}
		return adminResult{Out: items}
	}
	return adminResult{Out: normalize(decodeJSON(t, rec.Body.String()))}
}

func (s *adminServers) graphql(t *testing.T, c adminCall, auth string) adminResult {
	t.Helper()
	op := s.a.Operation(c.op)
	var in map[string]any
	if err := json.Unmarshal([]byte(c.input), &in); err != nil {
		t.Fatal(err)
	}
	var args []string
	for k, v := range in {
		args = append(args, k+": "+gqlLiteral(v))
	}
	slices.Sort(args)
	query := map[app.OpKind]string{app.OpQuery: "query", app.OpCommand: "mutation", app.OpStream: "subscription"}[op.Kind] +
		" { " + op.Name
	if len(args) > 0 {
		query += "(" + strings.Join(args, ", ") + ")"
	}
	query += selection(op.Output) + " }"
	b, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if op.Kind == app.OpStream {
		req.Header.Set("Accept", "text/event-stream")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	rec := httptest.NewRecorder()
	s.gqlH.ServeHTTP(rec, req)
	var payloads []string
	if op.Kind == app.OpStream {
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.TrimSpace(data) != "" {
				payloads = append(payloads, data)
			}
		}
	} else {
		payloads = []string{rec.Body.String()}
	}
	var items []any
	for _, p := range payloads {
		var resp gqlResponse
		if err := json.Unmarshal([]byte(p), &resp); err != nil {
			t.Fatalf("GraphQL %s: %d %s", c.op, rec.Code, p)
		}
		if len(resp.Errors) > 0 {
			return adminResult{Code: mustCode(resp.Errors[0].Extensions.Code).String(), Message: resp.Errors[0].Message}
		}
		items = append(items, normalize(resp.Data[op.Name]))
	}
	if op.Kind == app.OpStream {
		return adminResult{Out: items}
	}
	return adminResult{Out: items[0]}
}

func (s *adminServers) grpc(t *testing.T, c adminCall, auth string) adminResult {
	t.Helper()
	op := s.a.Operation(c.op)
	method := "conf.v1.ConfService/" + app.PascalName(op.Name)
	var md []string
	if auth != "" {
		md = []string{"authorization", auth}
	}
	if op.Kind == app.OpStream {
		msgs, err := s.grpcC.Stream(context.Background(), method, c.input, md...)
		if err != nil {
			st := status.Convert(err)
			return adminResult{Code: app.Code(st.Code()).String(), Message: st.Message()}
		}
		var items []any
		for _, m := range msgs {
			items = append(items, normalize(decodeJSON(t, m)))
		}
		return adminResult{Out: items}
	}
	out, err := s.grpcC.Call(context.Background(), method, c.input, md...)
	if err != nil {
		st := status.Convert(err)
		return adminResult{Code: app.Code(st.Code()).String(), Message: st.Message()}
	}
	return adminResult{Out: normalize(decodeJSON(t, out))}
}

func (s *adminServers) inProcess(t *testing.T, c adminCall) adminResult {
	t.Helper()
	out, err := s.a.InvokeJSON(context.Background(), c.op, []byte(c.input))
	if err != nil {
		e := app.ErrorFrom(err)
		return adminResult{Code: e.Code.String(), Message: e.Message}
	}
	v := decodeJSON(t, string(out))
	if items, ok := v.([]any); ok {
		for i, it := range items {
			items[i] = normalize(it)
		}
		return adminResult{Out: items}
	}
	return adminResult{Out: normalize(v)}
}

// TestAdminOperations checks the admin gate on every protocol: admin
// operations are refused with permission_denied and a message naming
// ALLFRAME_ADMIN_TOKEN unless the request carries the bearer token, run
// like any other operation with it, and always run in process.
func TestAdminOperations(t *testing.T) {
	calls := []adminCall{
		{op: "projections", input: `{}`, method: "GET", path: "/projections"},
		{op: "rebuildProjection", input: `{"name":"nope"}`, method: "POST", path: "/projections/nope/rebuild"},
		{op: "tail", input: `{"n":2}`, method: "GET", path: "/tail?n=2"},
	}
	// With the token, each runs as in process: the listing (empty), a
	// rebuild of an unknown projection (not found), the stream's items.
	allowed := map[string]adminResult{
		"projections":       {},
		"rebuildProjection": {Code: "not_found", Message: "no projection nope"},
		"tail":              {Out: []any{map[string]any{"i": 1.0}, map[string]any{"i": 2.0}}},
	}
	const refused = "refused: set ALLFRAME_ADMIN_TOKEN on the server and send Authorization: Bearer <token>"
	tests := []struct {
		name    string
		env     string // ALLFRAME_ADMIN_TOKEN
		give    string // Authorization header
		allowed bool
	}{
		{name: "token unset, no header"},
		{name: "token unset, empty bearer", give: "Bearer "},
		{name: "token unset, some bearer", give: "Bearer " + adminToken},
		{name: "no header", env: adminToken},
		{name: "wrong token", env: adminToken, give: "Bearer not-the-token"},
		{name: "token as basic credentials", env: adminToken, give: "Basic " + adminToken},
		{name: "right token", env: adminToken, give: "Bearer " + adminToken, allowed: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newAdminServers(t, tt.env)
			protocols := map[string]func(*testing.T, adminCall, string) adminResult{
				"rest": s.rest, "graphql": s.graphql, "grpc": s.grpc,
			}
			for _, c := range calls {
				// In process, admin operations run whatever the token.
				if diff := cmp.Diff(s.inProcess(t, c), allowed[c.op]); diff != "" {
					t.Errorf("%s in process (-got +want):\n%s", c.op, diff)
				}
				for _, p := range []string{"rest", "graphql", "grpc"} {
					got := protocols[p](t, c, tt.give)
					want := allowed[c.op]
					if !tt.allowed {
						want = adminResult{Code: "permission_denied", Message: "admin operation " + c.op + " " + refused}
					}
					if diff := cmp.Diff(got, want); diff != "" {
						t.Errorf("%s over %s (-got +want):\n%s", c.op, p, diff)
					}
				}
			}
			// Other operations need no token.
			if got := s.rest(t, adminCall{op: "hello", method: "GET", path: "/hello/Ada"}, ""); got.Code != "" {
				t.Errorf("hello over REST: %+v; want ok", got)
			}
		})
	}
}

// TestAdminOperationsTagged checks that admin operations are documented
// apart: tagged "admin" in the OpenAPI document, other operations not.
func TestAdminOperationsTagged(t *testing.T) {
	s := newAdminServers(t, "")
	rec := httptest.NewRecorder()
	s.restH.ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string   `json:"operationId"`
			Tags        []string `json:"tags"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
		t.Fatalf("openapi.json: %v: %s", err, rec.Body)
	}
	got := map[string][]string{}
	for _, item := range doc.Paths {
		for _, op := range item {
			got[op.OperationID] = op.Tags
		}
	}
	want := map[string][]string{
		"hello":             nil,
		"projections":       {"admin"},
		"rebuildProjection": {"admin"},
		"tail":              {"admin"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("OpenAPI tags by operation (-got +want):\n%s", diff)
	}
}
