package rest

import (
	"encoding/base64"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

// paramBinder binds one input field from a path, query or header parameter.
// It is compiled once per field at startup; binding writes through the
// field's offset without reflection.
type paramBinder struct {
	field  *app.Field
	in     app.Source
	name   string       // parameter name (canonical header key for headers)
	offset uintptr      // field offset in the input struct
	set    scalarSetter // for scalars and pointers to scalars
	ptr    reflect.Type // non-nil for pointer fields: the pointed-to type
	slice  *sliceBinder // for slices of scalars (repeated query parameters)
	kind   app.TypeKind // of the scalar
	enum   []string     // allowed values, if an enum
}

type sliceBinder struct {
	elem reflect.Type
	set  scalarSetter
}

// scalarSetter parses s into the scalar at p.
type scalarSetter func(p unsafe.Pointer, s string) error

// bindPlan is the compiled binding of one operation's input.
type bindPlan struct {
	params  []paramBinder
	hasBody bool // some field comes from the JSON body
	// upload binds File fields from multipart/form-data or a raw body;
	// nil when the body has no File field.
	upload *uploadPlan
	// maxBody is the operation's own body limit (app.MaxBodyBytes), 0
	// when it has none.
	maxBody int64
	// body decodes the JSON body when the input holds a sum type, which
	// encoding/json cannot decode into; nil otherwise.
	body *app.JSONDecoder
}

func compileBindPlan(op *app.Operation) (*bindPlan, error) {
	plan := &bindPlan{maxBody: op.MaxBodyBytes}
	var bodyFields []*app.Field
	bodyMethod := op.HTTPMethod == http.MethodPost || op.HTTPMethod == http.MethodPut ||
		op.HTTPMethod == http.MethodPatch || op.HTTPMethod == http.MethodDelete
	for _, f := range op.Input.Fields {
		src, name := f.In, f.Param
		if src == app.SourceDefault {
			if bodyMethod {
				plan.hasBody = true
				bodyFields = append(bodyFields, f)
				continue
			}
			src, name = app.SourceQuery, f.Name
		}
		b, err := compileParam(f, src, name)
		if err != nil {
			return nil, fmt.Errorf("operation %q: %w", op.Name, err)
		}
		plan.params = append(plan.params, b)
	}
	up, err := compileUploadPlan(op, bodyFields)
	if err != nil {
		return nil, err
	}
	plan.upload = up
	if plan.hasBody && op.Input.HasOneOf() {
		plan.body = app.NewJSONDecoder(op.Input)
	}
	return plan, nil
}

func compileParam(f *app.Field, src app.Source, name string) (paramBinder, error) {
	b := paramBinder{field: f, in: src, name: name, offset: f.Offset}
	if src == app.SourceHeader {
		b.name = http.CanonicalHeaderKey(name)
	}
	t := f.Type
	switch t.Kind {
	case app.KindPointer:
		b.ptr = t.Elem.Go
		t = t.Elem
	case app.KindSlice:
		if src == app.SourcePath {
			return b, fmt.Errorf("field %s: a path parameter cannot be a list", f.GoName)
		}
		set, err := setterFor(t.Elem)
		if err != nil {
			return b, fmt.Errorf("field %s: %w", f.GoName, err)
		}
		b.slice = &sliceBinder{elem: t.Elem.Go, set: set}
		b.kind, b.enum = t.Elem.Kind, t.Elem.Enum
		return b, nil
	}
	set, err := setterFor(t)
	if err != nil {
		return b, fmt.Errorf("field %s (%s parameter %q): %w; bind it from the body of a command instead", f.GoName, sourceName(src), name, err)
	}
	b.set, b.kind, b.enum = set, t.Kind, t.Enum
	return b, nil
}

func sourceName(s app.Source) string {
	switch s {
	case app.SourcePath:
		return "path"
	case app.SourceHeader:
		return "header"
	}
	return "query"
}

func setterFor(t *app.Type) (scalarSetter, error) {
	switch t.Kind {
	case app.KindString:
		return func(p unsafe.Pointer, s string) error { *(*string)(p) = s; return nil }, nil
	case app.KindBool:
		return func(p unsafe.Pointer, s string) error {
			v, err := strconv.ParseBool(s)
			if err != nil {
				return errBadValue("must be a boolean")
			}
			*(*bool)(p) = v
			return nil
		}, nil
	case app.KindInt:
		bits := t.Bits
		k := t.Go.Kind()
		return func(p unsafe.Pointer, s string) error {
			v, err := strconv.ParseInt(s, 10, bits)
			if err != nil {
				return errBadValue(fmt.Sprintf("must be an integer that fits in %d bits", bits))
			}
			switch k {
			case reflect.Int:
				*(*int)(p) = int(v)
			case reflect.Int8:
				*(*int8)(p) = int8(v) //nolint:gosec // G115: ParseInt(s, 10, bits) bounded v to the field's size
			case reflect.Int16:
				*(*int16)(p) = int16(v) //nolint:gosec // G115: ParseInt(s, 10, bits) bounded v to the field's size
			case reflect.Int32:
				*(*int32)(p) = int32(v) //nolint:gosec // G115: ParseInt(s, 10, bits) bounded v to the field's size
			default:
				*(*int64)(p) = v
			}
			return nil
		}, nil
	case app.KindUint:
		bits := t.Bits
		k := t.Go.Kind()
		return func(p unsafe.Pointer, s string) error {
			v, err := strconv.ParseUint(s, 10, bits)
			if err != nil {
				return errBadValue(fmt.Sprintf("must be a non-negative integer that fits in %d bits", bits))
			}
			switch k {
			case reflect.Uint:
				*(*uint)(p) = uint(v)
			case reflect.Uint8:
				*(*uint8)(p) = uint8(v) //nolint:gosec // G115: ParseUint(s, 10, bits) bounded v to the field's size
			case reflect.Uint16:
				*(*uint16)(p) = uint16(v) //nolint:gosec // G115: ParseUint(s, 10, bits) bounded v to the field's size
			case reflect.Uint32:
				*(*uint32)(p) = uint32(v) //nolint:gosec // G115: ParseUint(s, 10, bits) bounded v to the field's size
			default:
				*(*uint64)(p) = v
			}
			return nil
		}, nil
	case app.KindFloat:
		bits := t.Bits
		return func(p unsafe.Pointer, s string) error {
			v, err := strconv.ParseFloat(s, bits)
			if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
				return errBadValue("must be a finite number")
			}
			if bits == 32 {
				*(*float32)(p) = float32(v)
			} else {
				*(*float64)(p) = v
			}
			return nil
		}, nil
	case app.KindTime:
		return func(p unsafe.Pointer, s string) error {
			v, err := time.Parse(time.RFC3339Nano, s)
			if err != nil {
				return errBadValue("must be an RFC 3339 date-time")
			}
			*(*time.Time)(p) = v
			return nil
		}, nil
	case app.KindDuration:
		return func(p unsafe.Pointer, s string) error {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				*(*time.Duration)(p) = time.Duration(n)
				return nil
			}
			v, err := time.ParseDuration(s)
			if err != nil {
				return errBadValue("must be a duration in nanoseconds or Go syntax (e.g. 1.5s)")
			}
			*(*time.Duration)(p) = v
			return nil
		}, nil
	case app.KindBytes:
		return func(p unsafe.Pointer, s string) error {
			v, err := base64.StdEncoding.DecodeString(s)
			if err != nil {
				if v, err = base64.URLEncoding.DecodeString(s); err != nil {
					return errBadValue("must be base64")
				}
			}
			*(*[]byte)(p) = v
			return nil
		}, nil
	}
	return nil, fmt.Errorf("a %s cannot be a parameter", t.Kind)
}

