package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkout is this repository, which generated services replace the
// framework with.
const checkout = "../.."

// TestNewTemplates generates each template against this checkout, offline
// (the framework's dependencies are in the module cache), and runs go
// build, go vet and go test in it, as a new user would.
func TestNewTemplates(t *testing.T) {
	if testing.Short() || os.Getenv("ALLFRAME_TEMPLATE_TESTS") != "1" {
		// About 40 s on 2 cores: kept out of a newcomer's go test ./...;
		// .ci/run sets ALLFRAME_TEMPLATE_TESTS=1.
		t.Skip("builds every generated template module with the go command; set ALLFRAME_TEMPLATE_TESTS=1 to run it")
	}
	t.Setenv("GOFLAGS", "-mod=mod")
	t.Setenv("GOPROXY", "off")
	root, err := filepath.Abs(checkout)
	if err != nil {
		t.Fatal(err)
	}
	for _, tmpl := range []string{"basic", "cqrs", "gateway"} {
		t.Run(tmpl, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "svc-"+tmpl)
			stdout, stderr, code := runCLI(t, "new", dir, "--template", tmpl, "--module", "example.com/svc", "--replace", root)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			if !strings.Contains(stdout, "created "+dir) {
				t.Errorf("stdout = %q", stdout)
			}
			for _, f := range []string{"go.mod", "go.sum", "main.go", "main_test.go", "README.md", ".ci/run", "Dockerfile",
				"internal/domain", "internal/application", "internal/adapters/api"} {
				if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
					t.Error(err)
				}
			}
			if fi, err := os.Stat(filepath.Join(dir, ".ci/run")); err != nil || fi.Mode()&0o111 == 0 {
				t.Errorf(".ci/run is not executable: %v", err)
			}
			gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
			if !strings.Contains(string(gomod), "module example.com/svc\n") || !strings.Contains(string(gomod), "=> "+root) {
				t.Errorf("go.mod lacks the module path or the replace:\n%s", gomod)
			}
			for _, args := range [][]string{{"build", "./..."}, {"vet", "./..."}, {"test", "./..."}, {"tool", "allframe", "lint", "./..."}} {
				cmd := exec.Command("go", args...) //nolint:gosec // G204: fixed go subcommands
				cmd.Dir = dir
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				}
			}
			leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(dir), ".*-allframe-*"))
			if len(leftovers) > 0 {
				t.Errorf("temporary directories left behind: %v", leftovers)
			}
		})
	}
}

// TestNewFromCheckout runs new as go run ./cmd/allframe does in a
// checkout: with no --replace, it replaces the framework with the checkout.
func TestNewFromCheckout(t *testing.T) {
	root, err := filepath.Abs(checkout)
	if err != nil {
		t.Fatal(err)
	}
	if got := findCheckout(filepath.Join(root, "cmd", "allframe")); got != root {
		t.Errorf("findCheckout = %q, want %q", got, root)
	}
	if got := findCheckout(t.TempDir()); got != "" {
		t.Errorf("findCheckout(temp dir) = %q, want none", got)
	}
	dir := filepath.Join(t.TempDir(), "demo")
	_, stderr, code := runCLI(t, "new", dir, "--skip-tidy")
	if code != 0 || !strings.Contains(stderr, "using the AllFrame checkout at "+root) {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	gomod, _ := os.ReadFile(filepath.Join(dir, "go.mod"))
	if !strings.Contains(string(gomod), "replace github.com/allframe-go/allframe => "+root+"\n") {
		t.Errorf("go.mod has no replace to the checkout:\n%s", gomod)
	}
}

func TestNewErrors(t *testing.T) {
	parent := t.TempDir()
	full := filepath.Join(parent, "full")
	if err := os.MkdirAll(full, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(full, "keep.txt"), []byte("mine"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(parent, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		give []string
		want string
	}{
		{"invalid module path", []string{filepath.Join(parent, "a"), "--module", "bad path!"}, `invalid module path "bad path!"`},
		{"unknown template", []string{filepath.Join(parent, "b"), "--template", "proxy"}, `unknown template "proxy" (want one of basic, cqrs, gateway)`},
		{"invalid name", []string{filepath.Join(parent, "Bad Name")}, `invalid service name "Bad Name"`},
		{"non-empty directory", []string{full, "--skip-tidy"}, "full exists and is not empty"},
		{"a file in the way", []string{file, "--skip-tidy"}, "file exists and is not a directory"},
		{"replace is no checkout", []string{filepath.Join(parent, "c"), "--replace", parent}, "not a module checkout"},
		{"no name", nil, "accepts 1 arg(s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, append([]string{"new"}, tt.give...)...)
			if code != exitError || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitError, tt.want)
			}
		})
	}
	es, _ := os.ReadDir(parent)
	if len(es) != 2 {
		t.Errorf("failed runs left files in %s: %v", parent, es)
	}
	if b, _ := os.ReadFile(filepath.Join(full, "keep.txt")); string(b) != "mine" {
		t.Error("a failed run touched the existing directory")
	}
}

// TestNewIntoEmptyDirectory generates into an existing empty directory,
// without go mod tidy (so without the go command).
func TestNewIntoEmptyDirectory(t *testing.T) {
	t.Chdir(t.TempDir()) // outside this checkout, which new would otherwise replace the framework with
	dir := filepath.Join(t.TempDir(), "empty")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := runCLI(t, "new", dir, "--skip-tidy", "--template", "cqrs")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	gomod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	if want := "module empty\n\ngo 1.26.0\n\n// allframe lint checks the layout's import direction: go tool allframe lint ./...\ntool github.com/allframe-go/allframe/cmd/allframe\n"; string(gomod) != want {
		t.Errorf("go.mod = %q, want %q (no require: go mod tidy picks the latest AllFrame)", gomod, want)
	}
}
