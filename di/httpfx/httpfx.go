package httpfx

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Module provides the *httpserver.Host, configured from the ALLFRAME_HTTP_*
// variables and opts, as one of the App's transports.
func Module(opts ...httpserver.Option) fx.Option {
	return di.Transport("allframe.http", func() *httpserver.Host { return httpserver.New(opts...) })
}
