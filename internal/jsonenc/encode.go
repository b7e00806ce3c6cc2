package jsonenc

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

// A compiled JSON encoder: per app.Type, a plan of append functions that
// read fields by offset, producing exactly the bytes encoding/json's Encoder
// (with SetEscapeHTML(false)) produces — a randomized test compares them.
// Types whose encoding depends on methods (json.Marshaler,
// encoding.TextMarshaler other than time.Time), fields with the `,string`
// option, and interface values are handed to encoding/json for that value.

// Func appends the JSON encoding of the value at p, which points to a value
// of the Go type the Func was compiled for.
type Func func(b []byte, p unsafe.Pointer) ([]byte, error)

var (
	jsonMarshalerT = reflect.TypeFor[json.Marshaler]()
	textMarshalerT = reflect.TypeFor[encoding.TextMarshaler]()
)

// Encoders compiles encoders from app.Types and keeps them, so that types
// shared by several operations are compiled once. A transport holds one per
// App; compile at startup, when the handler is built, never per request. It
// is safe for concurrent use.
type Encoders struct {
	mu sync.Mutex
	m  map[*app.Type]*slot
}

// slot holds the encoder of one type; while it is being compiled, types that
// refer back to it (recursive types) call through the slot.
type slot struct {
	fn       Func
	building bool
}

// NewEncoders returns an empty encoder cache.
func NewEncoders() *Encoders { return &Encoders{m: map[*app.Type]*slot{}} }

// For returns the encoder of values of t, compiling it (and the encoders of
// the types it contains) on first use.
func (e *Encoders) For(t *app.Type) Func {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.of(t)
}

// Compile returns the encoder of values of t, compiled with a cache of its
// own: for one-off use, such as a test.
func Compile(t *app.Type) Func { return NewEncoders().For(t) }

func (e *Encoders) of(t *app.Type) Func {
	if s, ok := e.m[t]; ok {
		if s.building {
			return func(b []byte, p unsafe.Pointer) ([]byte, error) { return s.fn(b, p) }
		}
		return s.fn
	}
	s := &slot{building: true}
	e.m[t] = s
	s.fn = e.compile(t)
	s.building = false
	return s.fn
}

// fallback encodes the value at p with encoding/json.
func fallback(t reflect.Type) Func {
	return func(b []byte, p unsafe.Pointer) ([]byte, error) {
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(reflect.NewAt(t, p).Interface()); err != nil {
			return b, err
		}
		return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...), nil
	}
}

func hasMarshaler(t reflect.Type) bool {
	return t.Implements(jsonMarshalerT) || reflect.PointerTo(t).Implements(jsonMarshalerT) ||
		t.Implements(textMarshalerT) || reflect.PointerTo(t).Implements(textMarshalerT)
}

// addressSensitive reports whether encoding a value of t depends on its
// being addressable: a marshaler on the pointer only, on t or on a part of
// t that is stored inline (struct fields), which encoding/json calls for
// addressable values (behind pointers, in slices) but not for map values.
func addressSensitive(t reflect.Type, seen map[reflect.Type]bool) bool {
	if seen[t] {
		return false
	}
	seen[t] = true
	if !t.Implements(jsonMarshalerT) && reflect.PointerTo(t).Implements(jsonMarshalerT) ||
		!t.Implements(textMarshalerT) && reflect.PointerTo(t).Implements(textMarshalerT) {
		return true
	}
	if t.Kind() == reflect.Struct {
		for i := range t.NumField() {
			if addressSensitive(t.Field(i).Type, seen) {
				return true
			}
		}
	}
	return false
}

func (e *Encoders) compile(t *app.Type) Func {
	rt := t.Go
	if t.Kind == app.KindTime {
		return encodeTime
	}
	if hasMarshaler(rt) {
		return fallback(rt)
	}
	switch t.Kind {
	case app.KindBool:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendBool(b, *(*bool)(p)), nil }
	case app.KindInt, app.KindDuration:
		return intEncoder(rt.Kind())
	case app.KindUint:
		return uintEncoder(rt.Kind())
	case app.KindFloat:
		fb := fallback(rt)
		if rt.Kind() == reflect.Float32 {
			return func(b []byte, p unsafe.Pointer) ([]byte, error) {
				f := float64(*(*float32)(p))
				if math.IsInf(f, 0) || math.IsNaN(f) {
					return fb(b, p) // encoding/json's error
				}
				return AppendFloat(b, f, 32), nil
			}
		}
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			f := *(*float64)(p)
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return fb(b, p)
			}
			return AppendFloat(b, f, 64), nil
		}
	case app.KindString:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return AppendString(b, *(*string)(p)), nil }
	case app.KindBytes:
		if hasMarshaler(rt.Elem()) {
			return fallback(rt) // encoding/json writes an array then
		}
		return encodeBytes
	case app.KindPointer:
		elem := e.of(t.Elem)
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				return append(b, "null"...), nil
			}
			return elem(b, q)
		}
	case app.KindSlice:
		elem := e.of(t.Elem)
		size := rt.Elem().Size()
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			s := (*sliceHeader)(p)
			if s.data == nil {
				return append(b, "null"...), nil
			}
			b = append(b, '[')
			var err error
			for i := range s.len {
				if i > 0 {
					b = append(b, ',')
				}
				if b, err = elem(b, unsafe.Add(s.data, uintptr(i)*size)); err != nil {
					return b, err
				}
			}
			return append(b, ']'), nil
		}
	case app.KindMap:
		if rt.Key().Kind() != reflect.String || hasMarshaler(rt.Key()) || addressSensitive(rt.Elem(), map[reflect.Type]bool{}) {
			return fallback(rt)
		}
		return e.mapEncoder(t)
	case app.KindStruct:
		return e.structEncoder(t)
	case app.KindOneOf:
		return e.oneOfEncoder(t)
	}
	return fallback(rt) // any, and anything the type schema adds later
}

