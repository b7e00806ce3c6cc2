package main

import (
	"os"
	"path/filepath"
	"testing"
)

// writeModule writes files (path → content) into a new module named
// example.com/lintme in a temporary directory and makes it the working
// directory.
func writeModule(t *testing.T, files map[string]string) {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/lintme\n\ngo 1.26.0\n"
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Chdir(dir)
}

func TestLint(t *testing.T) {
	writeModule(t, map[string]string{
		"internal/domain/d.go":          "package domain\n\nimport (\n\t_ \"net/http\"\n\n\t_ \"example.com/lintme/internal/adapters/x\"\n)\n",
		"internal/domain/d_test.go":     "package domain\n\nimport _ \"example.com/lintme/internal/application\"\n",
		"internal/application/a.go":     "package application\n",
		"internal/application/ok/ok.go": "package ok\n\nimport _ \"example.com/lintme/internal/domain\"\n",
		"internal/adapters/x/x.go":      "package x\n\nimport _ \"net/http\"\n",
		"main.go":                       "package main\n\nimport _ \"example.com/lintme/internal/adapters/x\"\n\nfunc main() {}\n",
	})
	stdout, stderr, code := runCLI(t, "lint")
	want := "internal/domain/d.go:4:2: example.com/lintme/internal/domain imports net/http: transports belong in the adapters layer\n" +
		"internal/domain/d.go:6:2: example.com/lintme/internal/domain imports example.com/lintme/internal/adapters/x: the domain layer must not import the adapters layer (imports point adapters → application → domain)\n" +
		"internal/domain/d_test.go:3:8: example.com/lintme/internal/domain imports example.com/lintme/internal/application: the domain layer must not import the application layer (imports point adapters → application → domain)\n"
	if stdout != want || code != exitFindings {
		t.Errorf("got exit %d, stdout:\n%s\nwant exit %d, stdout:\n%s\nstderr: %s", code, stdout, exitFindings, want, stderr)
	}

	stdout, _, code = runCLI(t, "lint", "./internal/application/...", "./internal/adapters/...")
	if code != 0 || stdout != "" {
		t.Errorf("lint of clean packages: exit %d, stdout %q", code, stdout)
	}
}

func TestLintDoesNotLoad(t *testing.T) {
	writeModule(t, map[string]string{"internal/domain/d.go": "package domain\n\nfunc f() { undefined() }\n"})
	_, stderr, code := runCLI(t, "lint")
	if code != exitError || stderr == "" {
		t.Errorf("exit %d, stderr %q; want exit %d and the load error", code, stderr, exitError)
	}
}

func TestIsVetTool(t *testing.T) {
	tests := []struct {
		give []string
		want bool
	}{
		{[]string{"-V=full"}, true},
		{[]string{"-flags"}, true},
		{[]string{"-json", "/tmp/go-build/vet.cfg"}, true},
		{[]string{"lint"}, false},
		{nil, false},
	}
	for _, tt := range tests {
		if got := isVetTool(tt.give); got != tt.want {
			t.Errorf("isVetTool(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
