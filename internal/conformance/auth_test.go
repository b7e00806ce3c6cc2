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
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/go-cmp/cmp"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
)

var authSecret = []byte("conformance secret, thirty-two b")

type WhoIn struct{}

type WhoOut struct {
	Subject string   `json:"subject"`
	Scopes  []string `json:"scopes"`
}

type DepositIn struct {
	ID     string `json:"id" validate:"required"`
	Amount int64  `json:"amount" validate:"gt=0"`
}

type BalanceOut struct {
	Balance int64 `json:"balance"`
}

type Deposited struct {
	Amount int64 `json:"amount"`
}

// subjectOf names the caller for outputs: its subject or "anonymous".
func subjectOf(ctx context.Context) string {
	if id := middleware.IdentityFrom(ctx); id != nil {
		return id.Subject
	}
	return "anonymous"
}

// authServers serves an App with Auth (a JWT secret and an API key) over
// REST, GraphQL (on an httptest server, for WebSockets) and gRPC: hello
// is public, whoami needs any caller (the default), deposit (a CQRS
// command) the scope accounts:write, ticks (a stream) accounts:read.
type authServers struct {
	a     *app.App
	store *memory.Store
	restH http.Handler
	gql   *httptest.Server
	grpcC *grpcjson.Client
	conn  *grpcgo.ClientConn
}

func newAuthServers(t *testing.T) *authServers {
	t.Helper()
	keys, err := middleware.NewAPIKeys(map[string]middleware.Identity{"k-ci": {Subject: "ci", Scopes: []string{"accounts:read"}}})
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(app.Name("conf"), middleware.Auth(nil,
		middleware.NewJWT(middleware.HMACSecret(authSecret), middleware.WithAudience("conf")), keys))
	app.Query(a, "hello", func(ctx context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "! (" + subjectOf(ctx) + ")"}, nil
	}, app.HTTP("GET", "/hello/{name}"), middleware.Public())
	app.Query(a, "whoami", func(ctx context.Context, _ WhoIn) (WhoOut, error) {
		id := middleware.IdentityFrom(ctx)
		return WhoOut{Subject: id.Subject, Scopes: id.Scopes}, nil
	})
	app.Stream(a, "ticks", func(ctx context.Context, in CountIn, send func(Tick) error) error {
		for i := range in.N {
			if err := send(Tick{I: i + 1, Name: subjectOf(ctx)}); err != nil {
				return err
			}
		}
		return nil
	}, middleware.RequireScopes("accounts:read"))

	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Deposited](reg, "conf.Deposited", 1)
	store := memory.New()
	bus := cqrs.NewBus(a, store, reg)
	accounts := cqrs.NewAggregate(bus, "account", func(b *BalanceOut, ev any) {
		if d, ok := ev.(Deposited); ok {
			b.Balance += d.Amount
		}
	})
	cqrs.Handle(accounts, "deposit", func(in DepositIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[BalanceOut], in DepositIn) ([]any, error) {
			return []any{Deposited{Amount: in.Amount}}, nil
		},
		func(st cqrs.State[BalanceOut]) BalanceOut { return st.Value },
		middleware.RequireScopes("accounts:write"))

	s := &authServers{a: a, store: store}
	if s.restH, err = rest.Handler(a); err != nil {
		t.Fatal(err)
	}
	gqlH, err := graphql.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	s.gql = httptest.NewServer(gqlH)
	t.Cleanup(s.gql.Close)
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(grpc.WithListener(lis))
	if err := gt.Prepare(a); err != nil {
		t.Fatal(err)
	}
	if err := gt.Start(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = gt.Stop(context.Background()) })
	s.conn, err = grpcgo.NewClient("passthrough:///bufconn",
		grpcgo.WithContextDialer(func(ctx context.Context, _ string) (net.Conn, error) { return lis.DialContext(ctx) }),
		grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.conn.Close() })
	if s.grpcC, err = grpcjson.New(context.Background(), s.conn, "conf.v1.ConfService"); err != nil {
		t.Fatal(err)
	}
	return s
}

// token signs a JWT for sub with scopes, expiring after ttl.
func token(t *testing.T, secret []byte, sub, scopes string, ttl time.Duration) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": sub, "aud": "conf", "scope": scopes, "iat": time.Now().Add(-2 * time.Hour).Unix(), "exp": time.Now().Add(ttl).Unix(),
	}).SignedString(secret)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// authCall is one call: op with a JSON input, and its REST request.
