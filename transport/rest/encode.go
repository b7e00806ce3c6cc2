package rest

import (
	"bytes"
	"encoding"
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"
	"unsafe"

	"github.com/allframe-go/allframe/internal/jsonenc"
)

// A compiled JSON encoder: per output type, a plan of append functions that
// read fields by offset, producing exactly the bytes encoding/json's Encoder
// (with SetEscapeHTML(false)) produces — a randomized test compares them.
// Types whose encoding depends on methods (json.Marshaler,
// encoding.TextMarshaler other than time.Time), `,string` options, or
// interface values are handed to encoding/json for that value.

type encodeFunc func(b []byte, p unsafe.Pointer) ([]byte, error)

var (
	encoders       sync.Map // reflect.Type → encodeFunc
	jsonMarshalerT = reflect.TypeFor[json.Marshaler]()
	textMarshalerT = reflect.TypeFor[encoding.TextMarshaler]()
	timeT          = reflect.TypeFor[time.Time]()
)

// encoderFor returns the compiled encoder of t, building it once.
func encoderFor(t reflect.Type) encodeFunc {
	if e, ok := encoders.Load(t); ok {
		return e.(encodeFunc)
	}
	// Recursive types: publish an indirection first.
	var (
		wg sync.WaitGroup
		f  encodeFunc
	)
	wg.Add(1)
	e, loaded := encoders.LoadOrStore(t, encodeFunc(func(b []byte, p unsafe.Pointer) ([]byte, error) {
		wg.Wait()
		return f(b, p)
	}))
	if loaded {
		return e.(encodeFunc)
	}
	f = compileEncoder(t)
	wg.Done()
	encoders.Store(t, f)
	return f
}

// fallback encodes the value at p with encoding/json.
func fallback(t reflect.Type) encodeFunc {
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

func compileEncoder(t reflect.Type) encodeFunc {
	if t == timeT {
		return encodeTime
	}
	if hasMarshaler(t) {
		return fallback(t)
	}
	switch t.Kind() {
	case reflect.Bool:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendBool(b, *(*bool)(p)), nil }
	case reflect.Int:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendInt(b, int64(*(*int)(p)), 10), nil
		}
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
	case reflect.Int64:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendInt(b, *(*int64)(p), 10), nil }
	case reflect.Uint:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			return strconv.AppendUint(b, uint64(*(*uint)(p)), 10), nil
		}
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
	case reflect.Uint64, reflect.Uintptr:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return strconv.AppendUint(b, *(*uint64)(p), 10), nil }
	case reflect.Float32:
		fb := fallback(t)
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			f := float64(*(*float32)(p))
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return fb(b, p) // encoding/json's error
			}
			return jsonenc.AppendFloat(b, f, 32), nil
		}
	case reflect.Float64:
		fb := fallback(t)
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			f := *(*float64)(p)
			if math.IsInf(f, 0) || math.IsNaN(f) {
				return fb(b, p)
			}
			return jsonenc.AppendFloat(b, f, 64), nil
		}
	case reflect.String:
		return func(b []byte, p unsafe.Pointer) ([]byte, error) { return jsonenc.AppendString(b, *(*string)(p)), nil }
	case reflect.Pointer:
		elem := encoderFor(t.Elem())
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				return append(b, "null"...), nil
			}
			return elem(b, q)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 && !hasMarshaler(t.Elem()) {
			return encodeBytes
		}
		elem := encoderFor(t.Elem())
		size := t.Elem().Size()
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
	case reflect.Map:
		if t.Key().Kind() != reflect.String || hasMarshaler(t.Key()) {
			return fallback(t)
		}
		elem := encoderFor(t.Elem())
		return func(b []byte, p unsafe.Pointer) ([]byte, error) {
			m := reflect.NewAt(t, p).Elem()
			if m.IsNil() {
				return append(b, "null"...), nil
			}
			keys := m.MapKeys()
			slices.SortFunc(keys, func(x, y reflect.Value) int { return strings.Compare(x.String(), y.String()) })
			tmp := reflect.New(t.Elem())
			b = append(b, '{')
			var err error
			for i, k := range keys {
				if i > 0 {
					b = append(b, ',')
				}
				b = jsonenc.AppendString(b, k.String())
				b = append(b, ':')
				tmp.Elem().Set(m.MapIndex(k))
				if b, err = elem(b, tmp.UnsafePointer()); err != nil {
					return b, err
				}
			}
			return append(b, '}'), nil
		}
	case reflect.Struct:
		return compileStruct(t)
	}
	return fallback(t) // interfaces, arrays, anything unusual
}

