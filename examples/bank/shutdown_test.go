package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	grpcgo "google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/internal/testkit/grpcjson"
)

// The shutdown test's service drains for shutdownDrain (readiness false,
// still serving) and must have exited shutdownBound after SIGTERM: its
// ALLFRAME_SHUTDOWN_TIMEOUT, which bounds the drain and the stop together,
// plus a second for the process to exit.
const (
	shutdownDrain   = time.Second
	shutdownTimeout = 5 * time.Second
	shutdownBound   = shutdownTimeout + time.Second
)

// service is the bank running in a child process (see runChild), for the
// shutdown test: unlike startChild's, its exit is observed, not forced.
type service struct {
	cmd        *exec.Cmd
	http, grpc string // base URL, gRPC address
	done       chan struct{}
	exitErr    error // cmd.Wait's result, set before done closes

	mu  sync.Mutex
	log strings.Builder
}

var (
	servingHTTP = regexp.MustCompile(`serving service=bank endpoints=.*http://([^\s\]"]+)`)
	servingGRPC = regexp.MustCompile(`serving service=bank endpoints=.*grpc://([^\s\]"]+)`)
)

// startService runs the service over the SQLite file at path with the
// drain settings of the test, and waits until it serves.
func startService(t *testing.T, path string) *service {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G204: re-executes this test binary as the service
	cmd.Env = append(os.Environ(), childEnv+"=1",
		"ALLFRAME_HTTP_ADDR=127.0.0.1:0", "ALLFRAME_GRPC_ADDR=127.0.0.1:0",
		"ALLFRAME_EVENTSTORE=sqlite:"+path, "OTEL_SDK_DISABLED=true",
		"ALLFRAME_DRAIN_DELAY="+shutdownDrain.String(), "ALLFRAME_SHUTDOWN_TIMEOUT="+shutdownTimeout.String())
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &service{cmd: cmd, done: make(chan struct{})}
	addrs := make(chan []string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.log.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			h, g := servingHTTP.FindStringSubmatch(sc.Text()), servingGRPC.FindStringSubmatch(sc.Text())
			if h != nil && g != nil {
				addrs <- []string{h[1], g[1]}
			}
		}
		s.exitErr = cmd.Wait()
		close(s.done)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-s.done
	})
	select {
	case a := <-addrs:
		s.http, s.grpc = "http://"+a[0], a[1]
	case <-s.done:
		t.Fatalf("service exited before serving:\n%s", s.logText())
	case <-time.After(waitTimeout):
		t.Fatal("service did not start")
	}
	return s
}

func (s *service) logText() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.log.String()
}

// refusal is the time of a request refused because nothing listens.
type refusal struct {
	at    time.Time
	proto string
}

// loadReport gathers what the clients saw.
type loadReport struct {
	mu         sync.Mutex
	acked      map[string]int64 // sum of acknowledged deposits per protocol
	nAcked     map[string]int
	drainOK    map[string]int // acknowledged after /readyz turned 503
	notReady   time.Time      // first 503 from /readyz
	refused    []refusal
	failures   []string
	enoughOnce sync.Once
	enough     chan struct{} // every protocol has acknowledged a few deposits
}

func (r *loadReport) ok(proto string, amount int64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.acked[proto] += amount
	r.nAcked[proto]++
	if !r.notReady.IsZero() {
		r.drainOK[proto]++
	}
	if r.nAcked["REST"] >= 30 && r.nAcked["GraphQL"] >= 30 && r.nAcked["gRPC"] >= 30 {
		r.enoughOnce.Do(func() { close(r.enough) })
	}
}

func (r *loadReport) refuse(proto string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.refused = append(r.refused, refusal{at: time.Now(), proto: proto})
}

func (r *loadReport) fail(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures = append(r.failures, fmt.Sprintf(format, args...))
}

// errAnswered marks a request the server answered, but not with success.
var errAnswered = errors.New("answered")

// refusedHTTP reports whether err is a connection refused: the request was
// never sent, because nothing listens any more.
//
// A reset (ECONNRESET) counts too: under load a client can write a request
// on a keep-alive connection at the instant the stopping server closes it
// as idle, so the server never read it. That hides no lost write: the
// balances after restart must equal the acknowledged deposits exactly, so
// a reset request that had been applied fails the test there.
func refusedHTTP(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET)
}

