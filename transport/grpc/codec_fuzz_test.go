package grpc

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// The codec is checked against protobuf-go on the descriptors the
// transport serves: protobuf-go decodes into dynamicpb messages and
// encodes them deterministically; a reference conversion, written with
// plain reflection straight from the documented mapping, links its
// messages to Go values.

type harness struct {
	typ  *app.Type
	plan *wire.Message
	md   protoreflect.MessageDescriptor
}

func newHarness(t testing.TB) *harness {
	t.Helper()
	a := EdgeApp()
	s, err := buildSchema(a)
	if err != nil {
		t.Fatal(err)
	}
	op := a.Operation("echo")
	plan, err := wire.NewCompiler().Compile(op.Input)
	if err != nil {
		t.Fatal(err)
	}
	return &harness{typ: op.Input, plan: plan, md: s.file.Messages().ByName("EchoRequest")}
}

var cmpOpts = cmp.Options{
	cmpopts.EquateNaNs(),
	cmpopts.EquateEmpty(),
	cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) && a.Location() == b.Location() }),
}

// checkDecode decodes data with both implementations and compares.
func (h *harness) checkDecode(t *testing.T, data []byte) {
	var got Everything
	errGot := h.plan.Unmarshal(data, unsafe.Pointer(&got)) //nolint:gosec // G103: the codec's API takes a pointer to the Go value
	pb := dynamicpb.NewMessage(h.md)
	panicked, errPB := unmarshalPB(data, pb)
	if panicked {
		// protobuf-go's reflective decoder (the one dynamicpb uses) panics
		// on a map entry whose key is followed by a key with the wrong wire
		// type; its generated-code decoder keeps the first key, as the
		// codec does. Nothing to compare against.
		t.Skipf("protobuf-go's reflective decoder panics on % x", data)
	}
	switch {
	case errPB != nil && errGot == nil:
		t.Fatalf("protobuf-go rejects % x (%v), the codec accepts it", data, errPB)
	case errPB != nil:
		return
	case errGot != nil:
		if !errors.Is(errGot, wire.ErrUnrepresentable) {
			t.Fatalf("the codec rejects % x (%v), protobuf-go accepts it", data, errGot)
		}
		return
	}
	want := reflect.New(h.typ.Go).Elem()
	fromPB(pb, h.typ, want)
	if diff := cmp.Diff(got, want.Interface().(Everything), cmpOpts); diff != "" {
		t.Fatalf("decoding % x (-codec +protobuf-go):\n%s", data, diff)
	}
	// dynamicpb holds float32 values as float64, which quiets signalling
	// NaNs; the codec keeps the bits as they came.
	quietFloat32NaNs(reflect.ValueOf(&got).Elem())
	h.checkEncode(t, &got)
}

func quietFloat32NaNs(v reflect.Value) {
	switch v.Kind() {
	case reflect.Float32:
		if math.IsNaN(v.Float()) {
			v.SetFloat(float64(float32(math.NaN())))
		}
	case reflect.Pointer:
		if !v.IsNil() {
			quietFloat32NaNs(v.Elem())
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() != reflect.Uint8 {
			for i := range v.Len() {
				quietFloat32NaNs(v.Index(i))
			}
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				quietFloat32NaNs(v.Field(i))
			}
		}
	}
}

func unmarshalPB(data []byte, m proto.Message) (panicked bool, err error) {
	defer func() {
		if r := recover(); r != nil {
			panicked = true
		}
	}()
	return false, proto.Unmarshal(data, m)
}

// checkEncode encodes v with both implementations and compares the bytes.
func (h *harness) checkEncode(t *testing.T, v *Everything) {
	got, errGot := h.plan.Marshal(v)
	ref, errRef := toPB(reflect.ValueOf(v).Elem(), h.typ, h.md)
	var want []byte
	if errRef == nil {
		want, errRef = proto.MarshalOptions{Deterministic: true}.Marshal(ref)
	}
	if (errGot != nil) != (errRef != nil) {
		t.Fatalf("encode error: codec %v, protobuf-go %v\nvalue %#v", errGot, errRef, v)
	}
	if errGot != nil {
		return
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("encoding differs:\ncodec       % x\nprotobuf-go % x\nvalue %+v", got, want, v)
	}
	// What the codec wrote decodes back to a value that encodes the same.
	var back Everything
	if err := h.plan.Unmarshal(got, unsafe.Pointer(&back)); err != nil { //nolint:gosec // G103: the codec's API takes a pointer to the Go value
		t.Fatalf("decoding own output % x: %v", got, err)
	}
	again, err := h.plan.Marshal(&back)
	if err != nil || !bytes.Equal(again, got) {
		t.Fatalf("re-encoding differs (%v):\nfirst  % x\nsecond % x", err, got, again)
	}
}

