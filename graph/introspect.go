package graph

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/introspection"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

// introspector writes introspection results from gqlgen's introspection
// model. Introspection is rare, so it resolves selections per request
// instead of compiling plans.
type introspector struct {
	st    *state
	opCtx *graphql.OperationContext
}

// introspect writes the value of a __schema or __type root field.
func (e *executable) introspect(st *state, opCtx *graphql.OperationContext, rf *rootField) {
	if opCtx.DisableIntrospection {
		st.addError(&gqlerror.Error{
			Message:    "introspection disabled",
			Path:       ast.Path{ast.PathName(rf.alias)},
			Locations:  location(rf.cf.Position),
			Extensions: map[string]any{"code": app.CodePermissionDenied.Upper()},
		})
		st.buf = append(st.buf, "null"...)
		return
	}
	in := introspector{st: st, opCtx: opCtx}
	if rf.kind == rootSchema {
		in.schema(introspection.WrapSchema(e.s.ast), rf.cf.Selections)
		return
	}
	args, _ := argumentMap(rf.cf.Field, opCtx.Variables)
	name, _ := args["name"].(string)
	def := e.s.ast.Types[name]
	if def == nil {
		st.buf = append(st.buf, "null"...)
		return
	}
	in.typ(introspection.WrapTypeFromDef(e.s.ast, def), rf.cf.Selections)
}

// fields collects the selections of an introspection object; it returns
// the fields and their argument maps.
func (in introspector) fields(set ast.SelectionSet, typ string) []graphql.CollectedField {
	return graphql.CollectFields(in.opCtx, set, []string{typ})
}

func (in introspector) key(i int, f graphql.CollectedField) {
	if i > 0 {
		in.st.buf = append(in.st.buf, ',')
	}
	in.st.buf = jsonenc.AppendString(in.st.buf, f.Alias)
	in.st.buf = append(in.st.buf, ':')
}

func (in introspector) includeDeprecated(f graphql.CollectedField) bool {
	args, _ := argumentMap(f.Field, in.opCtx.Variables)
	b, _ := args["includeDeprecated"].(bool)
	return b
}

func (in introspector) str(s string) { in.st.buf = jsonenc.AppendString(in.st.buf, s) }

func (in introspector) optStr(s *string) {
	if s == nil {
		in.st.buf = append(in.st.buf, "null"...)
		return
	}
	in.str(*s)
}

func (in introspector) boolean(b bool) {
	if b {
		in.st.buf = append(in.st.buf, "true"...)
	} else {
		in.st.buf = append(in.st.buf, "false"...)
	}
}

func (in introspector) null() { in.st.buf = append(in.st.buf, "null"...) }

func (in introspector) schema(s *introspection.Schema, set ast.SelectionSet) {
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__Schema") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Schema")
		case "description":
			in.optStr(s.Description())
		case "types":
			types := s.Types()
			in.list(len(types), func(i int) { in.typ(&types[i], f.Selections) })
		case "queryType":
			in.optType(s.QueryType(), f.Selections)
		case "mutationType":
			in.optType(s.MutationType(), f.Selections)
		case "subscriptionType":
			in.optType(s.SubscriptionType(), f.Selections)
		case "directives":
			ds := s.Directives()
			in.list(len(ds), func(i int) { in.directive(&ds[i], f.Selections) })
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}

func (in introspector) list(n int, item func(i int)) {
	in.st.buf = append(in.st.buf, '[')
	for i := range n {
		if i > 0 {
			in.st.buf = append(in.st.buf, ',')
		}
		item(i)
	}
	in.st.buf = append(in.st.buf, ']')
}

func (in introspector) optType(t *introspection.Type, set ast.SelectionSet) {
	if t == nil {
		in.null()
		return
	}
	in.typ(t, set)
}

