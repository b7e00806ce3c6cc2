package mcp_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/transport/mcp"
)

// mcpTS is the release of the TypeScript MCP SDK the independent client
// test uses.
const mcpTS = "@modelcontextprotocol/sdk@1.32.2"

// TestIndependentClient has the TypeScript SDK's client, which shares no
// code with the Go SDK, list and call the tools over streamable HTTP
// (testdata/node_client.cjs); it checks structured results against the
// output schemas on its own. It needs node (18 or later) and npm, and the
// npm registry the first time, to install the SDK into
// $ALLFRAME_MCP_TS_DIR (default: a directory under os.TempDir()).
func TestIndependentClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir := os.Getenv("ALLFRAME_MCP_TS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allframe-"+strings.NewReplacer("@", "-", "/", "-").Replace(strings.TrimPrefix(mcpTS, "@")))
	}
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "@modelcontextprotocol", "sdk", "package.json")); err != nil { //nolint:gosec // G703: the directory the test environment chose
		out, err := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", mcpTS).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned SDK
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", mcpTS, err, out))
		}
	}
	s := startService(t, mcp.WithAll())
	cmd := exec.Command(node, filepath.Join("testdata", "node_client.cjs"), s.base+"/mcp", apiKey) //nolint:gosec // G204: node from PATH runs the checked-in client
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK ") {
		t.Fatalf("TypeScript MCP client: %v\n%s", err, out)
	}
	t.Logf("TypeScript MCP client: %s", strings.TrimSpace(string(out)))
}
