package mcp

import (
	"slices"

	"github.com/allframe-go/allframe/app"
)

var _ app.EndpointDescriber = (*Transport)(nil)

// Protocols implements app.EndpointDescriber: MCP at its path.
func (t *Transport) Protocols() []app.ProtocolInfo {
	return []app.ProtocolInfo{{Protocol: "mcp", Path: t.cfg.path}}
}

// Endpoints implements app.EndpointDescriber: op's tool, when the
// transport exposes op (see WithAll, WithTags, WithOperations). None before
// Prepare.
func (t *Transport) Endpoints(op *app.Operation) []app.Endpoint {
	t.mu.Lock()
	srv := t.srv
	t.mu.Unlock()
	if srv == nil || !slices.Contains(srv.tools, op.Name) {
		return nil
	}
	return []app.Endpoint{{Protocol: "mcp", Tool: op.Name}}
}
