package main

import (
	"context"
	"github.com/allframe-go/allframe"
	"github.com/allframe-go/allframe/app"
)

type HelloIn struct {
	Name string `json:"name" path:"name" validate:"required,max=64" doc:"Who to greet"`
}
type HelloOut struct {
	Message string `json:"message"`
}

func main() {
	a := app.New(app.Name("hello"), app.Version("1.0.0"))
	app.Query(a, "hello", func(ctx context.Context, in HelloIn) (HelloOut, error) {
		return HelloOut{Message: "Hello, " + in.Name + "!"}, nil
	}, app.HTTP("GET", "/hello/{name}"), app.Describe("Greets someone"))
	allframe.Run(a) // REST, OpenAPI, docs, GraphQL on :8080; gRPC on :9090; exits 1 if it cannot start
}
