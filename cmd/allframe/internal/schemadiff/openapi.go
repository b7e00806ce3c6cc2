package schemadiff

import (
	"fmt"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// direction says which way a schema's values travel: into the service
// (request parameters and bodies) or out of it (responses). A change that
// is safe one way is often breaking the other way.
type direction int

const (
	input direction = iota
	output
)

const componentPrefix = "#/components/schemas/"

type openAPIDiffer struct {
	differ
	seen map[seenKey]bool
}

type seenKey struct {
	old, new *openapi3.Schema
	dir      direction
}

func loadOpenAPI(which string, data []byte) (*openapi3.T, error) {
	doc, err := openapi3.NewLoader().LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("%s OpenAPI document does not load: %w", which, err)
	}
	return doc, nil
}

func compareOpenAPI(oldData, newData []byte) ([]Change, error) {
	o, err := loadOpenAPI("old", oldData)
	if err != nil {
		return nil, err
	}
	n, err := loadOpenAPI("new", newData)
	if err != nil {
		return nil, err
	}
	d := &openAPIDiffer{seen: map[seenKey]bool{}}
	oldOps, newOps := operations(o), operations(n)
	for id, oo := range oldOps {
		no, ok := newOps[id]
		if !ok {
			d.breaking(oo.label(), "operation removed")
			continue
		}
		if oo.method != no.method || oo.path != no.path {
			d.breaking(oo.label(), "operation %s moved to %s", id, no.label())
		}
		d.operation(no.label(), oo.op, no.op)
	}
	for id, no := range newOps {
		if _, ok := oldOps[id]; !ok {
			d.safe(no.label(), "operation added")
		}
	}
	return dedupe(d.changes), nil
}

type openAPIOp struct {
	method, path string
	op           *openapi3.Operation
}

func (o openAPIOp) label() string { return o.method + " " + o.path }

// operations indexes a document's operations by operationId, or by method
// and path when an operation has none.
func operations(doc *openapi3.T) map[string]openAPIOp {
	ops := map[string]openAPIOp{}
	if doc.Paths == nil {
		return ops
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			id := op.OperationID
			if id == "" {
				id = method + " " + path
			}
			ops[id] = openAPIOp{method: method, path: path, op: op}
		}
	}
	return ops
}

func (d *openAPIDiffer) operation(at string, o, n *openapi3.Operation) {
	type key struct{ in, name string }
	params := func(op *openapi3.Operation) map[key]*openapi3.Parameter {
		m := map[key]*openapi3.Parameter{}
		for _, p := range op.Parameters {
			if p != nil && p.Value != nil {
				m[key{p.Value.In, p.Value.Name}] = p.Value
			}
		}
		return m
	}
	op, np := params(o), params(n)
	for k, p := range op {
		where := fmt.Sprintf("%s %s parameter %s", at, k.in, k.name)
		q, ok := np[k]
		if !ok {
			d.breaking(where, "parameter removed")
			continue
		}
		if q.Required && !p.Required {
			d.breaking(where, "parameter became required")
		} else if !q.Required && p.Required {
			d.safe(where, "parameter became optional")
		}
		d.schema(where, p.Schema, q.Schema, input)
	}
	for k, q := range np {
		if _, ok := op[k]; ok {
			continue
		}
		where := fmt.Sprintf("%s %s parameter %s", at, k.in, k.name)
		if q.Required {
			d.breaking(where, "required parameter added")
		} else {
			d.safe(where, "optional parameter added")
		}
	}

	ob, nb := body(o), body(n)
	switch {
	case ob == nil && nb != nil && nb.Required:
		d.breaking(at+" request body", "required request body added")
	case ob == nil && nb != nil:
		d.safe(at+" request body", "optional request body added")
	case ob != nil && nb == nil:
		d.breaking(at+" request body", "request body removed")
	case ob != nil:
		if nb.Required && !ob.Required {
			d.breaking(at+" request body", "request body became required")
		}
		d.content(at+" request body", ob.Content, nb.Content, input)
	}

	if o.Responses == nil || n.Responses == nil {
		return
	}
	nr := n.Responses.Map()
	for status, r := range o.Responses.Map() {
		where := at + " response " + status
		q, ok := nr[status]
		if !ok || q.Value == nil {
			if strings.HasPrefix(status, "2") {
				d.breaking(where, "response removed")
			} else {
				d.safe(where, "response removed")
			}
			continue
		}
		if r.Value != nil {
			d.content(where, r.Value.Content, q.Value.Content, output)
		}
	}
}

func body(op *openapi3.Operation) *openapi3.RequestBody {
	if op.RequestBody == nil {
		return nil
	}
	return op.RequestBody.Value
}

func (d *openAPIDiffer) content(at string, o, n openapi3.Content, dir direction) {
	for mt, m := range o {
		nm, ok := n[mt]
		if !ok {
			d.breaking(at, "media type %s removed", mt)
			continue
		}
		d.schema(at, m.Schema, nm.Schema, dir)
	}
}

