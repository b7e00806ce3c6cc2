// Package allframe is AllFrame's batteries-included entry point: Run
// serves an App over every protocol at once. A service that wants less
// mounts the transports it needs itself (a.Run(httpserver.New(),
// rest.New())) and links nothing else; this package links them all.
package allframe

import (
	"os"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/schemaexport"
	"github.com/allframe-go/allframe/middleware"
	"github.com/allframe-go/allframe/transport/graphql"
	"github.com/allframe-go/allframe/transport/grpc"
	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// Run serves a until SIGINT or SIGTERM, then drains: the HTTP host
// (ALLFRAME_HTTP_ADDR, default :8080) with REST, OpenAPI, docs and GraphQL
// on it, and gRPC on its own port (ALLFRAME_GRPC_ADDR, default :9090).
// It is a.Run(httpserver.New(), rest.New(), graphql.New(), grpc.New())
// with the default limits of middleware.Defaults (a 30 s deadline for
// queries and commands, stream caps; ALLFRAME_DEFAULT_LIMITS=off leaves
// them out), except that, like fx.App.Run, it handles a failure itself: it logs the
// error with a's logger and exits with status 1.
//
// When ALLFRAME_SCHEMA_EXPORT names a directory, Run listens on nothing:
// it writes openapi.json, schema.graphql and service.proto there and
// returns.
func Run(a *app.App) {
	limits, err := middleware.DefaultsFromEnv(nil)
	if err == nil {
		a.Use(limits...)
		ts := []app.Transport{httpserver.New(), rest.New(), graphql.New(), grpc.New()}
		err = runOrExport(a, schemaexport.Dir(nil), ts)
	}
	if err != nil {
		a.Logger().Error("allframe: " + err.Error())
		os.Exit(1)
	}
}

// runOrExport exports a's schemas to dir when it is set, and serves a on
// ts otherwise.
func runOrExport(a *app.App, dir string, ts []app.Transport) error {
	if dir != "" {
		return schemaexport.Export(a, dir, ts)
	}
	return a.Run(ts...)
}
