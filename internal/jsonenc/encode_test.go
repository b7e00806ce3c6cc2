package jsonenc

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

// compile builds the app.Type of T and compiles its encoder.
func compile[T any](t *testing.T) Func {
	t.Helper()
	typ, err := app.NewTypes().Of(reflect.TypeFor[T]())
	if err != nil {
		t.Fatal(err)
	}
	return Compile(typ)
}

type encInner struct {
	A int8    `json:"a"`
	B *string `json:"b,omitempty"`
}

type encEmbedded struct {
	E  string `json:"e"`
	E2 uint16
}

type encNode struct {
	V    int        `json:"v"`
	Kids []*encNode `json:"kids,omitempty"`
}

type encAll struct {
	encEmbedded
	Bool    bool                 `json:"bool"`
	Int     int                  `json:"int"`
	I32     int32                `json:"i32,omitempty"`
	I64     int64                `json:"i64"`
	U       uint                 `json:"u"`
	U8      uint8                `json:"u8"`
	U64     uint64               `json:"u64,omitempty"`
	F32     float32              `json:"f32"`
	F64     float64              `json:"f64"`
	S       string               `json:"s"`
	SOmit   string               `json:"sOmit,omitempty"`
	Bytes   []byte               `json:"bytes"`
	Time    time.Time            `json:"time"`
	TimeZ   time.Time            `json:"timeZ,omitzero"`
	Dur     time.Duration        `json:"dur"`
	In      encInner             `json:"in"`
	P       *encInner            `json:"p"`
	L       []encInner           `json:"l"`
	LS      []string             `json:"ls,omitempty"`
	M       map[string]int       `json:"m"`
	MP      map[string]*encInner `json:"mp,omitempty"`
	Any     any                  `json:"any"`
	Raw     json.RawMessage      `json:"raw,omitempty"`
	Tree    encNode              `json:"tree"`
	NoTag   string
	Skip    string `json:"-"`
	hidden  string // unexported: checks that it is never encoded
	Quoted  int    `json:"quoted,omitzero"`
	ZeroStr string `json:",omitzero"`
}

