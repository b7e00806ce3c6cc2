package app_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/google/go-cmp/cmp"
)

type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64" doc:"Who to greet"`
}

type HelloOut struct {
	Message string `json:"message"`
}

func newHello(t testing.TB, opts ...app.Option) *app.App {
	t.Helper()
	a := app.New(append([]app.Option{app.Name("hello")}, opts...)...)
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		if in.Name == "panic" {
			panic("boom")
		}
		if in.Name == "nobody" {
			return HelloOut{}, app.NewError(app.CodeNotFound, "no such person")
		}
		if in.Name == "secret" {
			return HelloOut{}, errors.New("db password is hunter2")
		}
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
	return a
}

func TestInvoke(t *testing.T) {
	a := newHello(t)
	tests := []struct {
		give     string
		want     string
		wantCode app.Code
		wantMsg  string
	}{
		{give: "Ada", want: "Hello, Ada!"},
		{give: "", wantCode: app.CodeInvalidArgument, wantMsg: "invalid name: is required"},
		{give: string(make([]byte, 65)), wantCode: app.CodeInvalidArgument, wantMsg: "invalid name: must be at most 64 characters"},
		{give: "panic", wantCode: app.CodeInternal, wantMsg: "internal error"},
		{give: "nobody", wantCode: app.CodeNotFound, wantMsg: "no such person"},
		{give: "secret", wantCode: app.CodeInternal, wantMsg: "internal error"},
	}
	for _, tt := range tests {
		out, err := app.Invoke[HelloIn, HelloOut](context.Background(), a, "hello", HelloIn{Name: tt.give})
		e := app.ErrorFrom(err)
		var gotCode app.Code
		var gotMsg string
		if e != nil {
			gotCode, gotMsg = e.Code, e.Message
		}
		if out.Message != tt.want || gotCode != tt.wantCode || gotMsg != tt.wantMsg {
			t.Errorf("hello(%q) = %q, %v %q; want %q, %v %q", tt.give, out.Message, gotCode, gotMsg, tt.want, tt.wantCode, tt.wantMsg)
		}
	}
}

func TestInvokeJSON(t *testing.T) {
	a := newHello(t)
	got, err := a.InvokeJSON(context.Background(), "hello", []byte(`{"name":"Ada"}`))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(got), `{"message":"Hello, Ada!"}`); diff != "" {
		t.Error(diff)
	}
	_, err = a.InvokeJSON(context.Background(), "hello", []byte(`{"name":`))
	if app.CodeOf(err) != app.CodeInvalidArgument {
		t.Errorf("malformed JSON: got %v, want invalid_argument", err)
	}
}

func TestMiddlewareSeesCall(t *testing.T) {
	var seen []string
	mw := func(next app.Handler) app.Handler {
		return func(ctx context.Context, c *app.Call) (any, error) {
			seen = append(seen, c.Operation.Name+"/"+c.Protocol.String()+"/"+c.Metadata.Get("x-user"))
			if app.CallFrom(ctx) != c {
				t.Error("CallFrom(ctx) is not the call")
			}
			return next(ctx, c)
		}
	}
	a := newHello(t, app.Use(mw))
	md := app.MapMetadata{}
	md.Set("X-User", "ada")
	if _, err := app.Invoke[HelloIn, HelloOut](context.Background(), a, "hello", HelloIn{Name: "x"}, app.WithMetadata(md)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(seen, []string{"hello/inprocess/ada"}); diff != "" {
		t.Error(diff)
	}
}

// TestOperationHeaders checks that declared headers are canonicalised and
// that a later declaration of a name replaces the earlier one.
func TestOperationHeaders(t *testing.T) {
	a := app.New()
	op := app.Query(a, "q", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil },
		app.RequestHeader(app.Header{Name: "consistency-token", Description: "first"}),
		app.RequestHeader(app.Header{Name: "Consistency-Token", Description: "second"}),
		app.RequestHeader(app.Header{Name: "x-b", Required: true}),
		app.ResponseHeader(app.Header{Name: "x-out"}))
	want := []app.Header{{Name: "Consistency-Token", Description: "second"}, {Name: "X-B", Required: true}}
	if diff := cmp.Diff(op.Headers, want); diff != "" {
		t.Errorf("headers (-got +want):\n%s", diff)
	}
	if diff := cmp.Diff(op.ResponseHeaders, []app.Header{{Name: "X-Out"}}); diff != "" {
		t.Errorf("response headers (-got +want):\n%s", diff)
	}
}

func TestWarnsWhenNoTransportServesOperations(t *testing.T) {
	var logs strings.Builder
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	if !strings.Contains(logs.String(), "no mounted transport serves the registered operations") {
		t.Errorf("log %q; want a warning that nothing serves the operations", logs.String())
	}
}

type servingTransport struct{}

func (servingTransport) Start(context.Context, *app.App) error { return nil }
func (servingTransport) Stop(context.Context) error            { return nil }
func (servingTransport) ServesOperations() bool                { return true }

func TestNoWarningWhenATransportServesOperations(t *testing.T) {
	var logs strings.Builder
	a := app.New(app.Logger(slog.New(slog.NewTextHandler(&logs, nil))))
	app.Query(a, "hello", func(context.Context, struct{}) (struct{}, error) { return struct{}{}, nil })
	a.Mount(servingTransport{})
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = a.Stop(context.Background()) }()
	if strings.Contains(logs.String(), "no mounted transport") {
		t.Errorf("warned although a transport serves the operations: %q", logs.String())
	}
}

// TestConcurrentFirstCalls: in-process calls may race each other before
// the App starts; building the chains must be safe (go test -race).
func TestConcurrentFirstCalls(t *testing.T) {
	a := newHello(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := app.Invoke[HelloIn, HelloOut](context.Background(), a, "hello", HelloIn{Name: "Ada"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
