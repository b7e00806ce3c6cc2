package connect_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// jsPackages are the npm packages of the JavaScript client tests, pinned.
var jsPackages = []string{"@connectrpc/connect@2.3.0", "@connectrpc/connect-web@2.3.0", "@bufbuild/protobuf@2.17.0", "playwright-core@1.65.2"}

// jsDir installs jsPackages (once) and copies the test scripts next to
// them, so that their imports resolve, into $ALLFRAME_CONNECT_JS_DIR
// (default: a directory under os.TempDir()). It returns the directory and
// node's path. It needs node (18 or later, for fetch) and npm, and the npm
// registry the first time.
func jsDir(t *testing.T) (dir, node string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir = os.Getenv("ALLFRAME_CONNECT_JS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allframe-connect-js-2.3.0")
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil { //nolint:gosec // G703: the directory the test environment chose
		args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save"}, jsPackages...)
		out, err := exec.Command(npm, args...).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned packages
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", strings.Join(jsPackages, " "), err, out))
		}
	}
	for _, name := range []string{"client.mjs", "node_client.mjs", "browser.mjs"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil { //nolint:gosec // G703: the directory the test environment chose
			t.Fatal(err)
		}
	}
	return dir, node
}

// descriptorSet returns the service's file and its imports as a binary
// FileDescriptorSet, what the JavaScript clients build their schema from.
func descriptorSet(t *testing.T, s *server) []byte {
	t.Helper()
	set := &descriptorpb.FileDescriptorSet{}
	seen := map[string]bool{}
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if seen[fd.Path()] {
			return
		}
		seen[fd.Path()] = true
		for i := range fd.Imports().Len() {
			add(fd.Imports().Get(i).FileDescriptor)
		}
		set.File = append(set.File, protodesc.ToFileDescriptorProto(fd))
	}
	add(s.method(t, "Hello").ParentFile())
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// runJS runs node on a script of dir and expects it to print "OK …".
func runJS(t *testing.T, node, dir string, args ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, args...) //nolint:gosec // G204: node from PATH runs a checked-in script
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "OK ") {
		t.Fatalf("%s: %v\n%s", args[0], err, out)
	}
	t.Logf("%s: %s", args[0], strings.TrimSpace(string(out)))
}

// TestNodeClient runs @connectrpc/connect-web, the browser client, under
// Node against the service: Connect and gRPC-Web, JSON and binary, unary,
// streams and errors.
func TestNodeClient(t *testing.T) {
	dir, node := jsDir(t)
	s := serve(t)
	fds := filepath.Join(t.TempDir(), "greeter.binpb")
	if err := os.WriteFile(fds, descriptorSet(t, s), 0o600); err != nil {
		t.Fatal(err)
	}
	runJS(t, node, dir, "node_client.mjs", s.base, fds)
}

// TestBrowser loads a page from the service's HTTP port in headless
// Chromium; the page's module imports @connectrpc/connect-web (served from
// node_modules through an import map, no bundler) and runs the same
// checks as TestNodeClient from the browser. It needs Chromium
// (apt-get install chromium, or $ALLFRAME_CHROMIUM naming the binary);
// .ci/run installs it and sets ALLFRAME_BROWSER=1, which makes a missing
// browser a failure. ALLFRAME_BROWSER=0 skips it.
func TestBrowser(t *testing.T) {
	if os.Getenv("ALLFRAME_BROWSER") == "0" {
		t.Skip("ALLFRAME_BROWSER=0")
	}
	chromium := os.Getenv("ALLFRAME_CHROMIUM")
	if chromium == "" {
		var err error
		if chromium, err = exec.LookPath("chromium"); err != nil {
			if os.Getenv("ALLFRAME_BROWSER") == "1" {
				t.Fatal("ALLFRAME_BROWSER=1 but no chromium on PATH (apt-get install chromium)")
			}
			testenv.Missing(t, "needs Chromium for the browser test (apt-get install chromium, or set ALLFRAME_CHROMIUM)")
		}
	}
	dir, node := jsDir(t)
	var fds []byte
	s := serve(t, withHost(func(h *httpserver.Host) {
		h.Handle(http.MethodGet, "/connect-test/*", pageHandler(t, dir, func() []byte { return fds }), "connect test page")
	}))
	fds = descriptorSet(t, s)
	runJS(t, node, dir, "browser.mjs", s.base+"/connect-test/", chromium)
}

// pageHandler serves the browser test: the page, client.mjs, the
// descriptor set and node_modules.
func pageHandler(t *testing.T, dir string, fds func() []byte) http.Handler {
	t.Helper()
	imports := map[string]string{}
	for _, pkg := range []string{"@connectrpc/connect", "@connectrpc/connect-web", "@bufbuild/protobuf"} {
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", pkg, "package.json"))
		if err != nil {
			t.Fatal(err)
		}
		var manifest struct {
			Exports map[string]json.RawMessage `json:"exports"`
		}
		if err := json.Unmarshal(b, &manifest); err != nil {
			t.Fatal(err)
		}
		for sub, raw := range manifest.Exports {
			var cond struct {
				Import string `json:"import"`
			}
			if json.Unmarshal(raw, &cond) != nil || cond.Import == "" {
				continue
			}
			imports[strings.TrimSuffix(pkg+strings.TrimPrefix(sub, "."), "/")] = "/connect-test/node_modules/" + pkg + "/" + strings.TrimPrefix(cond.Import, "./")
		}
	}
	importMap, err := json.Marshal(map[string]any{"imports": imports})
	if err != nil {
		t.Fatal(err)
	}
	page := `<!doctype html>
<html><head><meta charset="utf-8"><title>AllFrame over Connect</title>
<script type="importmap">` + string(importMap) + `</script>
<script type="module">
import { run } from "./client.mjs";
try {
  const fds = new Uint8Array(await (await fetch("./greeter.binpb")).arrayBuffer());
  window.result = { ok: true, lines: await run(location.origin, fds) };
} catch (e) {
  window.result = { ok: false, error: String(e && e.stack || e) };
}
</script></head><body></body></html>`
	files := http.StripPrefix("/connect-test/", http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/connect-test/":
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		case "/connect-test/greeter.binpb":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(fds())
		default:
			files.ServeHTTP(w, r)
		}
	})
}
