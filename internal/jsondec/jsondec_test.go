package jsondec_test

import (
	"errors"
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsondec"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

type Shape interface{ area() int }

type Square struct {
	Side int `json:"side"`
}

type Circle struct {
	R     float64 `json:"r"`
	Inner Shape   `json:"inner"` // a sum inside a variant
}

type Ref struct {
	To *int `json:"to"`
}

func (Square) area() int  { return 0 }
func (*Circle) area() int { return 0 }
func (Ref) area() int     { return 0 }

type Drawing struct {
	Main   Shape            `json:"main"`
	Shapes []Shape          `json:"shapes"`
	ByName map[string]Shape `json:"byName"`
	Opt    *Drawing         `json:"opt"`
	Plain  string           `json:"plain"`
}

func compile(t *testing.T) (*app.Type, jsondec.Func, jsonenc.Func) {
	t.Helper()
	ts := app.NewTypes()
	if _, err := ts.DeclareOneOf(reflect.TypeFor[Shape](), app.Variant[Square](), app.Variant[*Circle](), app.Variant[Ref]()); err != nil {
		t.Fatal(err)
	}
	dt, err := ts.Of(reflect.TypeFor[Drawing]())
	if err != nil {
		t.Fatal(err)
	}
	return dt, jsondec.Compile(dt), jsonenc.Compile(dt)
}

// TestRoundTrip decodes what the compiled encoder writes back to the value.
func TestRoundTrip(t *testing.T) {
	_, dec, enc := compile(t)
	n := 3
	tests := []Drawing{
		{},
		{Main: Square{Side: 1}, Plain: "p"},
		{Main: &Circle{R: 2, Inner: &Circle{Inner: Ref{To: &n}}}, Shapes: []Shape{Square{}, Ref{}, &Circle{}},
			ByName: map[string]Shape{"a": Square{Side: 9}}, Opt: &Drawing{Main: Ref{To: &n}}},
	}
	for _, give := range tests {
		b, err := enc(nil, reflect.ValueOf(&give).UnsafePointer())
		if err != nil {
			t.Fatal(err)
		}
		var got Drawing
		if err := dec(b, reflect.ValueOf(&got).UnsafePointer()); err != nil {
			t.Fatalf("decode %s: %v", b, err)
		}
		if diff := cmp.Diff(got, give); diff != "" {
			t.Errorf("%s (-got +want):\n%s", b, diff)
		}
	}
}

func TestErrors(t *testing.T) {
	_, dec, _ := compile(t)
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
		var d Drawing
		err := jsondec.Error(dec([]byte(tt.give), reflect.ValueOf(&d).UnsafePointer()))
		var ae *app.Error
		if !errors.As(err, &ae) || ae.Code != app.CodeInvalidArgument || len(ae.Violations) != 1 || ae.Violations[0].Field != tt.wantField {
			t.Errorf("%s: got %v, want invalid_argument naming %s", tt.give, err, tt.wantField)
		}
	}
}
