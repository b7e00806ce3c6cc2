package graph_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/vektah/gqlparser/v2/ast"
)

// queryGen generates random valid GraphQL requests for a schema: random
// selections with aliases, named and inline fragments, @skip and @include
// (literal and variable), and arguments given as literals or variables
// (with and without defaults, null, lists, input objects). The same seed
// gives the same request.
//
// Every field with arguments gets an alias unique in the document, so two
// selections with one response key always select the same field with the
// same arguments and the document never has a field conflict.
type queryGen struct {
	schema *ast.Schema
	r      *rand.Rand
	// ints, strs and floats are the scalar values arguments draw from; ints
	// should include the values that make resolvers fail.
	ints   []int
	strs   []string
	floats []float64
	// maxDepth bounds the nesting of selections.
	maxDepth int

	vars      []string       // variable definitions
	values    map[string]any // variable values
	fragments []string       // fragment definitions
	n         int            // counter for unique names
}

// request is one generated request.
type request struct {
	Query     string
	Variables map[string]any
}

func newQueryGen(schema *ast.Schema, seed uint64) *queryGen {
	return &queryGen{
		schema:   schema,
		r:        rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		ints:     []int{0, 1, 2, 3, 4, 5, 6, 7, 9, 11, 13, 21, -1},
		strs:     []string{"", "a", "héllo", `q"uote`, "line\nbreak"},
		floats:   []float64{0, 1.5, -2.25},
		maxDepth: 5,
	}
}

func (g *queryGen) chance(p float64) bool { return g.r.Float64() < p }

func (g *queryGen) name(prefix string) string {
	g.n++
	return prefix + strconv.Itoa(g.n)
}

// request generates a query (or, one time in eight, a mutation).
func (g *queryGen) request() request {
	g.vars, g.values, g.fragments, g.n = nil, map[string]any{}, nil, 0
	root, kw := g.schema.Query, "query"
	if g.schema.Mutation != nil && g.r.IntN(8) == 0 {
		root, kw = g.schema.Mutation, "mutation"
	}
	sel := g.selection(root, 0)
	var b strings.Builder
	b.WriteString(kw)
	if g.chance(0.5) {
		b.WriteString(" " + g.name("Op"))
	}
	if len(g.vars) > 0 {
		b.WriteString("(" + strings.Join(g.vars, ", ") + ")")
	}
	b.WriteString(" " + sel)
	for _, f := range g.fragments {
		b.WriteString("\n" + f)
	}
	return request{Query: b.String(), Variables: g.values}
}

// selection generates a selection set of object type t.
func (g *queryGen) selection(t *ast.Definition, depth int) string {
	var items []string
	n := 1 + g.r.IntN(4)
	for range n {
		switch k := g.r.IntN(20); {
		case k == 0:
			items = append(items, g.alias()+"__typename")
		case k == 1 && depth < g.maxDepth:
			// An inline fragment, with or without a type condition.
			cond := ""
			if g.chance(0.6) {
				cond = " on " + t.Name
			}
			items = append(items, "..."+cond+g.directives()+" "+g.selection(t, depth+1))
		case k == 2 && depth < g.maxDepth:
			name := g.name("F")
			g.fragments = append(g.fragments, "fragment "+name+" on "+t.Name+" "+g.selection(t, depth+1))
			items = append(items, "..."+name+g.directives())
		default:
			items = append(items, g.field(t, depth))
		}
	}
	return "{ " + strings.Join(items, " ") + " }"
}

func (g *queryGen) alias() string {
	if g.chance(0.2) {
		return g.name("a") + ": "
	}
	return ""
}

// field generates one field of t with its arguments, directives and
// selections.
func (g *queryGen) field(t *ast.Definition, depth int) string {
	var fields []*ast.FieldDefinition
	for _, f := range t.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if depth >= g.maxDepth && g.schema.Types[f.Type.Name()].Kind == ast.Object {
			continue
		}
		fields = append(fields, f)
	}
	if len(fields) == 0 {
		return "__typename"
	}
	f := fields[g.r.IntN(len(fields))]
	var b strings.Builder
	if len(f.Arguments) > 0 {
		b.WriteString(g.name("r") + ": ") // see queryGen: no field conflicts
	} else {
		b.WriteString(g.alias())
	}
	b.WriteString(f.Name)
	var args []string
	for _, a := range f.Arguments {
		if a.Type.NonNull || g.chance(0.6) {
			args = append(args, a.Name+": "+g.argument(a.Type))
		}
	}
	if len(args) > 0 {
		b.WriteString("(" + strings.Join(args, ", ") + ")")
	}
	b.WriteString(g.directives())
	if def := g.schema.Types[f.Type.Name()]; def.Kind == ast.Object {
		b.WriteString(" " + g.selection(def, depth+1))
	}
	return b.String()
}

