package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"unsafe"
)

// JSONDecoder decodes JSON into Go values whose types hold sum types
// (KindOneOf), which encoding/json cannot decode into: it reads the
// discriminator and decodes the object into the right variant. Parts of the
// value without a sum type are decoded by encoding/json, so its rules
// (case-insensitive names, unknown properties ignored) hold everywhere.
type JSONDecoder struct {
	t  *Type
	fn decodeFunc
}

// NewJSONDecoder compiles the decoder of values of t. Compile once, at
// startup.
func NewJSONDecoder(t *Type) *JSONDecoder {
	c := &jsonDecCompiler{m: map[*Type]*decodeFunc{}}
	return &JSONDecoder{t: t, fn: c.of(t, "")}
}

// Decode decodes data, one valid JSON value, into v, a pointer to a value
// of the decoder's Go type. An invalid discriminator, or a value of the
// wrong JSON type inside a sum type, is an invalid_argument *Error naming
// the field ("method.type"); other errors are encoding/json's, with
// UnmarshalTypeError.Field holding the full path.
func (d *JSONDecoder) Decode(data []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Type().Elem() != d.t.Go {
		return fmt.Errorf("json: decoding %s into %T", d.t.Go, v)
	}
	if err := d.fn(data, rv.UnsafePointer()); err != nil {
		var pe *pathError
		if errors.As(err, &pe) {
			return InvalidArgument(pe.Error(), FieldViolation{Field: pe.path, Description: pe.desc})
		}
		return err
	}
	return nil
}

// decodeFunc decodes data into the value at p.
type decodeFunc func(data []byte, p unsafe.Pointer) error

type jsonDecCompiler struct{ m map[*Type]*decodeFunc }

func (c *jsonDecCompiler) of(t *Type, _ string) decodeFunc {
	if f, ok := c.m[t]; ok {
		return func(data []byte, p unsafe.Pointer) error { return (*f)(data, p) }
	}
	f := new(decodeFunc)
	c.m[t] = f
	*f = c.compile(t)
	return *f
}

// pathError is a decoding error at a path below the value decoded.
type pathError struct {
	path string // "method.type", "items[2]"
	desc string
}

func (e *pathError) Error() string { return "invalid " + e.path + ": " + e.desc }

// at prefixes err's path with seg.
func at(seg string, err error) error {
	var pe *pathError
	if errors.As(err, &pe) {
		if pe.path == "" || strings.HasPrefix(pe.path, "[") {
			pe.path = seg + pe.path
		} else {
			pe.path = seg + "." + pe.path
		}
		return pe
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		te.Field = join(seg, te.Field)
	}
	return err
}

func join(a, b string) string {
	switch {
	case b == "":
		return a
	case strings.HasPrefix(b, "["):
		return a + b
	}
	return a + "." + b
}

var null = []byte("null")

func (c *jsonDecCompiler) compile(t *Type) decodeFunc {
	if !t.HasOneOf() {
		rt := t.Go
		return func(data []byte, p unsafe.Pointer) error {
			return json.Unmarshal(data, reflect.NewAt(rt, p).Interface())
		}
	}
	switch t.Kind {
	case KindPointer:
		elem := c.of(t.Elem, "")
		et := t.Elem.Go
		return func(data []byte, p unsafe.Pointer) error {
			if bytes.Equal(bytes.TrimSpace(data), null) {
				*(*unsafe.Pointer)(p) = nil
				return nil
			}
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				q = reflect.New(et).UnsafePointer()
				*(*unsafe.Pointer)(p) = q
			}
			return elem(data, q)
		}
	case KindSlice:
		elem := c.of(t.Elem, "")
		rt := t.Go
		return func(data []byte, p unsafe.Pointer) error {
			var raw []json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil {
				return err
			}
			s := reflect.NewAt(rt, p).Elem()
			if raw == nil {
				s.SetZero()
				return nil
			}
			s.Set(reflect.MakeSlice(rt, len(raw), len(raw)))
			for i, r := range raw {
				if err := elem(r, s.Index(i).Addr().UnsafePointer()); err != nil {
					return at("["+strconv.Itoa(i)+"]", err)
				}
			}
			return nil
		}
	case KindMap:
		elem := c.of(t.Elem, "")
		rt := t.Go
		return func(data []byte, p unsafe.Pointer) error {
			var raw map[string]json.RawMessage
			if err := json.Unmarshal(data, &raw); err != nil {
				return err
			}
			m := reflect.NewAt(rt, p).Elem()
			if raw == nil {
				m.SetZero()
				return nil
			}
			if m.IsNil() {
				m.Set(reflect.MakeMapWithSize(rt, len(raw)))
			}
			for k, r := range raw {
				key := reflect.New(rt.Key())
				if err := json.Unmarshal(strconv.AppendQuote(nil, k), key.Interface()); err != nil {
					if err := json.Unmarshal([]byte(k), key.Interface()); err != nil {
						return at("["+k+"]", &pathError{desc: "invalid map key"})
					}
				}
				v := reflect.New(rt.Elem())
				if err := elem(r, v.UnsafePointer()); err != nil {
					return at("["+k+"]", err)
				}
				m.SetMapIndex(key.Elem(), v.Elem())
			}
			return nil
		}
	case KindStruct:
		return c.structDecoder(t)
	case KindOneOf:
		return c.oneOfDecoder(t)
	}
	rt := t.Go
	return func(data []byte, p unsafe.Pointer) error {
		return json.Unmarshal(data, reflect.NewAt(rt, p).Interface())
	}
}