// refusedGRPC reports the same for a gRPC call: UNAVAILABLE because the
// channel could not connect.
func refusedGRPC(err error) bool {
	st := status.Convert(err)
	return st.Code() == codes.Unavailable && strings.Contains(st.Message(), "connection refused")
}

// TestShutdownUnderLoad runs the real service in a child process with a
// 1s drain delay under continuous load on every protocol (REST and GraphQL
// deposits, gRPC deposits, /readyz polling) with an SSE stream, a GraphQL
// subscription over WebSocket and a gRPC server stream open, sends SIGTERM
// and checks: /readyz turns 503 first and requests are still served during
// the drain; every request either succeeds or is refused (connection
// refused, never sent) once the listeners have closed — no 5xx, no reset,
// no error; each stream ends cleanly (SSE after a complete event, GraphQL
// with a normal close or complete, gRPC with UNAVAILABLE "the server is
// shutting down"); the process exits 0 within its shutdown timeout with no
// error logged; and after a restart every acknowledged deposit is in the
// balances and in the accounts projection, none twice.
func TestShutdownUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the shutdown test starts child processes")
	}
	path := filepath.Join(t.TempDir(), "bank.db")
	svc := startService(t, path)
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	defer hc.CloseIdleConnections()
	conn, err := grpcgo.NewClient(svc.grpc, grpcgo.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 4*waitTimeout)
	defer cancel()
	gc, err := grpcjson.New(ctx, conn, "bank.v1.BankService")
	if err != nil {
		t.Fatal(err)
	}

	// One account per protocol, so that each protocol's acknowledgements
	// can be checked against one balance.
	ids := map[string]string{}
	for _, proto := range []string{"REST", "GraphQL", "gRPC"} {
		code, b, err := postJSON(ctx, hc, svc.http+"/accounts", `{"owner":"`+proto+`"}`)
		var acc Account
		if err != nil || code != http.StatusOK || json.Unmarshal(b, &acc) != nil {
			t.Fatalf("openAccount: %d %s %v", code, b, err)
		}
		ids[proto] = acc.ID
	}

	rep := &loadReport{acked: map[string]int64{}, nAcked: map[string]int{}, drainOK: map[string]int{}, enough: make(chan struct{})}

	// The streams, each following the account its protocol deposits into;
	// each reports once it has an event (so it is live) and how it ended.
	var streams sync.WaitGroup
	live := make(chan string, 3)
	ended := make(chan streamEnd, 3)
	streams.Go(func() { ended <- followSSE(ctx, hc, svc.http+"/accounts/"+ids["REST"]+"/events", live) })
	streams.Go(func() { ended <- followWebSocket(ctx, svc.http, ids["GraphQL"], live) })
	streams.Go(func() { ended <- followGRPC(ctx, gc, ids["gRPC"], live) })
	for range 3 {
		select {
		case <-live:
		case e := <-ended:
			t.Fatalf("%s stream ended before its first event: %s", e.proto, e.how)
		case <-time.After(waitTimeout):
			t.Fatal("streams did not start")
		}
	}

	// The load: deposit workers on every protocol, and a readiness poller,
	// each running until the service refuses it.
	var load sync.WaitGroup
	deposit := func(proto string, worker int, send func(key string, amount int64) error, refused func(error) bool) {
		load.Go(func() {
			for i := 0; ; i++ {
				key := fmt.Sprintf("%s-%d-%d", proto, worker, i)
				amount := int64(1 + (worker*7+i)%9)
				err := send(key, amount)
				switch {
				case err == nil:
					rep.ok(proto, amount)
				case refused(err):
					rep.refuse(proto)
					return
				default:
					rep.fail("%s deposit %s: %v", proto, key, err)
					return
				}
			}
		})
	}
	for w := range 3 {
		deposit("REST", w, func(key string, amount int64) error {
			code, b, err := postJSON(ctx, hc, svc.http+"/accounts/"+ids["REST"]+"/deposit",
				fmt.Sprintf(`{"amount":%d}`, amount), "Idempotency-Key", key)
			if err == nil && code != http.StatusOK {
				err = fmt.Errorf("%w: %d %s", errAnswered, code, b)
			}
			return err
		}, refusedHTTP)
		deposit("GraphQL", w, func(key string, amount int64) error {
			body, _ := json.Marshal(map[string]any{
				"query":     `mutation ($id: String!, $amount: Int64) { deposit(id: $id, amount: $amount) { balance } }`,
				"variables": map[string]any{"id": ids["GraphQL"], "amount": amount},
			})
			code, b, err := postJSON(ctx, hc, svc.http+"/graphql", string(body), "Idempotency-Key", key)
			if err != nil {
				return err
			}
			var resp struct {
				Data struct {
					Deposit *struct{ Balance json.RawMessage } `json:"deposit"`
				} `json:"data"`
				Errors json.RawMessage `json:"errors"`
			}
			if code != http.StatusOK || json.Unmarshal(b, &resp) != nil || resp.Errors != nil || resp.Data.Deposit == nil {
				return fmt.Errorf("%w: %d %s", errAnswered, code, b)
			}
			return nil
		}, refusedHTTP)
		deposit("gRPC", w, func(key string, amount int64) error {
			_, err := gc.Call(ctx, "bank.v1.BankService/Deposit",
				fmt.Sprintf(`{"id":%q,"amount":%d}`, ids["gRPC"], amount), "idempotency-key", key)
			return err
		}, refusedGRPC)
	}
	load.Go(func() {
		for {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, svc.http+"/readyz", nil)
			resp, err := hc.Do(req)
			if err != nil {
				if refusedHTTP(err) {
					rep.refuse("readyz")
				} else {
					rep.fail("GET /readyz: %v", err)
				}
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusOK:
				rep.mu.Lock()
				if !rep.notReady.IsZero() {
					rep.failures = append(rep.failures, "/readyz ready again after it turned 503")
				}
				rep.mu.Unlock()
			case http.StatusServiceUnavailable:
				rep.mu.Lock()
				if rep.notReady.IsZero() {
					rep.notReady = time.Now()
				}
				rep.mu.Unlock()
			default:
				rep.fail("GET /readyz: %d", resp.StatusCode)
				return
			}
			time.Sleep(5 * time.Millisecond) // a load balancer's polling interval, not ordering
		}
	})

	select {
	case <-rep.enough:
	case <-time.After(waitTimeout):
		t.Error("30 deposits per protocol took too long")
	}
	term := time.Now()
	if err := svc.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-svc.done:
	case <-time.After(shutdownBound):
		t.Fatalf("service still running %v after SIGTERM:\n%s", shutdownBound, svc.logText())
	}
	exited := time.Since(term)
	load.Wait()
	streams.Wait()
	close(ended)
	hc.CloseIdleConnections()

	if svc.exitErr != nil {
		t.Errorf("service exit after SIGTERM: %v, want status 0", svc.exitErr)
	}
	if exited < shutdownDrain {
		t.Errorf("service exited %v after SIGTERM, before its drain delay of %v", exited, shutdownDrain)
	}
	if lines := errorLines(svc.logText()); lines != "" {
		t.Errorf("service logged errors while stopping:\n%s", lines)
	}
	for _, f := range rep.failures {
		t.Errorf("failed request: %s", f)
	}
	if rep.notReady.IsZero() {
		t.Error("/readyz never answered 503 during the drain")
	}
	var firstRefused time.Time
	refusedBy := map[string]bool{}
	for _, r := range rep.refused {
		refusedBy[r.proto] = true
		if firstRefused.IsZero() || r.at.Before(firstRefused) {
			firstRefused = r.at
		}
	}
	// Listeners close after the drain delay: allow half of it for the
	// poller's interval and scheduling on a busy machine.
	if !rep.notReady.IsZero() && !firstRefused.IsZero() && firstRefused.Sub(rep.notReady) < shutdownDrain/2 {
		t.Errorf("first connection refused %v after /readyz turned 503, want about the drain delay %v",
			firstRefused.Sub(rep.notReady), shutdownDrain)
	}
	for _, proto := range []string{"REST", "GraphQL", "gRPC", "readyz"} {
		if !refusedBy[proto] && len(rep.failures) == 0 {
			t.Errorf("%s: no request refused after the listener closed", proto)
		}
		if proto != "readyz" && rep.drainOK[proto] == 0 {
			t.Errorf("%s: no deposit served during the drain delay", proto)
		}
	}
	for e := range ended {
		if e.how != "" {
			t.Errorf("%s stream: %s", e.proto, e.how)
		}
		if e.at.Before(term) {
			t.Errorf("%s stream ended before SIGTERM", e.proto)
		}
	}
	t.Logf("acknowledged %d REST, %d GraphQL, %d gRPC deposits, %d/%d/%d of them while draining; /readyz 503 after %v; first refusal after %v; exit after %v",
		rep.nAcked["REST"], rep.nAcked["GraphQL"], rep.nAcked["gRPC"],
		rep.drainOK["REST"], rep.drainOK["GraphQL"], rep.drainOK["gRPC"],
		rep.notReady.Sub(term).Round(time.Millisecond), firstRefused.Sub(term).Round(time.Millisecond), exited.Round(time.Millisecond))

	// After a restart, every acknowledged deposit is in its balance, and
	// none twice (every request was answered or never sent), and the
	// accounts projection agrees.
	svc = startService(t, path)
	var maxPos int64
	want := map[string]Account{}
	for proto, id := range ids {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, svc.http+"/accounts/"+id, nil)
		var acc Account
		if err := getJSON(hc, req, &acc); err != nil {
			t.Fatal(err)
		}
		if acc.Balance != rep.acked[proto] || acc.Version != int64(1+rep.nAcked[proto]) {
			t.Errorf("%s account after restart: balance %d version %d, want the %d acknowledged deposits: balance %d version %d",
				proto, acc.Balance, acc.Version, rep.nAcked[proto], rep.acked[proto], 1+rep.nAcked[proto])
		}
		want[acc.ID] = acc
		maxPos = max(maxPos, acc.Position)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, svc.http+"/accounts", nil)
	req.Header.Set("Consistency-Token", fmt.Sprint(maxPos))
	var list cqrs.Page[Account]
	if err := getJSON(hc, req, &list); err != nil {
		t.Fatal(err)
	}
	for _, got := range list.Items {
		if w := want[got.ID]; got.Balance != w.Balance || got.Version != w.Version || got.Owner != w.Owner {
			t.Errorf("listAccounts after restart: %+v, want %+v", got, w)
		}
		delete(want, got.ID)
	}
	if len(want) != 0 {
		t.Errorf("listAccounts after restart misses %v", want)
	}
	_ = svc.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-svc.done:
	case <-time.After(shutdownBound):
		t.Error("idle service did not stop within its bound")
	}
	hc.CloseIdleConnections()
}

