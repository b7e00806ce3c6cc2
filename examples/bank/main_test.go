package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/anypb"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/cqrsfx"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild() // the kill -9 test's service process; never returns
	}
	goleak.VerifyTestMain(m)
}

// waitTimeout bounds every wait in these tests.
const waitTimeout = 15 * time.Second

// client talks HTTP to the servers under test; tests close its idle
// connections so that goleak sees no leftovers.
var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./examples/bank -update to create it)", err)
	}
	if diff := cmp.Diff(string(got), string(want)); diff != "" {
		t.Errorf("%s changed (-got +want); run with -update if intended:\n%s", path, diff)
	}
}

// server is one running bank service.
type server struct {
	http string // base URL
	conn *grpcgo.ClientConn
	grpc *grpcjson.Client
	stop func()
}

// sqliteURL returns an ALLFRAME_EVENTSTORE value for a new file in a
// temporary directory.
func sqliteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "bank.db")
}

// start runs the service on 127.0.0.1 with the event store at url (the
// ALLFRAME_EVENTSTORE it reads) until the test ends (or stop is called).
func start(t testing.TB, url string, extra ...fx.Option) *server {
	t.Helper()
	var rt *httpserver.Host
	var gt *grpc.Transport
	t.Setenv("ALLFRAME_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("ALLFRAME_GRPC_ADDR", "127.0.0.1:0")
	t.Setenv(cqrsfx.EnvEventStore, url)
	fxa := fxtest.New(t, options(append([]fx.Option{
		di.Options(app.DrainDelay(0),
			app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))),
		fx.Populate(&rt, &gt),
	}, extra...)...))
	fxa.RequireStart()
	conn, err := grpcgo.NewClient(gt.Addr().String(), grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	c, err := grpcjson.New(ctx, conn, "bank.v1.BankService")
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	s := &server{http: "http://" + rt.Addr().String(), conn: conn, grpc: c}
	s.stop = func() {
		once.Do(func() {
			conn.Close()
			client.CloseIdleConnections()
			fxa.RequireStop()
		})
	}
	t.Cleanup(s.stop)
	return s
}

// reply is a response over any protocol, reduced to what the tests compare.
type reply struct {
	code    app.Code // app.CodeOK on success
	account Account
	raw     string
}

// --- REST ---

func (s *server) rest(t testing.TB, method, path, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.http+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// restReply decodes a REST response: an Account, or a problem whose code
// must match the status rest.StatusCode gives it.
func restReply(t testing.TB, status int, body []byte) reply {
	t.Helper()
	if status == http.StatusOK {
		var a Account
		if err := json.Unmarshal(body, &a); err != nil {
			t.Fatalf("REST body %s: %v", body, err)
		}
		return reply{account: a, raw: string(body)}
	}
	var p rest.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("REST problem %d %s: %v", status, body, err)
	}
	code := codeNamed(t, p.Code)
	if want := rest.StatusCode(code); status != want {
		t.Errorf("REST %s: status %d, want %d", p.Code, status, want)
	}
	return reply{code: code, raw: string(body)}
}

func codeNamed(t testing.TB, name string) app.Code {
	t.Helper()
	for _, c := range app.Codes() {
		if c.String() == name || c.Upper() == name {
			return c
		}
	}
	t.Fatalf("unknown error code %q", name)
	return app.CodeUnknown
}

func (s *server) restOpen(t testing.TB, owner string) Account {
	t.Helper()
	st, _, b := s.rest(t, "POST", "/accounts", fmt.Sprintf(`{"owner":%q}`, owner))
	r := restReply(t, st, b)
	if r.code != app.CodeOK || r.account.ID == "" || r.account.Owner != owner || r.account.Version != 1 {
		t.Fatalf("openAccount over REST: %s", r.raw)
	}
	return r.account
}

func (s *server) restMove(t testing.TB, op, id string, amount int64, header ...string) reply {
	t.Helper()
	st, _, b := s.rest(t, "POST", "/accounts/"+id+"/"+op, fmt.Sprintf(`{"amount":%d}`, amount), header...)
	return restReply(t, st, b)
}

func (s *server) restGet(t testing.TB, id string) reply {
	t.Helper()
	st, _, b := s.rest(t, "GET", "/accounts/"+id, "")
	return restReply(t, st, b)
}

// --- gRPC ---

// grpcAccount is an Account in protojson (int64 as strings, zeros omitted).
type grpcAccount struct {
	ID       string `json:"id"`
	Owner    string `json:"owner"`
	Balance  int64  `json:"balance,string"`
	Version  int64  `json:"version,string"`
	Position int64  `json:"position,string"`
	Closed   bool   `json:"closed"`
}

