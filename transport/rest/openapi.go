package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/allframe-go/allframe/app"
)

// OpenAPIVersion is the version of the documents BuildOpenAPI produces.
const OpenAPIVersion = "3.1.0"

const problemSchema = "Problem"

// BuildOpenAPI builds the OpenAPI 3.1 document of a's operations from the
// type schema: paths, operationIds, parameters, request bodies, response
// and problem+json error schemas, validation constraints and descriptions.
// The document is validated with kin-openapi before it is returned.
func BuildOpenAPI(a *app.App, servers ...string) (*openapi3.T, error) {
	b := &specBuilder{
		schemas:  openapi3.Schemas{},
		inputs:   map[*app.Type]bool{},
		building: map[*app.Type]bool{},
	}
	ops := a.Operations()
	for _, op := range ops {
		markInputs(op.Input, b.inputs)
	}
	doc := &openapi3.T{
		OpenAPI: OpenAPIVersion,
		Info: &openapi3.Info{
			Title:       a.Name(),
			Version:     a.Version(),
			Description: a.Description(),
		},
		Paths:      openapi3.NewPaths(),
		Components: &openapi3.Components{Schemas: b.schemas},
	}
	if len(servers) == 0 {
		servers = []string{"/"}
	}
	for _, s := range servers {
		doc.Servers = append(doc.Servers, &openapi3.Server{URL: s})
	}
	b.schemas[problemSchema] = openapi3.NewSchemaRef("", problemSchemaValue())
	for _, op := range ops {
		o, err := b.operation(op)
		if err != nil {
			return nil, err
		}
		item := doc.Paths.Value(op.HTTPPath)
		if item == nil {
			item = &openapi3.PathItem{}
			doc.Paths.Set(op.HTTPPath, item)
		}
		item.SetOperation(op.HTTPMethod, o)
	}
	// Validate what clients will see: the marshaled document, loaded back
	// with its $refs resolved.
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("rest: marshal OpenAPI: %w", err)
	}
	loaded, err := openapi3.NewLoader().LoadFromData(js)
	if err != nil {
		return nil, fmt.Errorf("rest: generated OpenAPI document does not load: %w", err)
	}
	if err := loaded.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("rest: generated OpenAPI document is invalid: %w", err)
	}
	return loaded, nil
}

func marshalSpec(doc *openapi3.T) (js, ym []byte, err error) {
	js, err = json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("rest: marshal OpenAPI: %w", err)
	}
	var tree any
	if err := json.Unmarshal(js, &tree); err != nil {
		return nil, nil, fmt.Errorf("rest: marshal OpenAPI: %w", err)
	}
	ym, err = yaml.Marshal(tree)
	if err != nil {
		return nil, nil, fmt.Errorf("rest: marshal OpenAPI YAML: %w", err)
	}
	return js, ym, nil
}

func problemSchemaValue() *openapi3.Schema {
	str := func(desc string) *openapi3.SchemaRef {
		return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}, Description: desc})
	}
	codes := make([]any, 0, len(app.Codes()))
	for _, c := range app.Codes() {
		if c != app.CodeOK {
			codes = append(codes, c.String())
		}
	}
	violation := &openapi3.Schema{
		Type:     &openapi3.Types{"object"},
		Required: []string{"field", "description"},
		Properties: openapi3.Schemas{
			"field":       str("JSON path of the invalid field"),
			"description": str("What is wrong with it"),
		},
	}
	return &openapi3.Schema{
		Type:        &openapi3.Types{"object"},
		Description: "An RFC 9457 problem document with the neutral error code.",
		Required:    []string{"type", "title", "status", "code"},
		Properties: openapi3.Schemas{
			"type":     str("A URI reference identifying the problem type"),
			"title":    str("Short summary of the problem type"),
			"status":   openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"integer"}, Description: "HTTP status code"}),
			"detail":   str("Human-readable explanation, safe to show"),
			"instance": str("The request path"),
			"code": openapi3.NewSchemaRef("", &openapi3.Schema{
				Type: &openapi3.Types{"string"}, Enum: codes,
				Description: "Protocol-neutral error code (the gRPC/Connect canonical set)",
			}),
			"violations": openapi3.NewSchemaRef("", &openapi3.Schema{
				Type:        &openapi3.Types{"array"},
				Items:       openapi3.NewSchemaRef("", violation),
				Description: "Per-field validation failures",
			}),
			"details": openapi3.NewSchemaRef("", &openapi3.Schema{
				Type: &openapi3.Types{"object"}, Description: "Structured, client-safe details",
			}),
		},
	}
}

