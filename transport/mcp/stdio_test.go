package mcp_test

import (
	"context"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
	"testing"
	"time"

	sdk "github.com/modelcontextprotocol/go-sdk/mcp"

	"github.com/allframe-go/allframe/transport/mcp"
)

// stdioChildEnv makes the test binary serve the test service over stdio
// (runStdioChild, from TestMain) instead of running the tests.
const stdioChildEnv = "ALLFRAME_MCP_TEST_STDIO_CHILD"

// runStdioChild serves the test service's tools on stdin/stdout when the
// binary runs as the child of TestStdio, and reports whether it did.
func runStdioChild() bool {
	if os.Getenv(stdioChildEnv) != "1" {
		return false
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	if err := mcp.ServeStdio(ctx, newApp(), mcp.WithAll()); err != nil {
		_, _ = os.Stderr.WriteString("serve stdio: " + err.Error() + "\n")
		os.Exit(1)
	}
	return true
}

// TestStdio runs the service as a child process speaking MCP on its
// standard input and output, as a local agent starts a tool server, and
// lists and calls its tools.
func TestStdio(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^$") //nolint:gosec // G204: re-executes this test binary as the server
	cmd.Env = append(os.Environ(), stdioChildEnv+"=1")
	cmd.Stderr = os.Stderr
	client := sdk.NewClient(&sdk.Implementation{Name: "allframe-test", Version: "1"}, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cs, err := client.Connect(ctx, &sdk.CommandTransport{Command: cmd, TerminateDuration: 5 * time.Second}, nil)
	if err != nil {
		t.Fatal(err)
	}
	names := toolNames(t, cs)
	if len(names) != 6 {
		t.Errorf("tools over stdio: %v, want the 6 non-admin operations", names)
	}
	acc := decodeResult[Account](t, callTool(t, cs, "openAccount", map[string]any{"owner": "grace"}))
	if acc.Owner != "grace" {
		t.Errorf("openAccount over stdio returned %+v", acc)
	}
	// No headers over stdio: the auth middleware refuses deposit.
	if e := toolErr(t, callTool(t, cs, "deposit", map[string]any{"id": acc.ID, "amount": 1})); e.Code != "unauthenticated" {
		t.Errorf("deposit over stdio: code %q, want unauthenticated", e.Code)
	}
	if e := toolErr(t, callTool(t, cs, "deposit", map[string]any{"id": acc.ID, "amount": -1})); e.Code != "unauthenticated" {
		t.Errorf("deposit over stdio: code %q, want unauthenticated (auth runs before validation)", e.Code)
	}
	// Closing stdin ends the server cleanly (exit status 0).
	if err := cs.Close(); err != nil {
		t.Errorf("close: %v", err)
	}
	if cmd.ProcessState == nil || !cmd.ProcessState.Success() {
		t.Errorf("child did not exit cleanly: %v", cmd.ProcessState)
	}
}
