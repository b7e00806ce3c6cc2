package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// golden compares got with the file at path, rewriting it with -update.
func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./cmd/allframe -update to create it)", err)
	}
	if diff := cmp.Diff(got, string(want)); diff != "" {
		t.Errorf("%s changed (-got +want); run with -update if intended:\n%s", path, diff)
	}
}

// runCLI runs the command line in-process and returns its output (stdout,
// then stderr) and exit code.
func runCLI(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var o, e bytes.Buffer
	code = run(args, &o, &e)
	return o.String(), e.String(), code
}

// TestDiffGolden runs schema diff on each testdata/diff/<case>/old.* and
// new.* pair: one kind of change per case, so every rule has a golden.
// want.txt holds the output and the exit code.
func TestDiffGolden(t *testing.T) {
	cases, err := filepath.Glob("testdata/diff/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) == 0 {
		t.Fatal("no cases under testdata/diff")
	}
	for _, dir := range cases {
		t.Run(filepath.Base(dir), func(t *testing.T) {
			olds, _ := filepath.Glob(filepath.Join(dir, "old.*"))
			if len(olds) != 1 {
				t.Fatalf("want one old.* file in %s, got %v", dir, olds)
			}
			oldPath := olds[0]
			newPath := filepath.Join(dir, "new"+filepath.Ext(oldPath))
			stdout, stderr, code := runCLI(t, "schema", "diff", oldPath, newPath)
			golden(t, filepath.Join(dir, "want.txt"), fmt.Sprintf("%s%sexit %d\n", stdout, stderr, code))
			wantCode := 0
			if !strings.HasSuffix(dir, "-safe") {
				wantCode = exitBreaking
			}
			if code != wantCode {
				t.Errorf("exit code %d, want %d", code, wantCode)
			}
		})
	}
}

func TestDiffJSON(t *testing.T) {
	stdout, _, code := runCLI(t, "schema", "diff", "--format", "json",
		"testdata/diff/proto-field-renumbered/old.proto", "testdata/diff/proto-field-renumbered/new.proto")
	if code != exitBreaking {
		t.Errorf("exit code %d, want %d", code, exitBreaking)
	}
	golden(t, "testdata/diff-json.golden", stdout)
	var got struct {
		Breaking int `json:"breaking"`
		Changes  []struct {
			Format   string `json:"format"`
			Breaking bool   `json:"breaking"`
			Path     string `json:"path"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if got.Breaking != 2 || len(got.Changes) != 2 || got.Changes[0].Format != "proto" {
		t.Errorf("got %+v, want 2 breaking proto changes", got)
	}
}

// TestDiffDirsUnchanged compares the bank example's exported schemas with
// themselves: nothing changed, exit 0, and JSON lists no changes.
func TestDiffDirsUnchanged(t *testing.T) {
	dir := "../../examples/bank/testdata"
	stdout, stderr, code := runCLI(t, "schema", "diff", "--format", "json", dir, dir)
	if code != 0 {
		t.Fatalf("exit code %d, want 0; stderr: %s", code, stderr)
	}
	if want := "{\n  \"breaking\": 0,\n  \"changes\": []\n}\n"; stdout != want {
		t.Errorf("stdout = %q, want %q", stdout, want)
	}
}

// TestDiffDirs compares export directories: a schema file that vanished is
// breaking, and files are matched by name.
func TestDiffDirs(t *testing.T) {
	oldDir, newDir := t.TempDir(), t.TempDir()
	copyFile(t, "testdata/diff/graphql-field-removed/old.graphql", filepath.Join(oldDir, "schema.graphql"))
	copyFile(t, "testdata/diff/graphql-field-removed/new.graphql", filepath.Join(newDir, "schema.graphql"))
	copyFile(t, "testdata/diff/proto-safe/old.proto", filepath.Join(oldDir, "service.proto"))
	stdout, _, code := runCLI(t, "schema", "diff", oldDir, newDir)
	want := "BREAKING graphql Order.note: field removed\n" +
		"BREAKING proto   service.proto: schema file removed\n" +
		"2 breaking, 0 safe\n"
	if stdout != want || code != exitBreaking {
		t.Errorf("got %q, exit %d; want %q, exit %d", stdout, code, want, exitBreaking)
	}
}

func TestDiffErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.proto")
	if err := os.WriteFile(bad, []byte("syntax = \"proto3\"; message {"), 0o600); err != nil {
		t.Fatal(err)
	}
	badGQL := filepath.Join(dir, "bad.graphql")
	if err := os.WriteFile(badGQL, []byte("type Query { x: Nope }"), 0o600); err != nil {
		t.Fatal(err)
	}
	good := "testdata/diff/proto-safe/old.proto"
	tests := []struct {
		name string
		give []string
		want string
	}{
		{"one argument", []string{"schema", "diff", good}, "accepts 2 arg(s)"},
		{"missing file", []string{"schema", "diff", good, filepath.Join(dir, "nope.proto")}, "no such file"},
		{"proto does not parse", []string{"schema", "diff", good, bad}, "new .proto does not compile"},
		{"graphql does not load", []string{"schema", "diff", badGQL, badGQL}, "old GraphQL schema does not load"},
		{"formats differ", []string{"schema", "diff", good, "testdata/diff/graphql-safe/old.graphql"}, "is proto but"},
		{"unknown extension", []string{"schema", "diff", "diff_test.go", "diff_test.go"}, "unknown schema format"},
		{"file and directory", []string{"schema", "diff", good, dir}, "two files or two directories"},
		{"unknown format flag", []string{"schema", "diff", "--format", "xml", good, good}, `unknown --format "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr, code := runCLI(t, tt.give...)
			if code != exitError || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, stderr, exitError, tt.want)
			}
		})
	}
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o600); err != nil { //nolint:gosec // G703: a test's temporary directory
		t.Fatal(err)
	}
}
