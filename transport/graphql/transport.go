package graphql

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
	"github.com/allframe-go/allframe/transport/graphql/internal/graphiql"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Transport serves an App's operations over GraphQL on the App's HTTP
// host (httpserver.Host, which must be mounted too). It implements
// app.Transport and app.Preparer: Prepare builds the schema and mounts the
// endpoint (default /graphql) and the SDL (default /schema.graphql) on the
// host. Stop ends open WebSocket connections and SSE streams.
type Transport struct {
	cfg config

	mu  sync.Mutex
	srv *server
}

var (
	_ app.Transport = (*Transport)(nil)
	_ app.Preparer  = (*Transport)(nil)
)

// New returns a GraphQL transport.
func New(opts ...Option) *Transport {
	return &Transport{cfg: newConfig(opts)}
}

// Prepare builds the schema from a's registry, failing on anything GraphQL
// cannot express (e.g. a type name clash), and mounts the routes.
func (t *Transport) Prepare(a *app.App) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv != nil {
		return nil
	}
	srv, err := newServer(a, t.cfg)
	if err != nil {
		return err
	}
	host, err := httpserver.Find(a, "graphql (at "+t.cfg.path+")")
	if err != nil {
		return err
	}
	t.srv = srv
	host.Handle("", t.cfg.path, http.HandlerFunc(srv.serveGraphQL), "graphql")
	if srv.playground != nil {
		host.Handle("", graphiql.AssetPrefix(t.cfg.path)+"*", http.HandlerFunc(srv.playground.ServeAsset), "graphql (GraphiQL)")
	}
	host.OnShutdown(func() { // end streams before the host drains, whatever the stop order
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_ = srv.streams.close(ctx)
	})
	if t.cfg.sdlPath != "" {
		host.Handle(http.MethodGet, t.cfg.sdlPath, http.HandlerFunc(srv.serveSDL), "graphql")
	}
	return nil
}

// Start checks that Prepare ran; the routes are served by the App's HTTP
// server.
func (t *Transport) Start(_ context.Context, a *app.App) error {
	t.mu.Lock()
	prepared := t.srv != nil
	t.mu.Unlock()
	if !prepared {
		return t.Prepare(a)
	}
	return nil
}

// Stop ends open WebSocket connections and SSE streams (their handlers see
// their context end) and waits for them until ctx ends.
func (t *Transport) Stop(ctx context.Context) error {
	t.mu.Lock()
	srv := t.srv
	t.mu.Unlock()
	if srv == nil {
		return nil
	}
	return srv.streams.close(ctx)
}

// Schema returns the schema built by Prepare, or nil before.
func (t *Transport) Schema() *graph.Schema {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.srv == nil {
		return nil
	}
	return t.srv.schema
}

// Handler returns an http.Handler serving a's operations at the endpoint
// path and the SDL at the SDL path, for mounting without the App's HTTP
// host (e.g. in tests with httptest). Requests to other paths get 404.
func Handler(a *app.App, opts ...Option) (http.Handler, error) {
	return newServer(a, newConfig(opts))
}

// WriteSDL writes the GraphQL schema of a's operations to the file at path.
func WriteSDL(a *app.App, path string) error {
	s, err := graph.New(a)
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, []byte(s.SDL()+"\n"), 0o644); err != nil { //nolint:gosec // G306: a schema file is meant to be readable
		return fmt.Errorf("graphql: write SDL: %w", err)
	}
	return nil
}

// presentError maps errors that do not come from the executor (which
// builds its own GraphQL errors) with graph.ErrorFor.
func presentError(ctx context.Context, err error) *gqlerror.Error {
	ge, ok := errors.AsType[*gqlerror.Error](err)
	if !ok {
		ge = graph.ErrorFor(err)
		ge.Path = graphql.GetPath(ctx)
		return ge
	}
	if _, coded := ge.Extensions["code"]; !coded && ge.Err != nil {
		if _, isApp := errors.AsType[*app.Error](ge.Err); isApp {
			mapped := graph.ErrorFor(ge.Err)
			mapped.Path, mapped.Locations = ge.Path, ge.Locations
			return mapped
		}
	}
	return ge
}

// ServesOperations implements app.OperationServer.
func (t *Transport) ServesOperations() bool { return true }

var _ app.OperationServer = (*Transport)(nil)
