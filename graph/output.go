package graph

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strconv"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

// code says how a value plan encodes a Go value.
type code uint8

const (
	codeString code = iota + 1
	codeEnum
	codeBool
	codeInt // Go int: range-checked against GraphQL Int
	codeInt8
	codeInt16
	codeInt32
	codeInt64
	codeUint // Go uint: range-checked against GraphQL Int
	codeUint8
	codeUint16
	codeUint32
	codeUint64
	codeFloat32
	codeFloat64
	codeTime
	codeDuration
	codeBytes
	codeJSON // any, json.RawMessage and maps, through encoding/json
	codePointer
	codeSlice
	codeObject
	codeUnion // a sum type: the variant's object
)

// valuePlan encodes values of one Go type to JSON, compiled once per type
// at startup.
type valuePlan struct {
	code code
	t    *app.Type
	// elem is the plan of pointer targets and slice elements.
	elem     *valuePlan
	elemSize uintptr
	// elemNullable says whether slice elements may be null.
	elemNullable bool
	obj          *objectPlan
	enum         []string
	union        *unionPlan
}

// unionPlan resolves a sum type: its variants' object plans, in the order of
// the sum type's variants.
type unionPlan struct {
	name    string
	oneOf   *app.OneOfType
	members []*objectPlan
}

// isNull reports whether the sum value at p encodes as null: no variant,
// or a nil pointer variant.
func (u *unionPlan) isNull(p unsafe.Pointer) bool {
	v, q := u.oneOf.Variant(p)
	return *(*unsafe.Pointer)(p) == nil || (v != nil && q == nil)
}

// objectPlan is the resolve plan of an output struct type: its GraphQL
// fields by name.
type objectPlan struct {
	name     string
	nameJSON []byte // the quoted name, for __typename
	fields   map[string]*fieldPlan
}

// fieldPlan reads one field of an output struct.
type fieldPlan struct {
	name     string
	offset   uintptr
	plan     *valuePlan
	nullable bool
	// omit reports whether the field holds what encoding/json would omit
	// (omitempty) or a zero value (omitzero); such values become null.
	omit func(p unsafe.Pointer) bool
	// constTrue marks the placeholder field of types without fields.
	constTrue bool
}

// plans builds and caches value plans.
type plans struct {
	values  map[*app.Type]*valuePlan
	objects map[*app.Type]*objectPlan
}

func newPlans() *plans {
	return &plans{values: map[*app.Type]*valuePlan{}, objects: map[*app.Type]*objectPlan{}}
}

func (ps *plans) value(t *app.Type) *valuePlan {
	if vp, ok := ps.values[t]; ok {
		return vp
	}
	vp := &valuePlan{t: t}
	ps.values[t] = vp // before recursing: types may be recursive
	switch t.Kind {
	case app.KindBool:
		vp.code = codeBool
	case app.KindInt:
		vp.code = map[reflect.Kind]code{reflect.Int: codeInt, reflect.Int8: codeInt8, reflect.Int16: codeInt16, reflect.Int32: codeInt32, reflect.Int64: codeInt64}[t.Go.Kind()]
	case app.KindUint:
		vp.code = map[reflect.Kind]code{reflect.Uint: codeUint, reflect.Uint8: codeUint8, reflect.Uint16: codeUint16, reflect.Uint32: codeUint32, reflect.Uint64: codeUint64, reflect.Uintptr: codeUint64}[t.Go.Kind()]
	case app.KindFloat:
		vp.code = codeFloat64
		if t.Bits == 32 {
			vp.code = codeFloat32
		}
	case app.KindString:
		vp.code = codeString
		if isEnum(t) {
			vp.code, vp.enum = codeEnum, t.Enum
		}
	case app.KindBytes:
		vp.code = codeBytes
	case app.KindTime:
		vp.code = codeTime
	case app.KindDuration:
		vp.code = codeDuration
	case app.KindAny, app.KindMap:
		vp.code = codeJSON
	case app.KindPointer:
		vp.code, vp.elem = codePointer, ps.value(t.Elem)
	case app.KindSlice:
		vp.code, vp.elem = codeSlice, ps.value(t.Elem)
		vp.elemSize, vp.elemNullable = t.Elem.Go.Size(), elemNullable(t.Elem)
	case app.KindStruct:
		vp.code, vp.obj = codeObject, ps.object(t)
	case app.KindOneOf:
		u := &unionPlan{name: t.Name, oneOf: t.OneOf}
		for _, v := range t.OneOf.Variants {
			u.members = append(u.members, ps.object(v.Type))
		}
		vp.code, vp.union = codeUnion, u
	}
	return vp
}

