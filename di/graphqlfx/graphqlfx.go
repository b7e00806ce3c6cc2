package graphqlfx

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/graphql"
)

// Module provides the *graphql.Transport as one of the App's transports.
func Module(opts ...graphql.Option) fx.Option {
	return di.Transport("allframe.graphql", func() *graphql.Transport { return graphql.New(opts...) })
}
