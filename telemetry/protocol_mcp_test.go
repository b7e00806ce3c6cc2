package telemetry_test

import (
	"go/build"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
)

// mcpCall returns a fakeCall for a tool call of op, over streamable HTTP
// (with its request) or over stdio (no request, no headers).
func mcpCall(op string, input any, overHTTP bool) fakeCall {
	fc := fakeCall{proto: app.Protocol("mcp"), op: op, input: input, md: app.NoMetadata, route: op}
	if overHTTP {
		req := httptest.NewRequest(http.MethodPost, "http://api.example.com:8080/mcp", nil)
		req.Header.Set("Traceparent", traceparent)
		req.RemoteAddr = "127.0.0.1:53001"
		fc.md, fc.peer, fc.req = req.Header, req.RemoteAddr, req
	}
	return fc
}

func TestMiddlewareMCP(t *testing.T) {
	base := func(tool string, extra map[string]string) map[string]string {
		m := map[string]string{"allframe.operation": tool, "mcp.method.name": "tools/call",
			"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": tool}
		for k, v := range extra {
			m[k] = v
		}
		return m
	}
	overHTTP := map[string]string{"client.address": "127.0.0.1", "network.peer.address": "127.0.0.1", "network.peer.port": "53001",
		"server.address": "api.example.com", "server.port": "8080", "network.protocol.version": "1.1"}
	tests := []struct {
		name string
		give fakeCall
		want spanView
	}{
		{
			name: "streamable HTTP continues the caller's trace",
			give: mcpCall("hello", &HelloIn{Name: "Ada"}, true),
			want: spanView{Name: "tools/call hello", Kind: trace.SpanKindServer, Trace: callerTrace, Parent: callerSpan, Attrs: base("hello", overHTTP)},
		},
		{
			name: "stdio",
			give: mcpCall("rename", &RenameIn{Name: "Ada"}, false),
			want: spanView{Name: "tools/call rename", Kind: trace.SpanKindServer, Attrs: base("rename", map[string]string{"network.transport": "pipe"})},
		},
		{
			name: "error",
			give: mcpCall("hello", &HelloIn{Name: "nobody"}, false),
			want: spanView{Name: "tools/call hello", Kind: trace.SpanKindServer,
				Attrs: base("hello", map[string]string{"network.transport": "pipe", "allframe.error.code": "not_found"})},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := traced(t, tt.give)
			if len(got) == 1 && tt.want.Trace == "" {
				tt.want.Trace = got[0].Trace // a new trace
			}
			if diff := cmp.Diff(got, []spanView{tt.want}); diff != "" {
				t.Errorf("spans (-got +want):\n%s", diff)
			}
		})
	}
}

// TestImportsNoMCP keeps the MCP SDK out of telemetry: the conventions
// name the protocol.
func TestImportsNoMCP(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if strings.HasPrefix(imp, "github.com/modelcontextprotocol/") || imp == "github.com/allframe-go/allframe/transport/mcp" {
			t.Errorf("telemetry imports %s", imp)
		}
	}
}
