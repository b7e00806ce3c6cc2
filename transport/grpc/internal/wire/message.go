package wire

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"time"
	"unsafe"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Message is the compiled plan of one struct type: how to size, append and
// decode its fields. It is immutable and safe for concurrent use.
type Message struct {
	typ    *app.Type
	fields []*field // by field number
	dense  []*field // dense[num] for small numbers
	sparse map[protowire.Number]*field
}

// maxDense bounds the number-indexed lookup table of a message.
const maxDense = 512

// Type returns the struct type the plan encodes.
func (m *Message) Type() *app.Type { return m.typ }

// field is one struct field of a plan.
type field struct {
	num     protowire.Number
	name    string
	offset  uintptr
	tag     uint64 // tag with the value's wire type
	tagSize int
	c       *coder   // the value (the element of lists, nil for maps)
	mi      *mapInfo // maps
	si      *sliceInfo
	alloc   reflect.Type // pointer fields: the type to allocate
	timeBit uint64       // singular time.Time fields: their bit in the seen set
	size    func(p unsafe.Pointer, f *field, e *Encoder) int
	append  func(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte
	decode  func(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, fresh bool) (int, error)
}

// Compiler compiles and caches plans for the types of one app.
type Compiler struct {
	plans  map[*app.Type]*Message
	coders map[*app.Type]*coder
}

// NewCompiler returns an empty Compiler.
func NewCompiler() *Compiler {
	return &Compiler{plans: map[*app.Type]*Message{}, coders: map[*app.Type]*coder{}}
}

// Compile returns the plan of struct type t (and of every type it
// reaches), building it once.
func (c *Compiler) Compile(t *app.Type) (*Message, error) {
	if t.Kind != app.KindStruct {
		return nil, fmt.Errorf("%s is not a struct", t.Go)
	}
	if m, ok := c.plans[t]; ok {
		return m, nil
	}
	m := &Message{typ: t}
	c.plans[t] = m // before fields: recursive types refer to themselves
	timeBits := 0
	for _, af := range t.Fields {
		f, err := c.field(af)
		if err != nil {
			delete(c.plans, t)
			return nil, fmt.Errorf("%s.%s: %w", t.Go, af.GoName, err)
		}
		if f.timeBit == 1 {
			if timeBits < 64 {
				f.timeBit <<= timeBits
			} else {
				f.timeBit = 0 // beyond 64: the zero time stands for "not seen"
			}
			timeBits++
		}
		m.fields = append(m.fields, f)
	}
	slices.SortFunc(m.fields, func(a, b *field) int { return cmp.Compare(a.num, b.num) })
	maxNum := protowire.Number(0)
	if len(m.fields) > 0 {
		maxNum = m.fields[len(m.fields)-1].num
	}
	m.dense = make([]*field, min(int(maxNum), maxDense)+1)
	for _, f := range m.fields {
		if int(f.num) < len(m.dense) {
			m.dense[f.num] = f
			continue
		}
		if m.sparse == nil {
			m.sparse = map[protowire.Number]*field{}
		}
		m.sparse[f.num] = f
	}
	return m, nil
}

// coder returns the value coder of t (pointers removed by the caller).
func (c *Compiler) coder(t *app.Type) (*coder, error) {
	if cd, ok := c.coders[t]; ok {
		return cd, nil
	}
	e, err := elemOf(t)
	if err != nil {
		return nil, err
	}
	var cd *coder
	switch {
	case t.Kind == app.KindOneOf:
		return c.oneOfCoder(t)
	case t.Kind == app.KindStruct:
		m, err := c.Compile(t)
		if err != nil {
			return nil, err
		}
		cd = messageCoder(m)
	case t.Kind == app.KindTime:
		cd = timeCoder
	case t.Kind == app.KindDuration:
		cd = durationCoder
	case t.Kind == app.KindAny:
		cd = anyCoder
		if t.Go == reflect.TypeFor[json.RawMessage]() {
			cd = rawJSONCoder
		}
	case e.Kind == protoreflect.EnumKind:
		cd = enumCoder(t.Name, t.Enum)
	default:
		cd, err = scalarCoder(t)
		if err != nil {
			return nil, err
		}
	}
	c.coders[t] = cd
	return cd, nil
}

func scalarCoder(t *app.Type) (*coder, error) {
	switch t.Go.Kind() {
	case reflect.Bool:
		return boolCoder, nil
	case reflect.Int8:
		return signedCoder[int8](true), nil
	case reflect.Int16:
		return signedCoder[int16](true), nil
	case reflect.Int32:
		return signedCoder[int32](true), nil
	case reflect.Int:
		return signedCoder[int](t.Go.Size() <= 4), nil
	case reflect.Int64:
		return signedCoder[int64](false), nil
	case reflect.Uint8:
		return unsignedCoder[uint8](true), nil
	case reflect.Uint16:
		return unsignedCoder[uint16](true), nil
	case reflect.Uint32:
		return unsignedCoder[uint32](true), nil
	case reflect.Uint:
		return unsignedCoder[uint](t.Go.Size() <= 4), nil
	case reflect.Uint64:
		return unsignedCoder[uint64](false), nil
	case reflect.Float32:
		return floatCoder, nil
	case reflect.Float64:
		return doubleCoder, nil
	case reflect.String:
		return stringCoder, nil
	case reflect.Slice:
		if t.Kind == app.KindBytes {
			return bytesCoder, nil
		}
	}
	return nil, fmt.Errorf("no protobuf coder for %s", t.Go)
}

func (c *Compiler) field(af *app.Field) (*field, error) {
	shape, err := ShapeOf(af.Type)
	if err != nil {
		return nil, err
	}
	f := &field{num: protowire.Number(af.Number), name: af.Name, offset: af.Offset}
	t := af.Type
	switch shape.Cardinality {
	case Singular, Optional:
		if t.Kind == app.KindPointer {
			f.alloc = t.Elem.Go
			if f.c, err = c.coder(t.Elem); err != nil {
				return nil, err
			}
			f.size, f.append, f.decode = sizePointer, appendPointer, decodePointer
		} else {
			if f.c, err = c.coder(t); err != nil {
				return nil, err
			}
			f.size, f.append, f.decode = sizeSingular, appendSingular, decodeSingular
			if t.Kind == app.KindTime {
				f.timeBit = 1
			}
		}
	case Repeated:
		st := t
		if st.Kind == app.KindPointer {
			st, f.alloc = st.Elem, st.Elem.Go
		}
		if f.c, err = c.elemCoder(st.Elem); err != nil {
			return nil, err
		}
		f.si = newSliceInfo(st.Go, f.c)
		f.size, f.append, f.decode = sizeList, appendList, decodeList
		if f.c.packable {
			f.size, f.append = sizePacked, appendPacked
		}
	case Map:
		mt := t
		if mt.Kind == app.KindPointer {
			mt, f.alloc = mt.Elem, mt.Elem.Go
		}
		if f.mi, err = c.mapInfo(mt); err != nil {
			return nil, err
		}
		f.size, f.append, f.decode = sizeMap, appendMap, decodeMap
	}
	wtyp := protowire.BytesType
	if f.c != nil && (shape.Cardinality != Repeated || !f.c.packable) {
		wtyp = f.c.wtyp
	}
	f.tag = protowire.EncodeTag(f.num, wtyp)
	f.tagSize = protowire.SizeVarint(f.tag)
	if f.alloc != nil && (shape.Cardinality == Repeated || shape.Cardinality == Map) {
		f.size, f.append, f.decode = derefField(f.size, f.append, f.decode, f.alloc)
	}
	return f, nil
}

// elemCoder returns the coder of a list element or map value: pointers
// are dereferenced (nil encodes as the zero value).
func (c *Compiler) elemCoder(t *app.Type) (*coder, error) {
	if t.Kind != app.KindPointer {
		return c.coder(t)
	}
	inner, err := c.coder(t.Elem)
	if err != nil {
		return nil, err
	}
	return derefCoder(inner, t.Elem.Go), nil
}

// --- singular fields ---

func sizeSingular(p unsafe.Pointer, f *field, e *Encoder) int {
	if f.c.isZero != nil && f.c.isZero(p) {
		return 0
	}
	return f.tagSize + f.c.size(p, e)
}

func appendSingular(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
	if f.c.isZero != nil && f.c.isZero(p) {
		return b
	}
	b = protowire.AppendVarint(b, f.tag)
	return f.c.append(b, p, e)
}

func decodeSingular(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, fresh bool) (int, error) {
	if wtyp != f.c.wtyp {
		return 0, errUnknown
	}
	return f.c.decode(b, p, depth, fresh)
}

// --- pointer fields: explicit presence ---

func sizePointer(p unsafe.Pointer, f *field, e *Encoder) int {
	q := *(*unsafe.Pointer)(p)
	if q == nil {
		return 0
	}
	return f.tagSize + f.c.size(q, e)
}

func appendPointer(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
	q := *(*unsafe.Pointer)(p)
	if q == nil {
		return b
	}
	b = protowire.AppendVarint(b, f.tag)
	return f.c.append(b, q, e)
}

func decodePointer(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, _ bool) (int, error) {
	if wtyp != f.c.wtyp {
		return 0, errUnknown
	}
	q := *(*unsafe.Pointer)(p)
	fresh := q == nil
	if fresh {
		q = reflect.New(f.alloc).UnsafePointer()
		*(*unsafe.Pointer)(p) = q
	}
	return f.c.decode(b, q, depth, fresh)
}

// derefField adapts the functions of a list or map field to a pointer to
// the list or map: nil encodes as empty, decoding allocates.
func derefField(
	size func(unsafe.Pointer, *field, *Encoder) int,
	appendFn func([]byte, unsafe.Pointer, *field, *Encoder) []byte,
	decode func([]byte, protowire.Type, unsafe.Pointer, *field, int, bool) (int, error),
	alloc reflect.Type,
) (
	func(unsafe.Pointer, *field, *Encoder) int,
	func([]byte, unsafe.Pointer, *field, *Encoder) []byte,
	func([]byte, protowire.Type, unsafe.Pointer, *field, int, bool) (int, error),
) {
	return func(p unsafe.Pointer, f *field, e *Encoder) int {
			if q := *(*unsafe.Pointer)(p); q != nil {
				return size(q, f, e)
			}
			return 0
		}, func(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
			if q := *(*unsafe.Pointer)(p); q != nil {
				return appendFn(b, q, f, e)
			}
			return b
		}, func(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, fresh bool) (int, error) {
			q := *(*unsafe.Pointer)(p)
			if q == nil {
				pv := reflect.New(alloc)
				n, err := decode(b, wtyp, pv.UnsafePointer(), f, depth, fresh)
				if err == nil && pv.Elem().Len() > 0 {
					// Present once it holds something: an empty packed list
					// leaves it nil, as protobuf has no empty-list presence.
					*(*unsafe.Pointer)(p) = pv.UnsafePointer()
				}
				return n, err
			}
			return decode(b, wtyp, q, f, depth, fresh)
		}
}

// --- lists ---

type sliceInfo struct {
	elemSize uintptr
	grow     func(p unsafe.Pointer) unsafe.Pointer // appends a zero element
}

func newSliceInfo(st reflect.Type, c *coder) *sliceInfo {
	et := st.Elem()
	si := &sliceInfo{elemSize: et.Size()}
	switch {
	case et.Kind() == reflect.Pointer:
		si.grow = growSlice[unsafe.Pointer]
	case et == reflect.TypeFor[time.Time]():
		si.grow = growSlice[time.Time]
	case et.Kind() == reflect.Interface:
		si.grow = growSlice[any]
	case c == bytesCoder || c == rawJSONCoder:
		si.grow = growSlice[[]byte]
	case et.Kind() == reflect.Struct:
		si.grow = func(p unsafe.Pointer) unsafe.Pointer {
			v := reflect.NewAt(st, p).Elem()
			n := v.Len()
			v.Grow(1)
			v.SetLen(n + 1)
			el := v.Index(n)
			el.SetZero()
			return el.Addr().UnsafePointer()
		}
	default:
		switch et.Kind() {
		case reflect.Bool:
			si.grow = growSlice[bool]
		case reflect.Int8, reflect.Uint8:
			si.grow = growSlice[uint8]
		case reflect.Int16, reflect.Uint16:
			si.grow = growSlice[uint16]
		case reflect.Int32, reflect.Uint32, reflect.Float32:
			si.grow = growSlice[uint32]
		case reflect.Int, reflect.Uint:
			si.grow = growSlice[uint]
		case reflect.Int64, reflect.Uint64, reflect.Float64:
			si.grow = growSlice[uint64]
		case reflect.String:
			si.grow = growSlice[string]
		}
	}
	return si
}

func growSlice[T any](p unsafe.Pointer) unsafe.Pointer {
	s := (*[]T)(p)
	var zero T
	*s = append(*s, zero)
	return unsafe.Pointer(&(*s)[len(*s)-1])
}

// sliceData returns the data pointer and length of the slice at p, for
// any element type.
func sliceData(p unsafe.Pointer) (unsafe.Pointer, int) {
	s := *(*[]byte)(p)
	return unsafe.Pointer(unsafe.SliceData(s)), len(s)
}

func sizeList(p unsafe.Pointer, f *field, e *Encoder) int {
	data, n := sliceData(p)
	size := n * f.tagSize
	for i := range n {
		size += f.c.size(unsafe.Add(data, uintptr(i)*f.si.elemSize), e)
	}
	return size
}

func appendList(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
	data, n := sliceData(p)
	for i := range n {
		b = protowire.AppendVarint(b, f.tag)
		b = f.c.append(b, unsafe.Add(data, uintptr(i)*f.si.elemSize), e)
	}
	return b
}

func packedSize(p unsafe.Pointer, f *field, e *Encoder) int {
	data, n := sliceData(p)
	size := 0
	for i := range n {
		size += f.c.size(unsafe.Add(data, uintptr(i)*f.si.elemSize), e)
	}
	return size
}

func sizePacked(p unsafe.Pointer, f *field, e *Encoder) int {
	if _, n := sliceData(p); n == 0 {
		return 0
	}
	size := packedSize(p, f, e)
	return f.tagSize + protowire.SizeBytes(size)
}

func appendPacked(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
	data, n := sliceData(p)
	if n == 0 {
		return b
	}
	b = protowire.AppendVarint(b, f.tag)
	b = protowire.AppendVarint(b, uint64(packedSize(p, f, e)))
	for i := range n {
		b = f.c.append(b, unsafe.Add(data, uintptr(i)*f.si.elemSize), e)
	}
	return b
}

func decodeList(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, _ bool) (int, error) {
	if wtyp == protowire.BytesType && f.c.packable {
		v, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		for len(v) > 0 {
			vn, err := f.c.decode(v, f.si.grow(p), depth, true)
			if err != nil {
				return 0, err
			}
			v = v[vn:]
		}
		return n, nil
	}
	if wtyp != f.c.wtyp {
		return 0, errUnknown
	}
	return f.c.decode(b, f.si.grow(p), depth, true)
}

// --- maps ---

type mapInfo struct {
	typ              reflect.Type
	keyType, valType reflect.Type
	key, val         *coder
	keyTag, valTag   byte
	less             func(a, b reflect.Value) int
}

func (c *Compiler) mapInfo(t *app.Type) (*mapInfo, error) {
	key, err := c.coder(t.Key)
	if err != nil {
		return nil, err
	}
	if len(t.Key.Enum) > 0 {
		key = stringCoder // map keys cannot be enums: plain strings
	}
	val, err := c.elemCoder(t.Elem)
	if err != nil {
		return nil, err
	}
	mi := &mapInfo{
		typ: t.Go, keyType: t.Go.Key(), valType: t.Go.Elem(), key: key, val: val,
		keyTag: byte(protowire.EncodeTag(1, key.wtyp)), valTag: byte(protowire.EncodeTag(2, val.wtyp)),
	}
	switch t.Go.Key().Kind() {
	case reflect.String:
		mi.less = func(a, b reflect.Value) int { return cmp.Compare(a.String(), b.String()) }
	case reflect.Bool:
		mi.less = func(a, b reflect.Value) int {
			switch {
			case a.Bool() == b.Bool():
				return 0
			case !a.Bool():
				return -1
			}
			return 1
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		mi.less = func(a, b reflect.Value) int { return cmp.Compare(a.Int(), b.Int()) }
	default:
		mi.less = func(a, b reflect.Value) int { return cmp.Compare(a.Uint(), b.Uint()) }
	}
	return mi, nil
}

// sizeMap sorts the keys (kept in e for appendMap) and records each
// entry's size.
func sizeMap(p unsafe.Pointer, f *field, e *Encoder) int {
	mi := f.mi
	mv := reflect.NewAt(mi.typ, p).Elem()
	if mv.Len() == 0 {
		return 0
	}
	keys := mv.MapKeys()
	slices.SortFunc(keys, mi.less)
	e.keys = append(e.keys, keys)
	kv, vv := reflect.New(mi.keyType).Elem(), reflect.New(mi.valType).Elem()
	kp, vp := kv.Addr().UnsafePointer(), vv.Addr().UnsafePointer()
	size := 0
	for _, k := range keys {
		kv.Set(k)
		vv.Set(mv.MapIndex(k))
		i := e.reserve()
		entry := 2 + mi.key.size(kp, e) + mi.val.size(vp, e)
		e.sizes[i] = entry
		size += f.tagSize + protowire.SizeBytes(entry)
	}
	return size
}

func appendMap(b []byte, p unsafe.Pointer, f *field, e *Encoder) []byte {
	mi := f.mi
	mv := reflect.NewAt(mi.typ, p).Elem()
	if mv.Len() == 0 {
		return b
	}
	keys := e.keys[e.kpos]
	e.keys[e.kpos] = nil
	e.kpos++
	kv, vv := reflect.New(mi.keyType).Elem(), reflect.New(mi.valType).Elem()
	kp, vp := kv.Addr().UnsafePointer(), vv.Addr().UnsafePointer()
	for _, k := range keys {
		kv.Set(k)
		vv.Set(mv.MapIndex(k))
		b = protowire.AppendVarint(b, f.tag)
		b = protowire.AppendVarint(b, uint64(e.next()))
		b = mi.key.append(append(b, mi.keyTag), kp, e)
		b = mi.val.append(append(b, mi.valTag), vp, e)
	}
	return b
}

// emptyMessage is a zero-length length-delimited value: an empty message.
var emptyMessage = []byte{0}

func decodeMap(b []byte, wtyp protowire.Type, p unsafe.Pointer, f *field, depth int, _ bool) (int, error) {
	if wtyp != protowire.BytesType {
		return 0, errUnknown
	}
	v, n := protowire.ConsumeBytes(b)
	if n < 0 {
		return 0, errDecode
	}
	if depth+1 > maxDepth {
		return 0, errDepth
	}
	mi := f.mi
	kv, vv := reflect.New(mi.keyType), reflect.New(mi.valType)
	kp, vp := kv.UnsafePointer(), vv.UnsafePointer()
	haveVal := false
	for len(v) > 0 {
		num, wt, tn := consumeTag(v)
		if tn < 0 {
			return 0, errDecode
		}
		v = v[tn:]
		err := errUnknown
		var vn int
		switch {
		case num == 1 && wt == mi.key.wtyp:
			vn, err = mi.key.decode(v, kp, depth+1, true)
		case num == 2 && wt == mi.val.wtyp:
			vn, err = mi.val.decode(v, vp, depth+1, !haveVal)
			haveVal = true
		}
		if errors.Is(err, errUnknown) {
			if vn = protowire.ConsumeFieldValue(num, wt, v); vn < 0 {
				return 0, errDecode
			}
		} else if err != nil {
			return 0, err
		}
		v = v[vn:]
	}
	switch {
	case haveVal:
	case mi.val.message:
		// A missing message value is an empty message, as in protobuf-go.
		if _, err := mi.val.decode(emptyMessage, vp, depth+1, true); err != nil {
			return 0, err
		}
	case mi.valType.Kind() == reflect.Pointer:
		vv.Elem().Set(reflect.New(mi.valType.Elem())) // a zero value, never nil
	}
	mv := reflect.NewAt(mi.typ, p).Elem()
	if mv.IsNil() {
		mv.Set(reflect.MakeMap(mi.typ))
	}
	mv.SetMapIndex(kv.Elem(), vv.Elem())
	return n, nil
}

// --- messages ---

func (m *Message) size(p unsafe.Pointer, e *Encoder) int {
	n := 0
	for _, f := range m.fields {
		n += f.size(unsafe.Add(p, f.offset), f, e)
	}
	return n
}

func (m *Message) append(b []byte, p unsafe.Pointer, e *Encoder) []byte {
	for _, f := range m.fields {
		b = f.append(b, unsafe.Add(p, f.offset), f, e)
	}
	return b
}

func (m *Message) lookup(num protowire.Number) *field {
	if int(num) < len(m.dense) {
		return m.dense[num]
	}
	return m.sparse[num]
}

func (m *Message) unmarshal(b []byte, p unsafe.Pointer, depth int) error {
	if depth > maxDepth {
		return errDepth
	}
	var seen uint64
	for len(b) > 0 {
		num, wtyp, n := consumeTag(b)
		if n < 0 {
			return errDecode
		}
		b = b[n:]
		err := errUnknown
		var vn int
		if f := m.lookup(num); f != nil {
			// A repeated singular message merges into the value decoded so
			// far. Only time.Time needs to know whether there is one: its
			// zero value is not the empty Timestamp.
			fresh := false
			if f.timeBit != 0 {
				fresh = seen&f.timeBit == 0
				seen |= f.timeBit
			} else if f.c == timeCoder && f.alloc == nil && f.si == nil {
				fresh = (*time.Time)(unsafe.Add(p, f.offset)).IsZero()
			}
			vn, err = f.decode(b, wtyp, unsafe.Add(p, f.offset), f, depth, fresh)
			if err != nil && !errors.Is(err, errUnknown) {
				return wrapField(f.name, err)
			}
		}
		if errors.Is(err, errUnknown) {
			if vn = protowire.ConsumeFieldValue(num, wtyp, b); vn < 0 {
				return errDecode
			}
		}
		b = b[vn:]
	}
	return nil
}
