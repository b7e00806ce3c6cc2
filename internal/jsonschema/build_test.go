package jsonschema_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonschema"
)

type color string

func (color) EnumValues() []string { return []string{"red", "blue"} }

type node struct {
	Name  string   `json:"name" validate:"required,max=8" doc:"the name"`
	Color *color   `json:"color"`
	Kids  []*node  `json:"kids,omitempty"`
	Score float64  `json:"score,omitzero" validate:"gt=0"`
	Tags  []string `json:"tags" validate:"max=3"`
}

// TestDocument checks a standalone 2020-12 document: $schema, a $ref to
// the root definition, $defs, "type" as a string or an array, nullable
// refs through anyOf, and the required rules of outputs and inputs.
func TestDocument(t *testing.T) {
	typ, err := app.NewTypes().Of(reflect.TypeFor[node]())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		input bool
		want  string
	}{
		{name: "output", want: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/node","$defs":{
			"color":{"type":"string","enum":["red","blue"]},
			"node":{"properties":{
				"color":{"anyOf":[{"$ref":"#/$defs/color"},{"type":"null"}]},
				"kids":{"items":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]},"type":["array","null"]},
				"name":{"description":"the name","maxLength":8,"type":"string"},
				"score":{"format":"double","exclusiveMinimum":0,"type":"number"},
				"tags":{"maxItems":3,"items":{"type":"string"},"type":["array","null"]}},
				"required":["name","tags"],"type":"object"}}}`},
		{name: "input", input: true, want: `{"$schema":"https://json-schema.org/draft/2020-12/schema","$ref":"#/$defs/node","$defs":{
			"color":{"type":"string","enum":["red","blue"]},
			"node":{"properties":{
				"color":{"anyOf":[{"$ref":"#/$defs/color"},{"type":"null"}]},
				"kids":{"items":{"anyOf":[{"$ref":"#/$defs/node"},{"type":"null"}]},"type":["array","null"]},
				"name":{"description":"the name","maxLength":8,"type":"string"},
				"score":{"format":"double","exclusiveMinimum":0,"type":"number"},
				"tags":{"maxItems":3,"items":{"type":"string"},"type":["array","null"]}},
				"required":["name"],"type":"object"}}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := jsonschema.NewBuilder("#/$defs/")
			if tt.input {
				b.MarkInput(typ)
			}
			js, err := json.Marshal(b.Document(typ))
			if err != nil {
				t.Fatal(err)
			}
			var got, want any
			if err := json.Unmarshal(js, &got); err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal([]byte(tt.want), &want); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("document (-got +want):\n%s", diff)
			}
		})
	}
}

// TestPointerToAny checks that a pointer to an arbitrary JSON value stays
// unconstrained instead of becoming "null only".
func TestPointerToAny(t *testing.T) {
	type withAny struct {
		A *any `json:"a"`
	}
	typ, err := app.NewTypes().Of(reflect.TypeFor[withAny]())
	if err != nil {
		t.Fatal(err)
	}
	got := jsonschema.NewBuilder("#/$defs/").Object(typ, nil).Properties["a"]
	if len(got.Type) != 0 {
		t.Errorf("*any has type %v, want none", got.Type)
	}
}
