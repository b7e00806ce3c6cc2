package graph

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
)

// inputPlan decodes GraphQL input values (as gqlparser and the variable
// coercion produce them: nil, bool, string, int64, float64, json.Number,
// []any or typed slices, map[string]any) into a Go value, compiled once per
// type at startup.
type inputPlan struct {
	code   code
	t      *app.Type
	elem   *inputPlan
	fields []inputField
	enum   []string
	// oneOf and variants decode a sum type's @oneOf input object: variants
	// holds the plan of each variant's struct, in the sum type's order.
	oneOf    *app.OneOfType
	variants []*inputPlan
}

type inputField struct {
	name   string
	offset uintptr
	plan   *inputPlan
}

type inputPlans struct {
	plans map[*app.Type]*inputPlan
	memo  map[*app.Type][]*app.Field
}

func newInputPlans() *inputPlans {
	return &inputPlans{plans: map[*app.Type]*inputPlan{}, memo: map[*app.Type][]*app.Field{}}
}

func (ps *inputPlans) plan(t *app.Type) *inputPlan {
	if ip, ok := ps.plans[t]; ok {
		return ip
	}
	// Share the output plan's code table: the kinds map the same way.
	ip := &inputPlan{t: t}
	ps.plans[t] = ip
	if t.IsFile() {
		ip.code = codeUpload
		return ip
	}
	switch t.Kind {
	case app.KindPointer:
		ip.code, ip.elem = codePointer, ps.plan(t.Elem)
	case app.KindSlice:
		ip.code, ip.elem = codeSlice, ps.plan(t.Elem)
	case app.KindStruct:
		ip.code = codeObject
		for _, f := range inputFieldsOf(t, ps.memo) {
			ip.fields = append(ip.fields, inputField{name: f.Name, offset: f.Offset, plan: ps.plan(f.Type)})
		}
	case app.KindOneOf:
		ip.code, ip.oneOf = codeUnion, t.OneOf
		for _, v := range t.OneOf.Variants {
			ip.variants = append(ip.variants, ps.plan(v.Type))
		}
	default:
		vp := newPlans().value(t) // leaf kinds only: no recursion
		ip.code, ip.enum = vp.code, vp.enum
	}
	return ip
}

// inputError is one invalid input value; path is in reverse order.
type inputError struct {
	path []string
	desc string
}

func (e *inputError) at(seg string) *inputError {
	e.path = append(e.path, seg)
	return e
}

func (e *inputError) field() string {
	var b strings.Builder
	for i := len(e.path) - 1; i >= 0; i-- {
		s := e.path[i]
		if i < len(e.path)-1 && s[0] != '[' {
			b.WriteByte('.')
		}
		b.WriteString(s)
	}
	return b.String()
}

func invalid(format string, args ...any) *inputError {
	return &inputError{desc: fmt.Sprintf(format, args...)}
}

// decodeArgs decodes the arguments of an operation field into the input
// struct at p. It returns an invalid_argument error listing every invalid
// argument, or nil.
func (ip *inputPlan) decodeArgs(p unsafe.Pointer, args map[string]any) error {
	var violations []app.FieldViolation
	for i := range ip.fields {
		f := &ip.fields[i]
		v, ok := args[f.name]
		if !ok || v == nil {
			continue
		}
		if err := f.plan.decode(unsafe.Add(p, f.offset), v); err != nil {
			violations = append(violations, app.FieldViolation{Field: err.at(f.name).field(), Description: err.desc})
		}
	}
	if len(violations) == 0 {
		return nil
	}
	msg := "invalid " + violations[0].Field + ": " + violations[0].Description
	if len(violations) > 1 {
		msg = fmt.Sprintf("%s (and %d more)", msg, len(violations)-1)
	}
	return app.InvalidArgument(msg, violations...)
}