type specBuilder struct {
	schemas  openapi3.Schemas
	inputs   map[*app.Type]bool // named types reachable from inputs
	building map[*app.Type]bool
}

func markInputs(t *app.Type, seen map[*app.Type]bool) {
	if t == nil || seen[t] {
		return
	}
	seen[t] = true
	switch t.Kind {
	case app.KindStruct:
		for _, f := range t.Fields {
			markInputs(f.Type, seen)
		}
	case app.KindSlice, app.KindMap, app.KindPointer:
		markInputs(t.Elem, seen)
	}
}

func ref(name string) *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("#/components/schemas/"+name, nil)
}

func problemResponse(desc string) *openapi3.ResponseRef {
	return &openapi3.ResponseRef{Value: openapi3.NewResponse().
		WithDescription(desc).
		WithContent(openapi3.Content{ProblemContentType: &openapi3.MediaType{Schema: ref(problemSchema)}})}
}

func (b *specBuilder) operation(op *app.Operation) (*openapi3.Operation, error) {
	summary := op.Summary
	if summary == "" {
		summary, _, _ = strings.Cut(op.Description, "\n")
		if summary == "" || len(summary) > 120 {
			summary = op.Name
		}
	}
	o := &openapi3.Operation{
		OperationID: op.Name,
		Summary:     summary,
		Description: op.Description,
		Tags:        op.Tags,
		Responses:   openapi3.NewResponses(),
	}
	if op.Deprecated != "" {
		o.Deprecated = true
		if op.Deprecated != "deprecated" && op.Deprecated != "true" {
			o.Description = strings.TrimSpace(o.Description + "\n\nDeprecated: " + op.Deprecated)
		}
	}
	plan, err := compileBindPlan(op)
	if err != nil {
		return nil, err
	}
	for _, p := range plan.params {
		o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: b.parameter(p)})
	}
	if plan.hasBody {
		body := b.bodySchema(op)
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithRequired(hasRequired(op.Input)).
			WithContent(openapi3.Content{"application/json": &openapi3.MediaType{Schema: body}})}
	}
	out := b.schemaOf(op.Output)
	ok := openapi3.NewResponse().WithDescription("OK")
	if op.Kind == app.OpStream {
		ok.WithDescription("A stream of Server-Sent Events; the data of each event is one JSON " + op.Output.Name + ".").
			WithContent(openapi3.Content{"text/event-stream": &openapi3.MediaType{
				Schema: openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}}),
				// OpenAPI 3.1 cannot describe the items of a stream (3.2's
				// itemSchema can); name the item's component instead.
				Extensions: map[string]any{"x-item-schema": "#/components/schemas/" + op.Output.Name},
			}})
	} else {
		ok.WithContent(openapi3.Content{"application/json": &openapi3.MediaType{Schema: out}})
	}
	o.Responses.Set("200", &openapi3.ResponseRef{Value: ok})
	o.Responses.Set("400", problemResponse("Invalid input (invalid_argument, failed_precondition, out_of_range)"))
	o.Responses.Set("default", problemResponse("Error"))
	return o, nil
}

func hasRequired(t *app.Type) bool {
	for _, f := range t.Fields {
		if f.Required && f.In == app.SourceDefault {
			return true
		}
	}
	return false
}

// bodySchema is the input type itself when every field comes from the body,
// else a component holding only the body fields.
func (b *specBuilder) bodySchema(op *app.Operation) *openapi3.SchemaRef {
	all := true
	for _, f := range op.Input.Fields {
		if f.In != app.SourceDefault {
			all = false
			break
		}
	}
	if all {
		return b.schemaOf(op.Input)
	}
	name := op.Input.Name + "Body"
	if _, ok := b.schemas[name]; !ok {
		b.schemas[name] = openapi3.NewSchemaRef("", b.structSchema(op.Input, func(f *app.Field) bool { return f.In == app.SourceDefault }))
	}
	return ref(name)
}