type authCall struct {
	op, input    string
	method, path string
}

// authResult is what a protocol answered: an error code and message, or
// the normalised output (the items of a stream).
type authResult struct {
	Code    string
	Message string
	Out     any
}

// creds are credentials as header/metadata pairs.
type creds map[string]string

func (s *authServers) rest(t *testing.T, c authCall, cr creds) (authResult, http.Header) {
	t.Helper()
	var req *http.Request
	if c.method == "POST" {
		req = httptest.NewRequest(c.method, c.path, strings.NewReader(c.input))
		req.Header.Set("Content-Type", "application/json")
	} else {
		req = httptest.NewRequest(c.method, c.path, nil)
	}
	for k, v := range cr {
		req.Header.Set(k, v)
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
		return authResult{Code: p.Code, Message: p.Detail}, rec.Header()
	}
	if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/event-stream") {
		var items []any
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
				items = append(items, normalize(decodeJSON(t, data)))
			}
		}
		return authResult{Out: items}, rec.Header()
	}
	return authResult{Out: normalize(decodeJSON(t, rec.Body.String()))}, rec.Header()
}

// gqlQuery is the GraphQL document of c.
func (s *authServers) gqlQuery(t *testing.T, c authCall) string {
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
	q := map[app.OpKind]string{app.OpQuery: "query", app.OpCommand: "mutation", app.OpStream: "subscription"}[op.Kind] + " { " + op.Name
	if len(args) > 0 {
		q += "(" + strings.Join(args, ", ") + ")"
	}
	return q + selection(op.Output) + " }"
}

// graphql calls c over GraphQL on HTTP: POST, or SSE for a stream.
func (s *authServers) graphql(t *testing.T, c authCall, cr creds) authResult {
	t.Helper()
	op := s.a.Operation(c.op)
	b, _ := json.Marshal(map[string]string{"query": s.gqlQuery(t, c)})
	req := httptest.NewRequest("POST", "/graphql", bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if op.Kind == app.OpStream {
		req.Header.Set("Accept", "text/event-stream")
	}
	for k, v := range cr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	s.gql.Config.Handler.ServeHTTP(rec, req)
	payloads := []string{rec.Body.String()}
	if op.Kind == app.OpStream {
		payloads = nil
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.TrimSpace(data) != "" {
				payloads = append(payloads, data)
			}
		}
	}
	var items []any
	for _, p := range payloads {
		var resp gqlResponse
		if err := json.Unmarshal([]byte(p), &resp); err != nil {
			t.Fatalf("GraphQL %s: %d %s", c.op, rec.Code, p)
		}
		if len(resp.Errors) > 0 {
			return authResult{Code: mustCode(resp.Errors[0].Extensions.Code).String(), Message: resp.Errors[0].Message}
		}
		items = append(items, normalize(resp.Data[op.Name]))
	}
	if op.Kind == app.OpStream {
		return authResult{Out: items}
	}
	return authResult{Out: items[0]}
}

func (s *authServers) grpc(t *testing.T, c authCall, cr creds) authResult {
	t.Helper()
	op := s.a.Operation(c.op)
	method := "conf.v1.ConfService/" + app.PascalName(op.Name)
	var md []string
	for k, v := range cr {
		md = append(md, strings.ToLower(k), v)
	}
	if op.Kind == app.OpStream {
		msgs, err := s.grpcC.Stream(context.Background(), method, c.input, md...)
		if err != nil {
			st := status.Convert(err)
			return authResult{Code: app.Code(st.Code()).String(), Message: st.Message()}
		}
		var items []any
		for _, m := range msgs {
			items = append(items, normalize(decodeJSON(t, m)))
		}
		return authResult{Out: items}
	}
	out, err := s.grpcC.Call(context.Background(), method, c.input, md...)
	if err != nil {
		st := status.Convert(err)
		return authResult{Code: app.Code(st.Code()).String(), Message: st.Message()}
	}
	return authResult{Out: normalize(decodeJSON(t, out))}
}

