package app_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

type jdShape interface{ area() int }

type jdSquare struct {
	Side int `json:"side"`
}

type jdCircle struct {
	R     float64 `json:"r"`
	Inner jdShape `json:"inner"` // a sum inside a variant
}

type jdRef struct {
	To *int `json:"to"`
}

func (jdSquare) area() int  { return 0 }
func (*jdCircle) area() int { return 0 }
func (jdRef) area() int     { return 0 }

type jdDrawing struct {
	Main   jdShape            `json:"main"`
	Shapes []jdShape          `json:"shapes"`
	ByName map[string]jdShape `json:"byName"`
	Opt    *jdDrawing         `json:"opt"`
	Plain  string             `json:"plain"`
}

func compileJSON(t *testing.T) (*app.JSONDecoder, jsonenc.Func) {
	t.Helper()
	ts := app.NewTypes()
	if _, err := ts.DeclareOneOf(reflect.TypeFor[jdShape](), app.Variant[jdSquare]().Named("square"), app.Variant[*jdCircle]().Named("circle"), app.Variant[jdRef]().Named("ref")); err != nil {
		t.Fatal(err)
	}
	dt, err := ts.Of(reflect.TypeFor[jdDrawing]())
	if err != nil {
		t.Fatal(err)
	}
	return app.NewJSONDecoder(dt), jsonenc.Compile(dt)
}

// TestJSONDecoderRoundTrip decodes what the compiled encoder writes back to the value.
func TestJSONDecoderRoundTrip(t *testing.T) {
	dec, enc := compileJSON(t)
	n := 3
	tests := []jdDrawing{
		{},
		{Main: jdSquare{Side: 1}, Plain: "p"},
		{Main: &jdCircle{R: 2, Inner: &jdCircle{Inner: jdRef{To: &n}}}, Shapes: []jdShape{jdSquare{}, jdRef{}, &jdCircle{}},
			ByName: map[string]jdShape{"a": jdSquare{Side: 9}}, Opt: &jdDrawing{Main: jdRef{To: &n}}},
	}
	for _, give := range tests {
		b, err := enc(nil, reflect.ValueOf(&give).UnsafePointer())
		if err != nil {
			t.Fatal(err)
		}
		var got jdDrawing
		if err := dec.Decode(b, &got); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if diff := cmp.Diff(got, give); diff != "" {
			t.Errorf("%s (-got +want):\n%s", b, diff)
		}
	}
}

func TestJSONDecoderErrors(t *testing.T) {
	dec, _ := compileJSON(t)
	tests := []struct{ give, wantField string }{
		{give: `{"main":{"side":1}}`, wantField: "main.type"},
		{give: `{"main":{"type":"hexagon"}}`, wantField: "main.type"},
		{give: `{"main":{"type":1}}`, wantField: "main.type"},
		{give: `{"main":"square"}`, wantField: "main"},
		{give: `{"shapes":[{"type":"square"},{"type":"circle","inner":{}}]}`, wantField: "shapes[1].inner.type"},
		{give: `{"byName":{"k":{"type":"x"}}}`, wantField: "byName[k].type"},
		{give: `{"opt":{"main":{}}}`, wantField: "opt.main.type"},
	}
	for _, tt := range tests {
		var d jdDrawing
		err := dec.Decode([]byte(tt.give), &d)
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code != app.CodeInvalidArgument || len(ae.Violations) != 1 || ae.Violations[0].Field != tt.wantField {
			t.Errorf("%s: got %v, want invalid_argument naming %s", tt.give, err, tt.wantField)
		}
	}
}