// directives returns nothing, or @skip / @include with a literal or a
// variable condition.
func (g *queryGen) directives() string {
	if !g.chance(0.15) {
		return ""
	}
	name := "skip"
	if g.chance(0.5) {
		name = "include"
	}
	cond := strconv.FormatBool(g.chance(0.5))
	if g.chance(0.5) {
		cond = g.variable(ast.NonNullNamedType("Boolean", nil))
	}
	return " @" + name + "(if: " + cond + ")"
}

// argument returns a value of type t for an argument or input field: a
// literal or, 40% of the time, a variable.
func (g *queryGen) argument(t *ast.Type) string {
	if g.chance(0.4) {
		return g.variable(t)
	}
	return g.literal(t)
}

// variable declares a variable of type t, sometimes with a default, and
// sets its value, which may be left out (the default or nothing applies)
// or null where the type allows it.
func (g *queryGen) variable(t *ast.Type) string {
	name := g.name("v")
	def := "$" + name + ": " + t.String()
	if !t.NonNull && g.chance(0.3) {
		def += " = " + g.literalConst(t)
	}
	g.vars = append(g.vars, def)
	switch {
	case !t.NonNull && g.chance(0.15):
		// left out
	case !t.NonNull && g.chance(0.15):
		g.values[name] = nil
	default:
		g.values[name] = g.jsonValue(t)
	}
	return "$" + name
}

// literal returns a GraphQL literal of type t, which may hold variables
// inside lists and input objects.
func (g *queryGen) literal(t *ast.Type) string { return g.literalOf(t, true) }

// literalConst returns a literal without variables, for defaults.
func (g *queryGen) literalConst(t *ast.Type) string { return g.literalOf(t, false) }

func (g *queryGen) literalOf(t *ast.Type, vars bool) string {
	if !t.NonNull && g.chance(0.1) {
		return "null"
	}
	if t.Elem != nil {
		if g.chance(0.1) {
			return g.literalOf(t.Elem, vars) // input coercion: one item is a list of one
		}
		items := make([]string, g.r.IntN(4))
		for i := range items {
			items[i] = g.nested(t.Elem, vars)
		}
		return "[" + strings.Join(items, ", ") + "]"
	}
	def := g.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[g.r.IntN(len(def.EnumValues))].Name
	case ast.InputObject:
		var fields []string
		for _, f := range def.Fields {
			if f.Type.NonNull || g.chance(0.5) {
				fields = append(fields, f.Name+": "+g.nested(f.Type, vars))
			}
		}
		return "{" + strings.Join(fields, ", ") + "}"
	}
	switch t.NamedType {
	case "Int":
		return strconv.Itoa(g.ints[g.r.IntN(len(g.ints))])
	case "Float":
		return strconv.FormatFloat(g.floats[g.r.IntN(len(g.floats))], 'g', -1, 64)
	case "Boolean":
		return strconv.FormatBool(g.chance(0.5))
	case "String", "ID":
		return strconv.Quote(g.strs[g.r.IntN(len(g.strs))])
	}
	panic(fmt.Sprintf("queryGen: no literal for %s", t))
}

// nested is a value inside a list or input object literal: a variable one
// time in five when variables are allowed.
func (g *queryGen) nested(t *ast.Type, vars bool) string {
	if vars && g.chance(0.2) {
		return g.variable(t)
	}
	return g.literalOf(t, vars)
}

// jsonValue returns a variable value of type t as encoding/json decodes
// one.
func (g *queryGen) jsonValue(t *ast.Type) any {
	if !t.NonNull && g.chance(0.1) {
		return nil
	}
	if t.Elem != nil {
		if g.chance(0.1) {
			return g.jsonValue(t.Elem)
		}
		items := make([]any, g.r.IntN(4))
		for i := range items {
			items[i] = g.jsonValue(t.Elem)
		}
		return items
	}
	def := g.schema.Types[t.NamedType]
	switch def.Kind {
	case ast.Enum:
		return def.EnumValues[g.r.IntN(len(def.EnumValues))].Name
	case ast.InputObject:
		m := map[string]any{}
		for _, f := range def.Fields {
			if f.Type.NonNull || g.chance(0.5) {
				m[f.Name] = g.jsonValue(f.Type)
			}
		}
		return m
	}
	switch t.NamedType {
	case "Int":
		return float64(g.ints[g.r.IntN(len(g.ints))])
	case "Float":
		return g.floats[g.r.IntN(len(g.floats))]
	case "Boolean":
		return g.chance(0.5)
	case "String", "ID":
		return g.strs[g.r.IntN(len(g.strs))]
	}
	panic(fmt.Sprintf("queryGen: no value for %s", t))
}