func FuzzDecode(f *testing.F) {
	h := newHarness(f)
	for seed := range uint64(40) {
		v := randomEverything(rand.New(rand.NewPCG(seed, seed)))
		if b, err := h.plan.Marshal(v); err == nil {
			f.Add(b)
		}
	}
	for _, b := range malformed {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) { h.checkDecode(t, data) })
}

func FuzzEncode(f *testing.F) {
	h := newHarness(f)
	for seed := range uint64(20) {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		h.checkEncode(t, randomEverything(rand.New(rand.NewPCG(seed, 7))))
	})
}

// malformed inputs and protobuf corner cases, as wire bytes.
var malformed = [][]byte{
	{},
	{0x80},       // truncated tag
	{0x00, 0x00}, // field 0
	{0x08},       // truncated varint
	{0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02}, // overlong varint
	{0x72, 0x05, 'a'},                  // truncated bytes
	{0x72, 0x02, 0xc3, 0x28},           // invalid UTF-8 in s
	{0x72, 0x01, 'a', 0x72, 0x01, 'b'}, // last value wins
	{0x08, 0x01, 0x0c},                 // end group without start
	{0x0b, 0x08, 0x01, 0x0c},           // known field as a group: skipped
	{0x0b, 0x08, 0x01, 0x14},           // mismatched end group
	{0x0d, 1, 2, 3, 4},                 // bool as fixed32: skipped
	{0x10, 0x80, 0x02},                 // i8 = 256: unrepresentable
	{0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // i8 = -1
	{0x78, 0x09}, // enum 9: unrepresentable
	{0x8a, 0x01, 0x04, 0x08, 0x01, 0x10, 0x02},                                           // t
	{0x8a, 0x01, 0x02, 0x08, 0x01, 0x8a, 0x01, 0x02, 0x10, 0x05},                         // t merged
	{0x8a, 0x01, 0x02, 0x10, 0x7f},                                                       // t with nanos 127
	{0x8a, 0x01, 0x0b, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, // t nanos -1
	{0x92, 0x01, 0x04, 0x08, 0x01, 0x10, 0x7f},                                           // d
	{0x92, 0x01, 0x04, 0x08, 0x01, 0x10, 0x81},                                           // d truncated
	{0x9a, 0x01, 0x02, 0x08, 0x00},                                                       // a = null
	{0x9a, 0x01, 0x04, 0x2a, 0x02, 0x0a, 0x00},                                           // a = {"": <no value>}
	{0x9a, 0x01, 0x02, 0x32, 0x00, 0x9a, 0x01, 0x04, 0x32, 0x02, 0x0a, 0x00},             // a = [] merged with [null]
	{0xa2, 0x01, 0x02, 0x20, 0x01},                                                       // r = true
}

// randomEverything returns a value with random fields set.
func randomEverything(r *rand.Rand) *Everything {
	v := reflect.New(reflect.TypeFor[Everything]())
	fill(r, v.Elem(), 0)
	return v.Interface().(*Everything)
}

func fill(r *rand.Rand, v reflect.Value, depth int) {
	if v.Kind() == reflect.Struct && v.Type() != reflect.TypeFor[time.Time]() {
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() && r.IntN(3) > 0 {
				fill(r, v.Field(i), depth+1)
			}
		}
		return
	}
	switch v.Interface().(type) {
	case time.Time:
		if r.IntN(5) > 0 {
			v.Set(reflect.ValueOf(time.Unix(r.Int64N(253402300799+62135596800)-62135596800, r.Int64N(1e9)).In(time.FixedZone("x", 3600))))
		}
		return
	case time.Duration:
		v.SetInt(r.Int64())
		return
	case json.RawMessage:
		if r.IntN(4) > 0 {
			raw, _ := json.Marshal(randomJSON(r, depth))
			v.SetBytes(raw)
		}
		return
	case Kind:
		vals := Kind("").EnumValues()
		v.SetString([]string{"", vals[0], vals[1], vals[2], vals[3]}[r.IntN(5)])
		return
	}
	switch v.Kind() {
	case reflect.Bool:
		v.SetBool(r.IntN(2) == 0)
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int, reflect.Int64:
		v.SetInt(randomBits(r, v.Type().Bits()))
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint, reflect.Uint64:
		v.SetUint(uint64(randomBits(r, v.Type().Bits())))
	case reflect.Float32:
		v.SetFloat(float64([]float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), r.Float32() * 1e6}[r.IntN(5)]))
	case reflect.Float64:
		v.SetFloat([]float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(-1), r.NormFloat64() * 1e9}[r.IntN(5)])
	case reflect.String:
		v.SetString(randomString(r))
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b := make([]byte, r.IntN(6))
			for i := range b {
				b[i] = byte(r.UintN(256))
			}
			v.SetBytes(b)
			return
		}
		if depth > 6 {
			return
		}
		n := r.IntN(4)
		s := reflect.MakeSlice(v.Type(), n, n)
		for i := range n {
			if r.IntN(4) > 0 {
				fill(r, s.Index(i), depth+1)
			}
		}
		v.Set(s)
	case reflect.Map:
		if depth > 6 {
			return
		}
		m := reflect.MakeMap(v.Type())
		for range r.IntN(4) {
			k := reflect.New(v.Type().Key()).Elem()
			fill(r, k, depth+1)
			e := reflect.New(v.Type().Elem()).Elem()
			if r.IntN(4) > 0 {
				fill(r, e, depth+1)
			}
			m.SetMapIndex(k, e)
		}
		v.Set(m)
	case reflect.Pointer:
		if depth > 6 || r.IntN(3) == 0 {
			return
		}
		p := reflect.New(v.Type().Elem())
		if r.IntN(4) > 0 {
			fill(r, p.Elem(), depth+1)
		}
		v.Set(p)
	case reflect.Interface:
		if x := randomJSON(r, depth); x != nil {
			v.Set(reflect.ValueOf(x))
		}
	}
}

