package graphql_test

import (
	"testing"

	"github.com/allframe-go/allframe/internal/testkit/testenv/browser"
)

// TestGraphiQLOffline loads GraphiQL in headless Chromium with the network
// off (only the server's origin answers) and runs a query from its
// editor: the page, React and GraphiQL all come from the binary. It needs
// Chromium, node and npm; .ci/run provides them and sets ALLFRAME_BROWSER=1.
func TestGraphiQLOffline(t *testing.T) {
	srv := newServer(t)
	browser.CheckOffline(t, "graphiql", srv.URL+"/graphql", `{ hello(name: "Offline") { message } }`, `"message": "Hello, Offline!"`)
}
