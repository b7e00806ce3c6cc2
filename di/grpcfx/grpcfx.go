// Package grpcfx provides the fx module of AllFrame's gRPC transport
// (transport/grpc): its own port (ALLFRAME_GRPC_ADDR), reflection, health,
// and GET /service.proto on the HTTP host when one is wired. It imports
// the gRPC transport and di only.
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
