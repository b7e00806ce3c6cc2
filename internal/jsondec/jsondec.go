package jsondec

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

// Func decodes data into the value at p, a pointer to a value of the Go
// type it was compiled for. Errors are *app.Error with code
// invalid_argument and a violation naming the field; other decoding errors
// are encoding/json's, with the field path in the message.
type Func func(data []byte, p unsafe.Pointer) error

// Compile returns the decoder of t. Compile once, at startup.
func Compile(t *app.Type) Func {
	c := &compiler{m: map[*app.Type]*Func{}}
	return c.of(t, "")
}

type compiler struct{ m map[*app.Type]*Func }

func (c *compiler) of(t *app.Type, _ string) Func {
	if f, ok := c.m[t]; ok {
		return func(data []byte, p unsafe.Pointer) error { return (*f)(data, p) }
	}
	f := new(Func)
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

// Error converts a decoding error to an invalid_argument *app.Error naming
// the field, or returns it unchanged when it has no path.
func Error(err error) error {
	var pe *pathError
	if errors.As(err, &pe) {
		return app.InvalidArgument(pe.Error(), app.FieldViolation{Field: pe.path, Description: pe.desc})
	}
	return err
}

var null = []byte("null")

func (c *compiler) compile(t *app.Type) Func {
	if !t.HasOneOf() {
		rt := t.Go
		return func(data []byte, p unsafe.Pointer) error {
			return json.Unmarshal(data, reflect.NewAt(rt, p).Interface())
		}
	}
	switch t.Kind {
	case app.KindPointer:
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
	case app.KindSlice:
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
	case app.KindMap:
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
	case app.KindStruct:
		return c.structDecoder(t)
	case app.KindOneOf:
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
	dec    Func
}

// structDecoder decodes an object field by field, matching names as
// encoding/json does (exact, then case-insensitive); the last of duplicate
// properties wins.
func (c *compiler) structDecoder(t *app.Type) Func {
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
func (c *compiler) oneOfDecoder(t *app.Type) Func {
	o := t.OneOf
	decs := make(map[string]Func, len(o.Variants))
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
