package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
	"github.com/allframe-go/allframe/cqrs/saga"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/console"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The test service: accounts as an aggregate, a deposit command served
// over REST (idempotent with Idempotency-Key), a projection counting
// events and a transfer saga whose second step fails.

type Account struct {
	Balance int64 `json:"balance"`
}

type Deposited struct {
	Amount int64 `json:"amount"`
}

type DepositIn struct {
	ID     string `json:"id" path:"id" validate:"required"`
	Amount int64  `json:"amount" validate:"min=1"`
}

type DepositOut struct {
	Balance int64 `json:"balance"`
}

type TransferState struct {
	From, To string
}

type service struct {
	app  *app.App
	bus  *cqrs.Bus
	con  *console.Console
	base string // http://127.0.0.1:port
	xfer *saga.Saga[TransferState]
	tp   *sdktrace.TracerProvider
}

// start runs the service on 127.0.0.1 with the console; appOpts configure
// the App (auth), conOpts the console.
func start(t *testing.T, appOpts []app.Option, conOpts ...console.Option) *service {
	t.Helper()
	con := console.New(conOpts...)
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(con.SpanProcessor()))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	// Tracing outermost, so that appOpts' middleware runs inside the span.
	a := app.New(append([]app.Option{app.Name("test"), app.Logger(slog.New(slog.DiscardHandler)), app.DrainDelay(0),
		app.Use(telemetry.Middleware(tp, nil))}, appOpts...)...)
	reg := cqrs.NewRegistry()
	cqrs.RegisterEvent[Deposited](reg, "test.Deposited", 1)
	bus := cqrs.NewBus(a, memory.New(), reg, cqrs.WithTracerProvider(tp))
	accounts := cqrs.NewAggregate(bus, "account", func(s *Account, ev any) {
		if d, ok := ev.(Deposited); ok {
			s.Balance += d.Amount
		}
	})
	cqrs.Handle(accounts, "deposit", func(in DepositIn) string { return in.ID },
		func(_ context.Context, _ cqrs.State[Account], in DepositIn) ([]any, error) {
			return []any{Deposited{Amount: in.Amount}}, nil
		}, func(st cqrs.State[Account]) DepositOut { return DepositOut(st.Value) },
		app.HTTP("POST", "/accounts/{id}/deposit"))
	bus.Projections().Add(cqrs.NewProjection("counter", func(context.Context, cqrs.Event) error { return nil }))
	xfer := saga.New[TransferState](bus, "transfer", saga.WithRetries(0))
	xfer.Step("debit", func(context.Context, *TransferState) error { return nil }, func(context.Context, *TransferState) error { return nil })
	xfer.Step("credit", func(context.Context, *TransferState) error {
		return app.NewError(app.CodeNotFound, "no account b")
	}, nil)

	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.Mount(httpserver.New(httpserver.WithListener(lis)), rest.New(rest.WithDocs(false)), con)
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = a.Stop(ctx)
	})
	return &service{app: a, bus: bus, con: con, base: "http://" + lis.Addr().String(), xfer: xfer, tp: tp}
}

func do(t *testing.T, method, url, body string, header ...string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header, b
}

// getJSON GETs a console API path and decodes the 200 answer into v.
func (s *service) getJSON(t *testing.T, path string, v any, header ...string) {
	t.Helper()
	code, h, b := do(t, http.MethodGet, s.base+"/_console/api/"+path, "", header...)
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, b)
	}
	if ct := h.Get("Content-Type"); ct != "application/json" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v\n%s", path, err, b)
	}
}

