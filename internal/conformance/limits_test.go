package conformance

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/grpc/test/bufconn"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// Blob is a message of any size.
type Blob struct {
	Data string `json:"data"`
}

// limitsApp has a query (hello), a query that blocks until its ctx ends
// (slow), a command that returns its input (echo), a stream that sends one item and then blocks until its ctx ends
// or release closes (hold), and a stream that panics after one item
// (boom).
func limitsApp(release <-chan struct{}, opts ...app.Option) *app.App {
	a := app.New(append([]app.Option{app.Name("conf")}, opts...)...)
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	app.Query(a, "slow", func(ctx context.Context, _ Empty) (HelloOut, error) {
		<-ctx.Done()
		return HelloOut{}, ctx.Err()
	})
	app.Stream(a, "hold", func(ctx context.Context, _ Empty, send func(Tick) error) error {
		if err := send(Tick{I: 1}); err != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-release:
			return nil
		}
	})
	app.Command(a, "echo", func(_ context.Context, in Blob) (Blob, error) { return in, nil })
	app.Stream(a, "boom", func(_ context.Context, _ Empty, send func(Tick) error) error {
		if err := send(Tick{I: 1}); err != nil {
			return err
		}
		panic("secret stream state")
	})
	return a
}

// limitServers serves an App through the HTTP host (REST and GraphQL) and
// gRPC over bufconn.
type limitServers struct {
	http http.Handler
	grpc *grpcjson.Client
}

func serveLimits(t *testing.T, a *app.App, gopts ...grpc.Option) *limitServers {
	t.Helper()
	lis := bufconn.Listen(1 << 20)
	gt := grpc.New(append([]grpc.Option{grpc.WithListener(lis)}, gopts...)...)
	host := httpserver.New()
	a.Mount(host, rest.New(), graphql.New(), gt)
	h, err := host.Handler(a)
	if err != nil {
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
	c, err := grpcjson.New(context.Background(), conn, "conf.v1.ConfService")
	if err != nil {
		t.Fatal(err)
	}
	return &limitServers{http: h, grpc: c}
}

// answer is what a protocol said about a refused or failed call; the zero
// answer is success.
type answer struct {
	Status       int    `json:",omitempty"` // REST
	RetryAfter   string `json:",omitempty"` // REST's Retry-After header
	Code         string `json:",omitempty"` // problem code, gRPC status name, GraphQL extensions.code
	Reason       string `json:",omitempty"` // problem reason, gRPC ErrorInfo reason
	RetryAfterMS int64  `json:",omitempty"`
	Message      string `json:",omitempty"`
}

// rest calls path with GET from peer. A stream that fails after it
// started reports its `event: error`.
func (s *limitServers) rest(t *testing.T, path, peer string) answer {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.RemoteAddr = peer
	rec := httptest.NewRecorder()
	s.http.ServeHTTP(rec, req)
	body := rec.Body.Bytes()
	if rec.Code == http.StatusOK {
		i := bytes.Index(body, []byte("event: error\ndata: "))
		if i < 0 {
			return answer{}
		}
		body, _, _ = bytes.Cut(body[i+len("event: error\ndata: "):], []byte("\n"))
	} else if ct := rec.Header().Get("Content-Type"); ct != httpserver.ProblemContentType {
		t.Fatalf("GET %s: %d %s %s; want problem+json", path, rec.Code, ct, body)
	}
	var p httpserver.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("GET %s: %d %s", path, rec.Code, body)
	}
	return answer{Status: p.Status, RetryAfter: rec.Header().Get("Retry-After"), Code: p.Code, Reason: p.Reason, RetryAfterMS: p.RetryAfterMS, Message: p.Detail}
}

