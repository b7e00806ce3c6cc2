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
// (app.ProtocolGRPC), in the set WithRPCConventions selects: a SERVER span
// "hello.v1.HelloService/Hello", the rpc.* attributes and the
// rpc.server.duration (ms) or rpc.server.call.duration (s) metric.
type grpcConventions struct {
	rpc     RPCConventions
	dur     metric.Float64Histogram // established, ms
	callDur metric.Float64Histogram // current, s
}

func newGRPCConventions(m *middleware) grpcConventions {
	return grpcConventions{rpc: m.rpc, dur: m.rpcDur, callDur: m.rpcCallDur}
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
		r.base = []attribute.KeyValue{attrRPCSystem.String("grpc"), attrRPCService.String(service), semconv.RPCMethodKey.String(method)}
		r.hist, r.millis = c.dur, true
	}
	if c.rpc != RPCConventionsEstablished {
		r.base2 = []attribute.KeyValue{semconv.RPCSystemNameGRPC, semconv.RPCMethodKey.String(full)}
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
			res.span = append(res.span, attrRPCGRPCStatusCode.Int(int(code)))
			res.metric = append(res.metric, attrRPCGRPCStatusCode.Int(int(code)))
		}
		if c.rpc != RPCConventionsEstablished {
			res.span = append(res.span, semconv.RPCResponseStatusCodeKey.String(code.Upper()))
			res.metric2 = append(res.metric2, semconv.RPCResponseStatusCodeKey.String(code.Upper()))
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