func (s *service) deposit(t *testing.T, id string, amount int, header ...string) {
	t.Helper()
	code, _, b := do(t, http.MethodPost, s.base+"/accounts/"+id+"/deposit", `{"amount":`+itoa(amount)+`}`, header...)
	if code != http.StatusOK {
		t.Fatalf("deposit: %d %s", code, b)
	}
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

// eventually polls f until it returns nil or 5s pass.
func eventually(t *testing.T, f func() error) {
	t.Helper()
	testenv.EventuallyNoError(t, 5*time.Second, f)
}

func TestInfoAndOperations(t *testing.T) {
	s := start(t, nil)
	var info struct {
		Service   string                     `json:"service"`
		Console   string                     `json:"console"`
		Auth      bool                       `json:"auth"`
		CQRS      bool                       `json:"cqrs"`
		Protocols map[string]json.RawMessage `json:"protocols"`
	}
	s.getJSON(t, "info", &info)
	if info.Service != "test" || info.Console != "/_console/" || info.Auth || !info.CQRS {
		t.Errorf("info = %+v", info)
	}
	if got := string(info.Protocols["rest"]); got != `{"base":""}` {
		t.Errorf("rest = %s", got)
	}
	if got := string(info.Protocols["graphql"]); got != "null" {
		t.Errorf("graphql = %s, want null (not served)", got)
	}

	var ops struct {
		Operations []struct {
			Name      string           `json:"name"`
			Kind      string           `json:"kind"`
			Input     map[string]any   `json:"input"`
			Endpoints []map[string]any `json:"endpoints"`
		} `json:"operations"`
	}
	s.getJSON(t, "operations", &ops)
	var found bool
	for _, op := range ops.Operations {
		if op.Name != "deposit" {
			continue
		}
		found = true
		if op.Kind != "command" || op.Input["type"] != "object" {
			t.Errorf("deposit: kind %q, input %v", op.Kind, op.Input)
		}
		want := []map[string]any{{"protocol": "rest", "method": "POST", "path": "/accounts/{id}/deposit",
			"pathParams": []any{"id"}, "queryParams": []any{}, "headerParams": []any{"Idempotency-Key"}, "body": true, "stream": ""}}
		if diff := cmp.Diff(op.Endpoints, want); diff != "" {
			t.Errorf("deposit endpoints (-got +want):\n%s", diff)
		}
	}
	if !found {
		t.Error("no deposit operation")
	}
}

func TestTracesAndMetrics(t *testing.T) {
	s := start(t, nil)
	s.deposit(t, "a1", 5, "Authorization", "Bearer sekret", "X-Api-Key", "k")
	code, _, _ := do(t, http.MethodPost, s.base+"/accounts/a1/deposit", `{"amount":0}`) // invalid
	if code != http.StatusBadRequest {
		t.Fatalf("invalid deposit: %d", code)
	}

	type summary struct {
		TraceID, Name, Protocol, Operation, Status, Code string
		Spans                                            int
	}
	var list struct{ Traces []summary }
	s.getJSON(t, "traces?operation=deposit", &list)
	if len(list.Traces) != 2 {
		t.Fatalf("%d deposit traces, want 2: %+v", len(list.Traces), list.Traces)
	}
	bad, good := list.Traces[0], list.Traces[1] // newest first
	if bad.Status != "error" || bad.Code != "invalid_argument" || good.Status != "ok" || good.Protocol != "rest" ||
		good.Name != "POST /accounts/{id}/deposit" || good.Spans < 3 {
		t.Errorf("traces = %+v", list.Traces)
	}
	s.getJSON(t, "traces?status=error", &list)
	if len(list.Traces) != 1 || list.Traces[0].TraceID != bad.TraceID {
		t.Errorf("status=error: %+v", list.Traces)
	}
	s.getJSON(t, "traces?q=CQRS.APPEND", &list)
	if len(list.Traces) != 1 || list.Traces[0].TraceID != good.TraceID {
		t.Errorf("q=cqrs.append: %+v", list.Traces)
	}
	s.getJSON(t, "traces?protocol=grpc", &list)
	if len(list.Traces) != 0 {
		t.Errorf("protocol=grpc: %+v", list.Traces)
	}

	var detail struct {
		TraceID string
		Spans   []struct {
			SpanID, ParentID, Name, Kind, Status string
			OffsetMs                             float64
			Attributes                           map[string]any
		}
	}
	s.getJSON(t, "traces/"+good.TraceID, &detail)
	names := map[string]bool{}
	for i, sp := range detail.Spans {
		names[strings.Fields(sp.Name)[0]] = true
		if i == 0 && (sp.ParentID != "" || sp.Kind != "server" || sp.OffsetMs != 0) {
			t.Errorf("root span %+v", sp)
		}
	}
	for _, want := range []string{"POST", "cqrs.load", "cqrs.decide", "cqrs.append"} {
		if !names[want] {
			t.Errorf("trace lacks a %s span: %v", want, names)
		}
	}

	// An in-process call is a series of its own.
	if _, err := app.Invoke[DepositIn, DepositOut](context.Background(), s.app, "deposit", DepositIn{ID: "a1", Amount: 1}); err != nil {
		t.Fatal(err)
	}
	var m struct {
		WindowSeconds int
		Series        []struct {
			Operation, Protocol string
			Count, Errors       int64
			RPS                 []float64
			P50Ms, P99Ms        float64
		}
	}
	s.getJSON(t, "metrics", &m)
	if m.WindowSeconds != 60 || len(m.Series) != 2 || m.Series[0].Protocol != "inprocess" || m.Series[0].Count != 1 {
		t.Fatalf("metrics = %+v", m)
	}
	se := m.Series[1]
	var sum float64
	for _, n := range se.RPS {
		sum += n
	}
	if se.Operation != "deposit" || se.Protocol != "rest" || se.Count != 2 || se.Errors != 1 || len(se.RPS) != 60 || sum != 2 || se.P99Ms < se.P50Ms || se.P50Ms <= 0 {
		t.Errorf("series = %+v", se)
	}

	for _, tt := range []struct{ give, want string }{
		{"traces/nothex", "invalid_argument"},
		{"traces/0123456789abcdef0123456789abcdef", "not_found"},
		{"traces?limit=0", "invalid_argument"},
		{"traces?status=maybe", "invalid_argument"},
		{"nothing", "not_found"},
	} {
		code, h, b := do(t, http.MethodGet, s.base+"/_console/api/"+tt.give, "")
		var p struct{ Code string }
		_ = json.Unmarshal(b, &p)
		if p.Code != tt.want || h.Get("Content-Type") != httpserver.ProblemContentType || code < 400 {
			t.Errorf("GET %s: %d %s %s, want %s", tt.give, code, h.Get("Content-Type"), b, tt.want)
		}
	}
}

func TestEventStore(t *testing.T) {
	s := start(t, nil)
	s.deposit(t, "a1", 5, "Idempotency-Key", "key-1")
	s.deposit(t, "a1", 7)
	// A stream id with '/' and ':' (no REST route takes one: append directly).
	if _, err := s.bus.Store().Append(context.Background(), cqrs.AppendRequest{Stream: "account-b/2:x", StreamType: "account",
		Events: []cqrs.EventData{{Type: "test.Deposited", SchemaVersion: 1, Data: []byte(`{"amount":1}`)}}}); err != nil {
		t.Fatal(err)
	}
	// Started in a traced call: the steps' spans join its trace.
	ctx, span := s.tp.Tracer("test").Start(context.Background(), "start transfer")
	if err := s.xfer.Start(ctx, "t1", TransferState{From: "a1", To: "b"}); err != nil {
		t.Fatal(err)
	}
	span.End()

	var streams struct {
		Streams []cqrs.StreamInfo
		Next    string
	}
	s.getJSON(t, "streams?prefix=account-&limit=1", &streams)
	if len(streams.Streams) != 1 || streams.Streams[0].Stream != "account-a1" || streams.Streams[0].Version != 2 || streams.Next != "account-a1" {
		t.Errorf("page 1 = %+v", streams)
	}
	s.getJSON(t, "streams?prefix=account-&after="+streams.Next, &streams)
	if len(streams.Streams) != 1 || streams.Streams[0].Stream != "account-b/2:x" || streams.Next != "" {
		t.Errorf("page 2 = %+v", streams)
	}

	type event struct {
		Position, Version int64
		Stream, Type      string
		Data              map[string]any
		Metadata          map[string]any
	}
	var st struct {
		Stream, Aggregate string
		Version, Head     int64
		State             Account
		Events            []event
	}
	s.getJSON(t, "streams/account-a1?version=1", &st)
	if st.Aggregate != "account" || st.Version != 1 || st.Head != 2 || st.State.Balance != 5 || len(st.Events) != 1 {
		t.Errorf("account-a1 at 1 = %+v", st)
	}
	s.getJSON(t, "streams/account-a1", &st)
	if st.Version != 2 || st.State.Balance != 12 || len(st.Events) != 2 || st.Events[1].Data["amount"] != 7.0 {
		t.Errorf("account-a1 = %+v", st)
	}
	if tid, _ := st.Events[0].Metadata["traceId"].(string); len(tid) != 32 {
		t.Errorf("event metadata %v: no trace id", st.Events[0].Metadata)
	}
	for _, p := range []string{"account-b%2F2:x", "account-b/2:x", url.PathEscape("account-b/2:x")} {
		s.getJSON(t, "streams/"+p, &st)
		if st.Stream != "account-b/2:x" || st.State.Balance != 1 {
			t.Errorf("streams/%s = %+v", p, st)
		}
	}
	if code, _, _ := do(t, http.MethodGet, s.base+"/_console/api/streams/account-none", ""); code != http.StatusNotFound {
		t.Errorf("unknown stream: %d", code)
	}

	var evs struct {
		Events     []event
		Next, Head int64
	}
	s.getJSON(t, "events?type=test.Deposited&limit=2", &evs)
	if len(evs.Events) != 2 || evs.Events[0].Stream != "account-a1" || evs.Next != evs.Events[1].Position || evs.Head < 3 {
		t.Errorf("events page = %+v", evs)
	}
	s.getJSON(t, "events?q=B/2", &evs)
	if len(evs.Events) != 1 || evs.Events[0].Stream != "account-b/2:x" {
		t.Errorf("events q = %+v", evs)
	}

	var idem struct {
		Records []struct{ Scope, Key, Code string }
	}
	s.getJSON(t, "idempotency", &idem)
	if len(idem.Records) != 1 || idem.Records[0].Scope != "deposit" || idem.Records[0].Key != "key-1" {
		t.Errorf("idempotency = %+v", idem)
	}

	type projection struct {
		Name, Kind, Status string
		Position, Head     int64
		Lag                int64
	}
	var ps struct{ Projections []projection }
	eventually(t, func() error {
		s.getJSON(t, "projections", &ps)
		for _, p := range ps.Projections {
			if p.Lag != 0 {
				return errors.New("projections lag")
			}
		}
		return nil
	})
	kinds := map[string]string{}
	for _, p := range ps.Projections {
		kinds[p.Name] = p.Kind
	}
	if diff := cmp.Diff(kinds, map[string]string{"counter": "projection", "saga-transfer": "saga"}); diff != "" {
		t.Errorf("projection kinds (-got +want):\n%s", diff)
	}
	code, _, b := do(t, http.MethodPost, s.base+"/_console/api/projections/counter/rebuild", "")
	var rebuilt projection
	if err := json.Unmarshal(b, &rebuilt); code != http.StatusOK || err != nil || rebuilt.Name != "counter" {
		t.Errorf("rebuild: %d %s", code, b)
	}
	if code, _, _ := do(t, http.MethodPost, s.base+"/_console/api/projections/nope/rebuild", ""); code != http.StatusNotFound {
		t.Errorf("rebuild of an unknown projection: %d", code)
	}

	if _, err := s.xfer.Wait(context.Background(), "t1"); err != nil {
		t.Fatal(err)
	}
	var sagas struct {
		Sagas []struct {
			Name      string
			Instances []cqrs.SagaInstance
		}
	}
	s.getJSON(t, "sagas", &sagas)
	if len(sagas.Sagas) != 1 || len(sagas.Sagas[0].Instances) != 1 {
		t.Fatalf("sagas = %+v", sagas)
	}
	in := sagas.Sagas[0].Instances[0]
	var steps []string
	for _, st := range in.Steps {
		steps = append(steps, st.Name+":"+st.Status)
	}
	if diff := cmp.Diff(steps, []string{"debit:compensated", "credit:failed"}); in.ID != "t1" || in.Status != "compensated" || diff != "" {
		t.Errorf("saga instance %+v (-got +want):\n%s", in, diff)
	}

	var list struct {
		Traces []struct {
			TraceID, Name string
			Spans         int
		}
	}
	s.getJSON(t, "traces?q=start+transfer", &list)
	if len(list.Traces) != 1 || list.Traces[0].Name != "start transfer" {
		t.Fatalf("saga traces = %+v", list.Traces)
	}
	var detail struct {
		Spans []struct{ Name, Status string }
	}
	s.getJSON(t, "traces/"+list.Traces[0].TraceID, &detail)
	var names []string
	for _, sp := range detail.Spans {
		if strings.HasPrefix(sp.Name, "saga ") {
			names = append(names, sp.Name+":"+sp.Status)
		}
	}
	if diff := cmp.Diff(names, []string{"saga transfer debit:unset", "saga transfer credit:error", "saga transfer debit compensate:unset"}); diff != "" {
		t.Errorf("saga step spans (-got +want):\n%s", diff)
	}
}

func TestAuth(t *testing.T) {
	tests := []struct {
		name   string
		opts   []app.Option
		header []string
		want   int
	}{
		{"no admin token: open", nil, nil, http.StatusOK},
		{"token, none sent", []app.Option{app.AdminToken("s3cret")}, nil, http.StatusUnauthorized},
		{"token, wrong one", []app.Option{app.AdminToken("s3cret")}, []string{"Authorization", "Bearer nope"}, http.StatusForbidden},
		{"token, right one", []app.Option{app.AdminToken("s3cret")}, []string{"Authorization", "Bearer s3cret"}, http.StatusOK},
		{"custom authorizer", []app.Option{app.AdminAuth(func(_ context.Context, c *app.Call) error {
			if c.Metadata.Get("X-Operator") == "yes" {
				return nil
			}
			return app.NewError(app.CodePermissionDenied, "no")
		})}, []string{"Authorization", "x", "X-Operator", "yes"}, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(app.AdminTokenEnv, "")
			s := start(t, tt.opts)
			for _, p := range []string{"info", "traces", "streams"} {
				code, _, b := do(t, http.MethodGet, s.base+"/_console/api/"+p, "", tt.header...)
				if code != tt.want {
					t.Errorf("GET %s: %d, want %d: %s", p, code, tt.want, b)
				}
			}
			// The UI is public.
			if code, _, _ := do(t, http.MethodGet, s.base+"/_console/", ""); code != http.StatusOK {
				t.Errorf("UI: %d", code)
			}
		})
	}
}

