package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/internal/testkit/testenv"
)

// clientPackages are the npm packages of the client tool checks, pinned.
var clientPackages = []string{"openapi-typescript@7.13.0", "typescript@5.9.3", "graphql@16.15.0"}

// clientDir installs clientPackages (once) into $ALLFRAME_BANK_JS_DIR
// (default: a directory under os.TempDir()) and copies testdata/clients
// next to them. It returns the directory and node's path. It needs node
// and npm, and the npm registry the first time.
func clientDir(t *testing.T) (dir, node string) {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		testenv.Missing(t, "needs node and npm (e.g. apt-get install nodejs npm)")
	}
	npm, err := exec.LookPath("npm")
	if err != nil {
		testenv.Missing(t, "needs npm (e.g. apt-get install npm)")
	}
	dir = os.Getenv("ALLFRAME_BANK_JS_DIR")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "allframe-bank-clients-"+strings.NewReplacer("@", "-", "/", "-").Replace(strings.Join(clientPackages, "_")))
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql", "package.json")); err != nil { //nolint:gosec // G703: the directory the test environment chose
		args := append([]string{"install", "--prefix", dir, "--no-audit", "--no-fund", "--no-save"}, clientPackages...)
		out, err := exec.Command(npm, args...).CombinedOutput() //nolint:gosec // G204: npm from PATH installs the pinned packages
		if err != nil {
			testenv.Missing(t, fmt.Sprintf("npm could not install %s (needs the npm registry): %v\n%s", strings.Join(clientPackages, " "), err, out))
		}
	}
	files, err := filepath.Glob(filepath.Join("testdata", "clients", "*"))
	if err != nil || len(files) == 0 {
		t.Fatalf("testdata/clients: %v", err)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err == nil && fi.IsDir() {
			continue // the generated clients' programs (generated_clients_test.go)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o600); err != nil { //nolint:gosec // G703: the directory the test environment chose
			t.Fatal(err)
		}
	}
	return dir, node
}

// run runs node with args in dir and returns its output and error.
func run(dir, node string, stdin string, args ...string) (string, error) {
	cmd := exec.Command(node, args...) //nolint:gosec // G204: node from PATH runs the installed tools
	cmd.Dir, cmd.Stdin = dir, strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// TestOpenAPITypeScriptNarrowsFeed generates TypeScript types from the
// exported openapi.json with openapi-typescript and compiles a file that
// narrows a feed item's event on its discriminator (exhaustively, so a
// plain string "type" would not compile), and one that must not compile.
func TestOpenAPITypeScriptNarrowsFeed(t *testing.T) {
	dir, node := clientDir(t)
	spec, err := filepath.Abs(filepath.Join("testdata", "openapi.json"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join("node_modules", "openapi-typescript", "bin", "cli.js")
	if out, err := run(dir, node, "", bin, spec, "-o", "bank.ts"); err != nil {
		t.Fatalf("openapi-typescript: %v\n%s", err, out)
	}
	tsc := func(file string) (string, error) {
		return run(dir, node, "", filepath.Join("node_modules", "typescript", "bin", "tsc"),
			"--strict", "--noEmit", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler", file)
	}
	if out, err := tsc("feed.ts"); err != nil {
		t.Errorf("tsc feed.ts: %v\n%s", err, out)
	}
	out, err := tsc("feed_bad.ts")
	if err == nil || !strings.Contains(out, "Property 'owner' does not exist") {
		t.Errorf("tsc feed_bad.ts = %v %q, want an error about owner", err, out)
	}
}

// TestGraphQLJSValidatesFeedFragments validates subscriptions on the
// feed's union with graphql-js against the exported SDL.
func TestGraphQLJSValidatesFeedFragments(t *testing.T) {
	dir, node := clientDir(t)
	sdl, err := filepath.Abs(filepath.Join("testdata", "schema.graphql"))
	if err != nil {
		t.Fatal(err)
	}
	const sub = `subscription ($id: String!) { accountEvents(id: $id) { event { %s } version position } }`
	tests := []struct {
		give string
		want []string
	}{
		{give: fmt.Sprintf(sub, `__typename ... on AccountOpened { owner } ... on Deposited { amount } ... on Withdrawn { amount } ... on AccountClosed { ok }`), want: []string{}},
		{give: fmt.Sprintf(sub, `... on Deposited { owner }`), want: []string{`Cannot query field "owner" on type "Deposited".`}},
		{give: fmt.Sprintf(sub, `amount`), want: []string{`Cannot query field "amount" on type "Event". Did you mean to use an inline fragment on "Deposited" or "Withdrawn"?`}},
		{give: fmt.Sprintf(sub, `... on Account { id }`), want: []string{`Fragment cannot be spread here as objects of type "Event" can never be of type "Account".`}},
	}
	queries := make([]string, len(tests))
	for i, tt := range tests {
		queries[i] = tt.give
	}
	in, _ := json.Marshal(queries)
	out, err := run(dir, node, string(in), "validate.mjs", sdl)
	if err != nil {
		t.Fatalf("validate.mjs: %v\n%s", err, out)
	}
	var got [][]string
	if err := json.Unmarshal([]byte(out), &got); err != nil || len(got) != len(tests) {
		t.Fatalf("validate.mjs output %q: %v", out, err)
	}
	for i, tt := range tests {
		if diff := cmp.Diff(got[i], tt.want); diff != "" {
			t.Errorf("%s (-got +want):\n%s", tt.give, diff)
		}
	}
}
