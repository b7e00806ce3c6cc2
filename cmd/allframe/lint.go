package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"golang.org/x/tools/go/analysis"
	"golang.org/x/tools/go/analysis/checker"
	"golang.org/x/tools/go/analysis/unitchecker"
	"golang.org/x/tools/go/packages"

	"github.com/allframe-go/allframe/cmd/allframe/internal/layers"
)

// exitFindings is lint's exit code when it reports something.
const exitFindings = 1

func newLintCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lint [PACKAGES]",
		Short: "Check the clean layout's import direction (domain ← application ← adapters)",
		Long: `lint checks that packages import in the direction of the clean layout that
allframe new generates: domain imports nothing from application or adapters,
application nothing from adapters, and no package outside adapters imports a
transport (net/http, AllFrame's transport and di packages, gRPC, Connect,
gqlgen, echo). A package's layer is the first element of its path, after the
module path, named domain, application or adapters.

Each finding is printed as file:line:column: message; lint exits 1 when there
is one. The same analyzer runs under go vet:

  go vet -vettool=$(which allframe) ./...`,
		Example: `  allframe lint
  allframe lint ./internal/...`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"./..."}
			}
			n, err := lint(args, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if n > 0 {
				return &exitCodeError{code: exitFindings, msg: fmt.Sprintf("%d import(s) against the layout", n)}
			}
			return nil
		},
	}
}

// lint loads patterns (tests included) and reports the analyzer's
// diagnostics, sorted, with paths relative to the working directory.
func lint(patterns []string, out interface{ Write([]byte) (int, error) }) (int, error) {
	cfg := &packages.Config{Mode: packages.LoadSyntax | packages.NeedModule, Tests: true}
	pkgs, err := packages.Load(cfg, patterns...)
	if err != nil {
		return 0, err
	}
	var loadErrs []string
	packages.Visit(pkgs, nil, func(p *packages.Package) {
		for _, e := range p.Errors {
			loadErrs = append(loadErrs, e.Error())
		}
	})
	if len(loadErrs) > 0 {
		return 0, fmt.Errorf("packages do not load:\n%s", strings.Join(loadErrs, "\n"))
	}
	g, err := checker.Analyze([]*analysis.Analyzer{layers.Analyzer}, pkgs, nil)
	if err != nil {
		return 0, err
	}
	wd, _ := os.Getwd()
	seen := map[string]bool{}
	var lines []string
	for _, act := range g.Roots {
		if act.Err != nil {
			return 0, act.Err
		}
		for _, d := range act.Diagnostics {
			pos := act.Package.Fset.Position(d.Pos)
			if rel, err := filepath.Rel(wd, pos.Filename); err == nil && !strings.HasPrefix(rel, "..") {
				pos.Filename = rel
			}
			line := fmt.Sprintf("%s: %s", pos, d.Message)
			if !seen[line] { // a file is in a package and its test variant
				seen[line] = true
				lines = append(lines, line)
			}
		}
	}
	slices.Sort(lines)
	for _, l := range lines {
		if _, err := fmt.Fprintln(out, l); err != nil {
			return 0, err
		}
	}
	return len(lines), nil
}

// isVetTool reports whether go vet runs allframe as its -vettool: it asks
// for the version and flags, or passes a unit's .cfg file.
func isVetTool(args []string) bool {
	return len(args) > 0 && (args[0] == "-V=full" || args[0] == "-flags" || strings.HasSuffix(args[len(args)-1], ".cfg"))
}

// vetTool serves go vet -vettool; it exits the process.
func vetTool() { unitchecker.Main(layers.Analyzer) }