func grpcReply(t testing.TB, out string, err error) reply {
	t.Helper()
	if err != nil {
		st, ok := status.FromError(err)
		if !ok {
			t.Fatalf("gRPC: %v", err)
		}
		return reply{code: codeNamed(t, snake(st.Code().String())), raw: fmt.Sprint(err, st.Details())}
	}
	var a grpcAccount
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatalf("gRPC response %s: %v", out, err)
	}
	return reply{account: Account{ID: a.ID, Owner: a.Owner, Balance: a.Balance, Version: a.Version, Closed: a.Closed}, raw: out}
}

// snake turns grpc-go's code names (FailedPrecondition) into canonical
// ones (failed_precondition).
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && r >= 'A' && r <= 'Z' {
			b.WriteByte('_')
		}
		b.WriteRune(r)
	}
	return strings.ToLower(b.String())
}

func (s *server) grpcCall(t testing.TB, method, input string, md ...string) reply {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	out, err := s.grpc.Call(ctx, "bank.v1.BankService/"+method, input, md...)
	return grpcReply(t, out, err)
}

func (s *server) grpcMove(t testing.TB, method, id string, amount int64, md ...string) reply {
	t.Helper()
	return s.grpcCall(t, method, fmt.Sprintf(`{"id":%q,"amount":"%d"}`, id, amount), md...)
}

// --- Connect ---

// connectCall is a Connect call as curl or a browser's fetch makes it: a
// JSON POST to the gRPC method's path on the HTTP port. Errors are
// Connect's JSON, with the details' JSON rendering in raw.
func (s *server) connectCall(t testing.TB, method, input string, header ...string) reply {
	t.Helper()
	status, _, body := s.rest(t, "POST", "/bank.v1.BankService/"+method, input, header...)
	if status != http.StatusOK {
		var e struct {
			Code string `json:"code"`
		}
		if err := json.Unmarshal(body, &e); err != nil {
			t.Fatalf("Connect error %d %s: %v", status, body, err)
		}
		return reply{code: codeNamed(t, e.Code), raw: string(body) + connectDetails(t, body)}
	}
	var a grpcAccount
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("Connect response %s: %v", body, err)
	}
	return reply{account: Account{ID: a.ID, Owner: a.Owner, Balance: a.Balance, Version: a.Version}, raw: string(body)}
}

// connectDetails renders the details of a Connect error (base64 protobuf
// of a type the global registry knows) as JSON.
func connectDetails(t testing.TB, body []byte) string {
	t.Helper()
	var e struct {
		Details []struct {
			Type  string `json:"type"`
			Value string `json:"value"`
		} `json:"details"`
	}
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	for _, d := range e.Details {
		b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(d.Value, "="))
		if err != nil {
			t.Fatalf("detail %s: %v", d.Value, err)
		}
		detail := &anypb.Any{TypeUrl: "type.googleapis.com/" + d.Type, Value: b}
		m, err := detail.UnmarshalNew()
		if err != nil {
			t.Fatalf("detail %s: %v", d.Type, err)
		}
		js, err := protojson.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		out.WriteString(" " + string(js))
	}
	return out.String()
}

func (s *server) connectMove(t testing.TB, method, id string, amount int64, header ...string) reply {
	t.Helper()
	return s.connectCall(t, method, fmt.Sprintf(`{"id":%q,"amount":"%d"}`, id, amount), header...)
}

// --- GraphQL ---

func (s *server) graphql(t testing.TB, query string, vars map[string]any, header ...string) (int, []byte) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	st, _, b := s.rest(t, "POST", "/graphql", string(body), header...)
	return st, b
}

