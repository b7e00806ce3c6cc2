package gqlgenbench

import (
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
)

// NewServer returns the gqlgen-generated server with gqlgen's recommended
// setup (the body of the deprecated handler.NewDefaultServer): WebSocket,
// OPTIONS, GET, POST and multipart transports, an LRU query cache of 1000
// documents, introspection and automatic persisted queries.
func NewServer() *handler.Server {
	return NewServerFor(NewExecutableSchema(Config{Resolvers: &Resolver{}}))
}

// NewServerFor returns a server with the setup of NewServer for es, e.g.
// the framework's executor, to measure executors alone.
func NewServerFor(es graphql.ExecutableSchema) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 10 * time.Second})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.MultipartForm{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](100)})
	return srv
}