type fieldDecoder struct {
	name   string
	offset uintptr
	dec    decodeFunc
}

// structDecoder decodes an object field by field, matching names as
// encoding/json does (exact, then case-insensitive); the last of duplicate
// properties wins.
func (c *jsonDecCompiler) structDecoder(t *Type) decodeFunc {
	fields := make([]fieldDecoder, len(t.Fields))
	for i, f := range t.Fields {
		fields[i] = fieldDecoder{name: f.Name, offset: f.Offset, dec: c.of(f.Type, "")}
	}
	return func(data []byte, p unsafe.Pointer) error {
		if bytes.Equal(bytes.TrimSpace(data), null) {
			return nil
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal(data, &raw); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &pathError{desc: "must be an object"}
			}
			return err
		}
		for i := range fields {
			f := &fields[i]
			r, ok := raw[f.name]
			if !ok {
				for k, v := range raw {
					if strings.EqualFold(k, f.name) {
						r, ok = v, true
					}
				}
			}
			if !ok {
				continue
			}
			if err := f.dec(r, unsafe.Add(p, f.offset)); err != nil {
				return at(f.name, err)
			}
		}
		return nil
	}
}

// oneOfDecoder reads the discriminator and decodes the object into a new
// value of the variant it names; null leaves the interface nil.
func (c *jsonDecCompiler) oneOfDecoder(t *Type) decodeFunc {
	o := t.OneOf
	decs := make(map[string]decodeFunc, len(o.Variants))
	for _, v := range o.Variants {
		decs[v.Name] = c.of(v.Type, "")
	}
	want := "one of: " + strings.Join(o.Names(), ", ")
	return func(data []byte, p unsafe.Pointer) error {
		if bytes.Equal(bytes.TrimSpace(data), null) {
			*(*[2]unsafe.Pointer)(p) = [2]unsafe.Pointer{}
			return nil
		}
		var head map[string]json.RawMessage
		if err := json.Unmarshal(data, &head); err != nil {
			var te *json.UnmarshalTypeError
			if errors.As(err, &te) {
				return &pathError{desc: "must be an object"}
			}
			return err
		}
		raw, ok := head[o.Discriminator]
		if !ok {
			return &pathError{path: o.Discriminator, desc: "is required: " + want}
		}
		var name string
		if err := json.Unmarshal(raw, &name); err != nil {
			return &pathError{path: o.Discriminator, desc: "must be a string: " + want}
		}
		v := o.ByName(name)
		if v == nil {
			return &pathError{path: o.Discriminator, desc: "must be " + want}
		}
		val, q := v.New()
		if err := decs[name](data, q); err != nil {
			return err
		}
		v.Store(p, val)
		return nil
	}
}

// sumJSON is the JSON codec of InvokeJSON for an operation whose input or
// output holds a sum type (or a variant struct, which always carries its
// discriminator); a nil *sumJSON is encoding/json.
type sumJSON struct {
	in  *JSONDecoder // nil: encoding/json
	out *Type        // nil: encoding/json
}

