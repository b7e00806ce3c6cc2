package mcp_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	sdk "github.com/modelcontextprotocol/go-sdk/mcp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
	"github.com/allframe-go/allframe/transport/mcp"
)

// seenCall is what middleware sees of a tool call.
type seenCall struct {
	Protocol    app.Protocol
	Tenant      string
	Route       string
	HasPeer     bool
	HasRequest  bool
	InputIsSet  bool
	HandlerSees string
}

// TestMiddlewareSeesTheCall checks what middleware and handlers see of a
// tool call over streamable HTTP: protocol "mcp", the HTTP request's
// headers as metadata, the peer and the request, the decoded input; and
// over an SDK transport without HTTP, no headers.
func TestMiddlewareSeesTheCall(t *testing.T) {
	a := app.New(app.Name("calls"))
	var mu sync.Mutex
	var seen []seenCall
	a.Use(func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			out, err := next(ctx, call)
			mu.Lock()
			defer mu.Unlock()
			s := seenCall{Protocol: call.Protocol, Tenant: call.Metadata.Get("X-Tenant"), Route: call.Route,
				HasPeer: call.Peer != "", HasRequest: call.HTTPRequest != nil, InputIsSet: call.Input != nil}
			if out != nil {
				s.HandlerSees = out.(*GetIn).ID
			}
			seen = append(seen, s)
			return out, err
		}
	})
	app.Query(a, "echo", func(ctx context.Context, in GetIn) (GetIn, error) {
		if c := app.CallFrom(ctx); c == nil || c.Protocol != mcp.Protocol {
			return GetIn{}, app.NewError(app.CodeInternal, "no mcp call in the handler's context")
		}
		return in, nil
	}, app.HTTP("GET", "/echo/{id}"))
	h, err := mcp.Handler(a, mcp.WithAll())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	hc := &http.Client{Transport: headerTransport{header: http.Header{"X-Tenant": {"t1"}}, base: http.DefaultTransport}}
	defer hc.CloseIdleConnections()
	client := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cs.Close() }()
	decodeResult[GetIn](t, callTool(t, cs, "echo", map[string]any{"id": "x1"}))

	// The same server on the SDK's in-memory transport: no HTTP at all.
	server, err := mcp.NewServer(a, mcp.WithAll())
	if err != nil {
		t.Fatal(err)
	}
	st, ct := sdk.NewInMemoryTransports()
	ss, err := server.Connect(t.Context(), st, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ss.Close() }()
	mem, err := client.Connect(t.Context(), ct, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = mem.Close() }()
	decodeResult[GetIn](t, callTool(t, mem, "echo", map[string]any{"id": "x2"}))

	want := []seenCall{
		{Protocol: "mcp", Tenant: "t1", Route: "echo", HasPeer: true, HasRequest: true, InputIsSet: true, HandlerSees: "x1"},
		{Protocol: "mcp", Route: "echo", InputIsSet: true, HandlerSees: "x2"},
	}
	mu.Lock()
	defer mu.Unlock()
	if diff := cmp.Diff(seen, want); diff != "" {
		t.Errorf("calls (-got +want):\n%s", diff)
	}
}

// TestTraces checks that a tool call over streamable HTTP is traced as
// MCP and continues the trace of the traceparent header.
func TestTraces(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := app.New(app.Name("traced"))
	a.Use(telemetry.Middleware(tp, nil))
	app.Query(a, "echo", func(_ context.Context, in GetIn) (GetIn, error) { return in, nil }, app.HTTP("GET", "/echo/{id}"))
	h, err := mcp.Handler(a, mcp.WithAll())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	hc := &http.Client{Transport: headerTransport{header: http.Header{"Traceparent": {"00-" + traceID + "-00f067aa0ba902b7-01"}}, base: http.DefaultTransport}}
	defer hc.CloseIdleConnections()
	client := sdk.NewClient(&sdk.Implementation{Name: "t", Version: "1"}, nil)
	cs, err := client.Connect(t.Context(), &sdk.StreamableClientTransport{Endpoint: srv.URL, HTTPClient: hc}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cs.Close() }()
	decodeResult[GetIn](t, callTool(t, cs, "echo", map[string]any{"id": "x"}))
	spans := exp.GetSpans()
	if len(spans) != 1 {
		t.Fatalf("got %d spans, want 1", len(spans))
	}
	s := spans[0]
	if s.Name != "tools/call echo" || s.SpanKind != trace.SpanKindServer || s.SpanContext.TraceID().String() != traceID {
		t.Errorf("span %q kind %v trace %s; want tools/call echo, server, %s", s.Name, s.SpanKind, s.SpanContext.TraceID(), traceID)
	}
}
