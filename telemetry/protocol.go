package telemetry

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
)

// conventions apply one protocol's OpenTelemetry semantic conventions to
// the spans and metrics of its calls. Each protocol keeps its own in a file
// protocol_<name>.go, as connect-go keeps protocol_grpc.go and
// protocol_connect.go; the middleware finds them by app.Protocol and knows
// no protocol itself.
type conventions interface {
	// routeKey returns k with the fields, beyond the operation and
	// protocol, that the protocol's span name and attributes depend on. It
	// runs on every call, so it must not allocate (hence k by value: a
	// pointer passed to an interface method escapes).
	routeKey(k routeKey, call *app.Call, req *http.Request) routeKey
	// route describes the calls on k, once per route key.
	route(k routeKey, r *protoRoute)
	// callAttributes appends the per-call span attributes beyond the peer
	// (host, user agent, URL path …).
	callAttributes(attrs []attribute.KeyValue, call *app.Call, req *http.Request) []attribute.KeyValue
}

// protoRoute is what a protocol's conventions say about one route: the span
// name, kind and start attributes (after allframe.operation), and up to two
// protocol instruments with their base attributes.
type protoRoute struct {
	name  string
	kind  trace.SpanKind // SpanKindServer unless the conventions change it
	start []attribute.KeyValue

	hist   metric.Float64Histogram // the protocol's instrument, or nil
	millis bool                    // hist records milliseconds
	base   []attribute.KeyValue    // hist's attributes on every call
	hist2  metric.Float64Histogram // a second instrument, or nil
	base2  []attribute.KeyValue

	// result adds the attributes of a call ending with code c, and may
	// change whether that is an error and its error.type; nil adds none.
	result func(c app.Code, res *codeResult)
}

// codeResult is the protocol's part of a result code's attributes.
// isError and errorType start as serverFault(c) and c.Upper().
type codeResult struct {
	isError   bool
	errorType string
	span      []attribute.KeyValue // span attributes
	metric    []attribute.KeyValue // hist's attributes
	metric2   []attribute.KeyValue // hist2's attributes
}

// newProtocols returns the table of the protocols with conventions of
// their own, built once per middleware from its settings. A protocol
// adds its file and one entry here.
func newProtocols(m *middleware) map[app.Protocol]conventions {
	return map[app.Protocol]conventions{
		app.ProtocolHTTP:    newHTTPConventions(m),
		app.ProtocolGRPC:    newGRPCConventions(m),
		app.ProtocolGRPCWeb: newGRPCConventions(m),
		app.ProtocolConnect: newConnectConventions(m),
		app.ProtocolGraphQL: graphqlConventions{},
		protocolMCP:         mcpConventions{},
	}
}

// conventions returns the conventions of protocol p: its own, or the
// generic ones.
func (m *middleware) conventions(p app.Protocol) conventions {
	if c, ok := m.protocols[p]; ok {
		return c
	}
	return genericConventions{}
}

// genericConventions serve in-process calls and protocols with no
// conventions of their own: an INTERNAL span named after the operation,
// with the operation's attributes only.
type genericConventions struct{}

func (genericConventions) routeKey(k routeKey, _ *app.Call, _ *http.Request) routeKey { return k }

func (genericConventions) route(k routeKey, r *protoRoute) {
	r.name, r.kind = k.op.Name, trace.SpanKindInternal
}

func (genericConventions) callAttributes(attrs []attribute.KeyValue, _ *app.Call, _ *http.Request) []attribute.KeyValue {
	return attrs
}
