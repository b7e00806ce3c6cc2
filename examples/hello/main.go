// Command hello is the smallest AllFrame service: one typed handler,
// registered once, served over REST (with OpenAPI and docs), gRPC (with
// reflection and health) and GraphQL, assembled with fx and traced with
// OpenTelemetry when OTEL_* variables ask for it.
//
//	go run ./examples/hello
//	curl localhost:8080/hello/Ada
//	grpcurl -plaintext -d '{"name":"Ada"}' localhost:9090 hello.v1.HelloService/Hello
//	curl --json '{"query":"{ hello(name: \"Ada\") { message } }"}' localhost:8080/graphql
package main

import (
	"context"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/graphqlfx"
	"github.com/allframe-go/allframe/di/grpcfx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
)

// HelloIn is the input of hello.
type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64" doc:"Who to greet"`
}

// HelloOut is the output of hello.
type HelloOut struct {
	Message string `json:"message" doc:"The greeting"`
}

func hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

// register registers the operations; fx calls it before the App starts.
func register(a *app.App) {
	app.Query(a, "hello", hello, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
}

// options assembles the service; tests pass extra options (addresses).
func options(extra ...fx.Option) fx.Option {
	return fx.Options(
		di.Module(app.Name("hello"), app.Version("1.0.0")),
		telemetryfx.Module(),
		httpfx.Module(),
		restfx.Module(),
		grpcfx.Module(),
		graphqlfx.Module(),
		fx.Invoke(register),
		di.QuietLogger(),
		fx.Options(extra...),
	)
}

func main() {
	fx.New(options()).Run()
}
