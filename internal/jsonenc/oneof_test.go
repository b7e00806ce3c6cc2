package jsonenc_test

import (
	"reflect"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

type Shape interface{ area() int }

type Square struct {
	Side int `json:"side"`
}

type Circle struct {
	R     float64 `json:"r"`
	Label string  `json:"label,omitempty"`
}

// Ref is stored in an interface's data word itself (one pointer field).
type Ref struct {
	To *int `json:"to"`
}

type Empty struct{}

func (Square) area() int  { return 0 }
func (*Circle) area() int { return 0 }
func (Ref) area() int     { return 0 }
func (Empty) area() int   { return 0 }

type Drawing struct {
	Main   Shape   `json:"main"`
	Extra  Shape   `json:"extra,omitempty"`
	Shapes []Shape `json:"shapes"`
}

func TestOneOfEncoder(t *testing.T) {
	ts := app.NewTypes()
	if _, err := ts.DeclareOneOf(reflect.TypeFor[Shape](), app.Variant[Square](), app.Variant[*Circle](),
		app.Variant[Ref]().Named("ref"), app.Variant[Empty](), app.Discriminator("kind")); err != nil {
		t.Fatal(err)
	}
	dt, err := ts.Of(reflect.TypeFor[Drawing]())
	if err != nil {
		t.Fatal(err)
	}
	enc := jsonenc.Compile(dt)
	n := 7
	tests := []struct {
		give Drawing
		want string
	}{
		{give: Drawing{}, want: `{"main":null,"shapes":null}`},
		{give: Drawing{Main: Square{Side: 2}}, want: `{"main":{"kind":"square","side":2},"shapes":null}`},
		{give: Drawing{Main: &Circle{R: 1.5}, Extra: Empty{}}, want: `{"main":{"kind":"circle","r":1.5},"extra":{"kind":"empty"},"shapes":null}`},
		{give: Drawing{Main: (*Circle)(nil)}, want: `{"main":null,"shapes":null}`},
		{give: Drawing{Main: Ref{To: &n}, Shapes: []Shape{Ref{}, nil, Square{Side: 1}, &Circle{Label: "c"}}},
			want: `{"main":{"kind":"ref","to":7},"shapes":[{"kind":"ref","to":null},null,{"kind":"square","side":1},{"kind":"circle","r":0,"label":"c"}]}`},
	}
	for _, tt := range tests {
		got, err := enc(nil, reflect.ValueOf(&tt.give).UnsafePointer())
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(got), tt.want); diff != "" {
			t.Errorf("%+v (-got +want):\n%s", tt.give, diff)
		}
	}
}

type Triangle struct{}

func (Triangle) area() int { return 0 }

func TestOneOfEncoderUndeclaredVariant(t *testing.T) {
	ts := app.NewTypes()
	if _, err := ts.DeclareOneOf(reflect.TypeFor[Shape](), app.Variant[Square]()); err != nil {
		t.Fatal(err)
	}
	dt, err := ts.Of(reflect.TypeFor[Drawing]())
	if err != nil {
		t.Fatal(err)
	}
	v := Drawing{Main: Triangle{}}
	if _, err := jsonenc.Compile(dt)(nil, reflect.ValueOf(&v).UnsafePointer()); err == nil {
		t.Error("encoding an undeclared variant succeeded")
	}
}