type badValue string

func (e badValue) Error() string { return string(e) }

func errBadValue(s string) error { return badValue(s) }

// bind fills the input at base from the request's parameters. Violations are
// collected so a client sees every bad parameter at once.
func (plan *bindPlan) bind(base unsafe.Pointer, r *http.Request, pathValue func(string) string, query url.Values) []app.FieldViolation {
	var violations []app.FieldViolation
	for i := range plan.params {
		b := &plan.params[i]
		var vals []string
		switch b.in {
		case app.SourcePath:
			v, err := url.PathUnescape(pathValue(b.name))
			if err != nil {
				violations = append(violations, app.FieldViolation{Field: b.field.Name, Description: "malformed path segment"})
				continue
			}
			vals = []string{v}
		case app.SourceQuery:
			vals = query[b.name]
		case app.SourceHeader:
			vals = r.Header[b.name]
		}
		if len(vals) == 0 {
			continue
		}
		p := unsafe.Add(base, b.offset)
		if b.slice != nil {
			if len(vals) == 1 && strings.Contains(vals[0], ",") && b.kind != app.KindString {
				vals = strings.Split(vals[0], ",")
			}
			sv := reflect.MakeSlice(reflect.SliceOf(b.slice.elem), len(vals), len(vals))
			ep := sv.UnsafePointer()
			size := b.slice.elem.Size()
			for j, s := range vals {
				if err := b.slice.set(unsafe.Add(ep, uintptr(j)*size), s); err != nil {
					violations = append(violations, app.FieldViolation{Field: b.field.Name, Description: err.Error()})
					break
				}
			}
			reflect.NewAt(sv.Type(), p).Elem().Set(sv)
			continue
		}
		if b.ptr != nil {
			v := reflect.New(b.ptr)
			if err := b.set(v.UnsafePointer(), vals[0]); err != nil {
				violations = append(violations, app.FieldViolation{Field: b.field.Name, Description: err.Error()})
				continue
			}
			*(*unsafe.Pointer)(p) = v.UnsafePointer()
			continue
		}
		if err := b.set(p, vals[0]); err != nil {
			violations = append(violations, app.FieldViolation{Field: b.field.Name, Description: err.Error()})
		}
	}
	return violations
}
