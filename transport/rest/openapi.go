package rest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonschema"
)

// OpenAPIVersion is the version of the documents BuildOpenAPI produces.
const OpenAPIVersion = "3.1.0"

const problemSchema = "Problem"

// obj is a JSON object of the document. The document is built as a tree
// of plain maps, slices and scalars and written by encoding/json, which
// sorts the keys: no OpenAPI library is linked into a service (the tests
// load and validate every document they build with kin-openapi).
type obj = map[string]any

// BuildOpenAPI builds the OpenAPI 3.1 document of a's operations from the
// type schema — paths, operationIds, parameters, request bodies, response
// and problem+json error schemas, validation constraints and descriptions,
// and, when the App declares security (middleware.Auth), its security
// schemes and each operation's requirements (security: [] when public) —
// and returns it as the indented JSON that GET /openapi.json serves.
func BuildOpenAPI(a *app.App, servers ...string) ([]byte, error) {
	doc, err := buildOpenAPI(a, servers)
	if err != nil {
		return nil, err
	}
	return marshalJSON(doc)
}

func buildOpenAPI(a *app.App, servers []string) (obj, error) {
	b := &specBuilder{js: jsonschema.NewBuilder("#/components/schemas/"), schemas: obj{}}
	ops := a.Operations()
	for _, op := range ops {
		b.js.MarkInput(op.Input)
	}
	info := obj{"title": a.Name(), "version": a.Version()}
	if d := a.Description(); d != "" {
		info["description"] = d
	}
	components := obj{"schemas": b.schemas}
	paths := obj{}
	doc := obj{"openapi": OpenAPIVersion, "info": info, "paths": paths, "components": components}
	if len(servers) == 0 {
		servers = []string{"/"}
	}
	var srvs []any
	for _, s := range servers {
		srvs = append(srvs, obj{"url": s})
	}
	doc["servers"] = srvs
	b.schemas[problemSchema] = problemSchemaValue()
	schemes := obj{}
	for _, sc := range a.SecuritySchemes() {
		schemes[sc.Name] = omitEmpty(obj{
			"type": sc.Type, "description": sc.Description, "scheme": sc.Scheme, "bearerFormat": sc.BearerFormat,
			"in": sc.In, "name": sc.Param,
		}, "type")
	}
	if len(schemes) > 0 {
		components["securitySchemes"] = schemes
	}
	for _, op := range ops {
		o, err := b.operation(op)
		if err != nil {
			return nil, err
		}
		item, _ := paths[op.HTTPPath].(obj)
		if item == nil {
			item = obj{}
			paths[op.HTTPPath] = item
		}
		item[strings.ToLower(op.HTTPMethod)] = o
	}
	for name, def := range b.js.Defs() {
		b.schemas[name] = schemaTree(def)
	}
	return doc, nil
}

// marshalJSON writes the document as GET /openapi.json serves it.
func marshalJSON(doc obj) ([]byte, error) {
	js, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("rest: marshal OpenAPI: %w", err)
	}
	return js, nil
}

func marshalSpec(doc obj) (js, ym []byte, err error) {
	js, err = marshalJSON(doc)
	if err != nil {
		return nil, nil, err
	}
	return js, marshalYAML(doc), nil
}

// omitEmpty deletes the empty strings, false bools and nil values of o,
// except those of the keys keep.
func omitEmpty(o obj, keep ...string) obj {
	for k, v := range o {
		if slices.Contains(keep, k) {
			continue
		}
		switch v := v.(type) {
		case string:
			if v == "" {
				delete(o, k)
			}
		case bool:
			if !v {
				delete(o, k)
			}
		case nil:
			delete(o, k)
		}
	}
	return o
}

func str(desc string) obj { return obj{"type": "string", "description": desc} }