func newSumJSON(in, out *Type) *sumJSON {
	s := &sumJSON{}
	if in.HasOneOf() {
		s.in = NewJSONDecoder(in)
	}
	if tagged(out, map[*Type]bool{}) {
		s.out = out
	}
	if s.in == nil && s.out == nil {
		return nil
	}
	return s
}

func (s *sumJSON) unmarshal(data []byte, in any) error {
	if s == nil || s.in == nil {
		if err := json.Unmarshal(data, in); err != nil {
			return InvalidArgument("malformed JSON input: " + err.Error())
		}
		return nil
	}
	if !json.Valid(data) {
		return InvalidArgument("malformed JSON input: " + json.Unmarshal(data, new(any)).Error())
	}
	if err := s.in.Decode(data, in); err != nil {
		var ae *Error
		if errors.As(err, &ae) {
			return err
		}
		return InvalidArgument("malformed JSON input: " + err.Error())
	}
	return nil
}

// marshal encodes out (a *Out, or what a middleware put in its place).
func (s *sumJSON) marshal(out any) ([]byte, error) {
	v := reflect.ValueOf(out)
	if s == nil || s.out == nil || v.Kind() != reflect.Pointer || v.Type().Elem() != s.out.Go || v.IsNil() {
		return json.Marshal(out)
	}
	return appendJSON(nil, s.out, v.Elem())
}

// tagged reports whether values of t may hold a sum type or a variant
// struct, whose JSON encoding/json cannot write.
func tagged(t *Type, seen map[*Type]bool) bool {
	if t == nil || seen[t] {
		return false
	}
	seen[t] = true
	switch t.Kind {
	case KindOneOf:
		return true
	case KindPointer, KindSlice, KindMap:
		return tagged(t.Elem, seen)
	case KindStruct:
		if t.variant != nil {
			return true
		}
		for _, f := range t.Fields {
			if tagged(f.Type, seen) {
				return true
			}
		}
	}
	return false
}

// appendJSON appends the JSON of v (a value of t.Go) with reflection, as
// the transports' compiled encoders write it: variants carry their
// discriminator first. It serves InvokeJSON, which is not a hot path.
func appendJSON(b []byte, t *Type, v reflect.Value) ([]byte, error) {
	if !tagged(t, map[*Type]bool{}) {
		j, err := json.Marshal(v.Interface())
		return append(b, j...), err
	}
	var err error
	switch t.Kind {
	case KindPointer:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		return appendJSON(b, t.Elem, v.Elem())
	case KindSlice:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i := range v.Len() {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = appendJSON(b, t.Elem, v.Index(i)); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case KindMap:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		m := make(map[string]json.RawMessage, v.Len())
		iter := v.MapRange()
		for iter.Next() {
			k, err := json.Marshal(iter.Key().Interface())
			if err != nil {
				return b, err
			}
			var key string
			if err := json.Unmarshal(k, &key); err != nil {
				key = string(k) // an integer key
			}
			if m[key], err = appendJSON(nil, t.Elem, iter.Value()); err != nil {
				return b, err
			}
		}
		j, err := json.Marshal(m)
		return append(b, j...), err
	case KindOneOf:
		if v.IsNil() {
			return append(b, "null"...), nil
		}
		e := v.Elem()
		vr := t.OneOf.VariantFor(e.Type())
		if vr == nil {
			return b, fmt.Errorf("json: %s holds an undeclared variant %s", t.Go, e.Type())
		}
		if vr.Pointer {
			if e.IsNil() {
				return append(b, "null"...), nil
			}
			e = e.Elem()
		}
		return appendJSON(b, vr.Type, e)
	}
	// A struct.
	b = append(b, '{')
	first := true
	if vr := t.variant; vr != nil {
		b = strconv.AppendQuote(b, vr.Sum.OneOf.Discriminator)
		b = append(b, ':')
		b = strconv.AppendQuote(b, vr.Name)
		first = false
	}
	for _, f := range t.Fields {
		fv := v.FieldByIndex(f.Index)
		if f.OmitZero && fv.IsZero() || f.OmitEmpty && emptyJSON(fv) {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		k, _ := json.Marshal(f.Name)
		b = append(append(b, k...), ':')
		if b, err = appendJSON(b, f.Type, fv); err != nil {
			return b, err
		}
	}
	return append(b, '}'), nil
}

// emptyJSON is encoding/json's omitempty test.
func emptyJSON(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Array, reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Interface, reflect.Pointer:
		return v.IsZero()
	}
	return false
}
