package rest_test

import (
	"context"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/rest"
	"github.com/google/go-cmp/cmp"
)

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
	doc, err := rest.BuildOpenAPI(a)
	if err != nil {
		t.Fatal(err)
	}
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
	doc, err := rest.BuildOpenAPI(a)
	if err != nil {
		t.Fatal(err)
	}
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