func problemSchemaValue() obj {
	codes := make([]any, 0, len(app.Codes()))
	for _, c := range app.Codes() {
		if c != app.CodeOK {
			codes = append(codes, c.String())
		}
	}
	violation := obj{
		"type":     "object",
		"required": []any{"field", "description"},
		"properties": obj{
			"field":       str("JSON path of the invalid field"),
			"description": str("What is wrong with it"),
		},
	}
	return obj{
		"type":        "object",
		"description": "An RFC 9457 problem document with the neutral error code.",
		"required":    []any{"type", "title", "status", "code"},
		"properties": obj{
			"type":     str("A URI reference identifying the problem type"),
			"title":    str("Short summary of the problem type"),
			"status":   obj{"type": "integer", "description": "HTTP status code"},
			"detail":   str("Human-readable explanation, safe to show"),
			"instance": str("The request path"),
			"code": obj{
				"type": "string", "enum": codes,
				"description": "Protocol-neutral error code (the gRPC/Connect canonical set)",
			},
			"reason":       str("A refinement of the code, e.g. RATE_LIMITED or TIMEOUT"),
			"retryAfterMs": obj{"type": "integer", "description": "How long to wait before retrying, in milliseconds (also sent as Retry-After, in seconds)"},
			"violations": obj{
				"type":        "array",
				"items":       violation,
				"description": "Per-field validation failures",
			},
			"details": obj{"type": "object", "description": "Structured, client-safe details"},
		},
	}
}

type specBuilder struct {
	js      *jsonschema.Builder
	schemas obj // the components' schemas
}

func ref(name string) obj { return obj{"$ref": "#/components/schemas/" + name} }

func problemResponse(desc string) obj {
	return obj{"description": desc, "content": obj{ProblemContentType: obj{"schema": ref(problemSchema)}}}
}

func (b *specBuilder) operation(op *app.Operation) (obj, error) {
	summary := op.Summary
	if summary == "" {
		summary, _, _ = strings.Cut(op.Description, "\n")
		if summary == "" || len(summary) > 120 {
			summary = op.Name
		}
	}
	description := op.Description
	responses := obj{}
	o := obj{"operationId": op.Name, "summary": summary, "responses": responses}
	if len(op.Tags) > 0 {
		o["tags"] = stringList(op.Tags)
	}
	if op.Deprecated != "" {
		o["deprecated"] = true
		if op.Deprecated != "deprecated" && op.Deprecated != "true" {
			description = strings.TrimSpace(description + "\n\nDeprecated: " + op.Deprecated)
		}
	}
	if description != "" {
		o["description"] = description
	}
	plan, err := compileBindPlan(op)
	if err != nil {
		return nil, err
	}
	bound := map[string]bool{} // header names already bound from input fields
	var params []any
	for _, p := range plan.params {
		prm := b.parameter(p)
		if prm["in"] == "header" {
			bound[http.CanonicalHeaderKey(prm["name"].(string))] = true
		}
		params = append(params, prm)
	}
	for _, h := range op.Headers {
		if bound[http.CanonicalHeaderKey(h.Name)] {
			continue
		}
		params = append(params, omitEmpty(obj{
			"name":        h.Name,
			"in":          "header",
			"required":    h.Required,
			"description": h.Description,
			"schema":      headerSchema(h),
		}))
	}
	if len(params) > 0 {
		o["parameters"] = params
	}
	if plan.hasBody {
		content := obj{"application/json": obj{"schema": b.bodySchema(op)}}
		body := obj{"content": content}
		if hasRequired(op.Input) {
			body["required"] = true
		}
		if plan.upload != nil {
			b.uploadContent(op, plan.upload, content)
		}
		o["requestBody"] = body
	}
	out := b.schemaOf(op.Output) // defines the component a stream's x-item-schema names
	ok := obj{"description": "OK"}
	if op.Kind == app.OpStream {
		ok["description"] = "A stream of Server-Sent Events; the data of each event is one JSON " + op.Output.Name + "."
		ok["content"] = obj{"text/event-stream": obj{
			"schema": obj{"type": "string"},
			// OpenAPI 3.1 cannot describe the items of a stream (3.2's
			// itemSchema can); name the item's component instead.
			"x-item-schema": "#/components/schemas/" + op.Output.Name,
		}}
	} else if op.Output.IsBlob() {
		blobResponse(ok)
	} else {
		ok["content"] = obj{"application/json": obj{"schema": out}}
	}
	for _, h := range op.ResponseHeaders {
		headers, _ := ok["headers"].(obj)
		if headers == nil {
			headers = obj{}
			ok["headers"] = headers
		}
		headers[h.Name] = omitEmpty(obj{"description": h.Description, "schema": headerSchema(h)})
	}
	responses["200"] = ok
	responses["400"] = problemResponse("Invalid input (invalid_argument, failed_precondition, out_of_range)")
	security(o, responses, op.SecurityRequirements())
	responses["default"] = problemResponse("Error")
	return o, nil
}

