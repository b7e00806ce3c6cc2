package telemetry

import (
	"net/http"

	"go.opentelemetry.io/otel/attribute"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"

	"github.com/allframe-go/allframe/app"
)

// protocolMCP is transport/mcp's protocol (mcp.Protocol), named here so
// that telemetry links no MCP code.
const protocolMCP app.Protocol = "mcp"

// The MCP semantic conventions' attributes (development status; not yet in
// the semconv package).
var (
	attrMCPMethod = attribute.Key("mcp.method.name")
	attrGenAIOp   = attribute.Key("gen_ai.operation.name")
	attrGenAITool = attribute.Key("gen_ai.tool.name")
)

// mcpConventions are the MCP semantic conventions of tool calls
// (transport/mcp): a SERVER span "tools/call deposit" with
// mcp.method.name, gen_ai.operation.name "execute_tool" and
// gen_ai.tool.name; over streamable HTTP the client and server attributes
// of the request that carried the call, over stdio network.transport
// "pipe". No protocol metric: allframe's own covers tool calls.
type mcpConventions struct{}

func (mcpConventions) routeKey(k routeKey, _ *app.Call, _ *http.Request) routeKey { return k }

func (mcpConventions) route(k routeKey, r *protoRoute) {
	r.name = "tools/call " + k.op.Name
	r.start = append(r.start, attrMCPMethod.String("tools/call"), attrGenAIOp.String("execute_tool"), attrGenAITool.String(k.op.Name))
}

func (mcpConventions) callAttributes(attrs []attribute.KeyValue, call *app.Call, req *http.Request) []attribute.KeyValue {
	if req == nil {
		return append(attrs, semconv.NetworkTransportPipe)
	}
	return appendHTTPServer(appendHTTPClient(attrs, call), req)
}
