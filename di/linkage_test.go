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
// grpc-go, gqlgen or console symbol is linked: each area's module lives in its own
// package so a service links only what it wires.
func TestRESTOnlyLinksNoGRPCOrGraphQL(t *testing.T) {
	checkLinkage(t, "restonly", "google.golang.org/grpc.", "github.com/99designs/gqlgen/", "github.com/vektah/gqlparser/", "go.opentelemetry.io/otel/sdk", "connectrpc.com/", "github.com/modelcontextprotocol/", "github.com/allframe-go/allframe/transport/console.")
}

// TestGRPCWithoutConnectLinksNoVanguard builds a gRPC fx service that does
// not use Connect or gRPC-Web: transport/grpc/connect is a package of its
// own, so neither vanguard nor connect-go is linked.
func TestGRPCWithoutConnectLinksNoVanguard(t *testing.T) {
	checkLinkage(t, "grpconly", "connectrpc.com/", "github.com/allframe-go/allframe/transport/console.")
}

// checkLinkage builds testdata/name and fails if go tool nm lists a symbol
// containing one of banned.
func checkLinkage(t *testing.T, name string, banned ...string) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds a binary; skipped with -short")
	}
	bin := filepath.Join(t.TempDir(), name)
	build := exec.Command("go", "build", "-o", bin, "./testdata/"+name) //nolint:gosec // G204: the go tool on a path in the test's temp dir
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
		for _, b := range banned {
			if strings.Contains(line, b) {
				t.Fatalf("%s links %s: %s", name, b, strings.TrimSpace(line))
			}
		}
	}
	if syms < 1000 {
		t.Fatalf("nm listed %d symbols; the check would prove nothing", syms)
	}
	if fi, err := os.Stat(bin); err == nil {
		t.Logf("%s fx binary: %.1f MB", name, float64(fi.Size())/1e6)
	}
}