func TestAuthMiddlewareWithoutAdminTokenRefuses(t *testing.T) {
	t.Setenv(app.AdminTokenEnv, "")
	a := app.New(app.Logger(slog.New(slog.DiscardHandler)))
	a.DeclareSecurity(nil, app.SecurityScheme{Name: "key", Type: "apiKey", In: "header", Param: "X-Key"})
	app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	h := console.New().Handler(a)
	for _, tt := range []struct {
		header []string
		want   int
	}{{nil, http.StatusUnauthorized}, {[]string{"X-Key", "k"}, http.StatusForbidden}} {
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "/_console/api/info", nil)
		for i := 0; i+1 < len(tt.header); i += 2 {
			req.Header.Set(tt.header[i], tt.header[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.want {
			t.Errorf("%v: %d, want %d", tt.header, rec.Code, tt.want)
		}
	}
}

func TestOffByDefault(t *testing.T) {
	t.Setenv(console.EnvEnabled, "")
	if c := console.FromEnv(); c.Enabled() || c.SpanProcessor() != nil {
		t.Fatal("console on without ALLFRAME_CONSOLE")
	}
	for _, tt := range []struct {
		give string
		want bool
	}{{"on", true}, {"ON", true}, {"1", true}, {"true", true}, {"off", false}, {"", false}, {"no", false}} {
		if got := console.EnabledInEnv(func(string) string { return tt.give }); got != tt.want {
			t.Errorf("EnabledInEnv(%q) = %v", tt.give, got)
		}
	}

	a := app.New(app.Logger(slog.New(slog.DiscardHandler)), app.DrainDelay(0))
	app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(host, rest.New(), console.FromEnv())
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	for _, r := range host.Routes() {
		if strings.Contains(r, "_console") {
			t.Errorf("route %s mounted with the console off", r)
		}
	}
	t.Setenv(console.EnvEnabled, "on")
	if c := console.FromEnv(); !c.Enabled() || c.SpanProcessor() == nil {
		t.Fatal("console off with ALLFRAME_CONSOLE=on")
	}
}

func TestPrepareMountsOnce(t *testing.T) {
	a := app.New(app.Logger(slog.New(slog.DiscardHandler)))
	host := httpserver.New()
	c := console.New()
	a.Mount(host, c)
	for range 2 {
		if err := c.Prepare(a); err != nil {
			t.Fatal(err)
		}
	}
	if diff := cmp.Diff(host.Routes(), []string{"* /_console/*", "GET /_console"}); diff != "" {
		t.Errorf("routes (-got +want):\n%s", diff)
	}
}

func TestUI(t *testing.T) {
	s := start(t, nil)
	tests := []struct {
		give, wantType, wantCache string
		want                      int
	}{
		{"/_console/", "text/html; charset=utf-8", "no-cache", http.StatusOK},
		{"/_console/index.html", "text/html; charset=utf-8", "no-cache", http.StatusOK},
		{"/_console/traces/abc", "text/html; charset=utf-8", "no-cache", http.StatusOK}, // an SPA route
		{"/_console/assets/missing-1a2b3c4d.js", httpserver.ProblemContentType, "no-store", http.StatusNotFound},
	}
	for _, tt := range tests {
		code, h, _ := do(t, http.MethodGet, s.base+tt.give, "")
		if code != tt.want || h.Get("Content-Type") != tt.wantType || h.Get("Cache-Control") != tt.wantCache {
			t.Errorf("GET %s: %d %q %q", tt.give, code, h.Get("Content-Type"), h.Get("Cache-Control"))
		}
	}
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, s.base+"/_console", nil)
	res, err := (&http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = res.Body.Close()
	if res.StatusCode != http.StatusMovedPermanently || res.Header.Get("Location") != "/_console/" {
		t.Errorf("/_console: %d %s", res.StatusCode, res.Header.Get("Location"))
	}
}

func TestRedaction(t *testing.T) {
	t.Setenv(app.AdminTokenEnv, "")
	s := start(t, []app.Option{app.AdminToken("adm"), app.Use(func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			// What a header-recording instrumentation would add.
			sp := trace.SpanFromContext(ctx)
			sp.SetAttributes(
				attribute.String("http.request.header.authorization", "Bearer abc"),
				attribute.String("http.request.header.cookie", "sid=1"),
				attribute.String("http.request.header.x-api-key", "k1"),
				attribute.String("rpc.grpc.request.metadata.x_api_key", "k2"),
				attribute.String("rpc.grpc.request.metadata.proxy-authorization", "p"),
				attribute.String("http.request.header.x-key", "declared"),
				attribute.String("custom.token", "Basic eHl6"),
				attribute.String("http.request.header.accept", "text/plain"),
			)
			sp.AddEvent("headers", trace.WithAttributes(attribute.String("http.response.header.set-cookie", "sid=2")))
			return next(ctx, call)
		}
	})})
	s.app.DeclareSecurity(nil, app.SecurityScheme{Name: "key", Type: "apiKey", In: "header", Param: "X-Key"})
	s.deposit(t, "a1", 1)
	auth := []string{"Authorization", "Bearer adm"}
	var list struct{ Traces []struct{ TraceID string } }
	s.getJSON(t, "traces?q=declared", &list, auth...)
	if len(list.Traces) != 0 {
		t.Errorf("a search finds a secret: %+v", list.Traces)
	}
	s.getJSON(t, "traces?operation=deposit", &list, auth...)
	if len(list.Traces) != 1 {
		t.Fatalf("traces = %+v", list.Traces)
	}
	var detail struct {
		Spans []struct {
			Attributes map[string]any
			Events     []struct{ Attributes map[string]any }
		}
	}
	s.getJSON(t, "traces/"+list.Traces[0].TraceID, &detail, auth...)
	got := map[string]any{}
	for _, sp := range detail.Spans {
		for k, v := range sp.Attributes {
			if strings.Contains(k, "header") || strings.Contains(k, "metadata") || k == "custom.token" {
				got[k] = v
			}
		}
		for _, ev := range sp.Events {
			for k, v := range ev.Attributes {
				got[k] = v
			}
		}
	}
	const r = console.Redacted
	want := map[string]any{
		"http.request.header.authorization": r, "http.request.header.cookie": r, "http.request.header.x-api-key": r,
		"rpc.grpc.request.metadata.x_api_key": r, "rpc.grpc.request.metadata.proxy-authorization": r,
		"http.request.header.x-key": r, "custom.token": r, "http.response.header.set-cookie": r,
		"http.request.header.accept": "text/plain",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("attributes (-got +want):\n%s", diff)
	}
}

