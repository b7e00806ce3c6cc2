package telemetry_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
)

type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

type HelloOut struct {
	Message string `json:"message"`
}

type RenameIn struct {
	Name string `json:"name"`
}

type TickIn struct {
	N int `json:"n"`
}

type TickOut struct {
	I int `json:"i"`
}

// newApp returns an App with three operations: hello (query, GET
// /hello/{name}), rename (command) and ticks (stream), and mw installed.
// hello fails with not_found for "nobody", an internal error for "secret",
// and panics for "panic".
func newApp(t testing.TB, mw ...app.Middleware) *app.App {
	t.Helper()
	a := app.New(app.Name("hello"), app.Use(mw...), app.Logger(slog.New(slog.DiscardHandler)))
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		switch in.Name {
		case "nobody":
			return HelloOut{}, app.NewError(app.CodeNotFound, "no such person")
		case "secret":
			return HelloOut{}, errors.New("db password is hunter2")
		case "panic":
			panic("boom")
		}
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"))
	app.Command(a, "rename", func(_ context.Context, in RenameIn) (HelloOut, error) {
		return HelloOut{Message: in.Name}, nil
	})
	app.Stream(a, "ticks", func(_ context.Context, in TickIn, send func(TickOut) error) error {
		for i := range in.N {
			if err := send(TickOut{I: i}); err != nil {
				return err
			}
		}
		return nil
	})
	return a
}

// fakeCall is what a transport knows about one incoming call.
type fakeCall struct {
	proto app.Protocol
	op    string
	input any
	md    app.Metadata
	route string
	peer  string
	// req, for HTTP, is put in ctx as a REST transport does.
	req *http.Request
}

// serve plays a tiny transport: it fills an app.Call the way the REST,
// gRPC and GraphQL transports do and calls op.Handle.
func serve(ctx context.Context, a *app.App, fc fakeCall) (any, error) {
	op := a.Operation(fc.op)
	if op == nil {
		return nil, errors.New("no operation " + fc.op)
	}
	call := &app.Call{Protocol: fc.proto, Metadata: fc.md, Peer: fc.peer, Route: fc.route, Input: fc.input, HTTPRequest: fc.req}
	if op.Kind == app.OpStream {
		call.Send = func(any) error { return nil }
	}
	return op.Handle(ctx, call)
}

// httpCall returns a fakeCall for hello over REST with the given headers.
func httpCall(name string, h http.Header) fakeCall {
	req := httptest.NewRequest(http.MethodGet, "http://api.example.com:8080/hello/"+name, nil)
	for k, v := range h {
		req.Header[k] = v
	}
	req.RemoteAddr = "10.1.2.3:51000"
	return fakeCall{
		proto: app.ProtocolHTTP, op: "hello", input: &HelloIn{Name: name},
		md: req.Header, route: "/hello/{name}", peer: req.RemoteAddr, req: req,
	}
}

// grpcMetadata mimics the gRPC transport's adapter over metadata.MD:
// lower-case keys, and the :authority pseudo-header grpc-go adds.
type grpcMetadata map[string][]string

func (m grpcMetadata) Get(k string) string {
	if v := m.Values(k); len(v) > 0 {
		return v[0]
	}
	return ""
}

func (m grpcMetadata) Values(k string) []string {
	for kk, v := range m {
		if strings.EqualFold(kk, k) {
			return v
		}
	}
	return nil
}

func grpcCall(name, traceparent string) fakeCall {
	md := grpcMetadata{":authority": {"127.0.0.1:9090"}, "content-type": {"application/grpc"}}
	if traceparent != "" {
		md["traceparent"] = []string{traceparent}
	}
	return fakeCall{
		proto: app.ProtocolGRPC, op: "hello", input: &HelloIn{Name: name},
		md: md, route: "/hello.v1.HelloService/Hello", peer: "127.0.0.1:53000",
	}
}

// connectCall is a Connect call of the gRPC method, as
// transport/grpc/connect hands it to the App: gRPC metadata, Protocol
// connect.
func connectCall(name string) fakeCall {
	fc := grpcCall(name, traceparent)
	fc.proto = app.ProtocolConnect
	return fc
}

func graphqlCall(op string, input any, traceparent string) fakeCall {
	h := http.Header{}
	if traceparent != "" {
		h.Set("Traceparent", traceparent)
	}
	return fakeCall{proto: app.ProtocolGraphQL, op: op, input: input, md: h, peer: "127.0.0.1:53001"}
}
