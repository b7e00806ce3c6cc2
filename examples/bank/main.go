// Command bank is AllFrame's CQRS example: bank accounts as event-sourced
// aggregates, a declarative read model that lists them and transfers as a
// saga, served over REST, gRPC and GraphQL from one registration each —
// with no SQL and no code for one store or another (see README.md).
//
//	go run ./examples/bank
//
// ALLFRAME_EVENTSTORE chooses the store: "sqlite:PATH" (default
// sqlite:bank.db; ?durability=normal trades power-loss durability for
// speed), "memory:", or "postgres://USER@HOST:PORT/DB[?schema=NAME]", where
// several instances on one schema act as one service. Addresses come from
// ALLFRAME_HTTP_ADDR (default :8080) and ALLFRAME_GRPC_ADDR (default
// :9090); OTEL_* variables turn on tracing.
package main

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/cqrsfx"
	"github.com/allframe-go/allframe/di/graphqlfx"
	"github.com/allframe-go/allframe/di/grpcfx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
)

// options assembles the service; tests pass extra options (addresses, a
// store in a temporary directory).
func options(extra ...fx.Option) fx.Option {
	return fx.Options(
		di.Module(app.Name("bank"), app.Version("1.0.0"),
			app.Description("Bank accounts as event-sourced aggregates")),
		telemetryfx.Module(), httpfx.Module(), restfx.Module(), grpcfx.Module(), graphqlfx.Module(),
		cqrsfx.Module(cqrsfx.WithDefaultURL("sqlite:bank.db")),
		cqrsfx.Bus(),
		fx.Provide(registry, newBank),
		fx.Invoke(func(*bank) {}), // di logs "serving" with the endpoints once started
		di.QuietLogger(),
		fx.Options(extra...),
	)
}

func main() {
	fx.New(options()).Run()
}