func intEncoder(k reflect.Kind) Func {
	switch k {
	case reflect.Int8:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendInt(b, int64(*(*int8)(p)), 10), nil
		}
	case reflect.Int16:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendInt(b, int64(*(*int16)(p)), 10), nil
		}
	case reflect.Int32:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendInt(b, int64(*(*int32)(p)), 10), nil
		}
	case reflect.Int:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendInt(b, int64(*(*int)(p)), 10), nil
		}
	}
	return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendInt(b, *(*int64)(p), 10), nil }
}

func uintEncoder(k reflect.Kind) Func {
	switch k {
	case reflect.Uint8:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendUint(b, uint64(*(*uint8)(p)), 10), nil
		}
	case reflect.Uint16:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendUint(b, uint64(*(*uint16)(p)), 10), nil
		}
	case reflect.Uint32:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendUint(b, uint64(*(*uint32)(p)), 10), nil
		}
	case reflect.Uint, reflect.Uintptr:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendUint(b, uint64(*(*uint)(p)), 10), nil
		}
	}
	return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendUint(b, *(*uint64)(p), 10), nil }
}

// mapEncoder encodes a map with string keys in sorted key order.
func (e *Encoders) mapEncoder(t *app.Type) Func {
	rt := t.Go
	elem := e.of(t.Elem)
	return func(b []byte, p unsafe.Pointer) ([]byte, error) {
		m := reflect.NewAt(rt, p).Elem()
		if m.IsNil() {
			return append(b, "null"...), nil
		}
		keys := m.MapKeys()
		slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
		tmp := reflect.New(rt.Elem())
		b = append(b, '{')
		var err error
		for i, k := range keys {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendString(b, k.String())
			b = append(b, ':')
			tmp.Elem().Set(m.MapIndex(k))
			if b, err = elem(b, tmp.UnsafePointer()); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

type fieldEncoder struct {
	key    []byte // `"name":`, with a leading comma for all but the first written field
	offset uintptr
	enc    Func
	omit   func(unsafe.Pointer) bool // nil: always written
}

// structEncoder writes t's fields as app.Type lists them: the type schema
// applies encoding/json's naming, embedding and `-` rules, and rejects the
// name clashes whose precedence rules would matter.
func (e *Encoders) structEncoder(t *app.Type) Func {
	fields := make([]fieldEncoder, 0, len(t.Fields))
	for _, f := range t.Fields {
		if f.Quoted {
			return fallback(t.Go)
		}
		fields = append(fields, fieldEncoder{
			key:    append(append([]byte{','}, AppendString(nil, f.Name)...), ':'),
			offset: f.Offset,
			enc:    e.of(f.Type),
			omit:   OmitFunc(f),
		})
	}
	first0 := true
	var tag []byte
	if v := t.VariantOf(); v != nil {
		// A variant always carries its discriminator, first.
		tag = append(AppendString(nil, v.Sum.OneOf.Discriminator), ':')
		tag = AppendString(tag, v.Name)
		first0 = false
	}
	return func(b []byte, p unsafe.Pointer) ([]byte, error) {
		b = append(b, '{')
		b = append(b, tag...)
		first := first0
		var err error
		for i := range fields {
			f := &fields[i]
			fp := unsafe.Add(p, f.offset)
			if f.omit != nil && f.omit(fp) {
				continue
			}
			if first {
				b = append(b, f.key[1:]...)
				first = false
			} else {
				b = append(b, f.key...)
			}
			if b, err = f.enc(b, fp); err != nil {
				return b, err
			}
		}
		return append(b, '}'), nil
	}
}

func encodeTime(b []byte, p unsafe.Pointer) ([]byte, error) {
	t := *(*time.Time)(p)
	if y := t.Year(); y < 0 || y >= 10000 {
		return fallback(timeT)(b, p) // encoding/json's error
	}
	b = append(b, '"')
	b = t.AppendFormat(b, time.RFC3339Nano)
	return append(b, '"'), nil
}

func encodeBytes(b []byte, p unsafe.Pointer) ([]byte, error) {
	s := *(*[]byte)(p)
	if s == nil {
		return append(b, "null"...), nil
	}
	b = append(b, '"')
	b = base64.StdEncoding.AppendEncode(b, s)
	return append(b, '"'), nil
}

// oneOfEncoder encodes a sum type: null for a nil interface, else the
// variant's object (which starts with its discriminator). The variant is
// found by the interface's type word, without reflection.
func (e *Encoders) oneOfEncoder(t *app.Type) Func {
	o := t.OneOf
	encs := make(map[*app.VariantType]Func, len(o.Variants))
	for _, v := range o.Variants {
		encs[v] = e.of(v.Type)
	}
	return func(b []byte, p unsafe.Pointer) ([]byte, error) {
		v, q := o.Variant(p)
		if v == nil {
			if *(*unsafe.Pointer)(p) != nil {
				return b, fmt.Errorf("json: %s holds an undeclared variant %s", t.Go, reflect.NewAt(t.Go, p).Elem().Elem().Type())
			}
			return append(b, "null"...), nil
		}
		if q == nil {
			return append(b, "null"...), nil
		}
		return encs[v](b, q)
	}
}
