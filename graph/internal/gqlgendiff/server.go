package gqlgendiff

import (
	"context"
	"errors"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/graph"
)

// NewServer returns the gqlgen-generated server of a, an App from NewApp.
func NewServer(a *app.App) *handler.Server {
	return Serve(NewExecutableSchema(Config{Resolvers: &Resolver{App: a}}))
}

// Serve returns gqlgen's handler for es with the setup both sides of the
// differential test share: the POST and GET transports, a query cache and
// an error presenter that maps app errors as package graph does.
func Serve(es graphql.ExecutableSchema) *handler.Server {
	srv := handler.New(es)
	srv.AddTransport(transport.POST{})
	srv.AddTransport(transport.GET{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](100))
	srv.SetErrorPresenter(presentError)
	return srv
}

// presentError is gqlgen's default presenter, except that an app error
// (returned by a resolver of the gqlgen server) gets the message and
// extensions graph.ErrorFor gives it, as package graph's executor does
// (for its errors, that changes nothing).
func presentError(ctx context.Context, err error) *gqlerror.Error {
	ge := graphql.DefaultErrorPresenter(ctx, err)
	if _, ok := errors.AsType[*app.Error](err); ok {
		mapped := graph.ErrorFor(err)
		ge.Message, ge.Extensions = mapped.Message, mapped.Extensions
	}
	return ge
}