type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}

type fieldEncoder struct {
	key       []byte // `"name":`, with a leading comma for all but the first written field
	offset    uintptr
	enc       encodeFunc
	omitEmpty bool
	omitZero  bool
	typ       reflect.Type
}

func compileStruct(t reflect.Type) encodeFunc {
	var fields []fieldEncoder
	if !collectFields(t, 0, &fields, map[string]bool{}) {
		return fallback(t)
	}
	return func(b []byte, p unsafe.Pointer) ([]byte, error) {
		b = append(b, '{')
		first := true
		var err error
		for i := range fields {
			f := &fields[i]
			fp := unsafe.Add(p, f.offset)
			if f.omitEmpty && isEmpty(f.typ, fp) || f.omitZero && isZero(f.typ, fp) {
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

// collectFields lists t's encoded fields as encoding/json would, for the
// simple cases: embedded structs by value without a JSON name are
// inlined; anything whose precedence rules matter (name clashes, embedded
// pointers, `,string`, types with IsZero methods under omitzero) reports
// false and the type uses encoding/json.
func collectFields(t reflect.Type, base uintptr, out *[]fieldEncoder, seen map[string]bool) bool {
	for i := range t.NumField() {
		sf := t.Field(i)
		tag := sf.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if sf.Anonymous && name == "" {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				return false
			}
			if ft.Kind() == reflect.Struct && !hasMarshaler(ft) {
				if !collectFields(ft, base+sf.Offset, out, seen) {
					return false
				}
				continue
			}
			if !sf.IsExported() {
				continue
			}
		} else if !sf.IsExported() {
			continue
		}
		if name == "" {
			name = sf.Name
		}
		if !validTagName(name) {
			name = sf.Name
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		o := "," + opts + ","
		if strings.Contains(o, ",string,") {
			return false
		}
		if strings.Contains(o, ",omitzero,") && sf.Type != timeT &&
			(sf.Type.Implements(isZeroerT) || reflect.PointerTo(sf.Type).Implements(isZeroerT) ||
				sf.Type.Kind() == reflect.Pointer && sf.Type.Elem().Implements(isZeroerT)) {
			return false // IsZero methods: leave the rules to encoding/json
		}
		f := fieldEncoder{
			key:       append(append([]byte{','}, jsonenc.AppendString(nil, name)...), ':'),
			offset:    base + sf.Offset,
			enc:       encoderFor(sf.Type),
			omitEmpty: strings.Contains(o, ",omitempty,"),
			omitZero:  strings.Contains(o, ",omitzero,"),
			typ:       sf.Type,
		}
		*out = append(*out, f)
	}
	return true
}

// validTagName mirrors encoding/json's rule for usable tag names.
func validTagName(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		switch {
		case strings.ContainsRune("!#$%&()*+-./:;<=>?@[]^_{|}~ ", c):
		case !unicode.IsLetter(c) && !unicode.IsDigit(c):
			return false
		}
	}
	return true
}

func isEmpty(t reflect.Type, p unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return len(*(*string)(p)) == 0
	case reflect.Slice:
		return (*sliceHeader)(p).len == 0
	case reflect.Bool:
		return !*(*bool)(p)
	case reflect.Pointer:
		return *(*unsafe.Pointer)(p) == nil
	}
	return isEmptyValue(reflect.NewAt(t, p).Elem())
}

func isEmptyValue(v reflect.Value) bool {
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

var isZeroerT = reflect.TypeFor[interface{ IsZero() bool }]()

func isZero(t reflect.Type, p unsafe.Pointer) bool {
	if t == timeT {
		return (*time.Time)(p).IsZero()
	}
	return reflect.NewAt(t, p).Elem().IsZero()
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
