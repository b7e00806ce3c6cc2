package main

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Exit codes.
const (
	exitOK       = 0
	exitBreaking = 1 // schema diff found a breaking change
	exitError    = 2 // usage errors, unreadable input, failed generation
)

// exitCodeError carries an exit code other than exitError.
type exitCodeError struct {
	code int
	msg  string
}

func (e *exitCodeError) Error() string { return e.msg }

// run executes the command line args, writing to stdout and stderr, and
// returns the process exit code.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.Execute()
	if err == nil {
		return exitOK
	}
	_, _ = fmt.Fprintln(stderr, "allframe: "+err.Error()) // the exit code reports the failure if this cannot
	if ce, ok := errors.AsType[*exitCodeError](err); ok {
		return ce.code
	}
	return exitError
}

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "allframe",
		Short: "AllFrame's command line: schema diff and export, new services, lint",
		Long: `allframe works with AllFrame services: it compares exported schemas
(OpenAPI, GraphQL SDL, .proto) for breaking changes, exports a service's
schemas, scaffolds new services from templates, and checks their layout's
import direction.

Exit status: 0 on success, 1 when schema diff finds a breaking change or
lint a wrong import, 2 on any error.`,
		Version:       version(),
		SilenceErrors: true, // run prints the error once, with its exit code
		SilenceUsage:  true,
	}
	root.AddCommand(newSchemaCmd(), newNewCmd(), newLintCmd())
	return root
}

// version is the module version go install stamped into the binary, or
// "(devel)" for a build from a checkout.
func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func newSchemaCmd() *cobra.Command {
	c := &cobra.Command{
		Use:   "schema",
		Short: "Compare and export API schemas",
	}
	c.AddCommand(newDiffCmd(), newExportCmd())
	return c
}
