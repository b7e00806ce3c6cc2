// Package graphtest provides test helpers for GraphQL schemas: the standard
// introspection query and a printer that turns its result back into SDL,
// so tests can check that introspection and the exported SDL describe the
// same schema.
package graphtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/formatter"
)

// IntrospectionQuery is the query graphql-js's getIntrospectionQuery builds
// with every option enabled (descriptions, specifiedByURL, repeatable
// directives, schema description, deprecated input values, oneOf).
const IntrospectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives {
      name
      description
      isRepeatable
      locations
      args(includeDeprecated: true) { ...InputValue }
    }
  }
}
fragment FullType on __Type {
  kind
  name
  description
  specifiedByURL
  isOneOf
  fields(includeDeprecated: true) {
    name
    description
    args(includeDeprecated: true) { ...InputValue }
    type { ...TypeRef }
    isDeprecated
    deprecationReason
  }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) {
    name
    description
    isDeprecated
    deprecationReason
  }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue {
  name
  description
  type { ...TypeRef }
  defaultValue
  isDeprecated
  deprecationReason
}
fragment TypeRef on __Type {
  kind
  name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } }
}`

type introspection struct {
	Schema struct {
		Description      *string   `json:"description"`
		QueryType        *typeName `json:"queryType"`
		MutationType     *typeName `json:"mutationType"`
		SubscriptionType *typeName `json:"subscriptionType"`
		Types            []fullType
		Directives       []directive
	} `json:"__schema"`
}

type typeName struct {
	Name string `json:"name"`
}

type fullType struct {
	Kind           string       `json:"kind"`
	Name           string       `json:"name"`
	Description    *string      `json:"description"`
	SpecifiedByURL *string      `json:"specifiedByURL"`
	IsOneOf        *bool        `json:"isOneOf"`
	Fields         []field      `json:"fields"`
	InputFields    []inputValue `json:"inputFields"`
	Interfaces     []typeRef    `json:"interfaces"`
	EnumValues     []enumValue  `json:"enumValues"`
	PossibleTypes  []typeRef    `json:"possibleTypes"`
}

type field struct {
	Name              string       `json:"name"`
	Description       *string      `json:"description"`
	Args              []inputValue `json:"args"`
	Type              typeRef      `json:"type"`
	IsDeprecated      bool         `json:"isDeprecated"`
	DeprecationReason *string      `json:"deprecationReason"`
}

type inputValue struct {
	Name              string  `json:"name"`
	Description       *string `json:"description"`
	Type              typeRef `json:"type"`
	DefaultValue      *string `json:"defaultValue"`
	IsDeprecated      bool    `json:"isDeprecated"`
	DeprecationReason *string `json:"deprecationReason"`
}

type enumValue struct {
	Name              string  `json:"name"`
	Description       *string `json:"description"`
	IsDeprecated      bool    `json:"isDeprecated"`
	DeprecationReason *string `json:"deprecationReason"`
}

type directive struct {
	Name         string       `json:"name"`
	Description  *string      `json:"description"`
	IsRepeatable bool         `json:"isRepeatable"`
	Locations    []string     `json:"locations"`
	Args         []inputValue `json:"args"`
}

type typeRef struct {
	Kind   string   `json:"kind"`
	Name   *string  `json:"name"`
	OfType *typeRef `json:"ofType"`
}

func (t typeRef) String() string {
	switch t.Kind {
	case "NON_NULL":
		return t.OfType.String() + "!"
	case "LIST":
		return "[" + t.OfType.String() + "]"
	}
	if t.Name == nil {
		return "?"
	}
	return *t.Name
}

// builtins are the types and directives gqlparser declares itself.
var builtins = []string{"Int", "Float", "String", "Boolean", "ID", "skip", "include", "deprecated", "specifiedBy", "defer", "oneOf"}

// SDLFromIntrospection turns the result of IntrospectionQuery (a whole
// response with "data", or the data member) into SDL, then formats it with
// Format.
func SDLFromIntrospection(result []byte) (string, error) {
	var env struct {
		Data   *introspection  `json:"data"`
		Errors json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(result, &env); err != nil {
		return "", fmt.Errorf("graphtest: decode introspection: %w", err)
	}
	in := env.Data
	if in == nil {
		if len(env.Errors) > 0 {
			return "", fmt.Errorf("graphtest: introspection failed: %s", env.Errors)
		}
		in = new(introspection)
		if err := json.Unmarshal(result, in); err != nil {
			return "", fmt.Errorf("graphtest: decode introspection: %w", err)
		}
	}
	var b strings.Builder
	s := in.Schema
	if s.QueryType == nil {
		return "", fmt.Errorf("graphtest: no query type in %.200s", result)
	}
	if s.QueryType.Name != "Query" || s.MutationType != nil && s.MutationType.Name != "Mutation" ||
		s.SubscriptionType != nil && s.SubscriptionType.Name != "Subscription" {
		b.WriteString("schema {\n  query: " + s.QueryType.Name + "\n")
		if s.MutationType != nil {
			b.WriteString("  mutation: " + s.MutationType.Name + "\n")
		}
		if s.SubscriptionType != nil {
			b.WriteString("  subscription: " + s.SubscriptionType.Name + "\n")
		}
		b.WriteString("}\n")
	}
	for _, d := range s.Directives {
		if slices.Contains(builtins, d.Name) {
			continue
		}
		desc(&b, "", d.Description)
		b.WriteString("directive @" + d.Name)
		args(&b, d.Args)
		if d.IsRepeatable {
			b.WriteString(" repeatable")
		}
		b.WriteString(" on " + strings.Join(d.Locations, " | ") + "\n")
	}
	for _, t := range s.Types {
		if strings.HasPrefix(t.Name, "__") || slices.Contains(builtins, t.Name) {
			continue
		}
		desc(&b, "", t.Description)
		switch t.Kind {
		case "SCALAR":
			b.WriteString("scalar " + t.Name)
			if t.SpecifiedByURL != nil {
				b.WriteString(" @specifiedBy(url: " + quote(*t.SpecifiedByURL) + ")")
			}
			b.WriteString("\n")
		case "OBJECT", "INTERFACE":
			kw := "type "
			if t.Kind == "INTERFACE" {
				kw = "interface "
			}
			b.WriteString(kw + t.Name)
			for i, it := range t.Interfaces {
				if i == 0 {
					b.WriteString(" implements ")
				} else {
					b.WriteString(" & ")
				}
				b.WriteString(it.String())
			}
			b.WriteString(" {\n")
			for _, f := range t.Fields {
				desc(&b, "  ", f.Description)
				b.WriteString("  " + f.Name)
				args(&b, f.Args)
				b.WriteString(": " + f.Type.String())
				deprecated(&b, f.IsDeprecated, f.DeprecationReason)
				b.WriteString("\n")
			}
			b.WriteString("}\n")
		case "UNION":
			names := make([]string, len(t.PossibleTypes))
			for i, p := range t.PossibleTypes {
				names[i] = p.String()
			}
			b.WriteString("union " + t.Name + " = " + strings.Join(names, " | ") + "\n")
		case "ENUM":
			b.WriteString("enum " + t.Name + " {\n")
			for _, v := range t.EnumValues {
				desc(&b, "  ", v.Description)
				b.WriteString("  " + v.Name)
				deprecated(&b, v.IsDeprecated, v.DeprecationReason)
				b.WriteString("\n")
			}
			b.WriteString("}\n")
		case "INPUT_OBJECT":
			b.WriteString("input " + t.Name)
			if t.IsOneOf != nil && *t.IsOneOf {
				b.WriteString(" @oneOf")
			}
			b.WriteString(" {\n")
			for _, f := range t.InputFields {
				inputValueSDL(&b, "  ", f)
			}
			b.WriteString("}\n")
		default:
			return "", fmt.Errorf("graphtest: type %s has unknown kind %q", t.Name, t.Kind)
		}
	}
	return Format(b.String())
}

func args(b *strings.Builder, as []inputValue) {
	if len(as) == 0 {
		return
	}
	b.WriteString("(\n")
	for _, a := range as {
		inputValueSDL(b, "    ", a)
	}
	b.WriteString("  )")
}

func inputValueSDL(b *strings.Builder, indent string, v inputValue) {
	desc(b, indent, v.Description)
	b.WriteString(indent + v.Name + ": " + v.Type.String())
	if v.DefaultValue != nil {
		b.WriteString(" = " + *v.DefaultValue)
	}
	deprecated(b, v.IsDeprecated, v.DeprecationReason)
	b.WriteString("\n")
}

func deprecated(b *strings.Builder, is bool, reason *string) {
	if !is {
		return
	}
	b.WriteString(" @deprecated")
	if reason != nil {
		b.WriteString("(reason: " + quote(*reason) + ")")
	}
}

func desc(b *strings.Builder, indent string, s *string) {
	if s != nil && *s != "" {
		b.WriteString(indent + quote(*s) + "\n")
	}
}

func quote(s string) string {
	q, _ := json.Marshal(s) // a JSON string is a valid GraphQL string
	return string(q)
}

// Format loads sdl with gqlparser and prints it with gqlparser's formatter:
// definitions sorted by name, built-ins left out. Two SDL documents of the
// same schema format to the same text.
func Format(sdl string) (string, error) {
	s, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphql", Input: sdl})
	if err != nil {
		return "", fmt.Errorf("graphtest: load schema: %w\n%s", err, sdl)
	}
	var b strings.Builder
	formatter.NewFormatter(&b).FormatSchema(s)
	return b.String(), nil
}