func randomBits(r *rand.Rand, bits int) int64 {
	switch r.IntN(4) {
	case 0:
		return 0
	case 1:
		return -1 >> (64 - bits)
	case 2:
		return int64(r.Uint64()) >> (64 - bits)
	}
	return r.Int64N(300) - 150
}

func randomString(r *rand.Rand) string {
	parts := []string{"", "a", "Grüße", "日本", "\x00", "\U0001F600", "long string with spaces"}
	if r.IntN(50) == 0 {
		return "bad \xff utf-8"
	}
	return parts[r.IntN(len(parts))] + parts[r.IntN(len(parts))]
}

// randomJSON returns a JSON-like value, sometimes of a type that is not a
// plain JSON value (converted through encoding/json by the codec).
func randomJSON(r *rand.Rand, depth int) any {
	n := 9
	if depth > 6 {
		n = 5
	}
	switch r.IntN(n) {
	case 0:
		return nil
	case 1:
		return r.IntN(2) == 0
	case 2:
		return r.NormFloat64() * 100
	case 3:
		return randomString(r)
	case 4:
		return r.IntN(1000)
	case 5:
		m := map[string]any{}
		for range r.IntN(4) {
			m[randomString(r)] = randomJSON(r, depth+1)
		}
		return m
	case 6:
		l := make([]any, r.IntN(4))
		for i := range l {
			l[i] = randomJSON(r, depth+1)
		}
		return l
	case 7:
		return []string{"x", randomString(r)}
	}
	return struct {
		A int    `json:"a"`
		B string `json:"b,omitempty"`
	}{A: r.IntN(10), B: randomString(r)}
}

// --- reference conversion between Go values and protobuf messages ---