// graphql posts query from peer; a subscription is read as SSE.
func (s *limitServers) graphql(t *testing.T, query, peer string) answer {
	t.Helper()
	b, _ := json.Marshal(map[string]string{"query": query})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(b))
	req.RemoteAddr = peer
	req.Header.Set("Content-Type", "application/json")
	if strings.HasPrefix(query, "subscription") {
		req.Header.Set("Accept", "text/event-stream")
	}
	rec := httptest.NewRecorder()
	s.http.ServeHTTP(rec, req)
	payloads := []string{rec.Body.String()}
	if strings.HasPrefix(query, "subscription") {
		payloads = nil
		sc := bufio.NewScanner(rec.Body)
		for sc.Scan() {
			if data, ok := strings.CutPrefix(sc.Text(), "data: "); ok && strings.TrimSpace(data) != "" {
				payloads = append(payloads, data)
			}
		}
	}
	for _, p := range payloads {
		var resp struct {
			Errors []struct {
				Message    string `json:"message"`
				Extensions struct {
					Code         string `json:"code"`
					RetryAfterMS int64  `json:"retryAfterMs"`
				} `json:"extensions"`
			} `json:"errors"`
		}
		if err := json.Unmarshal([]byte(p), &resp); err != nil {
			t.Fatalf("GraphQL %s: %d %s", query, rec.Code, p)
		}
		if len(resp.Errors) > 0 {
			e := resp.Errors[0]
			return answer{Code: e.Extensions.Code, RetryAfterMS: e.Extensions.RetryAfterMS, Message: e.Message}
		}
	}
	return answer{}
}

func grpcAnswer(err error) answer {
	if err == nil || errors.Is(err, io.EOF) {
		return answer{}
	}
	st := status.Convert(err)
	a := answer{Code: app.Code(st.Code()).Upper(), Message: st.Message()}
	for _, d := range st.Details() {
		switch d := d.(type) {
		case *errdetails.ErrorInfo:
			a.Reason = d.GetReason()
		case *errdetails.RetryInfo:
			a.RetryAfterMS = d.GetRetryDelay().AsDuration().Milliseconds()
		}
	}
	return a
}

func (s *limitServers) grpcCall(method, input string) answer {
	_, err := s.grpc.Call(context.Background(), "conf.v1.ConfService/"+method, input)
	return grpcAnswer(err)
}

// grpcStream reads a stream to its end and returns how it ended.
func (s *limitServers) grpcStream(method, input string) answer {
	_, err := s.grpc.Stream(context.Background(), "conf.v1.ConfService/"+method, input)
	return grpcAnswer(err)
}

// fixedClock is a clock that moves only when told.
type fixedClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixedClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixedClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestRateLimitOnEveryProtocol: one call a minute per client IP; the
// second gets 429 with Retry-After / RESOURCE_EXHAUSTED with RetryInfo /
// extensions.code RATE_LIMITED with retryAfterMs, and a minute later the
// client may call again.
func TestRateLimitOnEveryProtocol(t *testing.T) {
	clock := &fixedClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	a := limitsApp(nil, app.Use(middleware.RateLimit(middleware.PerMinute(1), middleware.RateClock(clock.now))))
	s := serveLimits(t, a)
	const restPeer, gqlPeer = "192.0.2.1:1234", "198.51.100.2:5678" // gRPC's peer is bufconn's address
	calls := map[string]func() answer{
		"rest":    func() answer { return s.rest(t, "/hello/Ada", restPeer) },
		"graphql": func() answer { return s.graphql(t, `query { hello(name: "Ada") { message } }`, gqlPeer) },
		"grpc":    func() answer { return s.grpcCall("Hello", `{"name":"Ada"}`) },
	}
	limited := map[string]answer{
		"rest":    {Status: 429, RetryAfter: "60", Code: "resource_exhausted", Reason: "RATE_LIMITED", RetryAfterMS: 60000, Message: "rate limit exceeded"},
		"graphql": {Code: "RATE_LIMITED", RetryAfterMS: 60000, Message: "rate limit exceeded"},
		"grpc":    {Code: "RESOURCE_EXHAUSTED", Reason: "RATE_LIMITED", RetryAfterMS: 60000, Message: "rate limit exceeded"},
	}
	got := map[string][]answer{}
	for _, p := range []string{"rest", "graphql", "grpc"} {
		got[p] = append(got[p], calls[p](), calls[p]())
	}
	clock.advance(time.Minute)
	for _, p := range []string{"rest", "graphql", "grpc"} {
		got[p] = append(got[p], calls[p]())
	}
	want := map[string][]answer{}
	for p, l := range limited {
		want[p] = []answer{{}, l, {}}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("first call, second call, a minute later (-got +want):\n%s", diff)
	}
}

