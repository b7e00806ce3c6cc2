package telemetry

import (
	"net/http"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/allframe-go/allframe/app"
)

// grpcConventions are the RPC semantic conventions of gRPC calls
// (app.ProtocolGRPC, and gRPC-Web's app.ProtocolGRPCWeb, the same calls
// framed for HTTP/1.1), in the set WithRPCConventions selects: a SERVER span
// "hello.v1.HelloService/Hello", the rpc.* attributes and the
// rpc.server.duration (ms) or rpc.server.call.duration (s) metric. Other
// RPC systems on gRPC's methods (Connect) change the system's name and
// status attributes only.
type grpcConventions struct {
	rpc     RPCConventions
	system  rpcSystem
	dur     metric.Float64Histogram // established, ms
	callDur metric.Float64Histogram // current, s
}

// rpcSystem is what tells one RPC system's conventions from gRPC's: its
// name and how a call's result code is recorded.
type rpcSystem struct {
	name        string             // rpc.system (established conventions)
	nameCurrent attribute.KeyValue // rpc.system.name (current conventions)
	// status and statusCurrent return the attributes of a call ending with
	// code c in each set of conventions, for the span and the metric.
	status        func(c app.Code) []attribute.KeyValue
	statusCurrent func(c app.Code) []attribute.KeyValue
}

// grpcSystem records the status code as rpc.grpc.status_code (an int) or
// rpc.response.status_code ("NOT_FOUND"), on every call.
var grpcSystem = rpcSystem{
	name: "grpc", nameCurrent: semconv.RPCSystemNameGRPC,
	status: func(c app.Code) []attribute.KeyValue {
		return []attribute.KeyValue{attrRPCGRPCStatusCode.Int(int(c))}
	},
	statusCurrent: func(c app.Code) []attribute.KeyValue {
		return []attribute.KeyValue{semconv.RPCResponseStatusCodeKey.String(c.Upper())}
	},
}

func newGRPCConventions(m *middleware) grpcConventions {
	return grpcConventions{rpc: m.rpc, system: grpcSystem, dur: m.rpcDur, callDur: m.rpcCallDur}
}

func (grpcConventions) routeKey(k routeKey, call *app.Call, _ *http.Request) routeKey {
	k.route = call.Route
	return k
}

func (c grpcConventions) route(k routeKey, r *protoRoute) {
	service, method, ok := splitFullMethod(k.route)
	if !ok {
		service, method = k.op.App().Name(), app.PascalName(k.op.Name)
	}
	full := service + "/" + method
	r.name = full
	if c.rpc != RPCConventionsCurrent {
		r.base = []attribute.KeyValue{attrRPCSystem.String(c.system.name), attrRPCService.String(service), semconv.RPCMethodKey.String(method)}
		r.hist, r.millis = c.dur, true
	}
	if c.rpc != RPCConventionsEstablished {
		r.base2 = []attribute.KeyValue{c.system.nameCurrent, semconv.RPCMethodKey.String(full)}
		r.hist2 = c.callDur
	}
	switch c.rpc {
	case RPCConventionsEstablished:
		r.start = append(r.start, r.base...)
	case RPCConventionsCurrent:
		r.start = append(r.start, r.base2...)
	default: // both: rpc.method takes the current, fully-qualified form
		r.start = append(r.start, r.base[:2]...)
		r.start = append(r.start, r.base2...)
	}
	r.result = func(code app.Code, res *codeResult) {
		if c.rpc != RPCConventionsCurrent {
			attrs := c.system.status(code)
			res.span = append(res.span, attrs...)
			res.metric = append(res.metric, attrs...)
		}
		if c.rpc != RPCConventionsEstablished {
			attrs := c.system.statusCurrent(code)
			res.span = append(res.span, attrs...)
			res.metric2 = append(res.metric2, attrs...)
		}
	}
}

func (grpcConventions) callAttributes(attrs []attribute.KeyValue, call *app.Call, _ *http.Request) []attribute.KeyValue {
	if host, port, ok := splitHostPort(call.Metadata.Get(":authority")); ok {
		attrs = append(attrs, semconv.ServerAddressKey.String(host))
		if port > 0 {
			attrs = append(attrs, semconv.ServerPortKey.Int(port))
		}
	}
	return attrs
}

// splitFullMethod splits "/pkg.Service/Method" into its service and
// method.
func splitFullMethod(full string) (service, method string, ok bool) {
	s := strings.TrimPrefix(full, "/")
	i := strings.LastIndexByte(s, '/')
	if i <= 0 || i == len(s)-1 {
		return "", "", false
	}
	return s[:i], s[i+1:], true
}
