package main

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

	"go.uber.org/fx"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protodesc"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/descriptorpb"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/allframe-go/allframe/internal/testkit/testenv/browser"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// browserPackages are the npm packages of the browser test, pinned to the
// versions transport/grpc/connect's JavaScript tests use.
var browserPackages = []string{"@connectrpc/connect@2.3.0", "@connectrpc/connect-web@2.3.0", "@bufbuild/protobuf@2.17.0", browser.Playwright}

// pagePrefix is where the test mounts its page on the bank's HTTP port:
// the page, its modules and the calls share one origin, so no CORS.
const pagePrefix = "/browser-test/"

// TestBrowser is issue 16's "a browser page calls the bank over Connect":
// headless Chromium, with the network off but for 127.0.0.1, loads a page
// from the bank's own HTTP port; the page opens an account over REST
// (fetch), deposits over Connect (JSON) with @connectrpc/connect-web and a
// schema built at run time from the service's descriptors, and reads the
// balance back over Connect and gRPC-Web. The test then reads the account
// over REST, gRPC, Connect and GraphQL and wants the balance the browser
// saw. It needs Chromium, node and npm (and the npm registry the first
// time); a missing tool skips it on a developer's machine and fails it
// under ALLFRAME_BROWSER=1 or ALLFRAME_REQUIRE_TOOLS=1.
func TestBrowser(t *testing.T) {
	chromium := browser.Chromium(t)
	dir, node := browserJS(t)
	var fds []byte
	s := start(t, sqliteURL(t), fx.Invoke(func(h *httpserver.Host) {
		h.Handle(http.MethodGet, pagePrefix+"*", browserPage(t, dir, func() []byte { return fds }), "browser test page")
	}))
	fds = bankDescriptors(t, s)

	const owner, amount = "grace", 1234
	out := runBrowser(t, node, dir, s.http+pagePrefix+fmt.Sprintf("?owner=%s&amount=%d", owner, amount), chromium)
	var got struct {
		ID      string `json:"id"`
		Connect int64  `json:"connect,string"`
		GRPCWeb int64  `json:"grpcWeb,string"`
		Deposit int64  `json:"deposit,string"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("the page's result %s: %v", out, err)
	}
	if got.ID == "" || got.Deposit != amount || got.Connect != amount || got.GRPCWeb != amount {
		t.Fatalf("the browser saw %s, want the account's balance %d after the deposit, over Connect and gRPC-Web", out, amount)
	}
	// The same account over REST, gRPC, Connect and GraphQL from Go.
	s.wantAccount(t, Account{ID: got.ID, Owner: owner, Balance: amount, Version: 2})
}

// browserJS installs browserPackages (once) into a directory under
// os.TempDir() and returns it with node's path. The install goes beside the
// directory and is renamed into place, as browser.CheckOffline's is.
func browserJS(t *testing.T) (dir, node string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir = filepath.Join(os.TempDir(), "allframe-bank-browser-connect-2.3.0")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "playwright-core", "package.json")); err != nil {
		tmp := fmt.Sprintf("%s.%d", dir, os.Getpid())
		args := append([]string{"install", "--prefix", tmp, "--no-audit", "--no-fund", "--no-save"}, browserPackages...)
		out, err := exec.Command(npm, args...).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned packages
		if err != nil {
			_ = os.RemoveAll(tmp)
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", strings.Join(browserPackages, " "), err, out))
		}
		if err := os.Rename(tmp, dir); err != nil {
			_ = os.RemoveAll(tmp)
		}
	}
	return dir, node
}

// bankDescriptors returns the bank service's file and its imports as a
// binary FileDescriptorSet, from gRPC reflection: what the page builds its
// schema from.
func bankDescriptors(t *testing.T, s *server) []byte {
	t.Helper()
	m, err := s.grpc.Method("bank.v1.BankService/GetAccount")
	if err != nil {
		t.Fatal(err)
	}
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
	add(m.ParentFile())
	b, err := proto.Marshal(set)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// pageScript is the page's module. It sets window.result to the JSON the
// test decodes, or to {error} on the first wrong answer.
const pageScript = `
import { createClient } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-web";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

function check(ok, what) {
  if (!ok) throw new Error(what);
}

try {
  const params = new URLSearchParams(location.search);
  const owner = params.get("owner"), amount = BigInt(params.get("amount"));

  // REST: open the account with fetch.
  const opened = await fetch("/accounts", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ owner }),
  });
  const account = await opened.json();
  check(opened.ok && account.id && account.owner === owner && account.balance === 0,
    "openAccount over REST: " + opened.status + " " + JSON.stringify(account));

  // The schema, built from the service's descriptors: no generated code.
  const fds = new Uint8Array(await (await fetch("./bank.binpb")).arrayBuffer());
  const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, fds));
  const service = registry.getService("bank.v1.BankService");
  check(service !== undefined, "bank.v1.BankService is not in the descriptor set");

  // Connect (JSON): deposit, then read the balance.
  const connect = createClient(service, createConnectTransport({ baseUrl: location.origin }));
  const deposit = await connect.deposit({ id: account.id, amount });
  check(deposit.id === account.id && deposit.balance === amount && deposit.version === 2n,
    "deposit over Connect: balance " + deposit.balance + ", version " + deposit.version);
  const viaConnect = await connect.getAccount({ id: account.id });

  // gRPC-Web (binary): read the balance.
  const grpcWeb = createClient(service, createGrpcWebTransport({ baseUrl: location.origin, useBinaryFormat: true }));
  const viaGrpcWeb = await grpcWeb.getAccount({ id: account.id });
  check(viaConnect.owner === owner && viaGrpcWeb.owner === owner, "getAccount: owners " + viaConnect.owner + ", " + viaGrpcWeb.owner);

  window.result = JSON.stringify({
    id: account.id, deposit: String(deposit.balance),
    connect: String(viaConnect.balance), grpcWeb: String(viaGrpcWeb.balance),
  });
} catch (e) {
  window.result = JSON.stringify({ error: String(e && e.stack || e) });
}
`

// driverScript loads the page in headless Chromium with the network off
// (every request to another origin aborted, no host name resolving but
// 127.0.0.1) and prints "OK " and the page's result, or "FAIL …":
// node SCRIPT PAGE_URL CHROMIUM_PATH.
const driverScript = `
import { chromium } from "playwright-core";

