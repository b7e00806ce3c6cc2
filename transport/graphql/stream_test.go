package graphql_test

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/google/go-cmp/cmp"

	graphql "github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/httpserver"
)

type wsMessage struct {
	ID      string          `json:"id,omitempty"`
	Type    string          `json:"type"`
	Payload json.RawMessage `json:"payload,omitempty"`
}

// wsConnect opens a graphql-transport-ws connection and completes the
// connection_init handshake with payload.
func wsConnect(t *testing.T, ctx context.Context, srv *httptest.Server, payload map[string]any) *websocket.Conn {
	t.Helper()
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Body != nil {
		res.Body.Close()
	}
	if c.Subprotocol() != "graphql-transport-ws" {
		t.Fatalf("subprotocol %q", c.Subprotocol())
	}
	p, _ := json.Marshal(payload)
	if err := wsjson.Write(ctx, c, wsMessage{Type: "connection_init", Payload: p}); err != nil {
		t.Fatal(err)
	}
	if m := wsRead(t, ctx, c); m.Type != "connection_ack" {
		t.Fatalf("got %+v, want connection_ack", m)
	}
	return c
}

func wsRead(t *testing.T, ctx context.Context, c *websocket.Conn) wsMessage {
	t.Helper()
	for {
		var m wsMessage
		if err := wsjson.Read(ctx, c, &m); err != nil {
			t.Fatal(err)
		}
		if m.Type == "ping" {
			continue
		}
		return m
	}
}

func wsSubscribe(t *testing.T, ctx context.Context, c *websocket.Conn, id, q string) {
	t.Helper()
	p, _ := json.Marshal(map[string]any{"query": q})
	if err := wsjson.Write(ctx, c, wsMessage{ID: id, Type: "subscribe", Payload: p}); err != nil {
		t.Fatal(err)
	}
}

// wsCollect reads the messages of subscription id until complete (gqlgen
// sends complete after error too).
func wsCollect(t *testing.T, ctx context.Context, c *websocket.Conn, id string) []string {
	t.Helper()
	var out []string
	for {
		m := wsRead(t, ctx, c)
		if m.ID != id {
			t.Fatalf("message for %q, want %q: %+v", m.ID, id, m)
		}
		out = append(out, m.Type+" "+string(m.Payload))
		if m.Type == "complete" {
			return out
		}
	}
}

func TestWebSocketSubscription(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := wsConnect(t, ctx, srv, map[string]any{"X-Tenant": "acme"})
	defer c.CloseNow()

	tests := []struct {
		name string
		give string
		want []string
	}{
		{
			name: "items then complete",
			give: `subscription { ticks(n: 3) { seq tenant } }`,
			want: []string{
				`next {"data":{"ticks":{"seq":1,"tenant":"acme"}}}`,
				`next {"data":{"ticks":{"seq":2,"tenant":"acme"}}}`,
				`next {"data":{"ticks":{"seq":3,"tenant":"acme"}}}`,
				`complete `,
			},
		},
		{
			name: "empty stream",
			give: `subscription { ticks(n: 0) { seq } }`,
			want: []string{`complete `},
		},
		{
			name: "invalid argument before the first item",
			give: `subscription { ticks(n: 1000) { seq } }`,
			want: []string{
				`next {"errors":[{"message":"invalid n: must be at most 100","path":["ticks"],"locations":[{"line":1,"column":16}],"extensions":{"code":"INVALID_ARGUMENT","violations":[{"field":"n","description":"must be at most 100"}]}}],"data":null}`,
				`complete `,
			},
		},
		{
			name: "error after items",
			give: `subscription { t: ticks(n: 13) { seq } }`,
			want: append(func() []string {
				var s []string
				for i := 1; i <= 13; i++ {
					b, _ := json.Marshal(map[string]any{"data": map[string]any{"t": map[string]any{"seq": i}}})
					s = append(s, "next "+string(b))
				}
				return s
			}(),
				`next {"errors":[{"message":"unlucky thirteen","path":["t"],"locations":[{"line":1,"column":16}],"extensions":{"code":"ABORTED"}}],"data":{"t":null}}`,
				`complete `),
		},
		{
			name: "validation error",
			give: `subscription { ticks(n: 1) { nope } }`,
			want: []string{`error [{"message":"Cannot query field \"nope\" on type \"Tick\".","locations":[{"line":1,"column":30}],"extensions":{"code":"GRAPHQL_VALIDATION_FAILED"}}]`, `complete `},
		},
		{
			name: "queries work too",
			give: `{ hello(name: "ws") { message } }`,
			want: []string{`next {"data":{"hello":{"message":"Hello, ws!"}}}`, `complete `},
		},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := string(rune('a' + i))
			wsSubscribe(t, ctx, c, id, tt.give)
			if diff := cmp.Diff(tt.want, wsCollect(t, ctx, c, id)); diff != "" {
				t.Errorf("messages (-want +got):\n%s", diff)
			}
		})
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Logf("close: %v", err)
	}
}

