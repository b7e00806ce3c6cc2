package rest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"go.yaml.in/yaml/v4"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonschema"
)

// OpenAPIVersion is the version of the documents BuildOpenAPI produces.
const OpenAPIVersion = "3.1.0"

const problemSchema = "Problem"

// BuildOpenAPI builds the OpenAPI 3.1 document of a's operations from the
// type schema: paths, operationIds, parameters, request bodies, response
// and problem+json error schemas, validation constraints and descriptions,
// and — when the App declares security (middleware.Auth) — its security
// schemes and each operation's requirements (security: [] when public).
// The document is validated with kin-openapi before it is returned.
func BuildOpenAPI(a *app.App, servers ...string) (*openapi3.T, error) {
	b := &specBuilder{js: jsonschema.NewBuilder("#/components/schemas/"), schemas: openapi3.Schemas{}}
	ops := a.Operations()
	for _, op := range ops {
		b.js.MarkInput(op.Input)
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
	for _, sc := range a.SecuritySchemes() {
		if doc.Components.SecuritySchemes == nil {
			doc.Components.SecuritySchemes = openapi3.SecuritySchemes{}
		}
		doc.Components.SecuritySchemes[sc.Name] = &openapi3.SecuritySchemeRef{Value: &openapi3.SecurityScheme{
			Type: sc.Type, Description: sc.Description, Scheme: sc.Scheme, BearerFormat: sc.BearerFormat,
			In: sc.In, Name: sc.Param,
		}}
	}
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
	for name, def := range b.js.Defs() {
		b.schemas[name] = toOpenAPI(def)
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
			"reason": str("A refinement of the code, e.g. RATE_LIMITED or TIMEOUT"),
			"retryAfterMs": openapi3.NewSchemaRef("", &openapi3.Schema{
				Type: &openapi3.Types{"integer"}, Description: "How long to wait before retrying, in milliseconds (also sent as Retry-After, in seconds)",
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
	js      *jsonschema.Builder
	schemas openapi3.Schemas // components that are not type schemas (Problem)
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
	bound := map[string]bool{} // header names already bound from input fields
	for _, p := range plan.params {
		prm := b.parameter(p)
		if prm.In == openapi3.ParameterInHeader {
			bound[http.CanonicalHeaderKey(prm.Name)] = true
		}
		o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: prm})
	}
	for _, h := range op.Headers {
		if bound[http.CanonicalHeaderKey(h.Name)] {
			continue
		}
		o.Parameters = append(o.Parameters, &openapi3.ParameterRef{Value: &openapi3.Parameter{
			Name:        h.Name,
			In:          openapi3.ParameterInHeader,
			Required:    h.Required,
			Description: h.Description,
			Schema:      headerSchema(h),
		}})
	}
	if plan.hasBody {
		body := b.bodySchema(op)
		o.RequestBody = &openapi3.RequestBodyRef{Value: openapi3.NewRequestBody().
			WithRequired(hasRequired(op.Input)).
			WithContent(openapi3.Content{"application/json": &openapi3.MediaType{Schema: body}})}
		if plan.upload != nil {
			b.uploadContent(op, plan.upload, o.RequestBody.Value.Content)
		}
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
	} else if op.Output.IsBlob() {
		blobResponse(ok)
	} else {
		ok.WithContent(openapi3.Content{"application/json": &openapi3.MediaType{Schema: out}})
	}
	for _, h := range op.ResponseHeaders {
		if ok.Headers == nil {
			ok.Headers = openapi3.Headers{}
		}
		ok.Headers[h.Name] = &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
			Description: h.Description,
			Schema:      headerSchema(h),
		}}}
	}
	o.Responses.Set("200", &openapi3.ResponseRef{Value: ok})
	o.Responses.Set("400", problemResponse("Invalid input (invalid_argument, failed_precondition, out_of_range)"))
	security(o, op.SecurityRequirements())
	o.Responses.Set("default", problemResponse("Error"))
	return o, nil
}