func (ps *plans) object(t *app.Type) *objectPlan {
	if op, ok := ps.objects[t]; ok {
		return op
	}
	op := &objectPlan{name: t.Name, nameJSON: strconv.AppendQuote(nil, t.Name), fields: map[string]*fieldPlan{}}
	ps.objects[t] = op
	if len(t.Fields) == 0 {
		op.fields[placeholderField] = &fieldPlan{name: placeholderField, constTrue: true}
	}
	for _, f := range t.Fields {
		fp := &fieldPlan{name: f.Name, offset: f.Offset, plan: ps.value(f.Type), nullable: outputNullable(f)}
		fp.omit = jsonenc.OmitFunc(f) // nil unless omitempty or omitzero
		op.fields[f.Name] = fp
	}
	return op
}

type sliceHeader struct {
	data     unsafe.Pointer
	len, cap int
}

// encode appends the value at p. It returns false when the value cannot
// be represented (the error is recorded): the caller nulls the nearest
// nullable position.
func (st *state) encode(vp *valuePlan, p unsafe.Pointer, sel *selection) bool {
	switch vp.code {
	case codeString:
		st.buf = jsonenc.AppendString(st.buf, *(*string)(p))
	case codeEnum:
		s := *(*string)(p)
		for _, v := range vp.enum {
			if v == s {
				st.buf = jsonenc.AppendString(st.buf, s)
				return true
			}
		}
		return st.fail("Enum " + vp.t.Name + " cannot represent value " + strconv.Quote(s))
	case codeBool:
		if *(*bool)(p) {
			st.buf = append(st.buf, "true"...)
		} else {
			st.buf = append(st.buf, "false"...)
		}
	case codeInt:
		return st.int32Range(int64(*(*int)(p)))
	case codeInt8:
		st.buf = strconv.AppendInt(st.buf, int64(*(*int8)(p)), 10)
	case codeInt16:
		st.buf = strconv.AppendInt(st.buf, int64(*(*int16)(p)), 10)
	case codeInt32:
		st.buf = strconv.AppendInt(st.buf, int64(*(*int32)(p)), 10)
	case codeInt64:
		st.buf = strconv.AppendInt(st.buf, *(*int64)(p), 10)
	case codeUint:
		v := *(*uint)(p)
		if v > math.MaxInt32 {
			return st.fail("Int cannot represent non 32-bit signed integer value: " + strconv.FormatUint(uint64(v), 10))
		}
		st.buf = strconv.AppendUint(st.buf, uint64(v), 10)
	case codeUint8:
		st.buf = strconv.AppendUint(st.buf, uint64(*(*uint8)(p)), 10)
	case codeUint16:
		st.buf = strconv.AppendUint(st.buf, uint64(*(*uint16)(p)), 10)
	case codeUint32:
		st.buf = strconv.AppendUint(st.buf, uint64(*(*uint32)(p)), 10)
	case codeUint64:
		st.buf = strconv.AppendUint(st.buf, *(*uint64)(p), 10)
	case codeFloat32:
		return st.float(float64(*(*float32)(p)), 32)
	case codeFloat64:
		return st.float(*(*float64)(p), 64)
	case codeTime:
		t := *(*time.Time)(p)
		if y := t.Year(); y < 0 || y > 9999 {
			return st.fail("Time cannot represent a year outside [0,9999]: " + strconv.Itoa(y))
		}
		st.buf = append(st.buf, '"')
		st.buf = t.AppendFormat(st.buf, time.RFC3339Nano)
		st.buf = append(st.buf, '"')
	case codeDuration:
		st.buf = strconv.AppendInt(st.buf, int64(*(*time.Duration)(p)), 10)
	case codeBytes:
		st.buf = append(st.buf, '"')
		st.buf = base64.StdEncoding.AppendEncode(st.buf, *(*[]byte)(p))
		st.buf = append(st.buf, '"')
	case codeJSON:
		return st.json(vp, p)
	case codePointer:
		q := *(*unsafe.Pointer)(p)
		if q == nil {
			st.buf = append(st.buf, "null"...)
			return true
		}
		return st.encode(vp.elem, q, sel)
	case codeSlice:
		return st.list(vp, (*sliceHeader)(p), sel)
	case codeObject:
		return st.object(vp.obj, p, sel)
	case codeUnion:
		v, q := vp.union.oneOf.Variant(p)
		if v == nil {
			if *(*unsafe.Pointer)(p) != nil {
				return st.fail("Union " + vp.union.name + " cannot represent a value of an undeclared variant")
			}
			st.buf = append(st.buf, "null"...)
			return true
		}
		if q == nil { // a nil pointer variant
			st.buf = append(st.buf, "null"...)
			return true
		}
		i := slices.Index(vp.union.oneOf.Variants, v)
		return st.object(vp.union.members[i], q, sel.variants[i])
	}
	return true
}

