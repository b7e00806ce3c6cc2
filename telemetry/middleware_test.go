package telemetry_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/baggage"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/telemetry"
)

const (
	traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	callerSpan  = "00f067aa0ba902b7"
)

// statusCode is a stand-in for rest.StatusCode, which telemetry may not
// import.
func statusCode(c app.Code) int {
	switch c {
	case app.CodeOK:
		return http.StatusOK
	case app.CodeInvalidArgument:
		return http.StatusBadRequest
	case app.CodeNotFound:
		return http.StatusNotFound
	case app.CodeCanceled:
		return 499
	case app.CodeUnimplemented:
		return http.StatusNotImplemented
	case app.CodeUnavailable:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// spanView is the part of a span the tests compare.
type spanView struct {
	Name   string
	Kind   trace.SpanKind
	Trace  string
	Parent string
	Status codes.Code
	Desc   string
	Attrs  map[string]string
	Events []string
}

func viewOf(s sdktrace.ReadOnlySpan) spanView {
	v := spanView{
		Name: s.Name(), Kind: s.SpanKind(), Trace: s.SpanContext().TraceID().String(),
		Status: s.Status().Code, Desc: s.Status().Description, Attrs: map[string]string{},
	}
	if s.Parent().IsValid() {
		v.Parent = s.Parent().SpanID().String()
	}
	for _, kv := range s.Attributes() {
		v.Attrs[string(kv.Key)] = kv.Value.String()
	}
	for _, e := range s.Events() {
		v.Events = append(v.Events, e.Name)
	}
	return v
}

// traced runs fc through an App whose only middleware is
// telemetry.Middleware over an in-memory exporter and returns the spans.
func traced(t *testing.T, fc fakeCall, opts ...telemetry.MiddlewareOption) []spanView {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	a := newApp(t, telemetry.Middleware(tp, nil, opts...))
	_, _ = serve(context.Background(), a, fc)
	var out []spanView
	for _, s := range exp.GetSpans().Snapshots() {
		v := viewOf(s)
		// Every span names its protocol; checked here once, so the
		// tables below list the protocol-specific attributes only.
		if got := v.Attrs["allframe.protocol"]; got != string(fc.proto) {
			t.Errorf("span %s: allframe.protocol = %q, want %q", v.Name, got, fc.proto)
		}
		delete(v.Attrs, "allframe.protocol")
		out = append(out, v)
	}
	return out
}

func TestMiddlewareHTTP(t *testing.T) {
	withParent := http.Header{"Traceparent": {traceparent}, "User-Agent": {"curl/8.5"}}
	base := func(extra map[string]string) map[string]string {
		m := map[string]string{
			"allframe.operation":       "hello",
			"http.request.method":      "GET",
			"http.route":               "/hello/{name}",
			"url.scheme":               "http",
			"server.address":           "api.example.com",
			"server.port":              "8080",
			"client.address":           "10.1.2.3",
			"network.peer.address":     "10.1.2.3",
			"network.peer.port":        "51000",
			"network.protocol.version": "1.1",
			"user_agent.original":      "curl/8.5",
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		give string
		want spanView
	}{
		{
			name: "ok",
			give: "Ada",
			want: spanView{
				Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: base(map[string]string{"url.path": "/hello/Ada", "http.response.status_code": "200"}),
			},
		},
		{
			name: "client error is not a span error",
			give: "nobody",
			want: spanView{
				Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: base(map[string]string{"url.path": "/hello/nobody", "http.response.status_code": "404", "allframe.error.code": "not_found"}),
			},
		},
		{
			name: "invalid input",
			give: "",
			want: spanView{
				Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: base(map[string]string{"url.path": "/hello/", "http.response.status_code": "400", "allframe.error.code": "invalid_argument"}),
			},
		},
		{
			name: "server error",
			give: "secret",
			want: spanView{
				Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Status: codes.Error, Desc: "internal error", Events: []string{"exception"},
				Attrs: base(map[string]string{"url.path": "/hello/secret", "http.response.status_code": "500", "allframe.error.code": "internal", "error.type": "500"}),
			},
		},
		{
			name: "panic",
			give: "panic",
			want: spanView{
				Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Status: codes.Error, Desc: "panic", Events: []string{"exception"},
				Attrs: base(map[string]string{"url.path": "/hello/panic", "http.response.status_code": "500", "allframe.error.code": "internal", "error.type": "500"}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traced(t, httpCall(tt.give, withParent), telemetry.WithHTTPStatus(statusCode))
			if diff := cmp.Diff(got, []spanView{tt.want}); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareHTTPWithoutStatusMappingOrRequest(t *testing.T) {
	// A transport that neither maps statuses for telemetry nor puts the
	// request in ctx: the span still has its name, route and method, and
	// server-fault codes mark errors.
	fc := httpCall("secret", http.Header{})
	fc.req, fc.route = nil, ""
	got := traced(t, fc)
	want := []spanView{{
		Name: "GET /hello/{name}", Kind: trace.SpanKindServer, Trace: got[0].Trace,
		Status: codes.Error, Desc: "internal error", Events: []string{"exception"},
		Attrs: map[string]string{
			"allframe.operation": "hello", "http.request.method": "GET", "http.route": "/hello/{name}",
			"client.address": "10.1.2.3", "network.peer.address": "10.1.2.3", "network.peer.port": "51000",
			"allframe.error.code": "internal", "error.type": "INTERNAL",
		},
	}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("spans (-got +want):\n%s", diff)
	}
}

func TestMiddlewareGRPC(t *testing.T) {
	grpcBase := func(conv telemetry.RPCConventions, extra map[string]string) map[string]string {
		m := map[string]string{
			"allframe.operation":   "hello",
			"server.address":       "127.0.0.1",
			"server.port":          "9090",
			"network.peer.address": "127.0.0.1",
			"network.peer.port":    "53000",
		}
		if conv != telemetry.RPCConventionsCurrent {
			m["rpc.system"], m["rpc.service"], m["rpc.method"] = "grpc", "hello.v1.HelloService", "Hello"
		}
		if conv != telemetry.RPCConventionsEstablished {
			m["rpc.system.name"], m["rpc.method"] = "grpc", "hello.v1.HelloService/Hello"
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		give string
		conv telemetry.RPCConventions
		want spanView
	}{
		{
			name: "ok",
			give: "Ada",
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: grpcBase(telemetry.RPCConventionsEstablished, map[string]string{"rpc.grpc.status_code": "0"}),
			},
		},
		{
			name: "not found is not a server error",
			give: "nobody",
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: grpcBase(telemetry.RPCConventionsEstablished, map[string]string{"rpc.grpc.status_code": "5", "allframe.error.code": "not_found"}),
			},
		},
		{
			name: "internal",
			give: "secret",
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Status: codes.Error, Desc: "internal error", Events: []string{"exception"},
				Attrs: grpcBase(telemetry.RPCConventionsEstablished, map[string]string{"rpc.grpc.status_code": "13", "allframe.error.code": "internal", "error.type": "INTERNAL"}),
			},
		},
		{
			name: "current conventions",
			give: "secret",
			conv: telemetry.RPCConventionsCurrent,
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Status: codes.Error, Desc: "internal error", Events: []string{"exception"},
				Attrs: grpcBase(telemetry.RPCConventionsCurrent, map[string]string{"rpc.response.status_code": "INTERNAL", "allframe.error.code": "internal", "error.type": "INTERNAL"}),
			},
		},
		{
			name: "both conventions",
			give: "Ada",
			conv: telemetry.RPCConventionsBoth,
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: grpcBase(telemetry.RPCConventionsBoth, map[string]string{"rpc.grpc.status_code": "0", "rpc.response.status_code": "OK"}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traced(t, grpcCall(tt.give, traceparent), telemetry.WithRPCConventions(tt.conv))
			if diff := cmp.Diff(got, []spanView{tt.want}); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

// TestMiddlewareConnect checks that Connect calls follow gRPC's RPC
// conventions with Connect's system name, and its code on errors only.
func TestMiddlewareConnect(t *testing.T) {
	base := func(conv telemetry.RPCConventions, extra map[string]string) map[string]string {
		m := map[string]string{
			"allframe.operation":   "hello",
			"server.address":       "127.0.0.1",
			"server.port":          "9090",
			"network.peer.address": "127.0.0.1",
			"network.peer.port":    "53000",
		}
		if conv != telemetry.RPCConventionsCurrent {
			m["rpc.system"], m["rpc.service"], m["rpc.method"] = "connect_rpc", "hello.v1.HelloService", "Hello"
		}
		if conv != telemetry.RPCConventionsEstablished {
			m["rpc.system.name"], m["rpc.method"] = "connectrpc", "hello.v1.HelloService/Hello"
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		give string
		conv telemetry.RPCConventions
		want spanView
	}{
		{
			name: "ok has no code",
			give: "Ada",
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: base(telemetry.RPCConventionsEstablished, nil),
			},
		},
		{
			name: "not found",
			give: "nobody",
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: base(telemetry.RPCConventionsEstablished, map[string]string{"rpc.connect_rpc.error_code": "not_found", "allframe.error.code": "not_found"}),
			},
		},
		{
			name: "both conventions",
			give: "secret",
			conv: telemetry.RPCConventionsBoth,
			want: spanView{
				Name: "hello.v1.HelloService/Hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Status: codes.Error, Desc: "internal error", Events: []string{"exception"},
				Attrs: base(telemetry.RPCConventionsBoth, map[string]string{
					"rpc.connect_rpc.error_code": "internal", "rpc.response.status_code": "internal", "allframe.error.code": "internal", "error.type": "INTERNAL",
				}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traced(t, connectCall(tt.give), telemetry.WithRPCConventions(tt.conv))
			if diff := cmp.Diff(got, []spanView{tt.want}); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareGraphQL(t *testing.T) {
	gqlAttrs := func(typ, name string, extra map[string]string) map[string]string {
		m := map[string]string{
			"allframe.operation": name, "graphql.operation.type": typ, "graphql.operation.name": name,
			"client.address": "127.0.0.1", "network.peer.address": "127.0.0.1", "network.peer.port": "53001",
		}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	tests := []struct {
		name string
		give fakeCall
		want spanView
	}{
		{
			name: "query",
			give: graphqlCall("hello", &HelloIn{Name: "Ada"}, traceparent),
			want: spanView{Name: "query hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan, Attrs: gqlAttrs("query", "hello", nil)},
		},
		{
			name: "mutation",
			give: graphqlCall("rename", &RenameIn{Name: "Ada"}, traceparent),
			want: spanView{Name: "mutation rename", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan, Attrs: gqlAttrs("mutation", "rename", nil)},
		},
		{
			name: "subscription counts items",
			give: graphqlCall("ticks", &TickIn{N: 3}, traceparent),
			want: spanView{
				Name: "subscription ticks", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: gqlAttrs("subscription", "ticks", map[string]string{"allframe.stream.items": "3"}),
			},
		},
		{
			name: "error",
			give: graphqlCall("hello", &HelloIn{Name: "nobody"}, traceparent),
			want: spanView{
				Name: "query hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan,
				Attrs: gqlAttrs("query", "hello", map[string]string{"allframe.error.code": "not_found"}),
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traced(t, tt.give)
			if diff := cmp.Diff(got, []spanView{tt.want}); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

func TestMiddlewareInProcess(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := newApp(t, telemetry.Middleware(tp, nil))
	md := app.MapMetadata{}
	md.Set("traceparent", traceparent)
	if _, err := app.Invoke[HelloIn, HelloOut](context.Background(), a, "hello", HelloIn{Name: "Ada"}, app.WithMetadata(md)); err != nil {
		t.Fatal(err)
	}
	var got []spanView
	for _, s := range exp.GetSpans().Snapshots() {
		got = append(got, viewOf(s))
	}
	want := []spanView{{Name: "hello", Kind: trace.SpanKindInternal, Trace: callerTrace, Parent: callerSpan, Attrs: map[string]string{"allframe.operation": "hello", "allframe.protocol": "inprocess"}}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("spans (-got +want):\n%s", diff)
	}
}

// TestHandlerContext checks that the handler's ctx carries the server
// span (so user code and CQRS add child spans) and the caller's baggage.
func TestHandlerContext(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := app.New(app.Use(telemetry.Middleware(tp, nil)))
	var gotBaggage string
	app.Query(a, "work", func(ctx context.Context, _ RenameIn) (HelloOut, error) {
		gotBaggage = baggage.FromContext(ctx).Member("tenant").Value()
		_, child := trace.SpanFromContext(ctx).TracerProvider().Tracer("user").Start(ctx, "db query")
		child.End()
		return HelloOut{}, nil
	})
	h := http.Header{"Traceparent": {traceparent}, "Baggage": {"tenant=acme"}}
	if _, err := serve(context.Background(), a, fakeCall{proto: app.ProtocolHTTP, op: "work", input: &RenameIn{Name: "x"}, md: h}); err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 2 {
		t.Fatalf("got %d spans, want 2 (child, server)", len(spans))
	}
	child, server := spans[0], spans[1]
	got := []string{gotBaggage, child.Name, child.Parent.SpanID().String(), server.Name, server.Parent.SpanID().String()}
	want := []string{"acme", "db query", server.SpanContext.SpanID().String(), "GET /work", callerSpan}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("baggage, child, child parent, server, server parent (-got +want):\n%s", diff)
	}
}

func TestMiddlewareNoParent(t *testing.T) {
	got := traced(t, grpcCall("Ada", ""))
	if len(got) != 1 || got[0].Parent != "" || got[0].Trace == callerTrace {
		t.Errorf("without traceparent: got %+v, want one root span with a fresh trace id", got)
	}
}

func TestMiddlewareMalformedTraceparent(t *testing.T) {
	// A malformed traceparent is ignored: a new root span, and the call
	// succeeds.
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	a := newApp(t, telemetry.Middleware(tp, nil))
	out, err := serve(context.Background(), a, grpcCall("Ada", "00-zz-yy-01"))
	if err != nil {
		t.Fatal(err)
	}
	spans := exp.GetSpans()
	if len(spans) != 1 || spans[0].Parent.IsValid() || out.(*HelloOut).Message != "Hello, Ada!" {
		t.Errorf("got %d spans (parent valid: %v), out %+v; want one root span and the greeting", len(spans), len(spans) == 1 && spans[0].Parent.IsValid(), out)
	}
}

func TestMiddlewareDisabledIsIdentity(t *testing.T) {
	// With no providers, the middleware hands back next itself.
	var calls int
	next := func(context.Context, *app.Call) (any, error) { calls++; return nil, nil }
	h := telemetry.Middleware(nil, nil)(next)
	_, _ = h(context.Background(), &app.Call{})
	if calls != 1 {
		t.Errorf("next called %d times, want 1", calls)
	}
}

func TestSamplerOffRecordsNothing(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp), sdktrace.WithSampler(sdktrace.NeverSample()))
	a := newApp(t, telemetry.Middleware(tp, nil))
	if _, err := serve(context.Background(), a, graphqlCall("ticks", &TickIn{N: 2}, "")); err != nil {
		t.Fatal(err)
	}
	if n := len(exp.GetSpans()); n != 0 {
		t.Errorf("got %d spans with NeverSample, want 0", n)
	}
}

func TestSpanNames(t *testing.T) {
	withMethod := func(method string) fakeCall {
		fc := httpCall("Ada", http.Header{})
		fc.req.Method = method
		return fc
	}
	noRoute := grpcCall("Ada", "")
	noRoute.route = ""
	tests := []struct {
		name string
		give fakeCall
		want []string // span name, then http.request.method / rpc.service and rpc.method
	}{
		{name: "HEAD on a GET route", give: withMethod(http.MethodHead), want: []string{"HEAD /hello/{name}", "HEAD", ""}},
		{name: "unknown method", give: withMethod("BREW"), want: []string{"HTTP /hello/{name}", "_OTHER", "BREW"}},
		{name: "gRPC without a route", give: noRoute, want: []string{"hello/Hello", "hello", "Hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := traced(t, tt.give)
			if len(spans) != 1 {
				t.Fatalf("got %d spans, want 1", len(spans))
			}
			s := spans[0]
			got := []string{s.Name, s.Attrs["http.request.method"] + s.Attrs["rpc.service"], s.Attrs["http.request.method_original"] + s.Attrs["rpc.method"]}
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}
