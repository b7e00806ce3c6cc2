// Command hello is the smallest AllFrame service: one typed handler,
// registered once, served over REST (with OpenAPI and docs).
package main

import (
	"context"
	"log"

	"github.com/allframe-go/allframe/app"
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

func hello(_ context.Context, in HelloIn) (HelloOut, error) {
	return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
}

// newApp registers the operations; tests reuse it.
func newApp(opts ...app.Option) *app.App {
	a := app.New(append([]app.Option{app.Name("hello"), app.Version("1.0.0")}, opts...)...)
	app.Query(a, "hello", hello, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
	return a
}

func main() {
	if err := newApp().Run(rest.New()); err != nil {
		log.Fatal(err)
	}
}
