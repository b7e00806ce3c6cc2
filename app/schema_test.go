package app_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
)

type Level string

func (Level) EnumValues() []string { return []string{"low", "high"} }

type Inner struct {
	A int `json:"a"`
}

type Embedded struct {
	E string `json:"e"`
}

type Node struct {
	Value    int     `json:"value"`
	Children []*Node `json:"children"`
}

type Kinds struct {
	Embedded
	B     bool            `json:"b"`
	I     int             `json:"i"`
	I8    int8            `json:"i8"`
	I32   int32           `json:"i32"`
	U     uint            `json:"u"`
	U16   uint16          `json:"u16"`
	F32   float32         `json:"f32"`
	F64   float64         `json:"f64"`
	S     string          `json:"s,omitempty" validate:"required,min=1,max=5" doc:"a string"`
	Bytes []byte          `json:"bytes"`
	T     time.Time       `json:"t"`
	D     time.Duration   `json:"d"`
	In    Inner           `json:"in"`
	P     *Inner          `json:"p"`
	PS    *string         `json:"ps"`
	L     []Inner         `json:"l" validate:"max=3"`
	M     map[string]int  `json:"m"`
	MI    map[int64]Inner `json:"mi"`
	En    Level           `json:"en"`
	Any   any             `json:"any"`
	Raw   json.RawMessage `json:"raw"`
	Num   float64         `json:"num" validate:"gt=0,lte=10"`
	One   string          `json:"one" validate:"oneof=x y"`
	Mail  string          `json:"mail" validate:"email"`
	Pat   string          `json:"pat" pattern:"^[a-z]+$"`
	Old   string          `json:"old" deprecated:"use s"`
	Tagd  string          `json:"tagd" proto:"20"`
	After string          `json:"after"`
	Skip  string          `json:"-"`
	NoTag string          // default JSON name
	Anon  struct{ X int } `json:"anon"`
	Tree  Node            `json:"tree"`
	PathP string          `json:"pathp" path:"id"`
	Hdr   string          `json:"hdr" header:"X-H"`
	QP    []int           `json:"qp" query:"q"`
	hide  string          //nolint:unused // unexported: not in the schema
}