// schema compares two schemas reached the same way. A named component is
// compared under its own name (once per direction), so a change to a shared
// type is reported once, not once per operation that uses it.
func (d *openAPIDiffer) schema(at string, o, n *openapi3.SchemaRef, dir direction) {
	if o == nil || n == nil || o.Value == nil || n.Value == nil {
		return
	}
	if name, ok := strings.CutPrefix(o.Ref, componentPrefix); ok && o.Ref == n.Ref {
		at = name
	} else if ok && n.Ref != "" && o.Ref != n.Ref {
		d.breaking(at, "type changed from %s to %s", name, strings.TrimPrefix(n.Ref, componentPrefix))
		return
	}
	k := seenKey{o.Value, n.Value, dir}
	if d.seen[k] {
		return
	}
	d.seen[k] = true
	os, ns := o.Value, n.Value

	ot, nt := typeSet(os), typeSet(ns)
	if len(ot) > 0 && len(nt) > 0 && !slices.Equal(ot, nt) {
		// Accepting more is safe for inputs; returning less is safe for outputs.
		widened := subset(ot, nt)
		if (dir == input && widened) || (dir == output && subset(nt, ot)) {
			d.safe(at, "type changed from %s to %s", strings.Join(ot, "|"), strings.Join(nt, "|"))
		} else {
			d.breaking(at, "type changed from %s to %s", strings.Join(ot, "|"), strings.Join(nt, "|"))
		}
	}
	if os.Format != "" && ns.Format != "" && os.Format != ns.Format {
		d.breaking(at, "format changed from %s to %s", os.Format, ns.Format)
	}

	oe, ne := enumSet(os.Enum), enumSet(ns.Enum)
	if len(oe) > 0 || len(ne) > 0 {
		for _, v := range oe {
			if !slices.Contains(ne, v) && len(ne) > 0 {
				if dir == input {
					d.breaking(at, "enum value %s removed", v)
				} else {
					d.safe(at, "enum value %s no longer returned", v)
				}
			}
		}
		for _, v := range ne {
			if !slices.Contains(oe, v) && len(oe) > 0 {
				d.safe(at, "enum value %s added", v)
			}
		}
		if len(oe) == 0 && dir == input {
			d.breaking(at, "values restricted to an enum")
		}
	}

	for name, op := range os.Properties {
		where := at + "." + name
		np, ok := ns.Properties[name]
		if !ok {
			d.breaking(where, "field removed")
			continue
		}
		oreq, nreq := slices.Contains(os.Required, name), slices.Contains(ns.Required, name)
		switch {
		case dir == input && nreq && !oreq:
			d.breaking(where, "field became required")
		case dir == output && oreq && !nreq:
			d.breaking(where, "field may now be absent (no longer required)")
		}
		d.schema(where, op, np, dir)
	}
	for name := range ns.Properties {
		if _, ok := os.Properties[name]; ok {
			continue
		}
		where := at + "." + name
		if dir == input && slices.Contains(ns.Required, name) {
			d.breaking(where, "required field added")
		} else {
			d.safe(where, "field added")
		}
	}
	d.schema(at+"[]", os.Items, ns.Items, dir)
	d.variants(at, os.OneOf, ns.OneOf, dir)
	d.variants(at, os.AnyOf, ns.AnyOf, dir)
}

// variants compares the named variants of a oneOf or anyOf: a client can
// no longer send a removed variant, and may not understand a new one it
// receives.
func (d *openAPIDiffer) variants(at string, o, n openapi3.SchemaRefs, dir direction) {
	names := func(rs openapi3.SchemaRefs) []string {
		var s []string
		for _, r := range rs {
			if name, ok := strings.CutPrefix(r.Ref, componentPrefix); ok {
				s = append(s, name)
			}
		}
		return s
	}
	on, nn := names(o), names(n)
	for _, v := range on {
		if !slices.Contains(nn, v) {
			d.breaking(at, "variant %s removed", v)
		}
	}
	for _, v := range nn {
		if slices.Contains(on, v) {
			continue
		}
		if dir == output {
			d.breaking(at, "variant %s added to a response", v)
		} else {
			d.safe(at, "variant %s added", v)
		}
	}
	for _, r := range o {
		for _, q := range n {
			if r.Ref != "" && r.Ref == q.Ref {
				d.schema(at, r, q, dir)
			}
		}
	}
}

func typeSet(s *openapi3.Schema) []string {
	if s.Type == nil {
		return nil
	}
	t := slices.Clone(s.Type.Slice())
	if s.Nullable && !slices.Contains(t, "null") {
		t = append(t, "null")
	}
	slices.Sort(t)
	return t
}

// subset reports whether every type in a is in b, counting integer as a
// kind of number.
func subset(a, b []string) bool {
	for _, t := range a {
		if !slices.Contains(b, t) && (t != "integer" || !slices.Contains(b, "number")) {
			return false
		}
	}
	return true
}

func enumSet(vs []any) []string {
	s := make([]string, 0, len(vs))
	for _, v := range vs {
		s = append(s, fmt.Sprint(v))
	}
	slices.Sort(s)
	return s
}

// dedupe drops repeated changes (a component reached from both directions
// can report the same fact twice), keeping the breaking one.
func dedupe(cs []Change) []Change {
	type key struct{ path, msg string }
	idx := map[key]int{}
	var out []Change
	for _, c := range cs {
		k := key{c.Path, c.Message}
		if i, ok := idx[k]; ok {
			out[i].Breaking = out[i].Breaking || c.Breaking
			continue
		}
		idx[k] = len(out)
		out = append(out, c)
	}
	return out
}