// typ writes a __Type. Fields that do not apply to the type's kind are
// null, as the specification requires.
func (in introspector) typ(t *introspection.Type, set ast.SelectionSet) {
	kind := t.Kind()
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__Type") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Type")
		case "kind":
			in.str(kind)
		case "name":
			in.optStr(t.Name())
		case "description":
			in.optStr(t.Description())
		case "specifiedByURL":
			in.optStr(t.SpecifiedByURL())
		case "fields":
			if kind != "OBJECT" && kind != "INTERFACE" {
				in.null()
				break
			}
			fs := t.Fields(in.includeDeprecated(f))
			in.list(len(fs), func(i int) { in.field(&fs[i], f.Selections) })
		case "interfaces":
			if kind != "OBJECT" && kind != "INTERFACE" {
				in.null()
				break
			}
			ts := t.Interfaces()
			in.list(len(ts), func(i int) { in.typ(&ts[i], f.Selections) })
		case "possibleTypes":
			if kind != "INTERFACE" && kind != "UNION" {
				in.null()
				break
			}
			ts := t.PossibleTypes()
			in.list(len(ts), func(i int) { in.typ(&ts[i], f.Selections) })
		case "enumValues":
			if kind != "ENUM" {
				in.null()
				break
			}
			vs := t.EnumValues(in.includeDeprecated(f))
			in.list(len(vs), func(i int) { in.enumValue(&vs[i], f.Selections) })
		case "inputFields":
			if kind != "INPUT_OBJECT" {
				in.null()
				break
			}
			vs := t.VisibleInputFields(in.includeDeprecated(f))
			in.list(len(vs), func(i int) { in.inputValue(&vs[i], f.Selections) })
		case "ofType":
			in.optType(t.OfType(), f.Selections)
		case "isOneOf":
			if kind != "INPUT_OBJECT" {
				in.null()
				break
			}
			in.boolean(t.IsOneOf())
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}

func (in introspector) field(fd *introspection.Field, set ast.SelectionSet) {
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__Field") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Field")
		case "name":
			in.str(fd.Name)
		case "description":
			in.optStr(fd.Description())
		case "args":
			as := fd.VisibleArgs(in.includeDeprecated(f))
			in.list(len(as), func(i int) { in.inputValue(&as[i], f.Selections) })
		case "type":
			in.typ(fd.Type, f.Selections)
		case "isDeprecated":
			in.boolean(fd.IsDeprecated())
		case "deprecationReason":
			in.optStr(fd.DeprecationReason())
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}

func (in introspector) inputValue(v *introspection.InputValue, set ast.SelectionSet) {
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__InputValue") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__InputValue")
		case "name":
			in.str(v.Name)
		case "description":
			in.optStr(v.Description())
		case "type":
			in.typ(v.Type, f.Selections)
		case "defaultValue":
			in.optStr(v.DefaultValue)
		case "isDeprecated":
			in.boolean(v.IsDeprecated())
		case "deprecationReason":
			in.optStr(v.DeprecationReason())
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}

func (in introspector) enumValue(v *introspection.EnumValue, set ast.SelectionSet) {
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__EnumValue") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__EnumValue")
		case "name":
			in.str(v.Name)
		case "description":
			in.optStr(v.Description())
		case "isDeprecated":
			in.boolean(v.IsDeprecated())
		case "deprecationReason":
			in.optStr(v.DeprecationReason())
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}

func (in introspector) directive(d *introspection.Directive, set ast.SelectionSet) {
	in.st.buf = append(in.st.buf, '{')
	for i, f := range in.fields(set, "__Directive") {
		in.key(i, f)
		switch f.Name {
		case "__typename":
			in.str("__Directive")
		case "name":
			in.str(d.Name)
		case "description":
			in.optStr(d.Description())
		case "isRepeatable":
			in.boolean(d.IsRepeatable)
		case "locations":
			in.list(len(d.Locations), func(i int) { in.str(d.Locations[i]) })
		case "args":
			as := d.VisibleArgs(in.includeDeprecated(f))
			in.list(len(as), func(i int) { in.inputValue(&as[i], f.Selections) })
		default:
			in.null()
		}
	}
	in.st.buf = append(in.st.buf, '}')
}
