// Command allframe is the framework's side of the benchmark, served by
// allframe.Run as a service author writes it: REST, OpenAPI, docs and
// GraphQL on ALLFRAME_HTTP_ADDR, gRPC (reflection, health) on
// ALLFRAME_GRPC_ADDR. -app workload (default) serves package workload's
// App, -app graphql gqlgenbench's App (the schema of the gqlgen baseline).
package main

import (
	"flag"
	"log"

	"github.com/allframe-go/allframe"
	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/bench/gqlgenbench"
	"github.com/allframe-go/allframe/bench/internal/stats"
	"github.com/allframe-go/allframe/bench/workload"
)

func main() {
	which := flag.String("app", "workload", "workload or graphql")
	flag.Parse()
	var a *app.App
	switch *which {
	case "workload":
		a = workload.NewApp()
	case "graphql":
		a = gqlgenbench.NewApp()
	default:
		log.Fatalf("unknown -app %q", *which)
	}
	if err := stats.Serve(); err != nil {
		log.Fatal(err)
	}
	allframe.Run(a)
}
