// Package grpcfx provides the fx module of AllFrame's gRPC transport
// (transport/grpc): its own port (ALLFRAME_GRPC_ADDR), reflection, health,
// and GET /service.proto on the HTTP host when one is wired. It imports
// the gRPC transport and di only.
package grpcfx
