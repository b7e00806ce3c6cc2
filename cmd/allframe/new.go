package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/mod/modfile"

	"github.com/allframe-go/allframe/cmd/allframe/internal/scaffold"
)

func newNewCmd() *cobra.Command {
	var (
		o        scaffold.Options
		skipTidy bool
	)
	c := &cobra.Command{
		Use:   "new NAME",
		Short: "Create a new service module from a template",
		Long: `new creates the directory NAME with a ready-to-run AllFrame service: go.mod,
main.go wired with fx, a handler in a clean layout (internal/domain,
internal/application, internal/adapters), passing tests, a README, .ci/run
and a multi-stage Dockerfile on a distroless image.

Templates:
  basic    one query, served over REST, GraphQL and gRPC
  cqrs     an event-sourced account aggregate with a read model, on the
           embedded SQLite event store
  gateway  one query that calls an upstream service over HTTP, with a
           timeout on every attempt and retries with backoff

The service is generated into a temporary directory next to NAME, then "go
mod tidy" resolves its dependencies (downloading modules the first time),
and only then is it renamed to NAME: a failure leaves nothing behind.`,
		Example: `  allframe new demo
  allframe new bank --template cqrs --module github.com/acme/bank
  allframe new demo --replace ../allframe   # develop against a local checkout`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			target := filepath.Clean(args[0])
			o.Name = filepath.Base(target)
			if o.Replace == "" && version() == "(devel)" {
				// Built from a checkout (go run ./cmd/allframe): no released
				// version to require, so use the checkout we are in, if any.
				if wd, err := os.Getwd(); err == nil {
					if dir := findCheckout(wd); dir != "" {
						progressf(cmd.ErrOrStderr(), "using the AllFrame checkout at %s (--replace)\n", dir)
						o.Replace = dir
					}
				}
			}
			if o.Replace != "" {
				abs, err := filepath.Abs(o.Replace)
				if err != nil {
					return err
				}
				if _, err := os.Stat(filepath.Join(abs, "go.mod")); err != nil {
					return fmt.Errorf("--replace %s: not a module checkout: %w", o.Replace, err)
				}
				o.Replace = abs
			}
			if v := version(); strings.HasPrefix(v, "v") && o.Replace == "" {
				o.Version = v // the framework this allframe was released with
			}
			if err := o.Check(); err != nil {
				return err
			}
			return create(target, o, !skipTidy, cmd.ErrOrStderr(), cmd.OutOrStdout())
		},
	}
	c.Flags().StringVar(&o.Template, "template", scaffold.Templates[0], "template: "+strings.Join(scaffold.Templates, " or "))
	c.Flags().StringVar(&o.Module, "module", "", "module path of the new service (default NAME)")
	c.Flags().StringVar(&o.Replace, "replace", "", "path of a local AllFrame checkout to use instead of a released version")
	c.Flags().BoolVar(&skipTidy, "skip-tidy", false, "do not run go mod tidy (the module then has no go.sum)")
	_ = c.RegisterFlagCompletionFunc("template", cobra.FixedCompletions(scaffold.Templates, cobra.ShellCompDirectiveNoFileComp))
	_ = c.MarkFlagDirname("replace")
	return c
}

// create generates o into a temporary directory beside target, tidies it,
// and renames it to target.
func create(target string, o scaffold.Options, tidy bool, progress, stdout io.Writer) (err error) {
	if err := checkTarget(target); err != nil {
		return err
	}
	parent := filepath.Dir(target)
	if err := os.MkdirAll(parent, 0o755); err != nil { //nolint:gosec // G301: a source tree is meant to be readable
		return err
	}
	tmp, err := os.MkdirTemp(parent, "."+o.Name+"-allframe-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil { //nolint:gosec // G302: as above
		return err
	}
	progressf(progress, "generating %s from the %s template\n", target, o.Template)
	if err := scaffold.Generate(tmp, o); err != nil {
		return err
	}
	if o.Replace != "" {
		// Start from the checkout's go.sum: the framework's dependencies are
		// then verified against it, not looked up (work offline).
		if sum, err := os.ReadFile(filepath.Join(o.Replace, "go.sum")); err == nil {
			if err := os.WriteFile(filepath.Join(tmp, "go.sum"), sum, 0o644); err != nil { //nolint:gosec // G306: a source file is meant to be readable
				return err
			}
		}
	}
	if tidy {
		progressf(progress, "resolving dependencies: go mod tidy (downloads modules the first time)\n")
		cmd := exec.Command("go", "mod", "tidy")
		cmd.Dir, cmd.Stdout, cmd.Stderr = tmp, progress, progress
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("go mod tidy: %w", err)
		}
	}
	if err := os.Remove(target); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // an empty directory is replaced
	}
	if err := os.Rename(tmp, target); err != nil {
		return err
	}
	_, err = fmt.Fprintf(stdout, "created %s (module %s)\n\n  cd %s\n  go run .        # serve on :8080 and :9090\n  go test ./...   # test\n", target, o.Module, target)
	return err
}

// progressf reports progress on w. Progress is advice: a failure to show
// it does not fail the command.
func progressf(w io.Writer, format string, args ...any) {
	_, _ = fmt.Fprintf(w, format, args...)
}

// findCheckout returns the root of the AllFrame checkout that holds dir,
// or "".
func findCheckout(dir string) string {
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil { //nolint:gosec // G304: looking for go.mod is the point
			if modfile.ModulePath(b) == scaffold.FrameworkModule {
				return dir
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// checkTarget accepts a directory that does not exist yet, or is empty.
func checkTarget(target string) error {
	es, err := os.ReadDir(target)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		if fi, serr := os.Stat(target); serr == nil && !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory", target)
		}
		return err
	case len(es) > 0:
		return fmt.Errorf("%s exists and is not empty", target)
	}
	return nil
}
