// Package browser runs checks on pages in headless Chromium with the
// network off, driven by npm's playwright-core under node: the offline
// checks of the docs UIs (Swagger UI at /docs, GraphiQL). It follows
// testenv's rules: a missing tool skips the test on a developer's machine
// and fails it in CI.
package browser

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// Playwright is the pinned npm package that drives Chromium.
const Playwright = "playwright-core@1.65.2"

//go:embed offline.mjs
var script []byte

// Chromium returns the Chromium binary: $ALLFRAME_CHROMIUM, or chromium
// on PATH. ALLFRAME_BROWSER=0 skips the test; ALLFRAME_BROWSER=1 (set by
// .ci/run) makes a missing browser a failure.
func Chromium(t testing.TB) string {
	t.Helper()
	if os.Getenv("ALLFRAME_BROWSER") == "0" {
		t.Skip("ALLFRAME_BROWSER=0")
	}
	if c := os.Getenv("ALLFRAME_CHROMIUM"); c != "" {
		return c
	}
	c, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("ALLFRAME_BROWSER") == "1" {
			t.Fatal("ALLFRAME_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
		}
		testenv.Missing(t, "needs Chromium for the browser test (apt-get install chromium, or set ALLFRAME_CHROMIUM)")
	}
	return c
}

// CheckOffline loads url in headless Chromium with every request to
// another origin aborted and no host name resolving, and runs the named
// check of offline.mjs ("swagger": the operations of /openapi.json are
// listed; "graphiql": args[0] is run from the editor and the response
// shows args[1]). It fails the test if the check fails, the page throws,
// a request fails or the page reaches for the network. It needs node and
// npm, and the npm registry the first time, to install Playwright into
// $ALLFRAME_PLAYWRIGHT_DIR (default: a directory under os.TempDir()).
func CheckOffline(t testing.TB, check, url string, args ...string) {
	t.Helper()
	chromium := Chromium(t)
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir := os.Getenv("ALLFRAME_PLAYWRIGHT_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allframe-"+strings.ReplaceAll(Playwright, "@", "-"))
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil { //nolint:gosec // G703: the directory the test environment chose
		// Installed beside dir and renamed into place: test binaries of
		// several packages may get here at once.
		tmp := fmt.Sprintf("%s.%d", dir, os.Getpid())
		out, err := exec.Command(npm, "install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save", Playwright).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned package
		if err != nil {
			_ = os.RemoveAll(tmp) //nolint:gosec // G703: beside the directory the test environment chose
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", Playwright, err, out))
		}
		if err := os.Rename(tmp, dir); err != nil { //nolint:gosec // G703: beside the directory the test environment chose
			_ = os.RemoveAll(tmp) //nolint:gosec // G703: as above; another process was first
		}
	}
	// Next to node_modules, so that the import resolves; one name per
	// process so that parallel packages do not write the same file.
	name := filepath.Join(dir, fmt.Sprintf("offline-%d.mjs", os.Getpid()))
	if err := os.WriteFile(name, script, 0o600); err != nil { //nolint:gosec // G703: the directory the test environment chose
		t.Fatal(err)
	}
	defer os.Remove(name) //nolint:errcheck // best effort: a temp file
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, append([]string{name, check, url, chromium}, args...)...) //nolint:gosec // G204: node from PATH runs the embedded script
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK ") {
		t.Fatalf("%s check of %s: %v\n%s", check, url, err, out)
	}
	t.Logf("%s", strings.TrimSpace(string(out)))
}
