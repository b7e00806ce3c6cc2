package graphql

import (
	"github.com/allframe-go/allframe/app"
)

var _ app.EndpointDescriber = (*Transport)(nil)

// Protocols implements app.EndpointDescriber: GraphQL at its path, with
// subscriptions over WebSocket too.
func (t *Transport) Protocols() []app.ProtocolInfo {
	return []app.ProtocolInfo{{Protocol: "graphql", Path: t.cfg.path, WebSocket: true}}
}

// Endpoints implements app.EndpointDescriber: op's root field and a
// complete document calling it, whose variables are the input's fields
// (see graph.Schema.Document). None before Prepare.
func (t *Transport) Endpoints(op *app.Operation) []app.Endpoint {
	s := t.Schema()
	if s == nil {
		return nil
	}
	depth := t.cfg.maxDepth - 1 // the root field counts
	if t.cfg.maxDepth <= 0 {
		depth = 0
	}
	doc, typ, ok := s.Document(op, depth)
	if !ok {
		return nil
	}
	return []app.Endpoint{{Protocol: "graphql", OperationType: typ, Field: op.Name, Document: doc, Variables: "fields"}}
}