// errorLines returns the log lines at level ERROR.
func errorLines(log string) string {
	var out []string
	for l := range strings.Lines(log) {
		if strings.Contains(l, "level=ERROR") {
			out = append(out, strings.TrimSpace(l))
		}
	}
	return strings.Join(out, "\n")
}

// postJSON posts body; err is set when no response was received.
func postJSON(ctx context.Context, hc *http.Client, url, body string, header ...string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, fmt.Errorf("%w: response cut: %w", errAnswered, err)
	}
	return resp.StatusCode, b, nil
}

func getJSON(hc *http.Client, req *http.Request, v any) error {
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s", req.URL.Path, resp.StatusCode, b)
	}
	return json.Unmarshal(b, v)
}

// streamEnd is how a stream ended: how is empty for a clean end.
type streamEnd struct {
	proto string
	how   string
	at    time.Time
}

// followSSE reads an SSE stream to its end, which must come after a
// complete event (no half-written event) as a clean end of the body.
func followSSE(ctx context.Context, hc *http.Client, url string, live chan<- string) streamEnd {
	end := func(how string) streamEnd { return streamEnd{proto: "SSE", how: how, at: time.Now()} }
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	req.Header.Set("Accept", "text/event-stream")
	resp, err := hc.Do(req)
	if err != nil {
		return end(err.Error())
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || !strings.HasPrefix(ct, "text/event-stream") {
		return end(fmt.Sprintf("%d %s", resp.StatusCode, ct))
	}
	rd := bufio.NewReader(resp.Body)
	events, partial := 0, false
	for {
		line, err := rd.ReadString('\n')
		if err != nil {
			switch {
			case !errors.Is(err, io.EOF):
				return end(fmt.Sprintf("broken after %d events: %v", events, err))
			case partial || line != "":
				return end(fmt.Sprintf("ended inside an event after %d events", events))
			}
			return end("")
		}
		switch line = strings.TrimSuffix(line, "\n"); {
		case line == "":
			partial = false
		case strings.HasPrefix(line, "data: "):
			var e feedEvent
			if err := json.Unmarshal([]byte(line[len("data: "):]), &e); err != nil {
				return end(fmt.Sprintf("bad event %q: %v", line, err))
			}
			if events++; events == 1 {
				live <- "SSE"
			}
			partial = true
		default:
			partial = true
		}
	}
}

// followWebSocket subscribes to accountEvents over graphql-transport-ws;
// the end must be a complete message or a normal close.
func followWebSocket(ctx context.Context, base, id string, live chan<- string) streamEnd {
	end := func(how string) streamEnd { return streamEnd{proto: "GraphQL WebSocket", how: how, at: time.Now()} }
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		return end(err.Error())
	}
	if res.Body != nil {
		res.Body.Close()
	}
	defer c.CloseNow()
	type message struct {
		ID      string          `json:"id,omitempty"`
		Type    string          `json:"type"`
		Payload json.RawMessage `json:"payload,omitempty"`
	}
	if err := wsjson.Write(ctx, c, message{Type: "connection_init"}); err != nil {
		return end(err.Error())
	}
	p, _ := json.Marshal(map[string]any{
		"query":     `subscription ($id: String!) { accountEvents(id: $id) { event { __typename } version } }`,
		"variables": map[string]any{"id": id},
	})
	events := 0
	for {
		var m message
		if err := wsjson.Read(ctx, c, &m); err != nil {
			if websocket.CloseStatus(err) == websocket.StatusNormalClosure {
				return end("")
			}
			return end(fmt.Sprintf("broken after %d events: %v", events, err))
		}
		switch m.Type {
		case "connection_ack":
			if err := wsjson.Write(ctx, c, message{ID: "1", Type: "subscribe", Payload: p}); err != nil {
				return end(err.Error())
			}
		case "ping":
			if err := wsjson.Write(ctx, c, message{Type: "pong"}); err != nil {
				return end(err.Error())
			}
		case "pong":
		case "next":
			if !bytes.Contains(m.Payload, []byte(`"accountEvents":{`)) {
				return end(fmt.Sprintf("bad event %s", m.Payload))
			}
			if events++; events == 1 {
				live <- "GraphQL WebSocket"
			}
		case "complete":
			return end("")
		default:
			return end(fmt.Sprintf("%s %s after %d events", m.Type, m.Payload, events))
		}
	}
}

// followGRPC reads the AccountEvents server stream; it must end with
// UNAVAILABLE "the server is shutting down", not a broken connection.
func followGRPC(ctx context.Context, gc *grpcjson.Client, id string, live chan<- string) streamEnd {
	end := func(how string) streamEnd { return streamEnd{proto: "gRPC", how: how, at: time.Now()} }
	st, err := gc.Open(ctx, "bank.v1.BankService/AccountEvents", fmt.Sprintf(`{"id":%q}`, id))
	if err != nil {
		return end(err.Error())
	}
	events := 0
	for {
		msg, err := st.Recv()
		if err != nil {
			if s := status.Convert(err); s.Code() == codes.Unavailable && s.Message() == "the server is shutting down" {
				return end("")
			}
			return end(fmt.Sprintf("broken after %d events: %v", events, err))
		}
		if !strings.Contains(msg, `"event":{`) {
			return end("bad event " + msg)
		}
		if events++; events == 1 {
			live <- "gRPC"
		}
	}
}