// plainStore hides the memory store's listers.
type plainStore struct{ cqrs.Store }

func TestStoreWithoutListers(t *testing.T) {
	a := app.New(app.Logger(slog.New(slog.DiscardHandler)))
	store := plainStore{memory.New()}
	bus := cqrs.NewBus(a, store, cqrs.NewRegistry())
	for _, stream := range []string{"b-1", "a-2", "a-1", "b-1"} {
		if _, err := store.Append(context.Background(), cqrs.AppendRequest{Stream: stream, StreamType: "x", ExpectedVersion: cqrs.AnyVersion,
			Events: []cqrs.EventData{{Type: "x.Happened", SchemaVersion: 1, Data: []byte(`{}`)}}}); err != nil {
			t.Fatal(err)
		}
	}
	h := console.New(console.WithBus(bus)).Handler(a)
	get := func(path string, v any) {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/_console/api/"+path, nil))
		if w.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, w.Code, w.Body)
		}
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatal(err)
		}
	}
	var streams struct {
		Streams []cqrs.StreamInfo
		Next    string
	}
	get("streams?limit=2", &streams)
	var got []string
	for _, si := range streams.Streams {
		got = append(got, fmt.Sprint(si.Stream, "@", si.Version))
	}
	if diff := cmp.Diff(got, []string{"a-1@1", "a-2@1"}); diff != "" || streams.Next != "a-2" {
		t.Errorf("streams (-got +want):\n%s next %q", diff, streams.Next)
	}
	get("streams?after=a-2", &streams)
	if len(streams.Streams) != 1 || streams.Streams[0].Stream != "b-1" || streams.Streams[0].Version != 2 {
		t.Errorf("page 2 = %+v", streams)
	}
	// Application metadata named after a secret header is redacted.
	if _, err := store.Append(context.Background(), cqrs.AppendRequest{Stream: "z-1", StreamType: "x", ExpectedVersion: cqrs.AnyVersion,
		Events: []cqrs.EventData{{Type: "x.Happened", SchemaVersion: 1, Data: []byte(`{}`),
			Metadata: cqrs.Metadata{User: map[string]string{"tenant": "acme", "Authorization": "Bearer t", "x-api-key": "k"}}}}}); err != nil {
		t.Fatal(err)
	}
	var evs struct {
		Events []struct {
			Metadata struct{ User map[string]string }
		}
	}
	get("events?q=z-1", &evs)
	if len(evs.Events) != 1 {
		t.Fatalf("events = %+v", evs)
	}
	if diff := cmp.Diff(evs.Events[0].Metadata.User, map[string]string{"tenant": "acme", "Authorization": console.Redacted, "x-api-key": console.Redacted}); diff != "" {
		t.Errorf("user metadata (-got +want):\n%s", diff)
	}

	var idem struct {
		Records   []any
		Supported bool
	}
	get("idempotency", &idem)
	if idem.Supported || idem.Records == nil || len(idem.Records) != 0 {
		t.Errorf("idempotency = %+v", idem)
	}
}