func stringList(s []string) []any {
	l := make([]any, len(s))
	for i, v := range s {
		l[i] = v
	}
	return l
}

// security declares who may call an operation: reqs as its security
// requirements (an empty list for a public operation) and, when it needs
// credentials, its 401 and 403 answers. A nil reqs (the App declares no
// security) leaves the operation as is.
func security(o, responses obj, reqs []app.SecurityRequirement) {
	if reqs == nil {
		return
	}
	srs := []any{}
	forbids := false
	for _, r := range reqs {
		grants := stringList(append(append([]string{}, r.Scopes...), r.Roles...))
		forbids = forbids || len(grants) > 0
		srs = append(srs, obj{r.Scheme: grants})
	}
	o["security"] = srs
	if len(reqs) == 0 {
		return
	}
	unauth := problemResponse("Unauthenticated: credentials missing or invalid (unauthenticated)")
	unauth["headers"] = obj{"WWW-Authenticate": obj{
		"description": "The challenges of the accepted schemes (RFC 9110, RFC 6750)",
		"schema":      obj{"type": "string"},
	}}
	responses["401"] = unauth
	if forbids {
		responses["403"] = problemResponse("Forbidden: a required scope or role is missing (permission_denied)")
	}
}

// headerSchema is the schema of a header's value: a string with the
// header's constraints.
func headerSchema(h app.Header) any {
	s := &jsonschema.Schema{Type: []string{"string"}}
	jsonschema.ApplyConstraints(s, h.Constraints)
	return schemaTree(s)
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
func (b *specBuilder) bodySchema(op *app.Operation) any {
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
	return schemaTree(b.js.Define(op.Input.Name+"Body", func() *jsonschema.Schema {
		return b.js.Object(op.Input, func(f *app.Field) bool { return f.In == app.SourceDefault })
	}))
}

func (b *specBuilder) parameter(p paramBinder) obj {
	in := map[app.Source]string{app.SourcePath: "path", app.SourceQuery: "query", app.SourceHeader: "header"}[p.in]
	f := p.field
	t := f.Type
	if t.Kind == app.KindPointer {
		t = t.Elem
	}
	s := b.js.Inline(t)
	jsonschema.ApplyConstraints(s, f.Constraints)
	name := p.field.Param
	if name == "" {
		name = f.Name
	}
	prm := omitEmpty(obj{
		"name":        name,
		"in":          in,
		"required":    p.in == app.SourcePath || f.Required,
		"description": f.Doc,
		"deprecated":  f.Deprecated != "",
		"schema":      schemaTree(s),
	})
	if t.Kind == app.KindSlice {
		prm["style"], prm["explode"] = "form", true
	}
	return prm
}

// schemaOf returns a $ref for named types and an inline schema otherwise.
func (b *specBuilder) schemaOf(t *app.Type) any { return schemaTree(b.js.Schema(t)) }

// schemaTree returns s as a JSON tree (maps, slices, strings, float64s and
// bools), the form in which the document holds and sorts it.
func schemaTree(s *jsonschema.Schema) any {
	if s == nil {
		return nil
	}
	js, err := json.Marshal(s)
	if err != nil {
		panic(err) // a Schema is plain data: it always marshals
	}
	var tree any
	if err := json.Unmarshal(js, &tree); err != nil {
		panic(err)
	}
	return tree
}