func (st *state) int32Range(v int64) bool {
	if v < math.MinInt32 || v > math.MaxInt32 {
		return st.fail("Int cannot represent non 32-bit signed integer value: " + strconv.FormatInt(v, 10))
	}
	st.buf = strconv.AppendInt(st.buf, v, 10)
	return true
}

// float appends f as encoding/json does.
func (st *state) float(f float64, bits int) bool {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return st.fail("Float cannot represent non numeric value: " + strconv.FormatFloat(f, 'g', -1, bits))
	}
	b := jsonenc.AppendFloat(st.buf, f, bits)
	st.buf = b
	return true
}

// json appends an any, json.RawMessage or map value through encoding/json.
func (st *state) json(vp *valuePlan, p unsafe.Pointer) bool {
	v := reflect.NewAt(vp.t.Go, p).Elem()
	if v.Kind() == reflect.Map && v.IsNil() {
		st.buf = append(st.buf, "{}"...) // non-null position: nullable maps are omitted before
		return true
	}
	if (v.Kind() == reflect.Interface && v.IsNil()) || (v.Kind() == reflect.Slice && v.Len() == 0) {
		st.buf = append(st.buf, "null"...)
		return true
	}
	b, err := json.Marshal(v.Interface())
	if err != nil {
		return st.fail("JSON cannot represent the value: " + err.Error())
	}
	st.buf = append(st.buf, b...)
	return true
}

// list appends a list. A non-null item that cannot be represented makes
// the list null (it returns false), but the remaining items are still
// completed, so that their errors are reported as the specification's
// CompleteValue (which completes every item) and gqlgen do.
func (st *state) list(vp *valuePlan, h *sliceHeader, sel *selection) bool {
	ok := true
	st.buf = append(st.buf, '[')
	depth := len(st.path)
	st.path = append(st.path, pathSeg{})
	for i := range h.len {
		if i > 0 {
			st.buf = append(st.buf, ',')
		}
		st.path[depth] = pathSeg{index: i}
		start := len(st.buf)
		if !st.encode(vp.elem, unsafe.Add(h.data, uintptr(i)*vp.elemSize), sel) {
			if !vp.elemNullable {
				ok = false // the list is null, but the other items' errors are reported too
			}
			st.buf = append(st.buf[:start], "null"...)
		}
	}
	st.path = st.path[:depth]
	st.buf = append(st.buf, ']')
	return ok
}

// object appends an object. Like list, it completes every selected field
// even after a non-null one failed, then returns false.
func (st *state) object(op *objectPlan, p unsafe.Pointer, sel *selection) bool {
	ok := true
	st.buf = append(st.buf, '{')
	depth := len(st.path)
	st.path = append(st.path, pathSeg{})
	for i := range sel.fields {
		f := &sel.fields[i]
		st.buf = append(st.buf, f.key[1-min(i, 1):]...) // the first key has no leading comma
		if f.typename {
			st.buf = append(st.buf, op.nameJSON...)
			continue
		}
		fp := f.field
		if fp.constTrue {
			st.buf = append(st.buf, "true"...)
			continue
		}
		fptr := unsafe.Add(p, fp.offset)
		if fp.omit != nil && fp.omit(fptr) {
			st.buf = append(st.buf, "null"...)
			continue
		}
		st.path[depth] = pathSeg{field: f, index: -1}
		start := len(st.buf)
		if !fp.nullable && fp.plan.code == codeUnion && fp.plan.union.isNull(fptr) {
			st.fail("Cannot return null for non-nullable field " + op.name + "." + fp.name + ".")
			ok = false
			st.buf = append(st.buf[:start], "null"...)
			continue
		}
		if !st.encode(fp.plan, fptr, f.sub) {
			if !fp.nullable {
				ok = false // the object is null, but the other fields' errors are reported too
			}
			st.buf = append(st.buf[:start], "null"...)
		}
	}
	st.path = st.path[:depth]
	st.buf = append(st.buf, '}')
	return ok
}
