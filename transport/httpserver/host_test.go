package httpserver_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// echoBody is a mounted transport that answers with the body it read.
type echoBody struct{ path string }

func (e echoBody) Prepare(a *app.App) error {
	h, err := httpserver.Find(a, "echo")
	if err != nil {
		return err
	}
	h.Handle(http.MethodPost, e.path, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, err := io.ReadAll(r.Body)
		if mbe, ok := errors.AsType[*http.MaxBytesError](err); ok {
			httpserver.WriteStatusProblem(w, r, http.StatusRequestEntityTooLarge, fmt.Sprintf("over %d bytes", mbe.Limit))
			return
		}
		if err != nil {
			return
		}
		_, _ = w.Write(b)
	}), "echo")
	return nil
}
func (echoBody) Start(context.Context, *app.App) error { return nil }
func (echoBody) Stop(context.Context) error            { return nil }

func start(t *testing.T, a *app.App, h *httpserver.Host) string {
	t.Helper()
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := a.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	return h.Addr().String()
}

func TestMisWiringIsAStartError(t *testing.T) {
	tests := []struct {
		name string
		give func() *app.App
		want string
	}{
		{
			name: "route without a host",
			give: func() *app.App {
				a := app.New()
				a.Mount(echoBody{path: "/echo"})
				return a
			},
			want: "echo needs an HTTP host",
		},
		{
			name: "host with nothing mounted",
			give: func() *app.App {
				a := app.New()
				a.Mount(httpserver.New(httpserver.WithAddr("127.0.0.1:0")))
				return a
			},
			want: "nothing is mounted on the HTTP host",
		},
		{
			name: "two hosts",
			give: func() *app.App {
				a := app.New()
				a.Mount(httpserver.New(httpserver.WithAddr("127.0.0.1:0")), httpserver.New(httpserver.WithAddr("127.0.0.1:0")), echoBody{path: "/echo"})
				return a
			},
			want: "two HTTP hosts",
		},
		{
			name: "two listeners on one address",
			give: func() *app.App {
				a := app.New()
				a.Mount(httpserver.New(httpserver.WithAddr("127.0.0.1:18080")), echoBody{path: "/echo"}, httpserver.New(httpserver.WithAddr("127.0.0.1:18080")))
				return a
			},
			want: "two listeners on 127.0.0.1:18080",
		},
		{
			name: "one route mounted twice",
			give: func() *app.App {
				a := app.New()
				a.Mount(httpserver.New(httpserver.WithAddr("127.0.0.1:0")), echoBody{path: "/echo"}, echoBody{path: "/echo"})
				return a
			},
			want: "echo and echo both mount POST /echo",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := tt.give()
			err := a.Start(context.Background())
			if err == nil {
				_ = a.Stop(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestHealthReadinessAndEndpoints(t *testing.T) {
	a := app.New(app.DrainDelay(time.Hour))
	h := httpserver.New(httpserver.WithAddr("127.0.0.1:0"))
	a.Mount(h, echoBody{path: "/echo"})
	addr := start(t, a, h)
	if got := a.Endpoints(); len(got) != 1 || got[0] != "http://"+addr {
		t.Errorf("Endpoints = %v; want [http://%s]", got, addr)
	}
	get := func(path string) int {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if got := get("/healthz"); got != 200 {
		t.Errorf("healthz = %d", got)
	}
	if got := get("/readyz"); got != 200 {
		t.Errorf("readyz = %d", got)
	}
	if got := get("/nope"); got != 404 {
		t.Errorf("unknown path = %d; want 404", got)
	}
	// Draining: readiness fails first while the host still serves.
	ctx, cancel := context.WithCancel(context.Background())
	drained := make(chan struct{})
	go func() { a.Drain(ctx); close(drained) }()
	testenv.Eventually(t, 5*time.Second, func() bool { return get("/readyz") == http.StatusServiceUnavailable })
	if got := get("/healthz"); got != 200 {
		t.Errorf("healthz while draining = %d; want 200 (still serving)", got)
	}
	cancel()
	<-drained
}

func TestLargeBodyRefusedBeforeContinue(t *testing.T) {
	a := app.New()
	h := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithMaxBodyBytes(1<<20))
	a.Mount(h, echoBody{path: "/echo"})
	addr := start(t, a, h)
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, _ = fmt.Fprintf(conn, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nExpect: 100-continue\r\n\r\n", 50<<20)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.Contains(string(body), `"status":413`) {
		t.Errorf("first response = %d %s; want 413 problem+json and no 100 Continue", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); ct != httpserver.ProblemContentType {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestChunkedBodyStopsAtLimit(t *testing.T) {
	a := app.New()
	h := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithMaxBodyBytes(1024))
	a.Mount(h, echoBody{path: "/echo"})
	addr := start(t, a, h)
	// An unknown length: net/http sends it chunked.
	resp, err := http.Post("http://"+addr+"/echo", "application/json", io.MultiReader(strings.NewReader(strings.Repeat("x", 4096))))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("chunked 4 KiB over a 1 KiB limit = %d; want 413", resp.StatusCode)
	}
	resp, err = http.Post("http://"+addr+"/echo", "application/json", io.MultiReader(strings.NewReader("small")))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != "small" {
		t.Errorf("small chunked body = %d %q", resp.StatusCode, b)
	}
}

// closedWithin reports whether the server closes conn (a read ends) before
// limit; the limit is generous, the server's timeout short.
func closedWithin(conn net.Conn, limit time.Duration) bool {
	_ = conn.SetReadDeadline(time.Now().Add(limit))
	_, err := io.Copy(io.Discard, conn)
	var ne net.Error
	return !errors.As(err, &ne) || !ne.Timeout()
}

func TestSlowBodyAndIdleConnectionsAreClosed(t *testing.T) {
	a := app.New()
	h := httpserver.New(httpserver.WithAddr("127.0.0.1:0"),
		httpserver.WithBodyTimeout(200*time.Millisecond), httpserver.WithIdleTimeout(200*time.Millisecond))
	a.Mount(h, echoBody{path: "/echo"})
	addr := start(t, a, h)

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	_, _ = fmt.Fprintf(slow, "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"a\":")
	if !closedWithin(slow, 10*time.Second) {
		t.Error("a body stalled mid-way kept its connection open")
	}

	idle, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	_, _ = fmt.Fprintf(idle, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
	r := bufio.NewReader(idle)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_ = idle.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err = r.ReadByte()
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Error("an idle keep-alive connection was not closed")
	}
}

func TestStreamOutlivesBodyTimeout(t *testing.T) {
	a := app.New()
	h := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithBodyTimeout(100*time.Millisecond))
	stream := streamer{}
	a.Mount(h, stream)
	addr := start(t, a, h)
	resp, err := http.Post("http://"+addr+"/stream", "application/json", strings.NewReader(`{"n":3}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || string(b) != "tick\ntick\ntick\n" {
		t.Errorf("stream after its body = %q, %v; want three ticks 150 ms apart", b, err)
	}
}

// streamer reads its body, then streams past the body timeout.
type streamer struct{}

func (streamer) Prepare(a *app.App) error {
	h, err := httpserver.Find(a, "streamer")
	if err != nil {
		return err
	}
	h.Handle(http.MethodPost, "/stream", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, err := io.ReadAll(r.Body); err != nil {
			return
		}
		for range 3 {
			time.Sleep(150 * time.Millisecond)
			_, _ = io.WriteString(w, "tick\n")
			_ = http.NewResponseController(w).Flush()
		}
	}), "streamer")
	return nil
}
func (streamer) Start(context.Context, *app.App) error { return nil }
func (streamer) Stop(context.Context) error            { return nil }

func TestHandlerWithoutListener(t *testing.T) {
	a := app.New()
	h := httpserver.New()
	a.Mount(h, echoBody{path: "/echo"})
	handler, err := h.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/echo", strings.NewReader("hi")))
	if rec.Code != 200 || rec.Body.String() != "hi" {
		t.Errorf("got %d %q", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/echo", nil))
	if rec.Code != 404 || rec.Header().Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET on a POST route without a fallback = %d %v; want 404 problem with nosniff", rec.Code, rec.Header())
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"ALLFRAME_HTTP_ADDR": "127.0.0.1:9", "ALLFRAME_HTTP_MAX_BODY": "100", "ALLFRAME_HTTP_BODY_TIMEOUT": "2s", "ALLFRAME_HTTP_MAX_HEADER_BYTES": "8192"}
	c, err := httpserver.ConfigFromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9" || c.MaxBodyBytes != 100 || c.BodyTimeout != 2*time.Second || c.IdleTimeout != httpserver.DefaultIdleTimeout || c.MaxHeaderBytes != 8192 {
		t.Errorf("config = %+v", c)
	}
	for _, bad := range []map[string]string{{"ALLFRAME_HTTP_MAX_BODY": "-1"}, {"ALLFRAME_HTTP_IDLE_TIMEOUT": "soon"}, {"ALLFRAME_HTTP_MAX_HEADER_BYTES": "big"}} {
		if _, err := httpserver.ConfigFromEnv(func(k string) string { return bad[k] }); err == nil {
			t.Errorf("ConfigFromEnv(%v) accepted", bad)
		}
	}
}
