package di_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"go.uber.org/fx"
	"go.uber.org/fx/fxtest"
	"go.uber.org/goleak"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64"`
}

type HelloOut struct {
	Message string `json:"message"`
}

// Greeter is a handler dependency provided through fx like any other.
type Greeter struct{ greeting string }

func NewGreeter() *Greeter { return &Greeter{greeting: "Hello"} }

func (g *Greeter) Hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: g.greeting + ", " + in.Name + "!"}, nil
}

func register(a *app.App, g *Greeter) {
	app.Query(a, "hello", g.Hello, app.HTTP("GET", "/hello/{name}"))
}

func TestServesThroughFx(t *testing.T) {
	var a *app.App
	var tr *httpserver.Host
	fxa := fxtest.New(t,
		di.Module(app.Name("hello"), app.DrainDelay(0)),
		httpfx.Module(httpserver.WithAddr("127.0.0.1:0")), restfx.Module(),
		fx.Provide(NewGreeter),
		fx.Invoke(register),
		fx.Populate(&a, &tr),
		fx.NopLogger,
	)
	if a.Ready() {
		t.Error("ready before start")
	}
	fxa.RequireStart()
	if !a.Ready() {
		t.Error("not ready after start")
	}
	resp, err := http.Get("http://" + tr.Addr().String() + "/hello/Ada")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "{\"message\":\"Hello, Ada!\"}\n" {
		t.Errorf("got %q", body)
	}
	fxa.RequireStop()
	if a.Ready() {
		t.Error("ready after stop")
	}
	if _, err := http.Get("http://" + tr.Addr().String() + "/healthz"); err == nil {
		t.Error("server still answers after stop")
	}
}

func TestPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	fxa := fx.New(
		di.Module(app.Name("hello"), app.DrainDelay(0)),
		httpfx.Module(httpserver.WithAddr(ln.Addr().String())), restfx.Module(),
		fx.Provide(NewGreeter),
		fx.Invoke(register),
		fx.NopLogger,
	)
	err = fxa.Start(context.Background())
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Fatalf("Start error = %v; want address already in use", err)
	}
	// Nothing may be left running: goleak in TestMain checks goroutines.
	_ = fxa.Stop(context.Background())
}
