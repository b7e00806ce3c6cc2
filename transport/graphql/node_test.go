package graphql_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// graphqlJS is the graphql-js release the independent client test uses.
const graphqlJS = "graphql@16.15.0"

// TestIndependentClient has graphql-js, a client that shares no code with
// gqlgen or gqlparser, build a schema from the server's introspection and
// compare it with /schema.graphql. It needs node (18 or later) and npm,
// and the npm registry the first time, to install graphql-js into
// $ALLFRAME_GRAPHQL_JS_DIR (default: a directory under os.TempDir()).
func TestIndependentClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir := os.Getenv("ALLFRAME_GRAPHQL_JS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allframe-"+strings.ReplaceAll(graphqlJS, "@", "-"))
	}
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "graphql", "package.json")); err != nil { //nolint:gosec // G703: the directory the test environment chose
		out, err := exec.Command(npm, "install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save", graphqlJS).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned graphql-js
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", graphqlJS, err, out))
		}
	}
	srv := newServer(t)
	cmd := exec.Command(node, filepath.Join("testdata", "independent_client.cjs"), srv.URL) //nolint:gosec // G204: node from PATH runs the checked-in client
	cmd.Env = append(os.Environ(), "NODE_PATH="+modules)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "OK ") {
		t.Fatalf("graphql-js client: %v\n%s", err, out)
	}
	t.Logf("graphql-js: %s", strings.TrimSpace(string(out)))
}