// TestAuth runs every operation with every kind of credentials over REST,
// GraphQL and gRPC and requires the same answer from each: the output, or
// the same code and message. REST's 401 carries a WWW-Authenticate
// challenge, its 403 the missing scope.
func TestAuth(t *testing.T) {
	s := newAuthServers(t)
	bearer := func(tok string) creds { return creds{"Authorization": "Bearer " + tok} }
	reader := bearer(token(t, authSecret, "reader", "accounts:read", time.Hour))
	writer := bearer(token(t, authSecret, "writer", "accounts:read accounts:write", time.Hour))
	forged := bearer(token(t, []byte("not the server's secret, 32 byte"), "writer", "accounts:write", time.Hour))
	expired := bearer(token(t, authSecret, "writer", "accounts:write", -time.Hour))
	apiKey := creds{"X-API-Key": "k-ci"}

	calls := map[string]authCall{
		"hello":   {op: "hello", input: `{"name":"Ada"}`, method: "GET", path: "/hello/Ada"},
		"whoami":  {op: "whoami", input: `{}`, method: "GET", path: "/whoami"},
		"deposit": {op: "deposit", input: `{"id":"acc","amount":5}`, method: "POST", path: "/deposit"},
		"ticks":   {op: "ticks", input: `{"n":2}`, method: "GET", path: "/ticks?n=2"},
	}
	const missing = "authentication required: send Authorization: Bearer <token> or X-API-Key: <key>"
	unauth := func(msg string) authResult { return authResult{Code: "unauthenticated", Message: msg} }
	hello := func(sub string) authResult {
		return authResult{Out: map[string]any{"message": "Hello, Ada! (" + sub + ")"}}
	}
	who := func(sub string, scopes ...any) authResult {
		return authResult{Out: map[string]any{"subject": sub, "scopes": scopes}}
	}
	ticks := func(sub string) authResult {
		return authResult{Out: []any{map[string]any{"i": 1.0, "name": sub}, map[string]any{"i": 2.0, "name": sub}}}
	}
	needWrite := authResult{Code: "permission_denied", Message: "operation deposit requires scope accounts:write"}
	tests := []struct {
		name string
		give creds
		want map[string]authResult
	}{
		{"no credentials", nil, map[string]authResult{
			"hello": hello("anonymous"), "whoami": unauth(missing), "deposit": unauth(missing), "ticks": unauth(missing),
		}},
		{"forged token", forged, map[string]authResult{
			"hello": hello("anonymous"), "whoami": unauth("invalid token"), "deposit": unauth("invalid token"), "ticks": unauth("invalid token"),
		}},
		{"expired token", expired, map[string]authResult{
			"hello": hello("anonymous"), "whoami": unauth("invalid token: expired"),
			"deposit": unauth("invalid token: expired"), "ticks": unauth("invalid token: expired"),
		}},
		{"reader token", reader, map[string]authResult{
			"hello": hello("reader"), "whoami": who("reader", "accounts:read"), "deposit": needWrite, "ticks": ticks("reader"),
		}},
		{"writer token", writer, map[string]authResult{
			"hello": hello("writer"), "whoami": who("writer", "accounts:read", "accounts:write"),
			"deposit": {Out: map[string]any{"balance": 5.0}}, "ticks": ticks("writer"),
		}},
		{"API key", apiKey, map[string]authResult{
			"hello": hello("ci"), "whoami": who("ci", "accounts:read"), "deposit": needWrite, "ticks": ticks("ci"),
		}},
	}
	protocols := []string{"rest", "graphql", "grpc"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, name := range []string{"hello", "whoami", "deposit", "ticks"} {
				for _, p := range protocols {
					c := calls[name]
					// Each protocol deposits into an account of its own.
					c.input = strings.Replace(c.input, `"acc"`, strconv.Quote(p+"-"+strings.ReplaceAll(tt.name, " ", "-")), 1)
					var got authResult
					switch p {
					case "rest":
						var h http.Header
						got, h = s.rest(t, c, tt.give)
						checkChallenge(t, got, h)
					case "graphql":
						got = s.graphql(t, c, tt.give)
					case "grpc":
						got = s.grpc(t, c, tt.give)
					}
					if diff := cmp.Diff(got, tt.want[name]); diff != "" {
						t.Errorf("%s over %s (-got +want):\n%s", name, p, diff)
					}
				}
			}
		})
	}

	// The writer's deposits, one per protocol, recorded the writer.
	evs, err := s.store.ReadAll(context.Background(), 0, 100, cqrs.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	var subjects []string
	for _, ev := range evs {
		subjects = append(subjects, ev.Stream+" by "+ev.Metadata.User[cqrs.MetaSubject])
	}
	wantSubjects := []string{
		"account-rest-writer-token by writer", "account-graphql-writer-token by writer", "account-grpc-writer-token by writer",
	}
	if diff := cmp.Diff(subjects, wantSubjects); diff != "" {
		t.Errorf("events (-got +want):\n%s", diff)
	}
}

