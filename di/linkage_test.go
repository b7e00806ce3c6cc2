package di_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestRESTOnlyLinksNoGRPCOrGraphQL builds an fx service wired with the core,
// HTTP host and REST modules only, and checks with go tool nm that no
// grpc-go or gqlgen symbol is linked: each area's module lives in its own
// package so a service links only what it wires.
func TestRESTOnlyLinksNoGRPCOrGraphQL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), "restonly")
	build := exec.Command("go", "build", "-o", bin, "./testdata/restonly") //nolint:gosec // G204: the go tool on a path in the test's temp dir
	build.Env = os.Environ()
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command("go", "tool", "nm", bin).Output() //nolint:gosec // G204: as above
	if err != nil {
		t.Fatalf("go tool nm: %v", err)
	}
	var syms int
	for line := range strings.Lines(string(out)) {
		syms++
		for _, banned := range []string{"google.golang.org/grpc.", "github.com/99designs/gqlgen/", "github.com/vektah/gqlparser/", "go.opentelemetry.io/otel/sdk", "github.com/modelcontextprotocol/"} {
			if strings.Contains(line, banned) {
				t.Fatalf("a REST-only service links %s: %s", banned, strings.TrimSpace(line))
			}
		}
	}
	if syms < 1000 {
		t.Fatalf("nm listed %d symbols; the check would prove nothing", syms)
	}
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("REST-only fx binary: %.1f MB", float64(fi.Size())/1e6)
	}
}
