package main

import (
	"context"
	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/rest"
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
	_ = a.Run(rest.New(), grpc.New(), graphql.New())
}
