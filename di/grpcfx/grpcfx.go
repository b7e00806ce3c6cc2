package grpcfx

import (
	"go.uber.org/fx"

	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/grpc"
)

// Module provides the *grpc.Transport as one of the App's transports.
func Module(opts ...grpc.Option) fx.Option {
	return di.Transport("allframe.grpc", func() *grpc.Transport { return grpc.New(opts...) })
}