const [url, executablePath] = process.argv.slice(2);
const origin = new URL(url).origin;
const browser = await chromium.launch({
  executablePath,
  args: ["--no-sandbox", "--headless=new", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"],
});
let code = 0;
try {
  const context = await browser.newContext();
  const blocked = [];
  await context.route("**/*", (route) => {
    const u = route.request().url();
    if (u.startsWith(origin + "/") || u.startsWith("data:") || u.startsWith("blob:")) return route.continue();
    blocked.push(u);
    return route.abort("internetdisconnected");
  });
  const page = await context.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push("pageerror: " + e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push("console: " + m.text()); });
  page.on("requestfailed", (r) => { if (!blocked.includes(r.url())) errors.push("request failed: " + r.url() + " " + r.failure()?.errorText); });
  page.on("response", (r) => { if (r.status() >= 400) errors.push("HTTP " + r.status() + ": " + r.url()); });
  await page.goto(url);
  const handle = await page.waitForFunction(() => window.result, null, { timeout: 30000 });
  const result = await handle.jsonValue();
  const error = JSON.parse(result).error;
  if (error) errors.push(error);
  if (blocked.length) errors.push("the page reached for the network: " + blocked.join(", "));
  if (errors.length) {
    console.log("FAIL " + errors.join("\n"));
    code = 1;
  } else {
    console.log("OK " + result);
    console.error(await browser.version() + ", network off");
  }
} finally {
  await browser.close();
}
process.exit(code);
`

// runBrowser runs driverScript from dir (so that playwright-core
// resolves) on url and returns the page's result.
func runBrowser(t *testing.T, node, dir, url, chromium string) string {
	t.Helper()
	// One name per process: parallel test binaries may share dir.
	name := filepath.Join(dir, fmt.Sprintf("bank-browser-%d.mjs", os.Getpid()))
	if err := os.WriteFile(name, []byte(driverScript), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(name) //nolint:errcheck // best effort: a temp file
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, name, url, chromium) //nolint:gosec // G204: node from PATH runs the test's script
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	result, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "OK ")
	if err != nil || !ok {
		t.Fatalf("browser: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("browser (%s): %s", strings.TrimSpace(stderr.String()), result)
	return result
}

// browserPage serves the page, the descriptor set and node_modules, with
// an import map from the packages' own exports (no bundler).
func browserPage(t *testing.T, dir string, fds func() []byte) http.Handler {
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
			imports[strings.TrimSuffix(pkg+strings.TrimPrefix(sub, "."), "/")] = pagePrefix + "node_modules/" + pkg + "/" + strings.TrimPrefix(cond.Import, "./")
		}
	}
	importMap, err := json.Marshal(map[string]any{"imports": imports})
	if err != nil {
		t.Fatal(err)
	}
	page := `<!doctype html>
<html><head><meta charset="utf-8"><title>The bank over Connect</title>
<link rel="icon" href="data:,">
<script type="importmap">` + string(importMap) + `</script>
<script type="module">` + pageScript + `</script></head><body></body></html>`
	modules := http.StripPrefix(pagePrefix, http.FileServer(http.Dir(dir)))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == pagePrefix:
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(page))
		case r.URL.Path == pagePrefix+"bank.binpb":
			w.Header().Set("Content-Type", "application/octet-stream")
			_, _ = w.Write(fds())
		case strings.HasPrefix(r.URL.Path, pagePrefix+"node_modules/"):
			modules.ServeHTTP(w, r)
		default:
			http.NotFound(w, r)
		}
	})
}

// TestDocsShowEventVariants: the bank's docs page (Swagger UI at /docs/,
// offline) renders the feed's sum type Event as one of its four variants
// with their discriminator values and mapping (issue 20).
func TestDocsShowEventVariants(t *testing.T) {
	s := start(t, "memory:")
	browser.CheckOffline(t, "sumtype", s.http+"/docs/", "Event", "accountOpened", "deposited", "withdrawn", "accountClosed")
}
