package wire

import (
	"fmt"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Well-known message types the mapping uses.
const (
	Timestamp protoreflect.FullName = "google.protobuf.Timestamp"
	Duration  protoreflect.FullName = "google.protobuf.Duration"
	Value     protoreflect.FullName = "google.protobuf.Value"
)

// Cardinality says how a field repeats.
type Cardinality uint8

// The cardinalities of a field.
const (
	// Singular is a field with implicit presence (or a message field).
	Singular Cardinality = iota + 1
	// Optional is a proto3 optional scalar: a pointer, explicit presence.
	Optional
	// Repeated is a list.
	Repeated
	// Map is a map; Shape.Key describes the key.
	Map
)

// Elem describes one protobuf value: a scalar, an enum or a message.
type Elem struct {
	// Kind is the protobuf kind: a scalar kind, EnumKind or MessageKind.
	Kind protoreflect.Kind
	// Type is the app type of the value, pointers removed. For enums and
	// structs it names the protobuf type (Type.Name).
	Type *app.Type
	// WellKnown names the message of time.Time, time.Duration and any values.
	WellKnown protoreflect.FullName
}

// Shape is how a field's Go type maps to protobuf.
type Shape struct {
	Cardinality Cardinality
	// Value is the field's value, the element of a list or the value of a map.
	Value Elem
	// Key is the key of a map.
	Key Elem
}

// ShapeOf returns how a field of type t maps to protobuf, or an error for a
// Go type protobuf cannot represent (lists of maps, pointers to lists in
// lists or maps).
func ShapeOf(t *app.Type) (Shape, error) {
	switch t.Kind {
	case app.KindPointer:
		e := t.Elem
		switch e.Kind {
		case app.KindSlice, app.KindMap:
			return ShapeOf(e)
		case app.KindOneOf:
			return Shape{}, fmt.Errorf("%s: pointer to a sum type; use the interface, which is already optional", t.Go)
		case app.KindStruct, app.KindTime, app.KindDuration, app.KindAny:
			v, err := elemOf(e)
			return Shape{Cardinality: Singular, Value: v}, err
		}
		v, err := elemOf(e)
		return Shape{Cardinality: Optional, Value: v}, err
	case app.KindSlice:
		e := t.Elem.Deref()
		if e.Kind == app.KindSlice || e.Kind == app.KindMap {
			return Shape{}, fmt.Errorf("%s: protobuf has no list of lists or maps; wrap the element in a struct", t.Go)
		}
		v, err := elemOf(e)
		return Shape{Cardinality: Repeated, Value: v}, err
	case app.KindMap:
		e := t.Elem.Deref()
		if e.Kind == app.KindSlice || e.Kind == app.KindMap {
			return Shape{}, fmt.Errorf("%s: protobuf map values cannot be lists or maps; wrap the value in a struct", t.Go)
		}
		k, err := elemOf(t.Key)
		if err != nil {
			return Shape{}, err
		}
		if k.Kind == protoreflect.EnumKind {
			k = Elem{Kind: protoreflect.StringKind, Type: t.Key} // map keys cannot be enums
		}
		v, err := elemOf(e)
		return Shape{Cardinality: Map, Key: k, Value: v}, err
	}
	v, err := elemOf(t)
	return Shape{Cardinality: Singular, Value: v}, err
}

func elemOf(t *app.Type) (Elem, error) {
	e := Elem{Type: t}
	switch t.Kind {
	case app.KindBool:
		e.Kind = protoreflect.BoolKind
	case app.KindInt:
		e.Kind = protoreflect.Int64Kind
		if t.Go.Size() <= 4 {
			e.Kind = protoreflect.Int32Kind
		}
	case app.KindUint:
		e.Kind = protoreflect.Uint64Kind
		if t.Go.Size() <= 4 {
			e.Kind = protoreflect.Uint32Kind
		}
	case app.KindFloat:
		e.Kind = protoreflect.DoubleKind
		if t.Bits == 32 {
			e.Kind = protoreflect.FloatKind
		}
	case app.KindString:
		e.Kind = protoreflect.StringKind
		if len(t.Enum) > 0 {
			e.Kind = protoreflect.EnumKind
		}
	case app.KindBytes:
		e.Kind = protoreflect.BytesKind
	case app.KindTime:
		e.Kind, e.WellKnown = protoreflect.MessageKind, Timestamp
	case app.KindDuration:
		e.Kind, e.WellKnown = protoreflect.MessageKind, Duration
	case app.KindAny:
		e.Kind, e.WellKnown = protoreflect.MessageKind, Value
	case app.KindStruct, app.KindOneOf:
		e.Kind = protoreflect.MessageKind
	default:
		return e, fmt.Errorf("%s: no protobuf mapping for %s", t.Go, t.Kind)
	}
	return e, nil
}
