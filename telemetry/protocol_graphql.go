package telemetry

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/allframe-go/allframe/app"
)

// graphqlConventions are the GraphQL server semantic conventions of
// GraphQL operation calls (app.ProtocolGraphQL): a SERVER span "query
// hello" per operation (root field) with graphql.operation.type and
// graphql.operation.name, and the HTTP client attributes of the request
// that carried it. No protocol metric: GraphQL has none in the
// conventions.
type graphqlConventions struct{}

func (graphqlConventions) routeKey(k routeKey, _ *app.Call, _ *http.Request) routeKey { return k }

func (graphqlConventions) route(k routeKey, r *protoRoute) {
	typ := graphqlType(k.op.Kind)
	r.name = typ + " " + k.op.Name
	r.start = append(r.start, semconv.GraphQLOperationTypeKey.String(typ), semconv.GraphQLOperationNameKey.String(k.op.Name))
}

func (graphqlConventions) callAttributes(attrs []attribute.KeyValue, call *app.Call, req *http.Request) []attribute.KeyValue {
	attrs = appendHTTPClient(attrs, call)
	if req != nil {
		attrs = appendHTTPServer(attrs, req)
	}
	return attrs
}

func graphqlType(k app.OpKind) string {
	switch k {
	case app.OpCommand:
		return "mutation"
	case app.OpStream:
		return "subscription"
	}
	return "query"
}