func TestWebSocketClientCompletes(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := wsConnect(t, ctx, srv, nil)
	defer c.CloseNow()
	wsSubscribe(t, ctx, c, "1", `subscription { ticks(n: 2, forever: true) { seq } }`)
	for range 2 {
		if m := wsRead(t, ctx, c); m.Type != "next" {
			t.Fatalf("got %+v", m)
		}
	}
	// The client ends the subscription; the stream's handler sees its
	// context end, and the connection stays usable.
	if err := wsjson.Write(ctx, c, wsMessage{ID: "1", Type: "complete"}); err != nil {
		t.Fatal(err)
	}
	wsSubscribe(t, ctx, c, "2", `subscription { ticks(n: 1) { seq } }`)
	var got []string
	for len(got) == 0 || got[len(got)-1] != "2 complete" {
		m := wsRead(t, ctx, c)
		got = append(got, m.ID+" "+m.Type)
	}
	// gqlgen may acknowledge the client's complete of 1 with its own.
	got = slices.DeleteFunc(got, func(s string) bool { return s == "1 complete" })
	if diff := cmp.Diff([]string{"2 next", "2 complete"}, got); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	c.Close(websocket.StatusNormalClosure, "")
}

func TestStopEndsWebSocketsAndStreams(t *testing.T) {
	a := newApp(t)
	tr := graphql.New()
	host := httpserver.New()
	a.Mount(host, tr)
	mux, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := wsConnect(t, ctx, srv, nil)
	defer c.CloseNow()
	wsSubscribe(t, ctx, c, "1", `subscription { ticks(n: 1, forever: true) { seq } }`)
	if m := wsRead(t, ctx, c); m.Type != "next" {
		t.Fatalf("got %+v", m)
	}
	sse := sseRequest(t, ctx, srv.URL+"/graphql", `subscription { ticks(n: 1, forever: true) { seq } }`)
	defer sse.Body.Close()
	events := sseEvents(sse)
	if ev := <-events; ev != `next {"data":{"ticks":{"seq":1}}}` {
		t.Fatalf("first SSE event %q", ev)
	}

	// The client keeps reading, as real clients do, so the close
	// handshake completes.
	readErr := make(chan error, 1)
	go func() {
		var m wsMessage
		readErr <- wsjson.Read(ctx, c, &m)
	}()
	stopCtx, stopCancel := context.WithTimeout(ctx, 4*time.Second)
	defer stopCancel()
	start := time.Now()
	if err := tr.Stop(stopCtx); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Stop took %v", d)
	}
	if err := <-readErr; websocket.CloseStatus(err) != websocket.StatusNormalClosure {
		t.Errorf("websocket after Stop: %v, want a normal closure", err)
	}
	for ev := range events {
		if ev != "complete " && !strings.HasPrefix(ev, "next") {
			t.Errorf("SSE event after Stop: %q", ev)
		}
	}
	// New long-lived requests are refused.
	res := sseRequest(t, ctx, srv.URL+"/graphql", `subscription { ticks(n: 1) { seq } }`)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("SSE after Stop: %d", res.StatusCode)
	}
}

func sseRequest(t *testing.T, ctx context.Context, url, q string) *http.Response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": q})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("X-Tenant", "sse-tenant")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// sseEvents yields "<event> <data>" for each event until the stream ends.
func sseEvents(res *http.Response) <-chan string {
	out := make(chan string)
	go func() {
		defer close(out)
		sc := bufio.NewScanner(res.Body)
		var event, data string
		for sc.Scan() {
			line := sc.Text()
			switch {
			case strings.HasPrefix(line, "event: "):
				event = strings.TrimPrefix(line, "event: ")
			case strings.HasPrefix(line, "data: "):
				data = strings.TrimPrefix(line, "data: ")
			case line == "" && event != "":
				out <- event + " " + data
				event, data = "", ""
			}
		}
	}()
	return out
}

func TestSSESubscription(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tests := []struct {
		name string
		give string
		want []string
	}{
		{
			name: "items",
			give: `subscription { ticks(n: 2) { seq tenant } }`,
			want: []string{
				`next {"data":{"ticks":{"seq":1,"tenant":"sse-tenant"}}}`,
				`next {"data":{"ticks":{"seq":2,"tenant":"sse-tenant"}}}`,
				`complete `,
			},
		},
		{
			name: "setup error",
			give: `subscription { ticks(n: -1) { seq } }`,
			want: []string{
				`next {"errors":[{"message":"invalid n: must be at least 0","path":["ticks"],"locations":[{"line":1,"column":16}],"extensions":{"code":"INVALID_ARGUMENT","violations":[{"field":"n","description":"must be at least 0"}]}}],"data":null}`,
				`complete `,
			},
		},
		{
			name: "query",
			give: `{ hello(name: "sse") { message } }`,
			want: []string{`next {"data":{"hello":{"message":"Hello, sse!"}}}`, `complete `},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sseRequest(t, ctx, srv.URL+"/graphql", tt.give)
			defer res.Body.Close()
			if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
				t.Errorf("Content-Type %q", ct)
			}
			var got []string
			for ev := range sseEvents(res) {
				got = append(got, ev)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWebSocketOrigin(t *testing.T) {
	srv := newServer(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": {"https://evil.example"}},
	})
	if err == nil {
		t.Fatalf("cross-origin WebSocket accepted")
	}
	if res != nil {
		res.Body.Close()
		if res.StatusCode != http.StatusForbidden && res.StatusCode != http.StatusBadRequest {
			t.Errorf("status %d", res.StatusCode)
		}
	}
	allowed := newServer(t, graphql.WithOriginPatterns("*.example"))
	c, res, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(allowed.URL, "http")+"/graphql", &websocket.DialOptions{
		Subprotocols: []string{"graphql-transport-ws"},
		HTTPHeader:   http.Header{"Origin": {"https://app.example"}},
	})
	if err != nil {
		t.Fatalf("allowed origin refused: %v", err)
	}
	if res.Body != nil {
		res.Body.Close()
	}
	c.Close(websocket.StatusNormalClosure, "")
}
