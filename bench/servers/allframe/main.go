// Command allframe is the framework's side of the benchmark, served by
// allframe.Run as a service author writes it: REST, OpenAPI, docs and
// GraphQL on ALLFRAME_HTTP_ADDR, gRPC (reflection, health) on
// ALLFRAME_GRPC_ADDR. -app workload (default) serves package workload's
// App, -app graphql gqlgenbench's App (the schema of the gqlgen baseline),
// -app connect the workload with Connect and gRPC-Web on the HTTP port
// (transport/grpc/connect, opt-in, so not in allframe.Run).
package main

import (
	"flag"
	"log"

	"github.com/allframe-go/allframe"
	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/bench/gqlgenbench"
	"github.com/allframe-go/allframe/bench/internal/stats"
	"github.com/allframe-go/allframe/bench/workload"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/grpc/connect"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

func main() {
	which := flag.String("app", "workload", "workload or graphql")
	flag.Parse()
	if err := stats.Serve(); err != nil {
		log.Fatal(err)
	}
	var a *app.App
	switch *which {
	case "workload":
		a = workload.NewApp()
	case "graphql":
		a = gqlgenbench.NewApp()
	case "connect":
		serveConnect(workload.NewApp())
		return
	default:
		log.Fatalf("unknown -app %q", *which)
	}
	allframe.Run(a)
}

// serveConnect serves a as allframe.Run does, with Connect and gRPC-Web on
// the HTTP host.
func serveConnect(a *app.App) {
	limits, err := middleware.DefaultsFromEnv(nil)
	if err == nil {
		a.Use(limits...)
		err = a.Run(httpserver.New(), rest.New(), grpc.New(grpc.WithHTTPProtocols(connect.New())))
	}
	if err != nil {
		log.Fatal(err)
	}
}
