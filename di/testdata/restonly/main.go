// Command restonly is a REST-only fx service: the linkage test builds it
// and checks that no gRPC or GraphQL code is linked.
package main

import (
	"context"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
)

type HelloIn struct {
	Name string `json:"name" path:"name"`
}

type HelloOut struct {
	Message string `json:"message"`
}

func main() {
	fx.New(
		di.Module(app.Name("hello")),
		httpfx.Module(), restfx.Module(),
		fx.Invoke(func(a *app.App) {
			app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
				return HelloOut{Message: "Hello, " + in.Name}, nil
			}, app.HTTP("GET", "/hello/{name}"))
		}),
	).Run()
}