// toPB converts the struct v (of schema type t) to a message of md.
func toPB(v reflect.Value, t *app.Type, md protoreflect.MessageDescriptor) (*dynamicpb.Message, error) {
	m := dynamicpb.NewMessage(md)
	for _, f := range t.Fields {
		fd := md.Fields().ByNumber(protowire.Number(f.Number))
		fv := v.FieldByIndex(f.Index)
		shape, err := wire.ShapeOf(f.Type)
		if err != nil {
			return nil, err
		}
		ft := f.Type
		if ft.Kind == app.KindPointer {
			if fv.IsNil() {
				continue
			}
			fv, ft = fv.Elem(), ft.Elem
		} else if absent(fv, ft) {
			continue
		}
		switch shape.Cardinality {
		case wire.Repeated:
			list := m.Mutable(fd).List()
			for i := range fv.Len() {
				e, err := toPBValue(fv.Index(i), ft.Elem, fd.Kind(), fd.Message())
				if err != nil {
					return nil, err
				}
				list.Append(e)
			}
		case wire.Map:
			mp := m.Mutable(fd).Map()
			iter := fv.MapRange()
			for iter.Next() {
				k, err := toPBValue(iter.Key(), ft.Key, fd.MapKey().Kind(), nil)
				if err != nil {
					return nil, err
				}
				e, err := toPBValue(iter.Value(), ft.Elem, fd.MapValue().Kind(), fd.MapValue().Message())
				if err != nil {
					return nil, err
				}
				mp.Set(k.MapKey(), e)
			}
		default:
			e, err := toPBValue(fv, ft, fd.Kind(), fd.Message())
			if err != nil {
				return nil, err
			}
			m.Set(fd, e)
		}
	}
	return m, nil
}

// absent reports whether a singular field is left out on the wire.
func absent(v reflect.Value, t *app.Type) bool {
	switch t.Kind {
	case app.KindTime:
		return v.Interface().(time.Time).IsZero()
	case app.KindAny:
		return v.Kind() == reflect.Interface && v.IsNil() || v.Kind() == reflect.Slice && v.Len() == 0
	case app.KindStruct:
		return false
	}
	return v.IsZero() && t.Kind != app.KindFloat || t.Kind == app.KindFloat && v.Float() == 0 && !math.Signbit(v.Float())
}

func toPBValue(v reflect.Value, t *app.Type, kind protoreflect.Kind, md protoreflect.MessageDescriptor) (protoreflect.Value, error) {
	if t.Kind == app.KindPointer {
		t = t.Elem
		if v.IsNil() {
			v = reflect.New(t.Go).Elem()
		} else {
			v = v.Elem()
		}
	}
	switch kind {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(v.Bool()), nil
	case protoreflect.Int32Kind:
		return protoreflect.ValueOfInt32(int32(v.Int())), nil
	case protoreflect.Int64Kind:
		return protoreflect.ValueOfInt64(v.Int()), nil
	case protoreflect.Uint32Kind:
		return protoreflect.ValueOfUint32(uint32(v.Uint())), nil
	case protoreflect.Uint64Kind:
		return protoreflect.ValueOfUint64(v.Uint()), nil
	case protoreflect.FloatKind:
		return protoreflect.ValueOfFloat32(float32(v.Float())), nil
	case protoreflect.DoubleKind:
		return protoreflect.ValueOfFloat64(v.Float()), nil
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(v.String()), nil
	case protoreflect.BytesKind:
		return protoreflect.ValueOfBytes(v.Bytes()), nil
	case protoreflect.EnumKind:
		s := v.String()
		if s == "" {
			return protoreflect.ValueOfEnum(0), nil
		}
		i := slices.Index(t.Enum, s)
		if i < 0 {
			return protoreflect.Value{}, fmt.Errorf("no enum value %q", s)
		}
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(i + 1)), nil
	}
	switch t.Kind {
	case app.KindTime:
		return protoreflect.ValueOfMessage(timestamppb.New(v.Interface().(time.Time)).ProtoReflect()), nil
	case app.KindDuration:
		return protoreflect.ValueOfMessage(durationpb.New(time.Duration(v.Int())).ProtoReflect()), nil
	case app.KindAny:
		var x any
		if raw, ok := v.Interface().(json.RawMessage); ok {
			if len(raw) == 0 {
				raw = json.RawMessage("null")
			}
			if err := json.Unmarshal(raw, &x); err != nil {
				return protoreflect.Value{}, err
			}
		} else {
			var err error
			if x, err = canonical(v.Interface()); err != nil {
				return protoreflect.Value{}, err
			}
		}
		pv, err := structpb.NewValue(x)
		if err != nil {
			return protoreflect.Value{}, err
		}
		return protoreflect.ValueOfMessage(pv.ProtoReflect()), nil
	}
	sub, err := toPB(v, t, md)
	if err != nil {
		return protoreflect.Value{}, err
	}
	return protoreflect.ValueOfMessage(sub), nil
}

