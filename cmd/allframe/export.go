package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
)

// schemaFile is one exported schema: its file name, which is also the path
// a running service serves it at.
type schemaFile struct {
	format string
	name   string
}

var schemaFiles = []schemaFile{
	{"openapi", "openapi.json"},
	{"graphql", "schema.graphql"},
	{"proto", "service.proto"},
}

func newExportCmd() *cobra.Command {
	var (
		out, format, from string
		timeout           time.Duration
	)
	c := &cobra.Command{
		Use:   "export [--from URL | -- COMMAND...]",
		Short: "Write a service's OpenAPI, GraphQL and .proto schemas to a directory",
		Long: `export writes openapi.json, schema.graphql and service.proto for a service.

With --from URL it downloads them from a running service (GET /openapi.json,
/schema.graphql, /service.proto). Otherwise it runs the service's main
(COMMAND after --, default "go run .") with ALLFRAME_SCHEMA_EXPORT set: an
AllFrame service built with di or allframe.Run then writes its schemas and
exits before listening, so CI needs no ports and no running server.

With --format all, a schema the service does not have (a REST-only service
has no .proto) is skipped; a format asked for by name must exist.`,
		Example: `  allframe schema export --out schemas/
  allframe schema export --out schemas/ -- go run ./cmd/bank
  allframe schema export --from http://localhost:8080 --format openapi`,
		RunE: func(cmd *cobra.Command, args []string) error {
			want, err := selectFormats(format)
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(cmd.Context(), timeout)
			defer cancel()
			var got map[string][]byte
			if from != "" {
				if len(args) > 0 {
					return errors.New("give --from or a command, not both")
				}
				got, err = download(ctx, from, want)
			} else {
				if len(args) == 0 {
					args = []string{"go", "run", "."}
				}
				got, err = runHook(ctx, args, want, cmd.ErrOrStderr())
			}
			if err != nil {
				return err
			}
			if err := writeSchemas(out, got); err != nil {
				return err
			}
			var written strings.Builder
			for _, f := range schemaFiles {
				if _, ok := got[f.name]; ok {
					written.WriteString(filepath.Join(out, f.name) + "\n")
				}
			}
			_, err = io.WriteString(cmd.OutOrStdout(), written.String())
			return err
		},
	}
	c.Flags().StringVar(&out, "out", ".", "directory to write the schemas to")
	c.Flags().StringVar(&format, "format", "all", "schemas to export: openapi, graphql, proto or all")
	c.Flags().StringVar(&from, "from", "", "base URL of a running service to download the schemas from")
	c.Flags().DurationVar(&timeout, "timeout", 5*time.Minute, "give up after this long (a first go run may download modules)")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"openapi", "graphql", "proto", "all"}, cobra.ShellCompDirectiveNoFileComp))
	_ = c.MarkFlagDirname("out")
	return c
}

// selectFormats returns the schema files --format asks for; with all, none
// is required.
func selectFormats(format string) (map[string]bool, error) {
	want := map[string]bool{} // file name → required
	for _, f := range schemaFiles {
		switch format {
		case "all":
			want[f.name] = false
		case f.format:
			want[f.name] = true
		}
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("unknown --format %q (want openapi, graphql, proto or all)", format)
	}
	return want, nil
}

func download(ctx context.Context, base string, want map[string]bool) (map[string][]byte, error) {
	base = strings.TrimRight(base, "/")
	got := map[string][]byte{}
	for _, f := range schemaFiles {
		required, ok := want[f.name]
		if !ok {
			continue
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/"+f.name, nil)
		if err != nil {
			return nil, fmt.Errorf("--from: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", f.name, err)
		}
		b, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("download %s: %w", f.name, err)
		}
		switch {
		case resp.StatusCode == http.StatusOK:
			got[f.name] = b
		case resp.StatusCode == http.StatusNotFound && !required:
			// the service does not serve this schema
		default:
			return nil, fmt.Errorf("download %s: %s", req.URL, resp.Status)
		}
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("%s serves none of %s", base, strings.Join(names(want), ", "))
	}
	return got, nil
}

// runHook runs a service's main with ALLFRAME_SCHEMA_EXPORT set to a
// temporary directory and reads back the schemas it wrote.
func runHook(ctx context.Context, argv []string, want map[string]bool, stderr io.Writer) (map[string][]byte, error) {
	dir, err := os.MkdirTemp("", "allframe-export-")
	if err != nil {
		return nil, err
	}
	defer func() { _ = os.RemoveAll(dir) }()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...) //nolint:gosec // G204: running the user's own command is the point
	cmd.Env = append(os.Environ(), "ALLFRAME_SCHEMA_EXPORT="+dir)
	cmd.Stdout, cmd.Stderr = stderr, stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s: %w", strings.Join(argv, " "), err)
	}
	got := map[string][]byte{}
	for name, required := range want {
		b, err := os.ReadFile(filepath.Join(dir, name)) //nolint:gosec // G304: our own temporary directory
		switch {
		case err == nil:
			got[name] = b
		case errors.Is(err, os.ErrNotExist) && !required:
		default:
			return nil, fmt.Errorf("%s wrote no %s (is its App built with di or allframe.Run?): %w", strings.Join(argv, " "), name, err)
		}
	}
	if len(got) == 0 {
		return nil, fmt.Errorf("%s wrote no schema (is its App built with di or allframe.Run?)", strings.Join(argv, " "))
	}
	return got, nil
}

// writeSchemas writes each schema to a temporary file in dir and renames
// it into place, so a failed export leaves no half-written file.
func writeSchemas(dir string, files map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: schema files are meant to be readable
		return err
	}
	for name, b := range files {
		tmp, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			return err
		}
		_, werr := tmp.Write(b)
		cerr := tmp.Close()
		if err := errors.Join(werr, cerr); err != nil {
			_ = os.Remove(tmp.Name())
			return err
		}
		if err := os.Chmod(tmp.Name(), 0o644); err != nil { //nolint:gosec // G302: schema files are meant to be readable
			return err
		}
		if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
			_ = os.Remove(tmp.Name())
			return err
		}
	}
	return nil
}

func names(want map[string]bool) []string {
	var s []string
	for n := range want {
		s = append(s, n)
	}
	slices.Sort(s)
	return s
}