func TestTypeSchemaKinds(t *testing.T) {
	ts := app.NewTypes()
	typ, err := ts.Of(reflect.TypeFor[Kinds]())
	if err != nil {
		t.Fatal(err)
	}
	type row struct {
		Name, Kind string
		Bits, Num  int
	}
	var got []row
	for _, f := range typ.Fields {
		got = append(got, row{f.Name, f.Type.Kind.String(), f.Type.Bits, f.Number})
	}
	want := []row{
		{"e", "string", 0, 1}, {"b", "bool", 0, 2}, {"i", "int", 64, 3}, {"i8", "int", 8, 4}, {"i32", "int", 32, 5},
		{"u", "uint", 64, 6}, {"u16", "uint", 16, 7}, {"f32", "float", 32, 8}, {"f64", "float", 64, 9},
		{"s", "string", 0, 10}, {"bytes", "bytes", 0, 11}, {"t", "time", 0, 12}, {"d", "duration", 64, 13},
		{"in", "struct", 0, 14}, {"p", "pointer", 0, 15}, {"ps", "pointer", 0, 16}, {"l", "slice", 0, 17},
		{"m", "map", 0, 18}, {"mi", "map", 0, 19}, {"en", "string", 0, 21}, {"any", "any", 0, 22},
		{"raw", "any", 0, 23}, {"num", "float", 64, 24}, {"one", "string", 0, 25}, {"mail", "string", 0, 26},
		{"pat", "string", 0, 27}, {"old", "string", 0, 28}, {"tagd", "string", 0, 20}, {"after", "string", 0, 29},
		{"NoTag", "string", 0, 30}, {"anon", "struct", 0, 31}, {"tree", "struct", 0, 32},
		{"pathp", "string", 0, 33}, {"hdr", "string", 0, 34}, {"qp", "slice", 0, 35},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("fields (-got +want):\n%s", diff)
	}

	f := typ.Field("s")
	if !f.Required || f.Doc != "a string" || !f.OmitEmpty || *f.Constraints.MinLength != 1 || *f.Constraints.MaxLength != 5 {
		t.Errorf("s: %+v", f)
	}
	if c := typ.Field("l").Constraints; c.MaxItems == nil || *c.MaxItems != 3 {
		t.Errorf("l constraints: %+v", c)
	}
	if c := typ.Field("num").Constraints; *c.Minimum != 0 || !c.ExclusiveMinimum || *c.Maximum != 10 || c.ExclusiveMaximum {
		t.Errorf("num constraints: %+v", c)
	}
	if diff := cmp.Diff(typ.Field("one").Constraints.Enum, []string{"x", "y"}); diff != "" {
		t.Error(diff)
	}
	if typ.Field("mail").Constraints.Format != "email" || typ.Field("pat").Constraints.Pattern != "^[a-z]+$" {
		t.Error("format/pattern not parsed")
	}
	if typ.Field("old").Deprecated != "use s" {
		t.Error("deprecated not parsed")
	}
	if f := typ.Field("pathp"); f.In != app.SourcePath || f.Param != "id" {
		t.Errorf("pathp: %v %q", f.In, f.Param)
	}
	if f := typ.Field("hdr"); f.In != app.SourceHeader || f.Param != "X-H" {
		t.Errorf("hdr: %v %q", f.In, f.Param)
	}
	if f := typ.Field("qp"); f.In != app.SourceQuery || f.Type.Elem.Kind != app.KindInt {
		t.Errorf("qp: %v", f.In)
	}
	if en := typ.Field("en").Type; en.Name != "Level" || !cmp.Equal(en.Enum, []string{"low", "high"}) {
		t.Errorf("enum: %+v", en)
	}
	if p := typ.Field("p").Type; p.Elem != typ.Field("in").Type {
		t.Error("pointer to Inner does not share Inner's Type")
	}
	if m := typ.Field("mi").Type; m.Key.Kind != app.KindInt || m.Elem.Name != "Inner" {
		t.Errorf("map key/elem: %v %v", m.Key.Kind, m.Elem.Name)
	}
	if a := typ.Field("anon").Type; a.Name != "KindsAnon" || a.Fields[0].Name != "X" {
		t.Errorf("anonymous struct named %q", a.Name)
	}
	tree := typ.Field("tree").Type
	if tree.Fields[1].Type.Elem.Elem != tree {
		t.Error("recursive type does not refer to itself")
	}
	var names []string
	for _, n := range ts.Named() {
		names = append(names, n.Name)
	}
	if diff := cmp.Diff(names, []string{"Kinds", "Inner", "Level", "KindsAnon", "Node"}); diff != "" {
		t.Errorf("named types (-got +want):\n%s", diff)
	}
	if off := typ.Field("b").Offset; off != reflect.TypeFor[Kinds]().Field(1).Offset {
		t.Errorf("offset of b = %d", off)
	}
}

type dupNum struct {
	A string `json:"a" proto:"1"`
	B string `json:"b" proto:"1"`
}

type xHolder struct {
	B string `json:"x"`
}

type dupName struct {
	A string `json:"x"`
	xHolder
}

type badKey struct {
	M map[Inner]string `json:"m"`
}

type nested struct {
	L [][]string `json:"l"`
}

type badPattern struct {
	S string `pattern:"("`
}

type reserved struct {
	S string `proto:"19000"`
}

type lastNumber struct {
	A string `json:"a" proto:"536870911"`
	B string `json:"b"`
}

type iface struct {
	S interface{ M() } `json:"s"`
}

