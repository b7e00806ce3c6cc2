package mcpfx

import (
	"fmt"
	"os"
	"strings"

	"go.uber.org/fx"

	"github.com/allframe-go/allframe/di"
	"github.com/allframe-go/allframe/transport/mcp"
)

// EnvMCP names the environment variable that switches the MCP transport
// on: "on" (or "true", "1") mounts it, "off" (or "false", "0") or unset
// leaves it out.
const EnvMCP = "ALLFRAME_MCP"

// Enabled reports whether ALLFRAME_MCP, read with getenv (os.Getenv when
// nil), switches the MCP transport on; any other value than those EnvMCP
// lists is an error.
func Enabled(getenv func(string) string) (bool, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	switch v := strings.ToLower(strings.TrimSpace(getenv(EnvMCP))); v {
	case "on", "true", "1":
		return true, nil
	case "", "off", "false", "0":
		return false, nil
	default:
		return false, fmt.Errorf("%s: want on or off, got %q", EnvMCP, v)
	}
}

// Module provides the *mcp.Transport built with opts as one of the App's
// transports when ALLFRAME_MCP is on, and nothing when it is off (an
// invalid value fails the fx app). opts choose the tools: with none, the
// endpoint serves no tool (see mcp.WithAll, WithTags, WithOperations).
// To mount the transport whatever the environment says, use
// di.Transport("allframe.mcp", func() *mcp.Transport { return mcp.New(opts...) }).
func Module(opts ...mcp.Option) fx.Option {
	on, err := Enabled(os.Getenv)
	if err != nil {
		return fx.Error(err)
	}
	if !on {
		return fx.Module("allframe.mcp")
	}
	return di.Transport("allframe.mcp", func() *mcp.Transport { return mcp.New(opts...) })
}
