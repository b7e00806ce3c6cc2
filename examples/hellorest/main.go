// Command hellorest is the REST-only hello world: the same handler as
// examples/helloworld, mounted on the HTTP host with the REST transport
// only (OpenAPI, docs page, health), so it links no gRPC, GraphQL or fx
// code. The footprint test (internal/footprint) holds its binary size and
// idle memory to the limits of issue 14.
//
//	go run ./examples/hellorest
//	curl localhost:8080/hello/Ada
package main

import (
	"context"
	"os"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// HelloIn is the input of hello.
type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64" doc:"Who to greet"`
}

// HelloOut is the output of hello.
type HelloOut struct {
	Message string `json:"message" doc:"The greeting"`
}

func newApp() *app.App {
	a := app.New(app.Name("hello"), app.Version("1.0.0"))
	app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
	return a
}

func main() {
	a := newApp()
	if err := a.Run(httpserver.New(), rest.New()); err != nil {
		a.Logger().Error("hellorest: " + err.Error())
		os.Exit(1)
	}
}