// TestDeadlineOnEveryProtocol: a query past its deadline gets 504 /
// DEADLINE_EXCEEDED / extensions.code TIMEOUT; a stream given a deadline
// ends with the same error after its first item. The handlers block
// until their ctx ends, so nothing depends on timing.
func TestDeadlineOnEveryProtocol(t *testing.T) {
	a := limitsApp(nil, app.Use(middleware.Timeout(middleware.DefaultTimeout,
		middleware.OperationTimeout("slow", 5*time.Millisecond),
		middleware.OperationTimeout("hold", 5*time.Millisecond))))
	s := serveLimits(t, a)
	const unaryMsg = "the operation took longer than its deadline of 5ms"
	got := map[string]answer{
		"rest slow":    s.rest(t, "/slow", "192.0.2.1:1"),
		"graphql slow": s.graphql(t, `query { slow { message } }`, "192.0.2.1:1"),
		"grpc slow":    s.grpcCall("Slow", `{}`),
		"rest hold":    s.rest(t, "/hold", "192.0.2.1:1"),
		"graphql hold": s.graphql(t, `subscription { hold { i } }`, "192.0.2.1:1"),
		"grpc hold":    s.grpcStream("Hold", `{}`),
	}
	rest := answer{Status: 504, Code: "deadline_exceeded", Reason: "TIMEOUT", Message: unaryMsg}
	gql := answer{Code: "TIMEOUT", Message: unaryMsg}
	grpcA := answer{Code: "DEADLINE_EXCEEDED", Reason: "TIMEOUT", Message: unaryMsg}
	want := map[string]answer{
		"rest slow": rest, "graphql slow": gql, "grpc slow": grpcA,
		"rest hold": rest, "graphql hold": gql, "grpc hold": grpcA,
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}

// TestStreamCapOnEveryProtocol: with one stream allowed in total, a
// stream open on gRPC refuses the next on REST (SSE), GraphQL
// (subscription) and gRPC alike, and frees its place when it ends.
func TestStreamCapOnEveryProtocol(t *testing.T) {
	release := make(chan struct{})
	a := limitsApp(release, app.Use(middleware.MaxStreams(1)))
	s := serveLimits(t, a)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	open, err := s.grpc.Open(ctx, "conf.v1.ConfService/Hold", `{}`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := open.Recv(); err != nil { // the stream is open
		t.Fatal(err)
	}
	got := map[string]answer{
		"rest":    s.rest(t, "/hold", "192.0.2.1:1"),
		"graphql": s.graphql(t, `subscription { hold { i } }`, "192.0.2.1:1"),
		"grpc":    s.grpcStream("Hold", `{}`),
	}
	const msg = "too many concurrent streams"
	want := map[string]answer{
		"rest":    {Status: 429, Code: "resource_exhausted", Reason: "TOO_MANY_STREAMS", Message: msg},
		"graphql": {Code: "TOO_MANY_STREAMS", Message: msg},
		"grpc":    {Code: "RESOURCE_EXHAUSTED", Reason: "TOO_MANY_STREAMS", Message: msg},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("a second stream (-got +want):\n%s", diff)
	}
	// Queries are not counted.
	if got := s.grpcCall("Hello", `{"name":"Ada"}`); got != (answer{}) {
		t.Errorf("a query while the stream is open: %+v", got)
	}
	close(release)
	if _, err := open.Recv(); !errors.Is(err, io.EOF) {
		t.Fatalf("the first stream ended with %v; want its end", err)
	}
	// Its place is free: the limiter releases it before the status is sent.
	if got := s.rest(t, "/hold", "192.0.2.1:1"); got != (answer{}) {
		t.Errorf("a stream after the first ended: %+v", got)
	}
}

// TestGRPCMessageTooLarge: a request over the transport's receive limit
// (4 MiB by default) gets RESOURCE_EXHAUSTED before the handler runs; a
// response over the send limit fails the call the same way; the server
// keeps serving.
func TestGRPCMessageTooLarge(t *testing.T) {
	a := limitsApp(nil)
	s := serveLimits(t, a, grpc.WithMaxSendMsgSize(64<<10))
	big := strings.Repeat("x", grpc.DefaultMaxRecvMsgSize+1)
	got := s.grpcCall("Echo", `{"data":"`+big+`"}`)
	if got.Code != "RESOURCE_EXHAUSTED" || !strings.Contains(got.Message, "larger than max") {
		t.Errorf("a request over 4 MiB: %+v; want RESOURCE_EXHAUSTED", got)
	}
	got = s.grpcCall("Echo", `{"data":"`+strings.Repeat("y", 100<<10)+`"}`)
	if got.Code != "RESOURCE_EXHAUSTED" || !strings.Contains(got.Message, "larger than max") {
		t.Errorf("a 100 KiB answer over a 64 KiB send limit: %+v; want RESOURCE_EXHAUSTED", got)
	}
	if got := s.grpcCall("Hello", `{"name":"Ada"}`); got != (answer{}) {
		t.Errorf("a normal call after: %+v", got)
	}
}

// TestStreamPanicOnEveryProtocol: a stream handler that panics after its
// first item ends with internal on every protocol, with nothing of the
// panic sent; it is logged once per call, and the server keeps serving.
func TestStreamPanicOnEveryProtocol(t *testing.T) {
	var logs syncLog
	a := limitsApp(nil, app.Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	s := serveLimits(t, a)
	got := map[string]answer{
		"rest":    s.rest(t, "/boom", "192.0.2.1:1"),
		"graphql": s.graphql(t, `subscription { boom { i } }`, "192.0.2.1:1"),
		"grpc":    s.grpcStream("Boom", `{}`),
	}
	want := map[string]answer{
		"rest":    {Status: 500, Code: "internal", Message: "internal error"},
		"graphql": {Code: "INTERNAL", Message: "internal error"},
		"grpc":    {Code: "INTERNAL", Message: "internal error"},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
	out := logs.String()
	if n := strings.Count(out, `msg="panic in operation" operation=boom`); n != 3 {
		t.Errorf("%d panic records for 3 calls; want one each:\n%s", n, out)
	}
	if !strings.Contains(out, "secret stream state") {
		t.Errorf("the log does not name the panic:\n%s", out)
	}
	for p, ans := range got {
		if strings.Contains(ans.Message, "secret") {
			t.Errorf("%s leaked the panic: %+v", p, ans)
		}
	}
	if got := s.rest(t, "/hello/Ada", "192.0.2.1:1"); got != (answer{}) {
		t.Errorf("after the panics: %+v", got)
	}
}

// syncLog is a log sink safe for concurrent writes.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestCORSSharedByRESTAndGraphQL sends real preflight requests to a REST
// route and to the GraphQL endpoint on one host: the host answers both by
// one policy, and the calls that follow carry the allow headers.
func TestCORSSharedByRESTAndGraphQL(t *testing.T) {
	a := limitsApp(nil)
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithCORS(httpserver.CORS{
		AllowedOrigins:   []string{"https://app.example.com"},
		AllowedHeaders:   []string{"Content-Type", "Authorization"},
		AllowCredentials: true,
	}))
	a.Mount(host, rest.New(), graphql.New())
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	base := "http://" + host.Addr().String()
	do := func(method, path, body string, hdr map[string]string) (int, string, string) {
		t.Helper()
		req, err := http.NewRequest(method, base+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Access-Control-Allow-Origin"), resp.Header.Get("Access-Control-Allow-Headers")
	}
	type result struct {
		Status               int
		AllowOrigin, Headers string
	}
	run := func(method, path, body string, hdr map[string]string) result {
		s, o, h := do(method, path, body, hdr)
		return result{s, o, h}
	}
	const origin = "https://app.example.com"
	preflight := map[string]string{"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type, Authorization"}
	got := map[string]result{
		"REST preflight":    run("OPTIONS", "/echo", "", preflight),
		"GraphQL preflight": run("OPTIONS", "/graphql", "", preflight),
		"REST call":         run("POST", "/echo", `{"data":"x"}`, map[string]string{"Origin": origin, "Content-Type": "application/json"}),
		"GraphQL call":      run("POST", "/graphql", `{"query":"{ hello(name: \"Ada\") { message } }"}`, map[string]string{"Origin": origin, "Content-Type": "application/json"}),
		"other origin":      run("OPTIONS", "/graphql", "", map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}),
	}
	want := map[string]result{
		"REST preflight":    {Status: 204, AllowOrigin: origin, Headers: "content-type, authorization"},
		"GraphQL preflight": {Status: 204, AllowOrigin: origin, Headers: "content-type, authorization"},
		"REST call":         {Status: 200, AllowOrigin: origin},
		"GraphQL call":      {Status: 200, AllowOrigin: origin},
		"other origin":      {Status: 403},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}
