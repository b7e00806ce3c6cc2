// Command grpconly is a gRPC fx service without Connect: the linkage test
// builds it and checks that neither vanguard nor connect-go is linked.
package main

import (
	"context"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/grpcfx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/transport/grpc"
)

type HelloIn struct {
	Name string `json:"name"`
}

type HelloOut struct {
	Message string `json:"message"`
}

func main() {
	fx.New(
		di.Module(app.Name("hello")),
		httpfx.Module(), grpcfx.Module(grpc.WithH2C()),
		fx.Invoke(func(a *app.App) {
			app.Query(a, "hello", func(_ context.Context, in HelloIn) (HelloOut, error) {
				return HelloOut{Message: "Hello, " + in.Name}, nil
			})
		}),
	).Run()
}