func TestTypeSchemaErrors(t *testing.T) {
	tests := []struct {
		give reflect.Type
		want string
	}{
		{give: reflect.TypeFor[dupNum](), want: "share proto number 1"},
		{give: reflect.TypeFor[dupName](), want: `duplicate field name "x"`},
		{give: reflect.TypeFor[badKey](), want: "unsupported map key"},
		{give: reflect.TypeFor[nested](), want: "nested slices"},
		{give: reflect.TypeFor[badPattern](), want: "invalid pattern"},
		{give: reflect.TypeFor[reserved](), want: "invalid proto field number"},
		{give: reflect.TypeFor[iface](), want: "unsupported interface"},
		{give: reflect.TypeFor[lastNumber](), want: "no protobuf field number left"},
		{give: reflect.TypeFor[chan int](), want: "unsupported type"},
	}
	for _, tt := range tests {
		_, err := app.NewTypes().Of(tt.give)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Of(%v) error = %v; want it to contain %q", tt.give, err, tt.want)
		}
	}
}

func TestSameNameDifferentPackages(t *testing.T) {
	type Inner struct{ B string } // shadows the package-level Inner's name
	ts := app.NewTypes()
	a, _ := ts.Of(reflect.TypeFor[Inner]())
	b, err := ts.Of(reflect.TypeFor[struct{ X Inner }]())
	if err != nil {
		t.Fatal(err)
	}
	c, _ := ts.Of(reflect.TypeFor[struct{ Y Inner }]())
	if a.Name == "" || b.Fields[0].Type != a || c.Name == b.Name {
		t.Errorf("names: %q %q %q", a.Name, b.Name, c.Name)
	}
}

type TagFacts struct {
	Plain   string  `json:"plain"`
	Empty   string  `json:"empty,omitempty"`
	Zero    int     `json:"zero,omitzero"`
	Both    []int   `json:"both,omitempty,omitzero"`
	Quoted  int     `json:"quoted,string"`
	QPtr    *bool   `json:"qptr,string"`
	NoQuote []int   `json:"noQuote,string"` //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Bad     string  `json:"a\\b,omitempty"` //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Unnamed float64 `json:",omitzero"`
	Dash    string  `json:"-,"` //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Skip    string  `json:"-"`
	Rules   string  `json:"rules" validate:"omitempty,min=2,oneof=ab cd"`
}

// TestJSONTagFacts checks that json and validate tags are parsed once, by
// encoding/json's rules, into the Field facts every codec reads.
func TestJSONTagFacts(t *testing.T) {
	typ, err := app.NewTypes().Of(reflect.TypeFor[TagFacts]())
	if err != nil {
		t.Fatal(err)
	}
	type facts struct {
		Name                        string
		OmitEmpty, OmitZero, Quoted bool
		Omittable                   bool
		Rules                       []app.Rule
	}
	var got []facts
	for _, f := range typ.Fields {
		got = append(got, facts{f.Name, f.OmitEmpty, f.OmitZero, f.Quoted, f.Omittable(), f.Rules})
	}
	want := []facts{
		{Name: "plain"},
		{Name: "empty", OmitEmpty: true, Omittable: true},
		{Name: "zero", OmitZero: true, Omittable: true},
		{Name: "both", OmitEmpty: true, OmitZero: true, Omittable: true},
		{Name: "quoted", Quoted: true},
		{Name: "qptr", Quoted: true},
		{Name: "noQuote"},                               // encoding/json ignores ,string on slices
		{Name: "Bad", OmitEmpty: true, Omittable: true}, // an invalid tag name falls back to the Go name
		{Name: "Unnamed", OmitZero: true, Omittable: true},
		{Name: "-"},
		{Name: "rules", Rules: []app.Rule{{Tag: "omitempty"}, {Tag: "min", Param: "2"}, {Tag: "oneof", Param: "ab cd"}}},
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("fields (-got +want):\n%s", diff)
	}
	// encoding/json agrees on every name.
	js, err := json.Marshal(TagFacts{})
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := json.Unmarshal(js, &keys); err != nil {
		t.Fatal(err)
	}
	for _, f := range typ.Fields {
		if _, ok := keys[f.Name]; !ok && !f.Omittable() {
			t.Errorf("field %q is not in encoding/json's output %s", f.Name, js)
		}
	}
}
