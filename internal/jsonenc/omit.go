package jsonenc

import (
	"reflect"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

var (
	isZeroerT = reflect.TypeFor[interface{ IsZero() bool }]()
	timeT     = reflect.TypeFor[time.Time]()
)

// OmitFunc returns the check of whether encoding/json would leave f out of
// its object: with omitempty when the value is false, 0, a nil pointer or
// interface, or an empty string, slice or map; with omitzero when it is the
// zero value or its IsZero method reports true. It returns nil when f is
// always written. The check is compiled once; the common kinds need no
// reflection per value.
func OmitFunc(f *app.Field) func(p unsafe.Pointer) bool {
	var empty, zero func(unsafe.Pointer) bool
	if f.OmitEmpty {
		empty = emptyFunc(f.Type.Go)
	}
	if f.OmitZero {
		zero = zeroFunc(f.Type.Go)
	}
	switch {
	case empty == nil:
		return zero
	case zero == nil:
		return empty
	}
	return func(p unsafe.Pointer) bool { return empty(p) || zero(p) }
}

// emptyFunc mirrors encoding/json's isEmptyValue.
func emptyFunc(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice:
		return func(p unsafe.Pointer) bool { return (*sliceHeader)(p).len == 0 }
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Pointer:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return numberZero(t)
	case reflect.Interface:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsNil() }
	case reflect.Map, reflect.Array:
		return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().Len() == 0 }
	}
	return nil // structs are never empty
}

// zeroFunc mirrors encoding/json's omitzero test, IsZero methods included.
func zeroFunc(t reflect.Type) func(unsafe.Pointer) bool {
	switch {
	case t == timeT:
		return func(p unsafe.Pointer) bool { return (*time.Time)(p).IsZero() }
	case t.Kind() == reflect.Interface && t.Implements(isZeroerT):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Elem().Kind() == reflect.Pointer && v.Elem().IsNil() ||
				v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Kind() == reflect.Pointer && t.Implements(isZeroerT):
		return func(p unsafe.Pointer) bool {
			v := reflect.NewAt(t, p).Elem()
			return v.IsNil() || v.Interface().(interface{ IsZero() bool }).IsZero()
		}
	case t.Implements(isZeroerT):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Elem().Interface().(interface{ IsZero() bool }).IsZero()
		}
	case reflect.PointerTo(t).Implements(isZeroerT):
		return func(p unsafe.Pointer) bool {
			return reflect.NewAt(t, p).Interface().(interface{ IsZero() bool }).IsZero()
		}
	}
	switch t.Kind() {
	case reflect.String:
		return func(p unsafe.Pointer) bool { return len(*(*string)(p)) == 0 }
	case reflect.Slice, reflect.Pointer, reflect.Map:
		return func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil }
	case reflect.Bool:
		return func(p unsafe.Pointer) bool { return !*(*bool)(p) }
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64:
		return numberZero(t)
	}
	return func(p unsafe.Pointer) bool { return reflect.NewAt(t, p).Elem().IsZero() }
}

// numberZero reports whether a number is 0 (-0 included, as reflect's
// IsZero says).
func numberZero(t reflect.Type) func(unsafe.Pointer) bool {
	switch t.Kind() {
	case reflect.Int8, reflect.Uint8:
		return func(p unsafe.Pointer) bool { return *(*uint8)(p) == 0 }
	case reflect.Int16, reflect.Uint16:
		return func(p unsafe.Pointer) bool { return *(*uint16)(p) == 0 }
	case reflect.Int32, reflect.Uint32:
		return func(p unsafe.Pointer) bool { return *(*uint32)(p) == 0 }
	case reflect.Int64, reflect.Uint64:
		return func(p unsafe.Pointer) bool { return *(*uint64)(p) == 0 }
	case reflect.Int, reflect.Uint, reflect.Uintptr:
		return func(p unsafe.Pointer) bool { return *(*uintptr)(p) == 0 }
	case reflect.Float32:
		return func(p unsafe.Pointer) bool { return *(*float32)(p) == 0 }
	}
	return func(p unsafe.Pointer) bool { return *(*float64)(p) == 0 }
}

type sliceHeader struct {
	data unsafe.Pointer
	len  int
	cap  int
}