// security declares who may call an operation: reqs as its security
// requirements (an empty list for a public operation) and, when it needs
// credentials, its 401 and 403 answers. A nil reqs (the App declares no
// security) leaves the operation as is.
func security(o *openapi3.Operation, reqs []app.SecurityRequirement) {
	if reqs == nil {
		return
	}
	srs := openapi3.SecurityRequirements{}
	forbids := false
	for _, r := range reqs {
		grants := append(append([]string{}, r.Scopes...), r.Roles...)
		forbids = forbids || len(grants) > 0
		srs = append(srs, openapi3.SecurityRequirement{r.Scheme: grants})
	}
	o.Security = &srs
	if len(reqs) == 0 {
		return
	}
	unauth := problemResponse("Unauthenticated: credentials missing or invalid (unauthenticated)")
	unauth.Value.Headers = openapi3.Headers{"WWW-Authenticate": &openapi3.HeaderRef{Value: &openapi3.Header{Parameter: openapi3.Parameter{
		Description: "The challenges of the accepted schemes (RFC 9110, RFC 6750)",
		Schema:      openapi3.NewSchemaRef("", &openapi3.Schema{Type: &openapi3.Types{"string"}}),
	}}}}
	o.Responses.Set("401", unauth)
	if forbids {
		o.Responses.Set("403", problemResponse("Forbidden: a required scope or role is missing (permission_denied)"))
	}
}

// headerSchema is the schema of a header's value: a string with the
// header's constraints.
func headerSchema(h app.Header) *openapi3.SchemaRef {
	s := &jsonschema.Schema{Type: []string{"string"}}
	jsonschema.ApplyConstraints(s, h.Constraints)
	return toOpenAPI(s)
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
	return toOpenAPI(b.js.Define(op.Input.Name+"Body", func() *jsonschema.Schema {
		return b.js.Object(op.Input, func(f *app.Field) bool { return f.In == app.SourceDefault })
	}))
}

func (b *specBuilder) parameter(p paramBinder) *openapi3.Parameter {
	in := map[app.Source]string{app.SourcePath: "path", app.SourceQuery: "query", app.SourceHeader: "header"}[p.in]
	f := p.field
	t := f.Type
	if t.Kind == app.KindPointer {
		t = t.Elem
	}
	s := b.js.Inline(t)
	jsonschema.ApplyConstraints(s, f.Constraints)
	prm := &openapi3.Parameter{
		Name:        p.field.Param,
		In:          in,
		Required:    p.in == app.SourcePath || f.Required,
		Description: f.Doc,
		Deprecated:  f.Deprecated != "",
		Schema:      toOpenAPI(s),
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
func (b *specBuilder) schemaOf(t *app.Type) *openapi3.SchemaRef { return toOpenAPI(b.js.Schema(t)) }

// toOpenAPI converts a JSON Schema to kin-openapi's model of it.
func toOpenAPI(s *jsonschema.Schema) *openapi3.SchemaRef {
	if s == nil {
		return nil
	}
	if s.Ref != "" {
		return openapi3.NewSchemaRef(s.Ref, nil)
	}
	o := &openapi3.Schema{
		Format:          s.Format,
		Description:     s.Description,
		Deprecated:      s.Deprecated,
		Enum:            s.Enum,
		Min:             s.Minimum,
		Max:             s.Maximum,
		ExclusiveMin:    openapi3.ExclusiveBound{Value: s.ExclusiveMinimum},
		ExclusiveMax:    openapi3.ExclusiveBound{Value: s.ExclusiveMaximum},
		MinLength:       s.MinLength,
		MaxLength:       s.MaxLength,
		MinItems:        s.MinItems,
		MaxItems:        s.MaxItems,
		Pattern:         s.Pattern,
		ContentEncoding: s.ContentEncoding,
		Items:           toOpenAPI(s.Items),
		Required:        s.Required,
		PropertyNames:   toOpenAPI(s.PropertyNames),
		Const:           s.Const,
	}
	if d := s.Discriminator; d != nil {
		o.Discriminator = &openapi3.Discriminator{PropertyName: d.PropertyName, Mapping: map[string]openapi3.MappingRef{}}
		for name, ref := range d.Mapping {
			o.Discriminator.Mapping[name] = openapi3.MappingRef{Ref: ref}
		}
	}
	if s.Type != nil {
		ts := openapi3.Types(slices.Clone(s.Type))
		o.Type = &ts
	}
	if s.Properties != nil {
		o.Properties = make(openapi3.Schemas, len(s.Properties))
		for name, p := range s.Properties {
			o.Properties[name] = toOpenAPI(p)
		}
	}
	if s.AdditionalProperties != nil {
		o.AdditionalProperties = openapi3.AdditionalProperties{Schema: toOpenAPI(s.AdditionalProperties)}
	}
	for _, x := range s.AllOf {
		o.AllOf = append(o.AllOf, toOpenAPI(x))
	}
	for _, x := range s.AnyOf {
		o.AnyOf = append(o.AnyOf, toOpenAPI(x))
	}
	for _, x := range s.OneOf {
		o.OneOf = append(o.OneOf, toOpenAPI(x))
	}
	return openapi3.NewSchemaRef("", o)
}
