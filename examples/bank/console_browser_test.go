package main

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/internal/testkit/testenv/browser"
)

// consoleScript drives the console's panels; see its opening comment.
//
//go:embed testdata/console_browser.mjs
var consoleScript []byte

// TestConsoleBrowser is issue 21's end-to-end test of the developer
// console: the bank runs with ALLFRAME_CONSOLE=on, and headless Chromium,
// with the network off but for 127.0.0.1, loads /_console/ and, through
// its panels alone, opens an account and deposits over REST, gRPC
// (Connect) and GraphQL, finds the three traces with their spans, steps the account's
// stream back one version (the balance before the last deposit), rebuilds
// the accounts projection and waits for its lag to reach 0. The page may
// throw no error, fail no request and reach nothing off 127.0.0.1. Each
// panel's screenshot goes to $ALLFRAME_ARTIFACTS/console/ (default: a
// temporary directory). It needs Chromium, node and npm (and the npm
// registry the first time), like TestBrowser.
func TestConsoleBrowser(t *testing.T) {
	chromium := browser.Chromium(t)
	t.Setenv("ALLFRAME_CONSOLE", "on")
	s := start(t, sqliteURL(t))
	const owner = "ada"
	result := runConsole(t, chromium, s.http+"/_console/", owner, "")
	var got struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal([]byte(result), &got); err != nil {
		t.Fatalf("the script's result %s: %v", result, err)
	}
	// The deposits the page made, read back over every protocol from Go.
	s.wantAccount(t, Account{ID: got.ID, Owner: owner, Balance: 175, Version: 4})
}

// TestConsoleBrowserAuth runs the console of a bank with an admin token:
// the console's API refuses the page until it asks for the token, which it
// then sends on its own calls and on the operations it calls (the admin
// operation projections, over REST and GraphQL).
func TestConsoleBrowserAuth(t *testing.T) {
	chromium := browser.Chromium(t)
	const token = "console-test-token"
	t.Setenv("ALLFRAME_CONSOLE", "on")
	t.Setenv("ALLFRAME_ADMIN_TOKEN", token)
	s := start(t, sqliteURL(t))
	if st, _, b := s.rest(t, "GET", "/_console/api/info", ""); st != http.StatusUnauthorized {
		t.Fatalf("GET /_console/api/info without the token: %d %s, want 401", st, b)
	}
	runConsole(t, chromium, s.http+"/_console/", "ada", token)
}

// runConsole runs consoleScript on the console at url and returns its
// result (the JSON after "OK "); token, when set, is the admin token the
// page must ask for.
func runConsole(t *testing.T, chromium, url, owner, token string) string {
	t.Helper()
	dir, node := browserJS(t)
	shots := t.TempDir()
	if a := os.Getenv("ALLFRAME_ARTIFACTS"); a != "" {
		shots = filepath.Join(a, "console")
		if err := os.MkdirAll(shots, 0o750); err != nil { //nolint:gosec // G703: the directory the test environment chose
			t.Fatal(err)
		}
	}
	name := filepath.Join(dir, fmt.Sprintf("bank-console-%d.mjs", os.Getpid()))
	if err := os.WriteFile(name, consoleScript, 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(name) //nolint:errcheck // best effort: a temp file
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	args := []string{name, url, chromium, shots, owner}
	if token != "" {
		args = append(args, token)
	}
	cmd := exec.CommandContext(ctx, node, args...) //nolint:gosec // G204: node from PATH runs the test's script
	// From dir, so that playwright-core resolves.
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	result, ok := strings.CutPrefix(strings.TrimSpace(string(out)), "OK ")
	if err != nil || !ok {
		t.Fatalf("console in the browser: %v\n%s%s", err, out, stderr.String())
	}
	t.Logf("console in the browser (%s): %s; screenshots in %s", strings.TrimSpace(stderr.String()), result, shots)
	return result
}
