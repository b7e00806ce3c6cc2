// Command bank is AllFrame's CQRS example: event-sourced accounts, a
// declarative read model listing them and transfers as a saga, served over
// REST, gRPC, Connect / gRPC-Web, GraphQL and (ALLFRAME_MCP=on) MCP from one
// registration each, with no SQL and no per-store code. ALLFRAME_EVENTSTORE
// chooses the store: sqlite:PATH (default sqlite:bank.db), memory:, or
// postgres://USER@HOST:PORT/DB[?schema=NAME], where several instances on
// one schema act as one service (see README.md). ALLFRAME_CONSOLE=on
// serves the developer console at /_console/.
package main

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/consolefx"
	"github.com/allframe-go/allframe/di/cqrsfx"
	"github.com/allframe-go/allframe/di/graphqlfx"
	"github.com/allframe-go/allframe/di/grpcfx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/mcpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/connect"
	"github.com/allframe-go/allframe/transport/mcp"
)

// options assembles the service; tests pass extra options (addresses, a
// store in a temporary directory).
func options(extra ...fx.Option) fx.Option {
	return fx.Options(
		di.Module(app.Name("bank"), app.Version("1.0.0"),
			app.Description("Bank accounts as event-sourced aggregates")),
		telemetryfx.Module(), consolefx.Module(), httpfx.Module(), restfx.Module(), graphqlfx.Module(), mcpfx.Module(mcp.WithAll()),
		grpcfx.Module(grpc.WithHTTPProtocols(connect.New())), // Connect and gRPC-Web on the HTTP port
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
