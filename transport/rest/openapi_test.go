package rest_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/rest"
	"github.com/google/go-cmp/cmp"
)

// loadOpenAPI builds a's OpenAPI document and loads it with kin-openapi,
// which must find it valid: the services link no OpenAPI library, so the
// tests are where every generated document is validated.
func loadOpenAPI(t *testing.T, a *app.App) *openapi3.T {
	t.Helper()
	js, err := rest.BuildOpenAPI(a)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(js)
	if err != nil {
		t.Fatalf("generated OpenAPI document does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("generated OpenAPI document is invalid: %v", err)
	}
	return doc
}

type BoundsIn struct {
	Name  string   `json:"name" validate:"min=2,max=5"`
	Never string   `json:"never" validate:"lt=0"`
	Tags  []string `json:"tags" validate:"gt=-3,lte=4"`
}

// TestOpenAPISizeBounds checks that length and item-count constraints
// reach the OpenAPI schema, and that a negative bound (which no length
// can meet) becomes 0 instead of wrapping around to 2^64-1.
func TestOpenAPISizeBounds(t *testing.T) {
	a := app.New(app.Name("bounds"))
	app.Command(a, "bounds", func(context.Context, BoundsIn) (Empty, error) { return Empty{}, nil })
	doc := loadOpenAPI(t, a)
	ref := doc.Components.Schemas["BoundsIn"]
	if ref == nil || ref.Value == nil {
		t.Fatalf("no BoundsIn schema in %v", doc.Components.Schemas)
	}
	type bounds struct{ MinLength, MaxLength, MinItems, MaxItems uint64 }
	deref := func(p *uint64) uint64 {
		if p == nil {
			return 1 << 63 // marks "absent"
		}
		return *p
	}
	props := ref.Value.Properties
	got := map[string]bounds{}
	for _, name := range []string{"name", "never", "tags"} {
		s := props[name].Value
		got[name] = bounds{MinLength: s.MinLength, MaxLength: deref(s.MaxLength), MinItems: s.MinItems, MaxItems: deref(s.MaxItems)}
	}
	want := map[string]bounds{
		"name":  {MinLength: 2, MaxLength: 5, MaxItems: 1 << 63},
		"never": {MaxLength: 0, MaxItems: 1 << 63},
		"tags":  {MaxLength: 1 << 63, MinItems: 0, MaxItems: 4},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("bounds (-got +want):\n%s", diff)
	}
}

type HeaderIn struct {
	Trace string `header:"X-Trace" json:"trace"`
	N     int    `json:"n"`
}

// TestOpenAPIHeaders checks that the headers an operation declares become
// header parameters and response headers, with their constraints, and that
// a header already bound from an input field is listed once.
func TestOpenAPIHeaders(t *testing.T) {
	a := app.New(app.Name("headers"))
	maxLen := 8
	app.Command(a, "put", func(context.Context, HeaderIn) (Empty, error) { return Empty{}, nil },
		app.RequestHeader(app.Header{Name: "idempotency-key", Description: "retry safely", Constraints: app.Constraints{MaxLength: &maxLen}}),
		app.RequestHeader(app.Header{Name: "x-trace", Description: "declared twice"}),
		app.ResponseHeader(app.Header{Name: "Consistency-Token", Description: "position", Constraints: app.Constraints{Pattern: "^[0-9]+$"}}))
	doc := loadOpenAPI(t, a)
	op := doc.Paths.Find("/put").Post
	type param struct{ Name, In, Description string }
	var got []param
	for _, p := range op.Parameters {
		got = append(got, param{p.Value.Name, p.Value.In, p.Value.Description})
	}
	want := []param{{"X-Trace", "header", ""}, {"Idempotency-Key", "header", "retry safely"}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("parameters (-got +want):\n%s", diff)
	}
	if s := op.Parameters[1].Value.Schema.Value; s.MaxLength == nil || *s.MaxLength != 8 || !s.Type.Is("string") {
		t.Errorf("Idempotency-Key schema %+v", s)
	}
	h := op.Responses.Value("200").Value.Headers["Consistency-Token"]
	if h == nil || h.Value.Description != "position" || h.Value.Schema.Value.Pattern != "^[0-9]+$" {
		t.Errorf("200 response headers %+v", op.Responses.Value("200").Value.Headers)
	}
}

// TestOpenAPISecurity checks that declared security schemes become
// components.securitySchemes, that each operation lists its requirements
// (an empty list for a public one; scopes and roles as the scheme's
// array) with 401 and 403 answers, and that the document validates.
func TestOpenAPISecurity(t *testing.T) {
	a := app.New(app.Name("secure"))
	secure := func(reqs ...app.SecurityRequirement) app.OpOption {
		return func(op *app.Operation) { op.Security = append([]app.SecurityRequirement{}, reqs...) }
	}
	a.DeclareSecurity([]app.SecurityRequirement{{}},
		app.SecurityScheme{Name: "bearerAuth", Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
		app.SecurityScheme{Name: "apiKey", Type: "apiKey", In: "header", Param: "X-API-Key"})
	app.Query(a, "open", func(context.Context, Empty) (Empty, error) { return Empty{}, nil }, secure())
	app.Query(a, "defaulted", func(context.Context, Empty) (Empty, error) { return Empty{}, nil })
	app.Command(a, "write", func(context.Context, Empty) (Empty, error) { return Empty{}, nil },
		secure(app.SecurityRequirement{Scopes: []string{"w"}, Roles: []string{"admin"}}))
	app.Command(a, "wipe", func(context.Context, Empty) (Empty, error) { return Empty{}, nil }, app.Admin())
	doc := loadOpenAPI(t, a)
	type scheme struct{ Type, Scheme, BearerFormat, In, Name string }
	gotSchemes := map[string]scheme{}
	for name, s := range doc.Components.SecuritySchemes {
		v := s.Value
		gotSchemes[name] = scheme{v.Type, v.Scheme, v.BearerFormat, v.In, v.Name}
	}
	wantSchemes := map[string]scheme{
		"bearerAuth": {Type: "http", Scheme: "bearer", BearerFormat: "JWT"},
		"apiKey":     {Type: "apiKey", In: "header", Name: "X-API-Key"},
	}
	if diff := cmp.Diff(gotSchemes, wantSchemes); diff != "" {
		t.Errorf("securitySchemes (-got +want):\n%s", diff)
	}
	type opSec struct {
		Security        any
		Has401, Has403  bool
		WWWAuthenticate bool
	}
	got := map[string]opSec{}
	for name, op := range map[string]*openapi3.Operation{
		"open": doc.Paths.Find("/open").Get, "defaulted": doc.Paths.Find("/defaulted").Get,
		"write": doc.Paths.Find("/write").Post, "wipe": doc.Paths.Find("/wipe").Post,
	} {
		var sec any
		if op.Security != nil {
			b, _ := json.Marshal(op.Security)
			sec = string(b)
		}
		r401 := op.Responses.Value("401")
		got[name] = opSec{Security: sec, Has401: r401 != nil, Has403: op.Responses.Value("403") != nil,
			WWWAuthenticate: r401 != nil && r401.Value.Headers["WWW-Authenticate"] != nil}
	}
	want := map[string]opSec{
		"open":      {Security: `[]`},
		"defaulted": {Security: `[{"bearerAuth":[]},{"apiKey":[]}]`, Has401: true, WWWAuthenticate: true},
		"write":     {Security: `[{"bearerAuth":["w","admin"]},{"apiKey":["w","admin"]}]`, Has401: true, Has403: true, WWWAuthenticate: true},
		"wipe":      {}, // left to the admin gate
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("operations (-got +want):\n%s", diff)
	}
	// The served document says security: [] for the public operation.
	js, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var served struct {
		Paths map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(js, &served); err != nil {
		t.Fatal(err)
	}
	if sec, ok := served.Paths["/open"]["get"]["security"].([]any); !ok || len(sec) != 0 {
		t.Errorf("served /open security: %#v; want []", served.Paths["/open"]["get"]["security"])
	}
}