// checkChallenge checks REST's WWW-Authenticate: a Bearer challenge of the
// App's realm on 401 (with RFC 6750's invalid_token for a bad token), the
// missing scope on a bearer's 403, none on success.
func checkChallenge(t *testing.T, got authResult, h http.Header) {
	t.Helper()
	v := h.Get("WWW-Authenticate")
	switch got.Code {
	case "unauthenticated":
		if !strings.HasPrefix(v, `Bearer realm="conf"`) || !strings.Contains(v, `APIKey realm="conf", header="X-API-Key"`) {
			t.Errorf("401 WWW-Authenticate %q; want a Bearer and an APIKey challenge", v)
		}
		if bad := strings.HasPrefix(got.Message, "invalid"); bad != strings.Contains(v, `error="invalid_token"`) {
			t.Errorf("401 %q with WWW-Authenticate %q", got.Message, v)
		}
	case "permission_denied":
		if v != "" && v != `Bearer realm="conf", error="insufficient_scope", scope="accounts:write"` {
			t.Errorf("403 WWW-Authenticate %q", v)
		}
	case "":
		if v != "" {
			t.Errorf("200 with WWW-Authenticate %q", v)
		}
	}
}

// TestAuthGraphQLField checks that a GraphQL request touching one
// protected field among public ones fails that field alone: an error at
// its path with extensions.code UNAUTHENTICATED, data for the others.
func TestAuthGraphQLField(t *testing.T) {
	s := newAuthServers(t)
	body := `{"query":"{ a: hello(name: \"Ada\") { message } whoami { subject } b: hello(name: \"Bob\") { message } }"}`
	for _, tt := range []struct {
		name string
		auth string
		want string
	}{
		{"no credentials", "", `{"data":{"a":{"message":"Hello, Ada! (anonymous)"},"whoami":null,"b":{"message":"Hello, Bob! (anonymous)"}},` +
			`"errors":[{"extensions":{"code":"UNAUTHENTICATED"},"locations":[{"line":1,"column":37}],"message":"` + "authentication required: send Authorization: Bearer <token> or X-API-Key: <key>" + `","path":["whoami"]}]}`},
		{"a token", "Bearer " + token(t, authSecret, "reader", "accounts:read", time.Hour),
			`{"data":{"a":{"message":"Hello, Ada! (reader)"},"whoami":{"subject":"reader"},"b":{"message":"Hello, Bob! (reader)"}}}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/graphql", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			rec := httptest.NewRecorder()
			s.gql.Config.Handler.ServeHTTP(rec, req)
			var got, want any
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("%v: %s", err, rec.Body)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

// TestAuthGraphQLWebSocket checks subscriptions authenticated at connect:
// the token (or API key) in the connection_init payload reaches the auth
// middleware as metadata; without it the subscription fails with
// UNAUTHENTICATED, with too few scopes with PERMISSION_DENIED.
func TestAuthGraphQLWebSocket(t *testing.T) {
	s := newAuthServers(t)
	ticks := func(sub string) []string {
		return []string{
			`next {"data":{"ticks":{"i":1,"name":"` + sub + `"}}}`,
			`next {"data":{"ticks":{"i":2,"name":"` + sub + `"}}}`,
			"complete ",
		}
	}
	tests := []struct {
		name string
		give map[string]any // the connection_init payload
		want []string
	}{
		{"token in connection_init", map[string]any{"Authorization": "Bearer " + token(t, authSecret, "reader", "accounts:read", time.Hour)}, ticks("reader")},
		{"lower-case key", map[string]any{"authorization": "Bearer " + token(t, authSecret, "writer", "accounts:read", time.Hour)}, ticks("writer")},
		{"API key in connection_init", map[string]any{"X-API-Key": "k-ci"}, ticks("ci")},
		{"no credentials", nil, []string{"error UNAUTHENTICATED", "complete "}},
		{"expired token", map[string]any{"Authorization": "Bearer " + token(t, authSecret, "reader", "accounts:read", -time.Hour)}, []string{"error UNAUTHENTICATED", "complete "}},
		{"scope missing", map[string]any{"Authorization": "Bearer " + token(t, authSecret, "nobody", "", time.Hour)}, []string{"error PERMISSION_DENIED", "complete "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(s.gql.URL, "http")+"/graphql",
				&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
			if err != nil {
				t.Fatal(err)
			}
			if res.Body != nil {
				_ = res.Body.Close()
			}
			defer c.CloseNow()
			type msg struct {
				ID      string          `json:"id,omitempty"`
				Type    string          `json:"type"`
				Payload json.RawMessage `json:"payload,omitempty"`
			}
			read := func() msg {
				for {
					var m msg
					if err := wsjson.Read(ctx, c, &m); err != nil {
						t.Fatal(err)
					}
					if m.Type != "ping" {
						return m
					}
				}
			}
			p, _ := json.Marshal(tt.give)
			if err := wsjson.Write(ctx, c, msg{Type: "connection_init", Payload: p}); err != nil {
				t.Fatal(err)
			}
			if m := read(); m.Type != "connection_ack" {
				t.Fatalf("got %+v; want connection_ack", m)
			}
			q, _ := json.Marshal(map[string]string{"query": "subscription { ticks(n: 2) { i name } }"})
			if err := wsjson.Write(ctx, c, msg{ID: "1", Type: "subscribe", Payload: q}); err != nil {
				t.Fatal(err)
			}
			var got []string
			for {
				m := read()
				switch m.Type {
				case "error":
					var errs []struct {
						Extensions struct{ Code string } `json:"extensions"`
					}
					if err := json.Unmarshal(m.Payload, &errs); err != nil || len(errs) == 0 {
						t.Fatalf("error payload %s", m.Payload)
					}
					got = append(got, "error "+errs[0].Extensions.Code)
				case "next":
					var pl struct {
						Data   json.RawMessage `json:"data"`
						Errors []struct {
							Extensions struct{ Code string } `json:"extensions"`
						} `json:"errors"`
					}
					if err := json.Unmarshal(m.Payload, &pl); err != nil {
						t.Fatal(err)
					}
					if len(pl.Errors) > 0 {
						got = append(got, "error "+pl.Errors[0].Extensions.Code)
						continue
					}
					got = append(got, "next "+string(m.Payload))
				default:
					got = append(got, m.Type+" "+string(m.Payload))
				}
				if m.Type == "complete" {
					break
				}
			}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
			_ = c.Close(websocket.StatusNormalClosure, "")
		})
	}
}

// TestAuthGRPCStreamAtConnect checks that a gRPC stream is refused before
// its first item, with the status in the response, and that the header
// metadata of a refused unary call carries the challenge.
func TestAuthGRPCStreamAtConnect(t *testing.T) {
	s := newAuthServers(t)
	r, err := s.grpcC.Open(context.Background(), "conf.v1.ConfService/Ticks", `{"n":2}`)
	if err != nil {
		if got := status.Code(err); got != 16 {
			t.Errorf("open: %v; want UNAUTHENTICATED", err)
		}
		return
	}
	_, err = r.Recv()
	if st := status.Convert(err); st.Code() != 16 || !strings.HasPrefix(st.Message(), "authentication required") {
		t.Errorf("first item: %v; want UNAUTHENTICATED before any item", err)
	}
	var hdr metadata.MD
	in, out := []byte{}, []byte{}
	err = s.conn.Invoke(context.Background(), "/conf.v1.ConfService/Whoami", &in, &out, grpcgo.Header(&hdr), grpcgo.ForceCodec(rawCodec{}))
	if status.Code(err) != 16 {
		t.Fatalf("whoami: %v; want UNAUTHENTICATED", err)
	}
	if v := hdr.Get("www-authenticate"); len(v) != 1 || !strings.HasPrefix(v[0], `Bearer realm="conf"`) {
		t.Errorf("www-authenticate metadata %q; want the Bearer challenge", v)
	}
}
