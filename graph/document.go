package graph

import (
	"strings"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/allframe-go/allframe/app"
)

// Document returns a complete GraphQL request document calling op, for
// tools that call operations from a form (the developer console): one
// variable per argument (the input's fields, as New maps them) and a
// selection of every output field, recursively, with __typename and an
// inline fragment per member of unions and interfaces. Recursion stops at
// a type already on the path and at maxDepth nested selections (≤ 0: 12).
// It also returns the operation type: "query", "mutation" or
// "subscription"; ok is false when s has no field for op.
func (s *Schema) Document(op *app.Operation, maxDepth int) (doc, opType string, ok bool) {
	var root *ast.Definition
	switch op.Kind {
	case app.OpQuery:
		root, opType = s.ast.Query, "query"
	case app.OpCommand:
		root, opType = s.ast.Mutation, "mutation"
	case app.OpStream:
		root, opType = s.ast.Subscription, "subscription"
	}
	if root == nil {
		return "", "", false
	}
	fd := root.Fields.ForName(op.Name)
	if fd == nil {
		return "", "", false
	}
	if maxDepth <= 0 {
		maxDepth = 12
	}
	var b strings.Builder
	b.WriteString(opType + " " + op.Name)
	if len(fd.Arguments) > 0 {
		b.WriteString("(")
		for i, a := range fd.Arguments {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("$" + a.Name + ": " + a.Type.String())
		}
		b.WriteString(")")
	}
	b.WriteString(" { " + fd.Name)
	if len(fd.Arguments) > 0 {
		b.WriteString("(")
		for i, a := range fd.Arguments {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(a.Name + ": $" + a.Name)
		}
		b.WriteString(")")
	}
	sel := selector{schema: s.ast, onPath: map[string]bool{}, maxDepth: maxDepth}
	sel.selection(&b, fd.Type.Name(), 1)
	b.WriteString(" }")
	return b.String(), opType, true
}

type selector struct {
	schema   *ast.Schema
	onPath   map[string]bool
	maxDepth int
	// alias and clash, set while writing a union member's fields: the
	// member's name and the field names to alias as <member>_<field>.
	alias string
	clash map[string]bool
}

// selection writes the selection set of the named type (nothing for leaf
// types).
func (sel *selector) selection(b *strings.Builder, typ string, depth int) {
	def := sel.schema.Types[typ]
	if def == nil {
		return
	}
	switch def.Kind {
	case ast.Object:
		sel.onPath[typ] = true
		b.WriteString(" {")
		n := sel.fields(b, def, depth)
		if n == 0 {
			b.WriteString(" __typename")
		}
		b.WriteString(" }")
		delete(sel.onPath, typ)
	case ast.Union, ast.Interface:
		b.WriteString(" { __typename")
		members := sel.schema.GetPossibleTypes(def)
		// Fields of one name but different types in two members would
		// conflict (GraphQL's SameResponseShape): those get an alias.
		types, clash := map[string]string{}, map[string]bool{}
		for _, m := range members {
			for _, f := range m.Fields {
				if t, seen := types[f.Name]; seen && t != f.Type.String() {
					clash[f.Name] = true
				}
				types[f.Name] = f.Type.String()
			}
		}
		for _, member := range members {
			if sel.onPath[member.Name] || depth >= sel.maxDepth {
				continue
			}
			sel.onPath[member.Name] = true
			var inner strings.Builder
			sel.alias, sel.clash = member.Name, clash
			n := sel.fields(&inner, member, depth)
			sel.alias, sel.clash = "", nil
			if n > 0 {
				b.WriteString(" ... on " + member.Name + " {" + inner.String() + " }")
			}
			delete(sel.onPath, member.Name)
		}
		b.WriteString(" }")
	}
}

// fields writes the selectable fields of def and returns how many.
func (sel *selector) fields(b *strings.Builder, def *ast.Definition, depth int) int {
	n := 0
	for _, f := range def.Fields {
		if strings.HasPrefix(f.Name, "__") || requiredArgs(f) {
			continue
		}
		ft := sel.schema.Types[f.Type.Name()]
		leaf := ft == nil || ft.Kind == ast.Scalar || ft.Kind == ast.Enum
		if !leaf && (sel.onPath[ft.Name] || depth >= sel.maxDepth) {
			continue // a cycle, or too deep: leave the field out
		}
		b.WriteString(" ")
		if sel.clash[f.Name] {
			b.WriteString(sel.alias + "_" + f.Name + ": ")
		}
		b.WriteString(f.Name)
		if !leaf {
			alias, clash := sel.alias, sel.clash
			sel.alias, sel.clash = "", nil
			sel.selection(b, ft.Name, depth+1)
			sel.alias, sel.clash = alias, clash
		}
		n++
	}
	return n
}

func requiredArgs(f *ast.FieldDefinition) bool {
	for _, a := range f.Arguments {
		if a.Type.NonNull && a.DefaultValue == nil {
			return true
		}
	}
	return false
}
