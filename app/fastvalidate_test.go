package app

import (
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"

	"github.com/go-playground/validator/v10"
	"github.com/google/go-cmp/cmp"
)

type fvInner struct {
	Street string `json:"street" validate:"required,max=8"`
	N      uint8  `json:"n" validate:"lte=200"`
}

type fvInput struct {
	Name  string            `json:"name" validate:"required,min=2,max=6"`
	Nick  string            `json:"nick,omitempty" validate:"omitempty,len=3"`
	Age   int               `json:"age" validate:"gte=0,lt=130"`
	Score float64           `json:"score" validate:"gt=0,lte=1.5"`
	Kind  string            `json:"kind" validate:"oneof=a bb ccc"`
	Level int32             `json:"level" validate:"oneof=1 2 3"`
	OK    bool              `json:"ok" validate:"required"`
	Tags  []string          `json:"tags" validate:"max=2"`
	Attrs map[string]string `json:"attrs" validate:"omitempty,min=1"`
	In    fvInner           `json:"in"`
	Ptr   *fvInner          `json:"ptr"`
	Utf   string            `json:"utf" validate:"max=3"`
	Mail  string            `json:"mail" validate:"required,email"`
	Site  string            `json:"site" validate:"omitempty,url"`
	Code  string            `json:"code" validate:"alpha,len=2"`
	Ref   string            `json:"ref" validate:"omitempty,alphanum"`
}

func randomInput(r *rand.Rand) *fvInput {
	str := func() string {
		const alphabet = "abcé€"
		rs := []rune(alphabet)
		n := r.IntN(9)
		var b strings.Builder
		for range n {
			b.WriteRune(rs[r.IntN(len(rs))])
		}
		return b.String()
	}
	in := &fvInput{
		Name: str(), Nick: str(), Age: r.IntN(300) - 100, Score: r.Float64()*3 - 1,
		Kind: []string{"", "a", "bb", "ccc", "d"}[r.IntN(5)], Level: int32(r.IntN(5)), OK: r.IntN(2) == 0,
		In: fvInner{Street: str(), N: uint8(r.IntN(256))}, Utf: str(),
		Mail: []string{"", "ada@example.com", "nope", "a@b", "é@x.io", "<ada@example.com>", "Ada <a@b.co>", "a@b.c@d"}[r.IntN(8)],
		Site: []string{"", "https://example.com/x", "example.com", "ftp://a", "http://"}[r.IntN(5)],
		Code: []string{"", "GB", "gb", "G1", "é", "GBR", "G"}[r.IntN(7)],
		Ref:  []string{"", "a1", "A-1", "é1", "Z9z"}[r.IntN(5)],
	}
	if r.IntN(2) == 0 {
		in.Tags = make([]string, r.IntN(4))
	}
	if r.IntN(2) == 0 {
		in.Attrs = map[string]string{}
		for range r.IntN(3) {
			in.Attrs[str()] = str()
		}
	}
	if r.IntN(2) == 0 {
		in.Ptr = &fvInner{Street: str(), N: uint8(r.IntN(256))}
	}
	return in
}

// TestCompiledValidationMatchesLibrary checks that the compiled validator
// reports exactly what go-playground/validator reports, on random inputs.
func TestCompiledValidationMatchesLibrary(t *testing.T) {
	ts := NewTypes()
	typ, err := ts.Of(reflect.TypeFor[fvInput]())
	if err != nil {
		t.Fatal(err)
	}
	a := New()
	fast := compileValidation(typ, a.validator)
	if fast == nil {
		t.Fatal("fvInput did not compile")
	}
	slow := &Operation{Input: typ, app: a, validate: true}
	quick := &Operation{Input: typ, app: a, validate: true, fast: fast}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		in := randomInput(r)
		got := violationsOf(a.validateStruct(quick, in))
		want := violationsOf(a.validateStruct(slow, in))
		if diff := cmp.Diff(got, want); diff != "" {
			t.Fatalf("case %d %+v: compiled (-) vs library (+):\n%s", i, in, diff)
		}
	}
}

func violationsOf(err error) []FieldViolation {
	if err == nil {
		return nil
	}
	return ErrorFrom(err).Violations
}

func TestCompileValidationFallsBack(t *testing.T) {
	type email struct {
		M string `validate:"email"` // without the library to ask
	}
	type contains struct {
		M string `validate:"contains=@"`
	}
	type dive struct {
		L []string `validate:"dive,max=3"`
	}
	type ptr struct {
		P *string `validate:"required"`
	}
	type reqStruct struct {
		S fvInner `validate:"required"`
	}
	tests := []struct {
		give reflect.Type
		lib  *validator.Validate
	}{
		{reflect.TypeFor[email](), nil},
		{reflect.TypeFor[contains](), newValidator()},
		{reflect.TypeFor[dive](), newValidator()},
		{reflect.TypeFor[ptr](), newValidator()},
		{reflect.TypeFor[reqStruct](), newValidator()},
	}
	for _, tt := range tests {
		give := tt.give
		typ, err := NewTypes().Of(give)
		if err != nil {
			t.Fatal(err)
		}
		if compileValidation(typ, tt.lib) != nil {
			t.Errorf("%v compiled; want fallback to go-playground/validator", give)
		}
	}
}

func BenchmarkValidate(b *testing.B) {
	typ, _ := NewTypes().Of(reflect.TypeFor[fvInput]())
	a := New()
	in := &fvInput{Name: "ada", Age: 3, Score: 1, Kind: "a", Level: 1, OK: true, In: fvInner{Street: "x"}, Mail: "ada@example.com", Code: "GB"}
	for _, bc := range []struct {
		name string
		op   *Operation
	}{
		{"compiled", &Operation{Input: typ, app: a, validate: true, fast: compileValidation(typ, a.validator)}},
		{"library", &Operation{Input: typ, app: a, validate: true}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := a.validateStruct(bc.op, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
