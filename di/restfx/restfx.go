package restfx

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/rest"
)

// Module provides the *rest.Transport (operations, OpenAPI, docs) as one of
// the App's transports.
func Module(opts ...rest.Option) fx.Option {
	return di.Transport("allframe.rest", func() *rest.Transport { return rest.New(opts...) })
}