func (b *specBuilder) parameter(p paramBinder) *openapi3.Parameter {
	in := map[app.Source]string{app.SourcePath: "path", app.SourceQuery: "query", app.SourceHeader: "header"}[p.in]
	f := p.field
	t := f.Type
	if t.Kind == app.KindPointer {
		t = t.Elem
	}
	s := b.inline(t)
	applyConstraints(s, f)
	prm := &openapi3.Parameter{
		Name:        p.field.Param,
		In:          in,
		Required:    p.in == app.SourcePath || f.Required,
		Description: f.Doc,
		Deprecated:  f.Deprecated != "",
		Schema:      openapi3.NewSchemaRef("", s),
	}
	if prm.Name == "" {
		prm.Name = f.Name
	}
	if t.Kind == app.KindSlice {
		explode := true
		prm.Style, prm.Explode = "form", &explode
	}
	return prm
}

// schemaOf returns a $ref for named types and an inline schema otherwise.
func (b *specBuilder) schemaOf(t *app.Type) *openapi3.SchemaRef {
	if t.Name != "" && (t.Kind == app.KindStruct || len(t.Enum) > 0) {
		b.component(t)
		return ref(t.Name)
	}
	if t.Kind == app.KindPointer {
		inner := b.schemaOf(t.Elem)
		if inner.Ref != "" {
			return openapi3.NewSchemaRef("", &openapi3.Schema{AnyOf: openapi3.SchemaRefs{inner, nullSchema()}})
		}
		inner.Value.Type.With(openapi3.TypeNull)
		return inner
	}
	return openapi3.NewSchemaRef("", b.inline(t))
}

func nullSchema() *openapi3.SchemaRef {
	return openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{openapi3.TypeNull}})
}

func (b *specBuilder) component(t *app.Type) {
	if _, ok := b.schemas[t.Name]; ok || b.building[t] {
		return
	}
	b.building[t] = true
	var s *openapi3.Schema
	if t.Kind == app.KindStruct {
		s = b.structSchema(t, nil)
	} else {
		s = b.inline(t)
	}
	b.schemas[t.Name] = openapi3.NewSchemaRef("", s)
	delete(b.building, t)
}

// inline returns the schema of a non-named (or enum) type.
func (b *specBuilder) inline(t *app.Type) *openapi3.Schema {
	types := func(ts ...string) *openapi3.Types { x := openapi3.Types(ts); return &x }
	switch t.Kind {
	case app.KindBool:
		return &openapi3.Schema{Type: types("boolean")}
	case app.KindInt:
		s := &openapi3.Schema{Type: types("integer")}
		switch t.Bits {
		case 8, 16:
			lo, hi := -math.Pow(2, float64(t.Bits-1)), math.Pow(2, float64(t.Bits-1))-1
			s.Min, s.Max, s.Format = &lo, &hi, "int32"
		case 32:
			s.Format = "int32"
		default:
			s.Format = "int64"
		}
		return s
	case app.KindUint:
		zero := 0.0
		s := &openapi3.Schema{Type: types("integer"), Min: &zero}
		switch t.Bits {
		case 8, 16, 32:
			hi := math.Pow(2, float64(t.Bits)) - 1
			s.Max = &hi
			s.Format = "int64"
			if t.Bits < 32 {
				s.Format = "int32"
			}
		default:
			s.Format = "uint64"
		}
		return s
	case app.KindFloat:
		if t.Bits == 32 {
			return &openapi3.Schema{Type: types("number"), Format: "float"}
		}
		return &openapi3.Schema{Type: types("number"), Format: "double"}
	case app.KindString:
		s := &openapi3.Schema{Type: types("string"), Description: t.Doc}
		for _, v := range t.Enum {
			s.Enum = append(s.Enum, v)
		}
		return s
	case app.KindBytes:
		return &openapi3.Schema{Type: types("string", openapi3.TypeNull), ContentEncoding: "base64", Format: "byte"}
	case app.KindTime:
		return &openapi3.Schema{Type: types("string"), Format: "date-time"}
	case app.KindDuration:
		return &openapi3.Schema{Type: types("integer"), Format: "int64", Description: "Duration in nanoseconds"}
	case app.KindAny:
		return &openapi3.Schema{Description: "Any JSON value"}
	case app.KindSlice:
		return &openapi3.Schema{Type: types("array", openapi3.TypeNull), Items: b.schemaOf(t.Elem)}
	case app.KindMap:
		s := &openapi3.Schema{Type: types("object", openapi3.TypeNull)}
		s.AdditionalProperties = openapi3.AdditionalProperties{Schema: b.schemaOf(t.Elem)}
		if t.Key.Kind == app.KindInt || t.Key.Kind == app.KindUint {
			s.PropertyNames = openapi3.NewSchemaRef("", &openapi3.Schema{Type: types("string"), Pattern: `^-?[0-9]+$`})
		}
		return s
	case app.KindPointer:
		inner := b.schemaOf(t)
		return &openapi3.Schema{AnyOf: inner.Value.AnyOf, Type: inner.Value.Type}
	case app.KindStruct:
		return b.structSchema(t, nil)
	}
	return &openapi3.Schema{}
}