// decode stores v, which is not nil, in the value at p.
func (ip *inputPlan) decode(p unsafe.Pointer, v any) *inputError {
	switch ip.code {
	case codeString:
		s, ok := v.(string)
		if !ok {
			return invalid("must be a string")
		}
		*(*string)(p) = s
	case codeEnum:
		s, ok := v.(string)
		if !ok || !slices.Contains(ip.enum, s) {
			return invalid("must be one of: %s", strings.Join(ip.enum, ", "))
		}
		*(*string)(p) = s
	case codeBool:
		b, ok := v.(bool)
		if !ok {
			return invalid("must be a boolean")
		}
		*(*bool)(p) = b
	case codeInt, codeInt32:
		n, err := intRange(v, math.MinInt32, math.MaxInt32, false)
		if err != nil {
			return err
		}
		if ip.code == codeInt {
			*(*int)(p) = int(n)
		} else {
			*(*int32)(p) = int32(n) //nolint:gosec // G115: intRange bounded n to the target type
		}
	case codeInt8:
		n, err := intRange(v, math.MinInt8, math.MaxInt8, false)
		if err != nil {
			return err
		}
		*(*int8)(p) = int8(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeInt16:
		n, err := intRange(v, math.MinInt16, math.MaxInt16, false)
		if err != nil {
			return err
		}
		*(*int16)(p) = int16(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeInt64:
		n, err := intRange(v, math.MinInt64, math.MaxInt64, true)
		if err != nil {
			return err
		}
		*(*int64)(p) = n
	case codeUint:
		n, err := intRange(v, 0, math.MaxInt32, false)
		if err != nil {
			return err
		}
		*(*uint)(p) = uint(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeUint8:
		n, err := intRange(v, 0, math.MaxUint8, false)
		if err != nil {
			return err
		}
		*(*uint8)(p) = uint8(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeUint16:
		n, err := intRange(v, 0, math.MaxUint16, false)
		if err != nil {
			return err
		}
		*(*uint16)(p) = uint16(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeUint32:
		n, err := intRange(v, 0, math.MaxUint32, true)
		if err != nil {
			return err
		}
		*(*uint32)(p) = uint32(n) //nolint:gosec // G115: intRange bounded n to the target type
	case codeUint64:
		n, err := toUint64(v)
		if err != nil {
			return err
		}
		*(*uint64)(p) = n
	case codeFloat32, codeFloat64:
		f, err := toFloat(v)
		if err != nil {
			return err
		}
		if ip.code == codeFloat32 {
			if math.Abs(f) > math.MaxFloat32 {
				return invalid("must fit a 32-bit float")
			}
			*(*float32)(p) = float32(f)
		} else {
			*(*float64)(p) = f
		}
	case codeTime:
		s, ok := v.(string)
		if !ok {
			return invalid("must be an RFC 3339 time string")
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return invalid("must be an RFC 3339 time such as 2006-01-02T15:04:05Z")
		}
		*(*time.Time)(p) = t
	case codeDuration:
		if s, ok := v.(string); ok {
			d, err := time.ParseDuration(s)
			if err != nil {
				return invalid("must be nanoseconds or a Go duration such as 1m30s")
			}
			*(*time.Duration)(p) = d
			return nil
		}
		n, err := intRange(v, math.MinInt64, math.MaxInt64, false)
		if err != nil {
			return invalid("must be nanoseconds or a Go duration such as 1m30s")
		}
		*(*time.Duration)(p) = time.Duration(n)
	case codeUpload:
		return decodeUpload(p, v)
	case codeBytes:
		s, ok := v.(string)
		if !ok {
			return invalid("must be a base64 string")
		}
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil {
			if b, err = base64.RawStdEncoding.DecodeString(s); err != nil {
				return invalid("must be a base64 string")
			}
		}
		*(*[]byte)(p) = b
	case codeJSON:
		b, err := json.Marshal(v)
		if err != nil {
			return invalid("must be JSON")
		}
		if err := json.Unmarshal(b, reflect.NewAt(ip.t.Go, p).Interface()); err != nil {
			return invalid("must be a JSON value of the expected shape: %s", jsonErrorText(err))
		}
	case codePointer:
		nv := reflect.New(ip.elem.t.Go)
		if err := ip.elem.decode(nv.UnsafePointer(), v); err != nil {
			return err
		}
		*(*unsafe.Pointer)(p) = nv.UnsafePointer()
	case codeSlice:
		return ip.list(p, v)
	case codeUnion:
		return ip.oneOfInput(p, v)
	case codeObject:
		m, ok := v.(map[string]any)
		if !ok {
			return invalid("must be an object")
		}
		for i := range ip.fields {
			f := &ip.fields[i]
			fv, ok := m[f.name]
			if !ok || fv == nil {
				continue
			}
			if err := f.plan.decode(unsafe.Add(p, f.offset), fv); err != nil {
				return err.at(f.name)
			}
		}
	}
	return nil
}

// oneOfInput decodes a @oneOf input object: exactly one field, named after
// a variant, must be set (and not null).
func (ip *inputPlan) oneOfInput(p unsafe.Pointer, v any) *inputError {
	m, ok := v.(map[string]any)
	if !ok {
		return invalid("must be an object")
	}
	chosen := -1
	for i, vr := range ip.oneOf.Variants {
		fv, ok := m[vr.Name]
		if !ok {
			continue
		}
		if fv == nil {
			return invalid("must not be null").at(vr.Name)
		}
		if chosen >= 0 {
			return invalid("must set exactly one of: %s; %s and %s are set", strings.Join(ip.oneOf.Names(), ", "), ip.oneOf.Variants[chosen].Name, vr.Name)
		}
		chosen = i
	}
	if chosen < 0 {
		return invalid("must set exactly one of: %s", strings.Join(ip.oneOf.Names(), ", "))
	}
	vr := ip.oneOf.Variants[chosen]
	val, q := vr.New()
	if err := ip.variants[chosen].decode(q, m[vr.Name]); err != nil {
		return err.at(vr.Name)
	}
	vr.Store(p, val)
	return nil
}

func (ip *inputPlan) list(p unsafe.Pointer, v any) *inputError {
	var items []any
	switch l := v.(type) {
	case []any:
		items = l
	default:
		rv := reflect.ValueOf(v)
		if rv.Kind() != reflect.Slice {
			items = []any{v} // input coercion: a single value is a list of one
			break
		}
		items = make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
	}
	s := reflect.MakeSlice(ip.t.Go, len(items), len(items))
	size := ip.elem.t.Go.Size()
	base := s.UnsafePointer()
	for i, it := range items {
		if it == nil {
			continue
		}
		if err := ip.elem.decode(unsafe.Add(base, uintptr(i)*size), it); err != nil {
			return err.at("[" + strconv.Itoa(i) + "]")
		}
	}
	reflect.NewAt(ip.t.Go, p).Elem().Set(s)
	return nil
}

// intRange converts an integer input to int64 within [lo, hi]. Strings are
// accepted only for the 64-bit scalars (allowString).
func intRange(v any, lo, hi int64, allowString bool) (int64, *inputError) {
	var n int64
	switch x := v.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	case int32:
		n = int64(x)
	case float64:
		if x != math.Trunc(x) || x < math.MinInt64 || x >= math.MaxInt64 {
			return 0, invalid("must be an integer")
		}
		n = int64(x)
	case json.Number:
		var err error
		if n, err = strconv.ParseInt(string(x), 10, 64); err != nil {
			return 0, rangeError(lo, hi)
		}
	case string:
		var err error
		if n, err = strconv.ParseInt(x, 10, 64); !allowString || err != nil {
			return 0, invalid("must be an integer")
		}
	default:
		return 0, invalid("must be an integer")
	}
	if n < lo || n > hi {
		return 0, rangeError(lo, hi)
	}
	return n, nil
}

func rangeError(lo, hi int64) *inputError {
	return invalid("must be an integer between %d and %d", lo, hi)
}

func toUint64(v any) (uint64, *inputError) {
	switch x := v.(type) {
	case int64:
		if x >= 0 {
			return uint64(x), nil
		}
	case int:
		if x >= 0 {
			return uint64(x), nil
		}
	case float64:
		if x == math.Trunc(x) && x >= 0 && x < math.MaxUint64 {
			return uint64(x), nil
		}
	case json.Number:
		if n, err := strconv.ParseUint(string(x), 10, 64); err == nil {
			return n, nil
		}
	case string:
		if n, err := strconv.ParseUint(x, 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, invalid("must be an integer between 0 and %d", uint64(math.MaxUint64))
}

func toFloat(v any) (float64, *inputError) {
	switch x := v.(type) {
	case float64:
		return x, nil
	case int64:
		return float64(x), nil
	case int:
		return float64(x), nil
	case int32:
		return float64(x), nil
	case json.Number:
		if f, err := strconv.ParseFloat(string(x), 64); err == nil {
			return f, nil
		}
	}
	return 0, invalid("must be a number")
}

// jsonErrorText shortens an encoding/json error for a client.
func jsonErrorText(err error) string {
	if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		return "cannot use " + te.Value + " as " + te.Type.String()
	}
	return err.Error()
}
