package mcp

import (
	"context"
	"errors"
	"net/http"
	"sync"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Transport serves an App's operations as MCP tools over streamable HTTP
// on the App's HTTP host (httpserver.Host, which must be mounted too). It
// implements app.Transport and app.Preparer: Prepare builds the tools and
// mounts the endpoint (default /mcp) on the host. Stop ends the tool
// calls in flight.
type Transport struct {
	cfg config

	mu  sync.Mutex
	srv *server
}

var (
	_ app.Transport = (*Transport)(nil)
	_ app.Preparer  = (*Transport)(nil)
)

// New returns an MCP transport. It exposes no operation until told which:
// see WithAll, WithTags and WithOperations.
func New(opts ...Option) *Transport { return &Transport{cfg: newConfig(opts)} }

// Prepare builds the tools from a's registry and mounts the streamable
// HTTP endpoint on the App's HTTP host.
func (t *Transport) Prepare(a *app.App) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv != nil {
		return nil
	}
	host, err := httpserver.Find(a, "mcp (at "+t.cfg.path+")")
	if err != nil {
		return err
	}
	srv, err := newServer(a, t.cfg)
	if err != nil {
		return err
	}
	t.srv = srv
	host.Handle("", t.cfg.path, srv.httpHandler(host.Config().MaxBodyBytes), "mcp")
	host.OnShutdown(srv.stop) // end stream tools before the host drains
	return nil
}

// Start checks that Prepare ran; the endpoint is served by the App's HTTP
// host.
func (t *Transport) Start(_ context.Context, a *app.App) error {
	t.mu.Lock()
	prepared := t.srv != nil
	t.mu.Unlock()
	if !prepared {
		return t.Prepare(a)
	}
	return nil
}

// Stop ends the tool calls in flight (their handlers see their context
// end).
func (t *Transport) Stop(context.Context) error {
	t.mu.Lock()
	srv := t.srv
	t.mu.Unlock()
	if srv != nil {
		srv.stop()
	}
	return nil
}

// Tools lists the names of the tools Prepare built, or nil before.
func (t *Transport) Tools() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv == nil {
		return nil
	}
	return t.srv.tools
}

// Handler returns an http.Handler serving a's tools over streamable HTTP
// at any path, for mounting without the App's HTTP host (e.g. with
// httptest).
func Handler(a *app.App, opts ...Option) (http.Handler, error) {
	srv, err := newServer(a, newConfig(opts))
	if err != nil {
		return nil, err
	}
	return srv.httpHandler(0), nil
}

// httpHandler serves the tools over streamable HTTP, stateless: every POST
// carries its own messages and answers them (as one JSON-RPC response or
// an event stream with progress notifications first), so no session
// state outlives a request and any replica behind a load balancer can
// answer any request. maxBody ≤ 0 keeps the SDK's limit (4 MiB).
func (s *server) httpHandler(maxBody int64) http.Handler {
	h := sdk.NewStreamableHTTPHandler(func(*http.Request) *sdk.Server { return s.sdk }, &sdk.StreamableHTTPOptions{
		Stateless:                    true,
		Logger:                       sdkLogger(s.app),
		MaxRequestBodyBytes:          maxBody,
		PropagateRequestCancellation: true,
	})
	return withRequest(h)
}

// NewServer returns the SDK server of a's tools, to run on any of the
// SDK's transports (an in-memory pair in tests, a command's pipes). Its
// calls run until their own context ends.
func NewServer(a *app.App, opts ...Option) (*sdk.Server, error) {
	srv, err := newServer(a, newConfig(opts))
	if err != nil {
		return nil, err
	}
	return srv.sdk, nil
}

// ServeStdio serves a's tools to one client over standard input and
// output — how local agents (Claude Desktop, IDEs) run a tool server —
// until the client closes its end or ctx ends; both are a clean return.
// Nothing else may write to standard output meanwhile: keep logs on
// standard error. The App's other transports need not run.
func ServeStdio(ctx context.Context, a *app.App, opts ...Option) error {
	srv, err := newServer(a, newConfig(opts))
	if err != nil {
		return err
	}
	defer srv.stop()
	stop := context.AfterFunc(ctx, srv.stop)
	defer stop()
	err = srv.sdk.Run(ctx, &sdk.StdioTransport{})
	if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		return nil
	}
	return err
}

// ServesOperations implements app.OperationServer.
func (t *Transport) ServesOperations() bool { return true }

var _ app.OperationServer = (*Transport)(nil)
