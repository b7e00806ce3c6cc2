package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const helloSchemas = "../../examples/hello/testdata"

// schemaServer serves the named files of the hello example's schemas, as
// a running service does, and 404s the rest.
func schemaServer(t *testing.T, names ...string) string {
	t.Helper()
	mux := http.NewServeMux()
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(helloSchemas, n))
		if err != nil {
			t.Fatal(err)
		}
		mux.HandleFunc("GET /"+n, func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write(b) })
	}
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL
}

// sameFiles checks that dir holds exactly the named files, equal to the
// hello example's.
func sameFiles(t *testing.T, dir string, names ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Name())
	}
	if diff := cmp.Diff(got, names); diff != "" {
		t.Errorf("files in %s (-got +want):\n%s", dir, diff)
	}
	for _, n := range names {
		g, _ := os.ReadFile(filepath.Join(dir, n))
		w, _ := os.ReadFile(filepath.Join(helloSchemas, n))
		if string(g) != string(w) {
			t.Errorf("%s differs from the example's", n)
		}
	}
}

func TestExportFromURL(t *testing.T) {
	all := []string{"openapi.json", "schema.graphql", "service.proto"}
	tests := []struct {
		name   string
		serve  []string
		format string
		want   []string
	}{
		{"all", all, "all", all},
		{"one format", all, "proto", []string{"service.proto"}},
		{"all skips what is not served", []string{"openapi.json"}, "all", []string{"openapi.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "schemas")
			url := schemaServer(t, tt.serve...)
			stdout, stderr, code := runCLI(t, "schema", "export", "--from", url+"/", "--out", out, "--format", tt.format)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, stderr)
			}
			sameFiles(t, out, tt.want...)
			if n := strings.Count(stdout, "\n"); n != len(tt.want) {
				t.Errorf("stdout lists %d files, want %d: %q", n, len(tt.want), stdout)
			}
		})
	}
}

func TestExportErrors(t *testing.T) {
	url := schemaServer(t, "openapi.json")
	tests := []struct {
		name string
		give []string
		want string
	}{
		{"named format not served", []string{"--from", url, "--format", "graphql"}, "404 Not Found"},
		{"nothing served", []string{"--from", schemaServer(t)}, "serves none of"},
		{"unknown format", []string{"--from", url, "--format", "wsdl"}, `unknown --format "wsdl"`},
		{"from and command", []string{"--from", url, "--", "true"}, "not both"},
		{"command writes nothing", []string{"--", "true"}, "wrote no schema"},
		{"command fails", []string{"--", "false"}, "exit status 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			_, stderr, code := runCLI(t, append([]string{"schema", "export", "--out", out}, tt.give...)...)
			if code != exitError || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitError, tt.want)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a failed export left %s behind", out)
			}
		})
	}
}

// TestExportHook exports the hello example in-process, as CI would:
// allframe runs its main with ALLFRAME_SCHEMA_EXPORT set, and the service
// writes its schemas and exits without listening.
func TestExportHook(t *testing.T) {
	if testing.Short() {
		t.Skip("builds examples/hello with the go command; skipped with -short")
	}
	out := t.TempDir()
	_, stderr, code := runCLI(t, "schema", "export", "--out", out, "--", "go", "run", "../../examples/hello")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	sameFiles(t, out, "openapi.json", "schema.graphql", "service.proto")
}
