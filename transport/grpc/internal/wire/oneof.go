package wire

import (
	"errors"
	"reflect"
	"strings"
	"unsafe"

	"github.com/allframe-go/allframe/app"
	"google.golang.org/protobuf/encoding/protowire"
)

// errNoVariant is the decode error of a sum type's message with no member
// of its oneof set.
var errNoVariant = errors.New("no member of the oneof is set")

// oneOfVariant is one member of a sum type's oneof.
type oneOfVariant struct {
	v       *app.VariantType
	m       *Message
	tag     uint64
	tagSize int
	zero    unsafe.Pointer // a zero struct, for a nil pointer variant
}

// oneOfCoder codes a sum type as a message holding one oneof whose members
// are the variants' messages, numbered by app.VariantType.Number. The
// variant of a value is found from the interface's type word. A nil
// interface is left out of singular fields; a message with no member set
// does not decode.
func (c *Compiler) oneOfCoder(t *app.Type) (*coder, error) {
	o := t.OneOf
	vars := make([]oneOfVariant, len(o.Variants))
	byNum := map[protowire.Number]*oneOfVariant{}
	cd := &coder{
		wtyp:    protowire.BytesType,
		message: true,
		isZero:  func(p unsafe.Pointer) bool { return *(*unsafe.Pointer)(p) == nil },
	}
	c.coders[t] = cd // before the variants: they may hold this sum type
	for i, v := range o.Variants {
		m, err := c.Compile(v.Type)
		if err != nil {
			delete(c.coders, t)
			return nil, err
		}
		tag := protowire.EncodeTag(protowire.Number(v.Number), protowire.BytesType)
		vars[i] = oneOfVariant{v: v, m: m, tag: tag, tagSize: protowire.SizeVarint(tag), zero: newZero(v.Type)}
		byNum[protowire.Number(v.Number)] = &vars[i]
	}
	member := func(p unsafe.Pointer) (*oneOfVariant, unsafe.Pointer) {
		v, q := o.Variant(p)
		if v == nil {
			return nil, nil
		}
		for i := range vars {
			if vars[i].v == v {
				if q == nil {
					q = vars[i].zero
				}
				return &vars[i], q
			}
		}
		return nil, nil
	}
	cd.size = func(p unsafe.Pointer, e *Encoder) int {
		if !e.enter() {
			return 0
		}
		i := e.reserve()
		n := 0
		if mv, q := member(p); mv != nil {
			j := e.reserve()
			vn := mv.m.size(q, e)
			e.sizes[j] = vn
			n = mv.tagSize + protowire.SizeVarint(uint64(vn)) + vn
		}
		e.sizes[i] = n
		e.depth--
		return protowire.SizeVarint(uint64(n)) + n
	}
	cd.append = func(b []byte, p unsafe.Pointer, e *Encoder) []byte {
		b = protowire.AppendVarint(b, uint64(e.next()))
		if mv, q := member(p); mv != nil {
			b = protowire.AppendVarint(b, mv.tag)
			b = protowire.AppendVarint(b, uint64(e.next()))
			b = mv.m.append(b, q, e)
		}
		return b
	}
	names := strings.Join(o.Names(), ", ")
	cd.decode = func(b []byte, p unsafe.Pointer, depth int, _ bool) (int, error) {
		msg, n := protowire.ConsumeBytes(b)
		if n < 0 {
			return 0, errDecode
		}
		if depth+1 > maxDepth {
			return 0, errDepth
		}
		set := false
		for len(msg) > 0 {
			num, wtyp, tn := consumeTag(msg)
			if tn < 0 {
				return 0, errDecode
			}
			msg = msg[tn:]
			mv := byNum[num]
			if mv == nil || wtyp != protowire.BytesType {
				vn := protowire.ConsumeFieldValue(num, wtyp, msg)
				if vn < 0 {
					return 0, errDecode
				}
				msg = msg[vn:]
				continue
			}
			body, vn := protowire.ConsumeBytes(msg)
			if vn < 0 {
				return 0, errDecode
			}
			msg = msg[vn:]
			// The last member on the wire wins, as in protobuf (a repeated
			// member replaces the value rather than merging into it).
			val, q := mv.v.New()
			if err := mv.m.unmarshal(body, q, depth+2); err != nil {
				return 0, wrapField(mv.v.Name, err)
			}
			mv.v.Store(p, val)
			set = true
		}
		if !set {
			return 0, unrepresentable("%s: %v: set one of: %s", t.Name, errNoVariant, names)
		}
		return n, nil
	}
	return cd, nil
}

// newZero returns a pointer to a zero value of struct type t.
func newZero(t *app.Type) unsafe.Pointer { return reflect.New(t.Go).UnsafePointer() }