func randString(r *rand.Rand) string {
	pieces := []string{"a", "Z", "é", "€", "\"", "\\", "\n", "\t", "\b", "\f", "\x01", "\x1f", "<", ">", "&", "\u2028", "\u2029", "\x7f", "\xff", "\xc3", "😀", " ", "/"}
	var b strings.Builder
	for range r.IntN(8) {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

func randFloat(r *rand.Rand) float64 {
	switch r.IntN(6) {
	case 0:
		return 0
	case 1:
		return math.Copysign(0, -1)
	case 2:
		return r.NormFloat64() * 1e-8
	case 3:
		return r.NormFloat64() * 1e22
	case 4:
		return float64(r.IntN(1000))
	}
	return r.NormFloat64() * 1000
}

func randomAll(r *rand.Rand) *encAll {
	str := func() *string { s := randString(r); return &s }
	v := &encAll{
		encEmbedded: encEmbedded{E: randString(r), E2: uint16(r.IntN(65536))},
		Bool:        r.IntN(2) == 0, Int: r.IntN(2000) - 1000, I32: int32(r.IntN(3)), I64: r.Int64() - r.Int64(),
		U: uint(r.Uint64()), U8: uint8(r.IntN(256)), U64: r.Uint64() * uint64(r.IntN(2)),
		F32: float32(randFloat(r)), F64: randFloat(r), S: randString(r), SOmit: randString(r),
		Dur: time.Duration(r.Int64N(1e12)), NoTag: randString(r), Skip: "x", Quoted: r.IntN(2),
		In: encInner{A: int8(r.IntN(256) - 128)},
	}
	if r.IntN(2) == 0 {
		v.Bytes = []byte(randString(r))
	}
	if r.IntN(3) > 0 {
		v.Time = time.Date(1900+r.IntN(200), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), r.IntN(2)*r.IntN(1e9), time.FixedZone("z", 3600*(r.IntN(25)-12)))
	}
	if r.IntN(2) == 0 {
		v.TimeZ = time.Unix(r.Int64N(1e10), 0).UTC()
	}
	if r.IntN(2) == 0 {
		v.In.B = str()
		v.P = &encInner{A: 3, B: str()}
	}
	if r.IntN(3) > 0 {
		v.L = make([]encInner, r.IntN(3))
		v.LS = []string{randString(r), randString(r)}[:r.IntN(3)]
	}
	if r.IntN(3) > 0 {
		v.M = map[string]int{}
		for range r.IntN(4) {
			v.M[randString(r)] = r.IntN(100)
		}
		v.MP = map[string]*encInner{"x": nil, randString(r): {A: 1}}
	}
	switch r.IntN(4) {
	case 1:
		v.Any = map[string]any{"k": []any{1.5, "<s>", nil, true}}
	case 2:
		v.Any = randString(r)
	case 3:
		v.Any = encInner{A: 5}
	}
	if r.IntN(2) == 0 {
		v.Raw = json.RawMessage(`{ "spaced" : [1, 2] }`)
	}
	v.Tree = encNode{V: 1, Kids: []*encNode{{V: 2}, nil, {V: 3, Kids: []*encNode{{V: 4}}}}}
	return v
}

// TestCompiledEncoderMatchesEncodingJSON compares the compiled encoder with
// encoding/json (HTML escaping off) byte for byte on random values.
func TestCompiledEncoderMatchesEncodingJSON(t *testing.T) {
	enc := compile[encAll](t)
	r := rand.New(rand.NewPCG(7, 8))
	for i := range 20000 {
		v := randomAll(r)
		var want bytes.Buffer
		je := json.NewEncoder(&want)
		je.SetEscapeHTML(false)
		if err := je.Encode(v); err != nil {
			t.Fatal(err)
		}
		got, err := enc(nil, reflect.ValueOf(v).UnsafePointer())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got = append(got, '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

func TestCompiledEncoderErrorsLikeEncodingJSON(t *testing.T) {
	type floats struct {
		F float64 `json:"f"`
	}
	for _, f := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		v := &floats{F: f}
		_, err := compile[floats](t)(nil, reflect.ValueOf(v).UnsafePointer())
		_, want := json.Marshal(v)
		if err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("%v: got %v; want %v", f, err, want)
		}
	}
	type when struct {
		T time.Time `json:"t"`
	}
	v := &when{T: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}
	if _, err := compile[when](t)(nil, reflect.ValueOf(v).UnsafePointer()); err == nil {
		t.Error("year 10000: no error")
	}
}

type level string

func (level) EnumValues() []string { return []string{"low", "high"} }

// zeroVal is zero, for omitzero, when N is negative.
type zeroVal struct{ N int }

func (z zeroVal) IsZero() bool { return z.N < 0 }

// zeroPtr is zero, for omitzero, when N is 7 (a pointer method).
type zeroPtr struct{ N int }

func (z *zeroPtr) IsZero() bool { return z.N == 7 }

// upper marshals upper-cased through a pointer method, which encoding/json
// calls only on addressable values (not on map values).
type upper string

func (u *upper) MarshalText() ([]byte, error) { return []byte(strings.ToUpper(string(*u))), nil }

// noneStr is zero, for omitzero, when it is "none"; empty, for omitempty,
// when it is "".
type noneStr string

func (s noneStr) IsZero() bool { return s == "none" }

type stamp int

func (s stamp) MarshalJSON() ([]byte, error) {
	return []byte(`{"stamp":` + strconv.Itoa(int(s)) + `}`), nil
}

type encMore struct {
	Level   level            `json:"level"`
	LevelP  *level           `json:"levelP,omitempty"`
	Both    noneStr          `json:"both,omitempty,omitzero"`
	NegZero float64          `json:"negZero,omitempty"`
	ZF32    float32          `json:"zf32,omitzero"`
	ZV      zeroVal          `json:"zv,omitzero"`
	ZVP     *zeroVal         `json:"zvp,omitzero"`
	ZP      zeroPtr          `json:"zp,omitzero"`
	ZS      []int            `json:"zs,omitzero"`
	ZM      map[string]int   `json:"zm,omitzero"`
	EM      map[string]int   `json:"em,omitempty"`
	ZAny    any              `json:"zany,omitzero"`
	EAny    any              `json:"eany,omitempty"`
	EPtr    *int             `json:"eptr,omitempty"`
	ZI8     int8             `json:"zi8,omitzero"`
	EU16    uint16           `json:"eu16,omitempty"`
	ZStruct encInner         `json:"zstruct,omitzero"`
	EStruct encInner         `json:"estruct,omitempty"`
	ETime   time.Time        `json:"etime,omitempty"`
	Bad     string           `json:"a\\b"`           //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Dash    string           `json:"-,"`             //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Ignored encInner         `json:"ignored,string"` //nolint:staticcheck // SA5008: a deliberately odd tag, checked against encoding/json
	Up      upper            `json:"up"`
	Ups     []upper          `json:"ups"`
	UpM     map[string]upper `json:"upm"`
	IntKeys map[int]string   `json:"intKeys"`
	Stamp   stamp            `json:"stamp"`
	Quoted  encQuoted        `json:"quoted"`
}

type encQuoted struct {
	N int     `json:"n,string"`
	S string  `json:"s,string"`
	P *bool   `json:"p,string,omitempty"`
	F float64 `json:"f"`
}

func randomMore(r *rand.Rand) *encMore {
	pick := func(n int) bool { return r.IntN(n) == 0 }
	lv := level([]string{"low", "high", ""}[r.IntN(3)])
	v := &encMore{
		Level: lv, Both: noneStr([]string{"", "x", "none"}[r.IntN(3)]), NegZero: []float64{0, math.Copysign(0, -1), 1.5}[r.IntN(3)],
		ZF32: float32(r.IntN(2)), ZV: zeroVal{N: r.IntN(3) - 1}, ZP: zeroPtr{N: 6 + r.IntN(2)},
		ZI8: int8(r.IntN(2)), EU16: uint16(r.IntN(2)), Bad: randString(r), Dash: randString(r),
		Up: upper(randString(r)), Stamp: stamp(r.IntN(9)),
		Quoted: encQuoted{N: r.IntN(100), S: randString(r), F: randFloat(r)},
	}
	if pick(2) {
		v.LevelP = &lv
	}
	if pick(2) {
		v.ZVP = &zeroVal{N: r.IntN(3) - 1}
	}
	switch r.IntN(3) {
	case 1:
		v.ZS, v.ZM, v.EM = []int{}, map[string]int{}, map[string]int{}
	case 2:
		v.ZS, v.ZM, v.EM = []int{1}, map[string]int{"a": 1}, map[string]int{"b": 2}
	}
	switch r.IntN(3) {
	case 1:
		v.ZAny, v.EAny = 0, ""
	case 2:
		v.ZAny, v.EAny = (*int)(nil), []any{}
	}
	if pick(2) {
		n := r.IntN(2)
		v.EPtr = &n
	}
	if pick(2) {
		v.ZStruct.A, v.EStruct.A = 1, 1
	}
	if pick(2) {
		v.ETime = time.Unix(r.Int64N(1e10), 0).UTC()
	}
	if pick(2) {
		v.Ups = []upper{upper(randString(r)), "b"}
		v.UpM = map[string]upper{"k": upper(randString(r))}
		v.IntKeys = map[int]string{r.IntN(20) - 10: "x", 3: randString(r)}
	}
	if pick(2) {
		b := pick(2)
		v.Quoted.P = &b
	}
	return v
}

// TestCompiledEncoderEdgeCases compares the compiled encoder with
// encoding/json on the rules that are easy to get wrong: omitempty and
// omitzero together, IsZero methods, -0, invalid tag names, ignored and
// honoured `,string` options, pointer-only marshalers in and out of maps,
// enums and non-string map keys.
func TestCompiledEncoderEdgeCases(t *testing.T) {
	enc := compile[encMore](t)
	r := rand.New(rand.NewPCG(9, 10))
	for i := range 5000 {
		v := randomMore(r)
		var want bytes.Buffer
		je := json.NewEncoder(&want)
		je.SetEscapeHTML(false)
		if err := je.Encode(v); err != nil {
			t.Fatal(err)
		}
		got, err := enc(nil, reflect.ValueOf(v).UnsafePointer())
		if err != nil {
			t.Fatalf("case %d: %v", i, err)
		}
		got = append(got, '\n')
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d:\n got %s\nwant %s", i, got, want.Bytes())
		}
	}
}

// TestEncodersShareTypes checks that one cache compiles a type once and
// serves recursive types.
func TestEncodersShareTypes(t *testing.T) {
	ts := app.NewTypes()
	node, err := ts.Of(reflect.TypeFor[encNode]())
	if err != nil {
		t.Fatal(err)
	}
	encs := NewEncoders()
	a, b := encs.For(node), encs.For(node)
	if reflect.ValueOf(a).Pointer() != reflect.ValueOf(b).Pointer() {
		t.Error("the same type compiled twice")
	}
	got, err := a(nil, unsafe.Pointer(&encNode{V: 1, Kids: []*encNode{{V: 2, Kids: []*encNode{{V: 3}}}}})) //nolint:gosec // G103: compiled encoders take an unsafe.Pointer by design
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"kids":[{"v":2,"kids":[{"v":3}]}]}`; string(got) != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// BenchmarkEncoder compares the compiled encoder with encoding/json on the
// differential test's values:
//
//	go test -run '^$' -bench Encoder -benchmem ./internal/jsonenc/
func BenchmarkEncoder(b *testing.B) {
	typ, err := app.NewTypes().Of(reflect.TypeFor[encAll]())
	if err != nil {
		b.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 8))
	vals := make([]*encAll, 64)
	for i := range vals {
		vals[i] = randomAll(r)
		vals[i].Any = nil // measure the compiled paths, not encoding/json's
	}
	b.Run("compiled", func(b *testing.B) {
		enc := Compile(typ)
		var buf []byte
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			var err error
			if buf, err = enc(buf[:0], unsafe.Pointer(vals[i%len(vals)])); err != nil { //nolint:gosec // G103: compiled encoders take an unsafe.Pointer by design
				b.Fatal(err)
			}
			i++
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		var buf bytes.Buffer
		je := json.NewEncoder(&buf)
		je.SetEscapeHTML(false)
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			buf.Reset()
			if err := je.Encode(vals[i%len(vals)]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

// TestBuffer checks that both ways of encoding through a Buffer give
// encoding/json's bytes, newline included, and survive reuse.
func TestBuffer(t *testing.T) {
	enc := compile[encAll](t)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 50 {
		v := randomAll(r)
		var want bytes.Buffer
		je := json.NewEncoder(&want)
		je.SetEscapeHTML(false)
		if err := je.Encode(v); err != nil {
			t.Fatal(err)
		}
		b := GetBuffer()
		got, err := b.Compiled(enc, unsafe.Pointer(v)) //nolint:gosec // G103: compiled encoders take an unsafe.Pointer by design
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d: Compiled = %s, %v; want %s", i, got, err, want.Bytes())
		}
		b.Free()
		b = GetBuffer()
		got, err = b.Value(v)
		if err != nil || !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("case %d: Value = %s, %v; want %s", i, got, err, want.Bytes())
		}
		b.Free()
	}
}