// canonical returns x with every part that is not a plain JSON value
// (nil, bool, string, number, map[string]any, []any) converted through
// encoding/json, as the codec documents.
func canonical(x any) (any, error) {
	switch x := x.(type) {
	case nil, bool, string, float64:
		return x, nil
	case int:
		return float64(x), nil
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			c, err := canonical(e)
			if err != nil {
				return nil, err
			}
			out[k] = c
		}
		return out, nil
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			c, err := canonical(e)
			if err != nil {
				return nil, err
			}
			out[i] = c
		}
		return out, nil
	}
	raw, err := json.Marshal(x)
	if err != nil {
		return nil, err
	}
	var out any
	err = json.Unmarshal(raw, &out)
	return out, err
}

// fromPB sets the struct out (of schema type t) from m.
func fromPB(m protoreflect.Message, t *app.Type, out reflect.Value) {
	for _, f := range t.Fields {
		fd := m.Descriptor().Fields().ByNumber(protowire.Number(f.Number))
		fv := out.FieldByIndex(f.Index)
		ft := f.Type
		if !m.Has(fd) {
			continue
		}
		if ft.Kind == app.KindPointer {
			p := reflect.New(ft.Elem.Go)
			fv.Set(p)
			fv, ft = p.Elem(), ft.Elem
		}
		switch {
		case fd.IsList():
			list := m.Get(fd).List()
			s := reflect.MakeSlice(ft.Go, list.Len(), list.Len())
			for i := range list.Len() {
				fromPBValue(list.Get(i), ft.Elem, s.Index(i))
			}
			fv.Set(s)
		case fd.IsMap():
			mp := reflect.MakeMap(ft.Go)
			m.Get(fd).Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
				kv := reflect.New(ft.Go.Key()).Elem()
				fromPBValue(k.Value(), ft.Key, kv)
				ev := reflect.New(ft.Go.Elem()).Elem()
				fromPBValue(e, ft.Elem, ev)
				mp.SetMapIndex(kv, ev)
				return true
			})
			fv.Set(mp)
		default:
			fromPBValue(m.Get(fd), ft, fv)
		}
	}
}

func fromPBValue(v protoreflect.Value, t *app.Type, out reflect.Value) {
	if t.Kind == app.KindPointer {
		p := reflect.New(t.Elem.Go)
		out.Set(p)
		out, t = p.Elem(), t.Elem
	}
	switch t.Kind {
	case app.KindBool:
		out.SetBool(v.Bool())
	case app.KindInt:
		out.SetInt(v.Int())
	case app.KindUint:
		out.SetUint(v.Uint())
	case app.KindFloat:
		out.SetFloat(v.Float())
	case app.KindString:
		if len(t.Enum) > 0 && v.Interface() != nil {
			if e, ok := v.Interface().(protoreflect.EnumNumber); ok {
				if e != 0 {
					out.SetString(t.Enum[e-1])
				}
				return
			}
		}
		out.SetString(v.String())
	case app.KindBytes:
		out.SetBytes(append([]byte{}, v.Bytes()...))
	case app.KindTime:
		s, n := secondsNanos(v.Message())
		out.Set(reflect.ValueOf(time.Unix(s, n).UTC()))
	case app.KindDuration:
		s, n := secondsNanos(v.Message())
		out.SetInt(s*int64(time.Second) + n)
	case app.KindAny:
		x := valueToGo(v.Message())
		if out.Type() == reflect.TypeFor[json.RawMessage]() {
			raw, _ := json.Marshal(x)
			out.SetBytes(raw)
			return
		}
		if x != nil {
			out.Set(reflect.ValueOf(x))
		}
	case app.KindStruct:
		fromPB(v.Message(), t, out)
	}
}

