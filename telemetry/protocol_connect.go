package telemetry

import (
	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/allframe-go/allframe/app"
)

// attrRPCConnectErrorCode is the established conventions' Connect error
// code attribute.
var attrRPCConnectErrorCode = attribute.Key("rpc.connect_rpc.error_code")

// connectSystem is the Connect RPC system (app.ProtocolConnect): calls of
// the gRPC service's methods, so gRPC's conventions (span
// "hello.v1.HelloService/Hello", rpc.service, rpc.method, the RPC duration
// metric) with rpc.system "connect_rpc" (established) or rpc.system.name
// "connectrpc" (current), and a failed call's Connect code ("not_found") as
// rpc.connect_rpc.error_code (established) or rpc.response.status_code
// (current). Connect has no code for success, so a call that succeeds has
// neither.
var connectSystem = rpcSystem{
	name: "connect_rpc", nameCurrent: semconv.RPCSystemNameConnectrpc,
	status: func(c app.Code) []attribute.KeyValue {
		if c == app.CodeOK {
			return nil
		}
		return []attribute.KeyValue{attrRPCConnectErrorCode.String(c.String())}
	},
	statusCurrent: func(c app.Code) []attribute.KeyValue {
		if c == app.CodeOK {
			return nil
		}
		return []attribute.KeyValue{semconv.RPCResponseStatusCodeKey.String(c.String())}
	},
}

func newConnectConventions(m *middleware) grpcConventions {
	c := newGRPCConventions(m)
	c.system = connectSystem
	return c
}
