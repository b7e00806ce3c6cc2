// Command bank is AllFrame's CQRS example: bank accounts as event-sourced
// aggregates in an embedded SQLite event store, served over REST, gRPC and
// GraphQL from one registration each, assembled with fx.
//
//	go run ./examples/bank
//	curl --json '{"owner":"ada"}' localhost:8080/accounts
//	curl --json '{"amount":100}' localhost:8080/accounts/$ID/deposit
//	grpcurl -plaintext -d '{"id":"'$ID'","amount":50}' localhost:9090 bank.v1.BankService/Deposit
//	curl --json '{"query":"mutation { deposit(id: \"'$ID'\", amount: 25) { balance } }"}' localhost:8080/graphql
//	curl localhost:8080/accounts/$ID
//	curl -N localhost:8080/accounts/$ID/events
//
// The store is chosen by ALLFRAME_EVENTSTORE: "sqlite:PATH" (default
// sqlite:bank.db; add ?durability=normal to trade power-loss durability for
// speed), "memory:", or "postgres://USER@HOST:PORT/DB[?schema=NAME]" —
// several instances on one PostgreSQL schema act as one service (the
// accounts listing is a table there, applied by one instance at a time).
// Addresses come from ALLFRAME_HTTP_ADDR (default
// :8080) and ALLFRAME_GRPC_ADDR (default :9090); OTEL_* variables turn on
// tracing. ALLFRAME_MCP=on serves the operations as MCP tools at /mcp.
package main

import (
	"context"
	"strings"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/di/cqrsfx"
	"github.com/allframe-go/allframe/di/graphqlfx"
	"github.com/allframe-go/allframe/di/grpcfx"
	"github.com/allframe-go/allframe/di/httpfx"
	"github.com/allframe-go/allframe/di/mcpfx"
	"github.com/allframe-go/allframe/di/restfx"
	"github.com/allframe-go/allframe/di/telemetryfx"
	"github.com/allframe-go/allframe/transport/mcp"
)

// options assembles the service; tests pass extra options (addresses, a
// store in a temporary directory).
func options(extra ...fx.Option) fx.Option {
	return fx.Options(
		di.Module(app.Name("bank"), app.Version("1.0.0"),
			app.Description("Bank accounts as event-sourced aggregates")),
		telemetryfx.Module(),
		httpfx.Module(),
		restfx.Module(),
		grpcfx.Module(),
		graphqlfx.Module(),
		mcpfx.Module(mcp.WithAll()),
		cqrsfx.Module(cqrsfx.WithDefaultURL(defaultEventStore)),
		cqrsfx.Bus(),
		fx.Provide(registry, newBank),
		fx.Invoke(announce),
		di.QuietLogger(),
		fx.Options(extra...),
	)
}

// announce logs where the service listens once it has started.
func announce(lc fx.Lifecycle, a *app.App, _ *bank, es *cqrsfx.EventStore) {
	lc.Append(fx.StartHook(func(ctx context.Context) {
		http, grpc := "", ""
		for _, e := range a.Endpoints() {
			if rest, ok := strings.CutPrefix(e, "http://"); ok {
				http = rest
			} else if rest, ok := strings.CutPrefix(e, "grpc://"); ok {
				grpc = rest
			}
		}
		a.Logger().InfoContext(ctx, "bank serving", "http", http, "grpc", grpc, "eventstore", es.URL)
	}))
}

func main() {
	fx.New(options()).Run()
}
