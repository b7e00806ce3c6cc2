package wire_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

type color string

func (color) EnumValues() []string { return []string{"red", "green"} }

type item struct {
	N int32 `json:"n"`
}

func typeOf[T any](t *testing.T) *app.Type {
	t.Helper()
	typ, err := app.NewTypes().Of(reflect.TypeFor[T]())
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func TestShapeOf(t *testing.T) {
	type shape struct {
		Card       wire.Cardinality
		Key, Value protoreflect.Kind
		WellKnown  protoreflect.FullName
	}
	tests := []struct {
		name string
		give *app.Type
		want shape
	}{
		{name: "int8", give: typeOf[int8](t), want: shape{Card: wire.Singular, Value: protoreflect.Int32Kind}},
		{name: "int", give: typeOf[int](t), want: shape{Card: wire.Singular, Value: protoreflect.Int64Kind}},
		{name: "uint16", give: typeOf[uint16](t), want: shape{Card: wire.Singular, Value: protoreflect.Uint32Kind}},
		{name: "float32", give: typeOf[float32](t), want: shape{Card: wire.Singular, Value: protoreflect.FloatKind}},
		{name: "enum", give: typeOf[color](t), want: shape{Card: wire.Singular, Value: protoreflect.EnumKind}},
		{name: "*string", give: typeOf[*string](t), want: shape{Card: wire.Optional, Value: protoreflect.StringKind}},
		{name: "*item", give: typeOf[*item](t), want: shape{Card: wire.Singular, Value: protoreflect.MessageKind}},
		{name: "*time.Time", give: typeOf[*time.Time](t), want: shape{Card: wire.Singular, Value: protoreflect.MessageKind, WellKnown: wire.Timestamp}},
		{name: "time.Duration", give: typeOf[time.Duration](t), want: shape{Card: wire.Singular, Value: protoreflect.MessageKind, WellKnown: wire.Duration}},
		{name: "json.RawMessage", give: typeOf[json.RawMessage](t), want: shape{Card: wire.Singular, Value: protoreflect.MessageKind, WellKnown: wire.Value}},
		{name: "[]byte", give: typeOf[[]byte](t), want: shape{Card: wire.Singular, Value: protoreflect.BytesKind}},
		{name: "[]*int32", give: typeOf[[]*int32](t), want: shape{Card: wire.Repeated, Value: protoreflect.Int32Kind}},
		{name: "*[]string", give: typeOf[*[]string](t), want: shape{Card: wire.Repeated, Value: protoreflect.StringKind}},
		{name: "map[color]color", give: typeOf[map[color]color](t), want: shape{Card: wire.Map, Key: protoreflect.StringKind, Value: protoreflect.EnumKind}},
		{name: "map[bool]*item", give: typeOf[map[bool]*item](t), want: shape{Card: wire.Map, Key: protoreflect.BoolKind, Value: protoreflect.MessageKind}},
	}
	for _, tt := range tests {
		s, err := wire.ShapeOf(tt.give)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := (shape{Card: s.Cardinality, Key: s.Key.Kind, Value: s.Value.Kind, WellKnown: s.Value.WellKnown}); got != tt.want {
			t.Errorf("%s: ShapeOf = %+v, want %+v", tt.name, got, tt.want)
		}
	}
	for _, bad := range []*app.Type{typeOf[[]map[string]int](t), typeOf[map[string]*[]int](t), typeOf[[]*[]int](t)} {
		if _, err := wire.ShapeOf(bad); err == nil {
			t.Errorf("ShapeOf(%s) accepted a type protobuf cannot represent", bad.Go)
		}
	}
}

func TestMarshalChecksTheType(t *testing.T) {
	m, err := wire.NewCompiler().Compile(typeOf[item](t))
	if err != nil {
		t.Fatal(err)
	}
	for _, give := range []any{item{}, (*item)(nil), &struct{ N int32 }{}} {
		if _, err := m.Marshal(give); err == nil || !strings.Contains(err.Error(), "want a non-nil *wire_test.item") {
			t.Errorf("Marshal(%T) = %v, want a type error", give, err)
		}
	}
	b, err := m.Marshal(&item{N: 150})
	if err != nil || string(b) != "\x08\x96\x01" {
		t.Fatalf("Marshal = % x, %v; want 08 96 01", b, err)
	}
	var back item
	if err := m.UnmarshalValue(b, &back); err != nil || back.N != 150 {
		t.Errorf("UnmarshalValue = %+v, %v", back, err)
	}
	if _, err := wire.NewCompiler().Compile(typeOf[int](t)); err == nil {
		t.Error("Compile accepted a non-struct")
	}
}

type cyclic struct {
	Next *cyclic `json:"next"`
	Any  any     `json:"any"`
}

func TestEncodingACycleFails(t *testing.T) {
	m, err := wire.NewCompiler().Compile(typeOf[cyclic](t))
	if err != nil {
		t.Fatal(err)
	}
	loop := &cyclic{}
	loop.Next = loop
	if _, err := m.Marshal(loop); err == nil || !strings.Contains(err.Error(), "a cycle?") {
		t.Errorf("Marshal(cycle) = %v, want the cycle reported", err)
	}
	self := map[string]any{}
	self["self"] = self
	if _, err := m.Marshal(&cyclic{Any: self}); err == nil || !strings.Contains(err.Error(), "a cycle?") {
		t.Errorf("Marshal(cyclic map) = %v, want the cycle reported", err)
	}
	deep := &cyclic{}
	for range 100 {
		deep = &cyclic{Next: deep}
	}
	if _, err := m.Marshal(deep); err != nil {
		t.Errorf("Marshal(100 levels) = %v", err)
	}
}
