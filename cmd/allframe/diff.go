package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/allframe-go/allframe/cmd/allframe/internal/schemadiff"
)

func newDiffCmd() *cobra.Command {
	var format string
	c := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Report breaking and safe changes between two schema versions",
		Long: `diff compares two versions of a service's schemas and separates breaking
changes (existing clients may fail) from safe ones.

OLD and NEW are two files of the same kind — an OpenAPI document (.json,
.yaml), GraphQL SDL (.graphql) or a .proto — or two directories written by
"allframe schema export", whose files are compared by name.

Breaking: removed operations, fields, enum values, RPCs or types; type
changes; newly required inputs; a changed HTTP method or path; renumbered,
renamed or retyped protobuf fields.

Exits 1 when there is a breaking change, 2 when a schema does not load.`,
		Example: `  allframe schema diff testdata/ schemas/
  allframe schema diff old/openapi.json new/openapi.json --format json`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return fmt.Errorf("unknown --format %q (want text or json)", format)
			}
			r, err := diff(args[0], args[1])
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if format == "json" {
				if r.Changes == nil {
					r.Changes = []schemadiff.Change{}
				}
				enc := json.NewEncoder(out)
				enc.SetIndent("", "  ")
				if err := enc.Encode(struct {
					Breaking int `json:"breaking"`
					schemadiff.Report
				}{r.Breaking(), r}); err != nil {
					return err
				}
			} else {
				var b strings.Builder
				for _, c := range r.Changes {
					b.WriteString(c.String() + "\n")
				}
				fmt.Fprintf(&b, "%d breaking, %d safe\n", r.Breaking(), len(r.Changes)-r.Breaking())
				if _, err := io.WriteString(out, b.String()); err != nil {
					return err
				}
			}
			if n := r.Breaking(); n > 0 {
				return &exitCodeError{code: exitBreaking, msg: fmt.Sprintf("%d breaking change(s)", n)}
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "output format: text or json")
	_ = c.RegisterFlagCompletionFunc("format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return c
}

func diff(oldPath, newPath string) (schemadiff.Report, error) {
	oi, err := os.Stat(oldPath)
	if err != nil {
		return schemadiff.Report{}, err
	}
	ni, err := os.Stat(newPath)
	if err != nil {
		return schemadiff.Report{}, err
	}
	switch {
	case oi.IsDir() && ni.IsDir():
		return schemadiff.Dirs(oldPath, newPath)
	case !oi.IsDir() && !ni.IsDir():
		return schemadiff.Files(oldPath, newPath)
	}
	return schemadiff.Report{}, fmt.Errorf("compare two files or two directories, not %s and %s", oldPath, newPath)
}