func (b *specBuilder) structSchema(t *app.Type, keep func(*app.Field) bool) *openapi3.Schema {
	s := &openapi3.Schema{Type: &openapi3.Types{"object"}, Description: t.Doc, Properties: openapi3.Schemas{}}
	for _, f := range t.Fields {
		if keep != nil && !keep(f) {
			continue
		}
		s.Properties[f.Name] = b.property(f)
		if f.Required || !b.inputs[t] && !f.OmitEmpty && f.Type.Kind != app.KindPointer {
			s.Required = append(s.Required, f.Name)
		}
	}
	return s
}

func (b *specBuilder) property(f *app.Field) *openapi3.SchemaRef {
	p := b.schemaOf(f.Type)
	needSiblings := f.Doc != "" || f.Deprecated != "" || !f.Constraints.IsZero()
	if !needSiblings {
		return p
	}
	if p.Ref != "" {
		p = openapi3.NewSchemaRef("", &openapi3.Schema{AllOf: openapi3.SchemaRefs{p}})
	}
	p.Value.Description = f.Doc
	p.Value.Deprecated = f.Deprecated != ""
	applyConstraints(p.Value, f)
	return p
}

// sizeBound converts a length or item-count bound to OpenAPI's unsigned form.
// A negative bound (from a tag such as validate:"lt=0") becomes 0 rather
// than wrapping around to 2^64-1.
func sizeBound(n int) uint64 {
	if n < 0 {
		return 0
	}
	return uint64(n)
}

func applyConstraints(s *openapi3.Schema, f *app.Field) {
	c := f.Constraints
	if c.MinLength != nil {
		s.MinLength = sizeBound(*c.MinLength)
	}
	if c.MaxLength != nil {
		v := sizeBound(*c.MaxLength)
		s.MaxLength = &v
	}
	if c.Minimum != nil {
		v := *c.Minimum
		if c.ExclusiveMinimum {
			s.ExclusiveMin = openapi3.ExclusiveBound{Value: &v}
		} else {
			s.Min = &v
		}
	}
	if c.Maximum != nil {
		v := *c.Maximum
		if c.ExclusiveMaximum {
			s.ExclusiveMax = openapi3.ExclusiveBound{Value: &v}
		} else {
			s.Max = &v
		}
	}
	if c.MinItems != nil {
		s.MinItems = sizeBound(*c.MinItems)
	}
	if c.MaxItems != nil {
		v := sizeBound(*c.MaxItems)
		s.MaxItems = &v
	}
	if c.Pattern != "" {
		s.Pattern = c.Pattern
	}
	if len(c.Enum) > 0 {
		s.Enum = nil
		for _, e := range c.Enum {
			s.Enum = append(s.Enum, e)
		}
	}
	if c.Format != "" {
		s.Format = c.Format
	}
}