// gqlReply decodes the one field of a GraphQL response.
func gqlReply(t testing.TB, field string, status int, body []byte) reply {
	t.Helper()
	var resp struct {
		Data   map[string]*Account `json:"data"`
		Errors []struct {
			Message    string `json:"message"`
			Extensions struct {
				Code string `json:"code"`
			} `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || status != http.StatusOK {
		t.Fatalf("GraphQL %d %s: %v", status, body, err)
	}
	if len(resp.Errors) > 0 {
		if resp.Data[field] != nil {
			t.Errorf("GraphQL %s: data and errors: %s", field, body)
		}
		return reply{code: codeNamed(t, resp.Errors[0].Extensions.Code), raw: string(body)}
	}
	a := resp.Data[field]
	if a == nil {
		t.Fatalf("GraphQL %s: no data: %s", field, body)
	}
	a.Position = 0 // not always selected
	return reply{account: *a, raw: string(body)}
}

const accountFields = `{ id owner balance version }`

func (s *server) gqlMove(t testing.TB, op, id string, amount int64, header ...string) reply {
	t.Helper()
	st, b := s.graphql(t, `mutation ($id: String!, $amount: Int64) { `+op+`(id: $id, amount: $amount) `+accountFields+` }`,
		map[string]any{"id": id, "amount": amount}, header...)
	return gqlReply(t, op, st, b)
}

func (s *server) gqlGet(t testing.TB, id string) reply {
	t.Helper()
	st, b := s.graphql(t, `query ($id: String!) { getAccount(id: $id) `+accountFields+` }`, map[string]any{"id": id})
	return gqlReply(t, "getAccount", st, b)
}

// --- the scenarios ---

// protocols runs one operation over each protocol.
type protocols struct {
	rest, grpc, connect, graphql func() reply
}

func (p protocols) each(f func(proto string, r reply)) {
	f("REST", p.rest())
	f("gRPC", p.grpc())
	f("Connect", p.connect())
	f("GraphQL", p.graphql())
}

func (s *server) get(t testing.TB, id string) protocols {
	return protocols{
		rest:    func() reply { return s.restGet(t, id) },
		grpc:    func() reply { return s.grpcCall(t, "GetAccount", fmt.Sprintf(`{"id":%q}`, id)) },
		connect: func() reply { return s.connectCall(t, "GetAccount", fmt.Sprintf(`{"id":%q}`, id)) },
		graphql: func() reply { return s.gqlGet(t, id) },
	}
}

func (s *server) move(t testing.TB, op, id string, amount int64) protocols {
	method := map[string]string{"deposit": "Deposit", "withdraw": "Withdraw"}[op]
	return protocols{
		rest:    func() reply { return s.restMove(t, op, id, amount) },
		grpc:    func() reply { return s.grpcMove(t, method, id, amount) },
		connect: func() reply { return s.connectMove(t, method, id, amount) },
		graphql: func() reply { return s.gqlMove(t, op, id, amount) },
	}
}

// wantBalance checks that every protocol reads the same account.
func (s *server) wantAccount(t *testing.T, want Account) {
	t.Helper()
	want.Position = 0
	s.get(t, want.ID).each(func(proto string, r reply) {
		r.account.Position = 0
		if diff := cmp.Diff(r.account, want); r.code != app.CodeOK || diff != "" {
			t.Errorf("getAccount over %s: %v %s (-got +want):\n%s", proto, r.code, r.raw, diff)
		}
	})
}

func TestOpenOverRESTDepositOverGRPCAndGraphQL(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")

	g := s.grpcMove(t, "Deposit", acc.ID, 50)
	if g.code != app.CodeOK || g.account.Balance != 50 || g.account.Version != 2 {
		t.Fatalf("deposit over gRPC: %v %s", g.code, g.raw)
	}
	q := s.gqlMove(t, "deposit", acc.ID, 25)
	if q.code != app.CodeOK || q.account.Balance != 75 || q.account.Version != 3 {
		t.Fatalf("deposit over GraphQL: %v %s", q.code, q.raw)
	}
	// The GraphQL shape of the brief: deposit(id:, amount:) { balance }.
	st, b := s.graphql(t, fmt.Sprintf(`mutation { deposit(id: %q, amount: 1) { balance } }`, acc.ID), nil)
	if st != http.StatusOK || string(b) != `{"data":{"deposit":{"balance":76}}}` {
		t.Errorf("deposit(id:, amount:) { balance } = %d %s", st, b)
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 76, Version: 4})

	// listAccounts reads the projection; the command's Consistency-Token
	// makes it wait for the write.
	code, h, _ := s.rest(t, "POST", "/accounts/"+acc.ID+"/deposit", `{"amount":4}`)
	token := h.Get("Consistency-Token")
	if code != http.StatusOK || token == "" {
		t.Fatalf("deposit: %d, Consistency-Token %q", code, token)
	}
	code, _, body := s.rest(t, "GET", "/accounts", "", "Consistency-Token", token)
	var list cqrs.Page[Account]
	if err := json.Unmarshal(body, &list); err != nil || code != http.StatusOK {
		t.Fatalf("listAccounts: %d %s", code, body)
	}
	want := []Account{{ID: acc.ID, Owner: "ada", Balance: 80, Version: 5}}
	want[0].Position = list.Items[0].Position
	if diff := cmp.Diff(list.Items, want); diff != "" || list.Next != "" {
		t.Errorf("listAccounts (-got +want), next %q:\n%s", list.Next, diff)
	}
	if got := fmt.Sprint(list.Items[0].Position); got != token {
		t.Errorf("listed position %s, want the deposit's token %s", got, token)
	}
}

func TestConcurrentDepositsOverRESTAndGRPC(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")
	if r := s.restMove(t, "deposit", acc.ID, 1000); r.code != app.CodeOK {
		t.Fatal(r.raw)
	}
	const n = 150
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			var r reply
			if i%2 == 0 {
				r = s.restMove(t, "deposit", acc.ID, 1)
			} else {
				r = s.grpcMove(t, "Deposit", acc.ID, 1)
			}
			if r.code != app.CodeOK {
				errs <- r.raw
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("deposit failed: %s", e)
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 1000 + n, Version: 2 + n})
}

func TestOverdraftIsFailedPrecondition(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")
	if r := s.restMove(t, "deposit", acc.ID, 10); r.code != app.CodeOK {
		t.Fatal(r.raw)
	}
	s.move(t, "withdraw", acc.ID, 11).each(func(proto string, r reply) {
		if r.code != app.CodeFailedPrecondition || !strings.Contains(r.raw, "insufficient funds") {
			t.Errorf("overdraft over %s: %v %s", proto, r.code, r.raw)
		}
	})
	_, _, body := s.rest(t, "POST", "/accounts/"+acc.ID+"/withdraw", `{"amount":11}`)
	var p rest.Problem
	if err := json.Unmarshal(body, &p); err != nil || p.Details["reason"] != "insufficient_funds" || p.Details["balance"] != float64(10) {
		t.Errorf("overdraft problem details: %s", body)
	}
	if r := s.move(t, "withdraw", acc.ID, 10).rest(); r.code != app.CodeOK || r.account.Balance != 0 { // exactly the balance is fine
		t.Errorf("withdrawing the whole balance: %s", r.raw)
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 0, Version: 3})
}

func TestIdempotencyKeyAppliesOnce(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")

	// Five concurrent deposits with one key over REST, then the same key
	// over gRPC and GraphQL: one deposit.
	var wg sync.WaitGroup
	replies := make([]reply, 5)
	replayed := make([]string, 5)
	for i := range replies {
		wg.Go(func() {
			st, h, b := s.rest(t, "POST", "/accounts/"+acc.ID+"/deposit", `{"amount":10}`, "Idempotency-Key", "dep-1")
			replies[i], replayed[i] = restReply(t, st, b), h.Get("Idempotent-Replayed")
		})
	}
	wg.Wait()
	n := 0
	for i, r := range replies {
		if r.code != app.CodeOK || r.account.Balance != 10 || r.account.Version != 2 {
			t.Errorf("REST deposit %d with the key: %s", i, r.raw)
		}
		if replayed[i] == "true" {
			n++
		}
	}
	if n != 4 {
		t.Errorf("%d of 5 REST responses replayed, want 4", n)
	}
	for i := range 5 {
		if r := s.grpcMove(t, "Deposit", acc.ID, 10, "idempotency-key", "dep-1"); r.code != app.CodeOK || r.account.Balance != 10 {
			t.Errorf("gRPC deposit %d with the key: %s", i, r.raw)
		}
	}
	if r := s.gqlMove(t, "deposit", acc.ID, 10, "Idempotency-Key", "dep-1"); r.code != app.CodeOK || r.account.Balance != 10 {
		t.Errorf("GraphQL deposit with the key: %s", r.raw)
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 10, Version: 2})

	// Five over gRPC with a new key, sequentially.
	for i := range 5 {
		if r := s.grpcMove(t, "Deposit", acc.ID, 7, "idempotency-key", "dep-2"); r.code != app.CodeOK || r.account.Balance != 17 {
			t.Errorf("gRPC deposit %d with a second key: %s", i, r.raw)
		}
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 17, Version: 3})

	// The same key with another amount is refused on every protocol.
	p := protocols{
		rest:    func() reply { return s.restMove(t, "deposit", acc.ID, 11, "Idempotency-Key", "dep-1") },
		grpc:    func() reply { return s.grpcMove(t, "Deposit", acc.ID, 11, "idempotency-key", "dep-1") },
		connect: func() reply { return s.connectMove(t, "Deposit", acc.ID, 11, "Idempotency-Key", "dep-1") },
		graphql: func() reply { return s.gqlMove(t, "deposit", acc.ID, 11, "Idempotency-Key", "dep-1") },
	}
	p.each(func(proto string, r reply) {
		if r.code != app.CodeFailedPrecondition || !strings.Contains(r.raw, "idempotency_key_reused") {
			t.Errorf("key reused with another amount over %s: %v %s", proto, r.code, r.raw)
		}
	})
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 17, Version: 3})
}

func TestInvalidAmountIsInvalidArgument(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")
	tests := []struct {
		op   string
		give int64
	}{
		{op: "deposit", give: 0},
		{op: "deposit", give: -5},
		{op: "withdraw", give: 0},
		{op: "deposit", give: 1_000_000_000_001}, // over the validate limit, 10^12
	}
	for _, tt := range tests {
		s.move(t, tt.op, acc.ID, tt.give).each(func(proto string, r reply) {
			if r.code != app.CodeInvalidArgument || !strings.Contains(r.raw, "amount") {
				t.Errorf("%s %d over %s: %v %s", tt.op, tt.give, proto, r.code, r.raw)
			}
		})
	}
	// Malformed requests.
	bad := []struct {
		path, give string
	}{
		{path: "/accounts", give: `{}`},
		{path: "/accounts", give: `{"owner":"` + strings.Repeat("x", 101) + `"}`},
		{path: "/accounts/" + acc.ID + "/deposit", give: `{"amount":"ten"}`},
		{path: "/accounts/" + acc.ID + "/deposit", give: `{"amount":`},
		{path: "/accounts/" + acc.ID + "/deposit", give: `{"amount":1e30}`},
	}
	for _, tt := range bad {
		st, _, b := s.rest(t, "POST", tt.path, tt.give)
		if r := restReply(t, st, b); r.code != app.CodeInvalidArgument {
			t.Errorf("POST %s %s: %v %s", tt.path, tt.give, r.code, r.raw)
		}
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 0, Version: 1})
}

func TestUnknownAccountIsNotFound(t *testing.T) {
	s := start(t, sqliteURL(t))
	const id = "01a00000-0000-7000-8000-000000000000"
	for name, p := range map[string]protocols{
		"getAccount": s.get(t, id),
		"deposit":    s.move(t, "deposit", id, 1),
		"withdraw":   s.move(t, "withdraw", id, 1),
	} {
		p.each(func(proto string, r reply) {
			if r.code != app.CodeNotFound {
				t.Errorf("%s over %s: %v %s", name, proto, r.code, r.raw)
			}
		})
	}
	// The event feed too.
	if st, _, b := s.rest(t, "GET", "/accounts/"+id+"/events", ""); restReply(t, st, b).code != app.CodeNotFound {
		t.Errorf("SSE of an unknown account: %d %s", st, b)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if _, err := s.grpc.Stream(ctx, "bank.v1.BankService/AccountEvents", fmt.Sprintf(`{"id":%q}`, id)); status.Code(err) != codes.NotFound {
		t.Errorf("gRPC stream of an unknown account: %v", err)
	}
	events, errs := s.gqlSubscribe(t, ctx, id)
	select {
	case err := <-errs:
		if !strings.Contains(err, "NOT_FOUND") {
			t.Errorf("GraphQL subscription of an unknown account: %s", err)
		}
	case e := <-events:
		t.Errorf("GraphQL subscription of an unknown account sent %+v", e)
	case <-ctx.Done():
		t.Error("GraphQL subscription of an unknown account: no error")
	}
	// Nothing was created.
	st, _, b := s.rest(t, "GET", "/accounts", "")
	if st != http.StatusOK || string(b) != "{\"items\":[]}\n" {
		t.Errorf("listAccounts = %d %s", st, b)
	}
}

func TestEventStreamsOnEveryProtocol(t *testing.T) {
	s := start(t, sqliteURL(t))
	acc := s.restOpen(t, "ada")
	other := s.restOpen(t, "bob")
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()

	feeds := map[string]<-chan feedEvent{}
	errc := make(chan string, 10)
	sse, sseErrs := s.sseSubscribe(t, ctx, acc.ID)
	gql, gqlErrs := s.gqlSubscribe(t, ctx, acc.ID)
	grpcEvents, grpcErrs := s.grpcSubscribe(t, ctx, acc.ID)
	feeds["SSE"], feeds["GraphQL"], feeds["gRPC"] = sse, gql, grpcEvents
	for _, c := range []<-chan string{sseErrs, gqlErrs, grpcErrs} {
		go func() {
			if e, ok := <-c; ok {
				errc <- e
			}
		}()
	}
	next := func(name string) feedEvent {
		t.Helper()
		select {
		case e := <-feeds[name]:
			return e
		case e := <-errc:
			t.Fatalf("%s: %s", name, e)
		case <-ctx.Done():
			t.Fatalf("%s: no event", name)
		}
		return feedEvent{}
	}
	// Catch-up: the opening, on each feed (which also shows each is live).
	for name := range feeds {
		if e := next(name); e.Event != (feedData{Type: "accountOpened", Owner: "ada"}) || e.Version != 1 || e.Position != acc.Position {
			t.Errorf("%s first event %+v", name, e)
		}
	}
	// Live: another account's deposit is not sent; this one's is, with the
	// request's correlation id.
	if r := s.restMove(t, "deposit", other.ID, 3); r.code != app.CodeOK {
		t.Fatal(r.raw)
	}
	dep := s.restMove(t, "deposit", acc.ID, 42, "X-Correlation-ID", "corr-42")
	if dep.code != app.CodeOK {
		t.Fatal(dep.raw)
	}
	want := feedEvent{Event: feedData{Type: "deposited", Amount: 42}, Version: 2, Position: dep.account.Position, CorrelationID: "corr-42"}
	for name := range feeds {
		got := next(name)
		if got.Time.IsZero() || time.Since(got.Time) > time.Minute {
			t.Errorf("%s event time %v", name, got.Time)
		}
		got.Time = time.Time{}
		if diff := cmp.Diff(got, want); diff != "" {
			t.Errorf("%s live event (-got +want):\n%s", name, diff)
		}
	}
	w := s.grpcMove(t, "Withdraw", acc.ID, 2)
	for name := range feeds {
		if got := next(name); got.Event != (feedData{Type: "withdrawn", Amount: 2}) || got.Version != 3 {
			t.Errorf("%s withdrawal event %+v (%s)", name, got, w.raw)
		}
	}
	// Resuming after a position sends only later events.
	code, _, b := s.restStreamFirst(t, "/accounts/"+acc.ID+"/events?after="+fmt.Sprint(dep.account.Position))
	if code != http.StatusOK || !strings.Contains(b, `"version":3`) {
		t.Errorf("resumed SSE first event: %d %s", code, b)
	}
}

// restStreamFirst reads the first data line of an SSE stream.
func (s *server) restStreamFirst(t *testing.T, path string) (int, http.Header, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.http+path, nil)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok {
			return resp.StatusCode, resp.Header, data
		}
	}
	return resp.StatusCode, resp.Header, ""
}

// sseSubscribe follows GET /accounts/{id}/events.
func (s *server) sseSubscribe(t *testing.T, ctx context.Context, id string) (<-chan feedEvent, <-chan string) {
	t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", s.http+"/accounts/"+id+"/events", nil)
	req.Header.Set("Accept", "text/event-stream")
	return sseFollow(t, req, func(data []byte) (feedEvent, error) {
		var e feedEvent
		return e, json.Unmarshal(data, &e)
	})
}

// gqlSubscribe runs the accountEvents subscription over GraphQL's SSE
// transport (POST /graphql, Accept: text/event-stream).
func (s *server) gqlSubscribe(t *testing.T, ctx context.Context, id string) (<-chan feedEvent, <-chan string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{
		"query":     `subscription ($id: String!) { accountEvents(id: $id) { event { __typename ... on AccountOpened { owner } ... on Deposited { amount } ... on Withdrawn { amount } } version position time correlationId } }`,
		"variables": map[string]any{"id": id},
	})
	req, _ := http.NewRequestWithContext(ctx, "POST", s.http+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	return sseFollow(t, req, func(data []byte) (feedEvent, error) {
		var msg struct {
			Data struct {
				AccountEvents *feedEvent `json:"accountEvents"`
			} `json:"data"`
			Errors json.RawMessage `json:"errors"`
		}
		if err := json.Unmarshal(data, &msg); err != nil {
			return feedEvent{}, err
		}
		if msg.Errors != nil || msg.Data.AccountEvents == nil {
			return feedEvent{}, fmt.Errorf("%s", data)
		}
		e := *msg.Data.AccountEvents // the variant's wire name is its GraphQL type's, lower-cased
		e.Event.Type, e.Event.Typename = strings.ToLower(e.Event.Typename[:1])+e.Event.Typename[1:], ""
		return e, nil
	})
}

// sseFollow sends req and decodes each `data:` line of the event stream
// until ctx ends; a failure goes to the second channel.
func sseFollow(t *testing.T, req *http.Request, decode func([]byte) (feedEvent, error)) (<-chan feedEvent, <-chan string) {
	t.Helper()
	events, errs := make(chan feedEvent, 16), make(chan string, 1)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	t.Cleanup(func() { resp.Body.Close(); <-done })
	go func() {
		defer close(done)
		defer close(errs)
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
			b, _ := io.ReadAll(resp.Body)
			errs <- fmt.Sprintf("%d %s: %s", resp.StatusCode, ct, b)
			return
		}
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			data, ok := strings.CutPrefix(sc.Text(), "data: ")
			if !ok || data == "" {
				continue
			}
			e, err := decode([]byte(data))
			if err != nil {
				errs <- err.Error()
				return
			}
			select {
			case events <- e:
			case <-req.Context().Done():
				return
			}
		}
	}()
	return events, errs
}

// feedEvent is an item of the accountEvents feed as a client decodes it
// from JSON (REST; GraphQL and gRPC are brought to this form).
type feedEvent struct {
	Event         feedData  `json:"event"`
	Version       int64     `json:"version"`
	Position      int64     `json:"position"`
	Time          time.Time `json:"time"`
	CorrelationID string    `json:"correlationId"`
}

// feedData is the event of a feedEvent: Type is its variant's wire name.
type feedData struct {
	Type     string `json:"type"`
	Typename string `json:"__typename"` // GraphQL's, before it becomes Type
	Owner    string `json:"owner"`
	Amount   int64  `json:"amount"`
}

// grpcEvent is a feedEvent in protojson: the oneof sets one member, named
// after the variant.
type grpcEvent struct {
	Event map[string]struct {
		Owner  string `json:"owner"`
		Amount int64  `json:"amount,string"`
	} `json:"event"`
	Version       int64     `json:"version,string"`
	Position      int64     `json:"position,string"`
	Time          time.Time `json:"time"`
	CorrelationID string    `json:"correlationId"`
}

// grpcSubscribe follows the AccountEvents server stream.
func (s *server) grpcSubscribe(t *testing.T, ctx context.Context, id string) (<-chan feedEvent, <-chan string) {
	t.Helper()
	st, err := s.grpc.Open(ctx, "bank.v1.BankService/AccountEvents", fmt.Sprintf(`{"id":%q}`, id))
	if err != nil {
		t.Fatal(err)
	}
	events, errs := make(chan feedEvent, 16), make(chan string, 1)
	done := make(chan struct{})
	t.Cleanup(func() { <-done })
	go func() {
		defer close(done)
		defer close(errs)
		for {
			msg, err := st.Recv()
			if err != nil {
				if ctx.Err() == nil {
					errs <- err.Error()
				}
				return
			}
			var e grpcEvent
			if err := json.Unmarshal([]byte(msg), &e); err != nil {
				errs <- err.Error()
				return
			}
			got := feedEvent{Version: e.Version, Position: e.Position, Time: e.Time, CorrelationID: e.CorrelationID}
			for name, v := range e.Event {
				got.Event = feedData{Type: name, Owner: v.Owner, Amount: v.Amount}
			}
			select {
			case events <- got:
			case <-ctx.Done():
				return
			}
		}
	}()
	return events, errs
}

func TestRestartKeepsBalancesAndList(t *testing.T) {
	url := sqliteURL(t)
	s := start(t, url)
	var accs []Account
	for i, owner := range []string{"ada", "bob", "cy"} {
		acc := s.restOpen(t, owner)
		for j := range 3 + i {
			if r := s.grpcMove(t, "Deposit", acc.ID, int64(10*(j+1))); r.code != app.CodeOK {
				t.Fatal(r.raw)
			}
		}
		if r := s.restMove(t, "withdraw", acc.ID, 5); r.code != app.CodeOK {
			t.Fatal(r.raw)
		} else {
			accs = append(accs, r.account)
		}
	}
	last := accs[len(accs)-1].Position
	list := func(s *server) cqrs.Page[Account] {
		t.Helper()
		code, _, b := s.rest(t, "GET", "/accounts", "", "Consistency-Token", fmt.Sprint(last))
		var out cqrs.Page[Account]
		if err := json.Unmarshal(b, &out); err != nil || code != http.StatusOK {
			t.Fatalf("listAccounts: %d %s", code, b)
		}
		return out
	}
	before := list(s)
	if diff := cmp.Diff(before.Items, accs); diff != "" {
		t.Fatalf("list before restart (-got +want):\n%s", diff)
	}
	s.stop()

	s = start(t, url)
	for _, a := range accs {
		s.wantAccount(t, a)
	}
	// The listing is read from the table at once (no replay needed), and
	// the projection resumes from its checkpoint: no event applied twice.
	code, _, b := s.rest(t, "GET", "/accounts", "")
	var now cqrs.Page[Account]
	if err := json.Unmarshal(b, &now); err != nil || code != http.StatusOK {
		t.Fatalf("listAccounts after restart: %d %s", code, b)
	}
	if diff := cmp.Diff(now, before); diff != "" {
		t.Errorf("list after restart (-got +want):\n%s", diff)
	}
	r := s.restMove(t, "deposit", accs[0].ID, 1)
	if r.code != app.CodeOK || r.account.Balance != accs[0].Balance+1 || r.account.Position != last+1 {
		t.Errorf("deposit after restart: %s", r.raw)
	}
	last = r.account.Position
	if got := list(s).Items[0]; got.Balance != accs[0].Balance+1 {
		t.Errorf("listed after restart and deposit: %+v", got)
	}
}

// TestTwoReplicasOnOneFile runs two service instances on one SQLite file:
// their deposits on one account conflict and are retried, and each
// instance's listing projection sees every event once even though both
// project into the same table.
func TestTwoReplicasOnOneFile(t *testing.T) {
	url := sqliteURL(t)
	replicas := []*server{start(t, url), start(t, url)}
	acc := replicas[0].restOpen(t, "ada")
	const n = 100
	var wg sync.WaitGroup
	positions := make(chan int64, n)
	for i := range n {
		wg.Go(func() {
			r := replicas[i%2].restMove(t, "deposit", acc.ID, 1)
			if r.code != app.CodeOK {
				t.Errorf("deposit %d: %s", i, r.raw)
			}
			positions <- r.account.Position
		})
	}
	wg.Wait()
	close(positions)
	last := int64(0)
	for p := range positions {
		last = max(last, p)
	}
	for i, s := range replicas {
		s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: n, Version: n + 1})
		code, _, b := s.rest(t, "GET", "/accounts", "", "Consistency-Token", fmt.Sprint(last))
		var list cqrs.Page[Account]
		if err := json.Unmarshal(b, &list); err != nil || code != http.StatusOK || len(list.Items) != 1 {
			t.Fatalf("replica %d: listAccounts %d %s", i, code, b)
		}
		if got := list.Items[0]; got.Balance != n || got.Version != n+1 {
			t.Errorf("replica %d lists %+v, want balance %d version %d", i, got, n, n+1)
		}
	}
}

func TestMemoryStore(t *testing.T) {
	s := start(t, "memory:")
	acc := s.restOpen(t, "ada")
	other := s.restOpen(t, "bob")
	s.grpcMove(t, "Deposit", acc.ID, 5)
	r := s.gqlMove(t, "withdraw", acc.ID, 2)
	if r.code != app.CodeOK || r.account.Balance != 3 {
		t.Fatal(r.raw)
	}
	s.wantAccount(t, Account{ID: acc.ID, Owner: "ada", Balance: 3, Version: 3})
	code, _, b := s.rest(t, "GET", "/accounts?limit=1", "", "Consistency-Token", "4")
	var page cqrs.Page[Account]
	if err := json.Unmarshal(b, &page); err != nil || code != http.StatusOK {
		t.Fatalf("listAccounts: %d %s", code, b)
	}
	if len(page.Items) != 1 || page.Items[0].ID != acc.ID || page.Items[0].Balance != 3 || page.Next != acc.ID {
		t.Errorf("first page %s", b)
	}
	code, _, b = s.rest(t, "GET", "/accounts?limit=1&after="+page.Next, "")
	page = cqrs.Page[Account]{}
	if err := json.Unmarshal(b, &page); err != nil || code != http.StatusOK || len(page.Items) != 1 || page.Items[0].ID != other.ID || page.Next != "" {
		t.Errorf("second page %d %s", code, b)
	}
}

func TestListAccountsPages(t *testing.T) {
	s := start(t, sqliteURL(t))
	var ids []string
	for i := range 5 {
		ids = append(ids, s.restOpen(t, fmt.Sprint("owner", i)).ID)
	}
	var got []string
	after := ""
	for range 10 {
		code, _, b := s.rest(t, "GET", "/accounts?limit=2&after="+after, "", "Consistency-Token", "5")
		var page cqrs.Page[Account]
		if err := json.Unmarshal(b, &page); err != nil || code != http.StatusOK || len(page.Items) > 2 {
			t.Fatalf("page after %q: %d %s", after, code, b)
		}
		for _, a := range page.Items {
			got = append(got, a.ID)
		}
		if after = page.Next; after == "" {
			break
		}
	}
	if diff := cmp.Diff(got, ids); diff != "" {
		t.Errorf("paged ids (-got +want):\n%s", diff)
	}
	for _, q := range []string{"limit=1001", "limit=-1", "limit=x"} {
		code, _, b := s.rest(t, "GET", "/accounts?"+q, "")
		if r := restReply(t, code, b); r.code != app.CodeInvalidArgument {
			t.Errorf("listAccounts?%s: %s", q, r.raw)
		}
	}
}

func TestBadEventStoreFailsStartup(t *testing.T) {
	t.Setenv(cqrsfx.EnvEventStore, "nosuch:thing")
	err := fx.New(options(fx.NopLogger)).Err()
	want := "ALLFRAME_EVENTSTORE: open event store nosuch:thing: unknown scheme nosuch (want memory: or sqlite:PATH[?durability=full|normal] or postgres://USER:PASSWORD@HOST:PORT/DB[?sslmode=…&schema=NAME] or postgresql://…)"
	if err == nil || di.RootCause(err).Error() != want {
		t.Errorf("fx.New with a bad ALLFRAME_EVENTSTORE: %v\nwant the cause %s", err, want)
	}
}

func TestPortInUseClosesTheStore(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	url := sqliteURL(t)
	t.Setenv("ALLFRAME_HTTP_ADDR", l.Addr().String())
	t.Setenv("ALLFRAME_GRPC_ADDR", "127.0.0.1:0")
	t.Setenv(cqrsfx.EnvEventStore, url)
	fxa := fx.New(options(
		di.Options(app.DrainDelay(0),
			app.Logger(slog.New(slog.NewTextHandler(io.Discard, nil)))),
		fx.NopLogger,
	))
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	if err := fxa.Start(ctx); err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("start on a busy port: %v", err)
	}
	// goleak (TestMain) fails the run if the store's writer was left open;
	// the file is usable at once.
	s := start(t, url)
	s.restOpen(t, "ada")
}

func TestStoreClosesAfterTheAppDrains(t *testing.T) {
	var a *app.App
	var es *cqrsfx.EventStore
	s := start(t, sqliteURL(t), fx.Populate(&a, &es))
	s.restOpen(t, "ada")
	headErr := errors.New("the App's OnStop functions did not run")
	a.OnStop(func(ctx context.Context) error { // after every transport has drained
		_, headErr = es.Store.Head(ctx)
		return nil
	})
	s.stop()
	if headErr != nil {
		t.Errorf("store during the App's stop: %v, want it still open", headErr)
	}
	if _, err := es.Store.Head(context.Background()); !errors.Is(err, cqrs.ErrClosed) {
		t.Errorf("store after the fx app stopped: %v, want %v", err, cqrs.ErrClosed)
	}
}

func TestSchemasGolden(t *testing.T) {
	s := start(t, "memory:")
	for _, tt := range []struct{ path, file string }{
		{"/openapi.json", "openapi.json"},
		{"/schema.graphql", "schema.graphql"},
		{"/service.proto", "service.proto"},
	} {
		code, _, body := s.rest(t, "GET", tt.path, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", tt.path, code)
		}
		golden(t, tt.file, body)
	}
}
