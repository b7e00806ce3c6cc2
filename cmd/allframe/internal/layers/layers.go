package layers

import (
	"go/ast"
	"strconv"
	"strings"

	"golang.org/x/tools/go/analysis"
)

// Analyzer reports imports against the layout's direction.
var Analyzer = &analysis.Analyzer{
	Name: "layers",
	Doc: `check the clean layout's import direction

domain imports nothing from application or adapters; application nothing
from adapters; and no package outside adapters imports a transport (net/http,
AllFrame's transport and di packages, gRPC, Connect, gqlgen, echo).`,
	URL: "https://github.com/allframe-go/allframe/tree/main/cmd/allframe",
	Run: run,
}

// layer ranks: a package may import only packages of a lower or equal rank.
var ranks = map[string]int{"domain": 0, "application": 1, "adapters": 2}

// transports are import path prefixes that belong in adapters only.
var transports = []string{
	"net/http",
	"github.com/allframe-go/allframe/transport/",
	"github.com/allframe-go/allframe/di",
	"google.golang.org/grpc",
	"connectrpc.com/",
	"github.com/99designs/gqlgen",
	"github.com/labstack/echo",
}

func run(pass *analysis.Pass) (any, error) {
	module := ""
	if pass.Module != nil {
		module = pass.Module.Path
	}
	from, root, ok := layerOf(module, pass.Pkg.Path())
	if !ok {
		return nil, nil
	}
	for _, f := range pass.Files {
		for _, spec := range f.Imports {
			check(pass, spec, module, from, root)
		}
	}
	return nil, nil
}

func check(pass *analysis.Pass, spec *ast.ImportSpec, module, from, root string) {
	path, err := strconv.Unquote(spec.Path.Value)
	if err != nil {
		return
	}
	if to, toRoot, ok := layerOf(module, path); ok && toRoot == root && ranks[to] > ranks[from] {
		pass.Reportf(spec.Pos(), "%s imports %s: the %s layer must not import the %s layer (imports point adapters → application → domain)",
			pass.Pkg.Path(), path, from, to)
		return
	}
	if from == "adapters" {
		return
	}
	for _, t := range transports {
		if path == strings.TrimSuffix(t, "/") || strings.HasPrefix(path, t) {
			pass.Reportf(spec.Pos(), "%s imports %s: transports belong in the adapters layer", pass.Pkg.Path(), path)
			return
		}
	}
}

// layerOf returns the layer of the package at path and the path before
// the layer element (which identifies the project). Within module, only
// elements after the module path count.
func layerOf(module, path string) (layer, root string, ok bool) {
	rest := path
	if module != "" {
		if path != module && !strings.HasPrefix(path, module+"/") {
			return "", "", false
		}
		rest = strings.TrimPrefix(strings.TrimPrefix(path, module), "/")
	}
	elems := strings.Split(rest, "/")
	for i, e := range elems {
		if _, ok := ranks[e]; ok {
			root = strings.Join(elems[:i], "/")
			if module != "" {
				root = strings.TrimSuffix(module+"/"+root, "/")
			}
			return e, root, true
		}
	}
	return "", "", false
}