func secondsNanos(m protoreflect.Message) (int64, int64) {
	fields := m.Descriptor().Fields()
	return m.Get(fields.ByNumber(1)).Int(), m.Get(fields.ByNumber(2)).Int()
}

// valueToGo converts a google.protobuf.Value to the value encoding/json
// would decode: nil, bool, float64, string, map[string]any or []any.
func valueToGo(m protoreflect.Message) any {
	od := m.Descriptor().Oneofs().ByName("kind")
	fd := m.WhichOneof(od)
	if fd == nil {
		return nil
	}
	v := m.Get(fd)
	switch fd.Name() {
	case "number_value":
		return v.Float()
	case "string_value":
		return v.String()
	case "bool_value":
		return v.Bool()
	case "struct_value":
		out := map[string]any{}
		fields := v.Message().Descriptor().Fields().ByName("fields")
		v.Message().Get(fields).Map().Range(func(k protoreflect.MapKey, e protoreflect.Value) bool {
			out[k.String()] = valueToGo(e.Message())
			return true
		})
		return out
	case "list_value":
		values := v.Message().Descriptor().Fields().ByName("values")
		list := v.Message().Get(values).List()
		out := make([]any, list.Len())
		for i := range list.Len() {
			out[i] = valueToGo(list.Get(i).Message())
		}
		return out
	}
	return nil // null_value
}

func TestCodecMatchesProtobufGo(t *testing.T) {
	h := newHarness(t)
	for seed := range uint64(300) {
		v := randomEverything(rand.New(rand.NewPCG(seed, 1)))
		h.checkEncode(t, v)
		if b, err := h.plan.Marshal(v); err == nil {
			h.checkDecode(t, b)
		}
	}
	for _, b := range malformed {
		h.checkDecode(t, b)
	}
}

func TestCodecDecodeErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		give []byte
		want string
	}{
		{give: []byte{0x80}, want: "cannot parse invalid wire-format data"},
		{give: []byte{0x72, 0x02, 0xc3, 0x28}, want: "s: string field contains invalid UTF-8"},
		{give: []byte{0x10, 0x80, 0x02}, want: "i8: value not representable in the Go type: 256 overflows int8"},
		{give: []byte{0x78, 0x09}, want: "k: value not representable in the Go type: enum Kind has no value numbered 9"},
		{give: []byte{0x8a, 0x01, 0x0b, 0x10, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}, want: "t: value not representable in the Go type: invalid google.protobuf.Timestamp{seconds: 0, nanos: -1}"},
		{give: nested(5014, 3, -1), want: "sub.t: value not representable in the Go type: invalid google.protobuf.Timestamp{seconds: 0, nanos: -1}"},
		{give: nested(5014, 3, 5), want: ""},
	}
	for _, tt := range tests {
		var v Everything
		err := h.plan.Unmarshal(tt.give, unsafe.Pointer(&v)) //nolint:gosec // G103: the codec's API takes a pointer to the Go value
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("Unmarshal(% x) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestCodecEncodeErrors(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		give Everything
		want string
	}{
		{give: Everything{S: "\xff"}, want: "string field contains invalid UTF-8"},
		{give: Everything{K: "omega"}, want: `enum Kind has no value "omega"`},
		{give: Everything{T: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, want: "time 10000-01-01T00:00:00Z is outside the range of google.protobuf.Timestamp (years 1 to 9999)"},
		{give: Everything{A: make(chan int)}, want: "value of type chan int is not JSON: json: unsupported type: chan int"},
		{give: Everything{R: json.RawMessage("{")}, want: "invalid JSON: unexpected end of JSON input"},
	}
	for _, tt := range tests {
		_, err := h.plan.Marshal(&tt.give)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Marshal(%+v) = %v, want %q", tt.give, err, tt.want)
		}
	}
}

// nested encodes field outer holding a message whose field inner is a
// Timestamp with the given nanos.
func nested(outer, inner protowire.Number, nanos int64) []byte {
	ts := protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), uint64(nanos))
	sub := protowire.AppendBytes(protowire.AppendTag(nil, inner, protowire.BytesType), ts)
	return protowire.AppendBytes(protowire.AppendTag(nil, outer, protowire.BytesType), sub)
}
