package wire

import (
	"fmt"
	"reflect"
	"unsafe"
)

// Encoder carries what Size measures to Append: the sizes of nested
// messages in the order Append writes them, so encoding stays linear in the
// size of the value. Reuse one Encoder per goroutine; its zero value is
// ready to use.
type Encoder struct {
	sizes []int
	pos   int
	keys  [][]reflect.Value // sorted keys of each non-empty map
	kpos  int
	vals  []any // JSON-normalised values for google.protobuf.Value
	vpos  int
	depth int
	err   error
}

func (e *Encoder) reset() {
	e.sizes, e.pos = e.sizes[:0], 0
	clear(e.keys)
	e.keys, e.kpos = e.keys[:0], 0
	clear(e.vals)
	e.vals, e.vpos = e.vals[:0], 0
	e.depth, e.err = 0, nil
}

// errCycle reports a value nested too deeply to encode, which for Go
// values means a cycle of pointers, maps or slices.
var errCycle = fmt.Errorf("value nested deeper than %d levels (a cycle?)", maxDepth)

// enter counts one level of nesting, failing beyond maxDepth.
func (e *Encoder) enter() bool {
	if e.depth >= maxDepth {
		e.fail(errCycle)
		return false
	}
	e.depth++
	return true
}

func (e *Encoder) reserve() int {
	e.sizes = append(e.sizes, 0)
	return len(e.sizes) - 1
}

func (e *Encoder) next() int {
	n := e.sizes[e.pos]
	e.pos++
	return n
}

func (e *Encoder) fail(err error) {
	if e.err == nil {
		e.err = err
	}
}

// Size returns the encoded size of the struct at p and prepares e for
// Append. It fails for values protobuf cannot carry: strings that are not
// UTF-8, enum values outside the enum, times outside the Timestamp range.
func (m *Message) Size(p unsafe.Pointer, e *Encoder) (int, error) {
	e.reset()
	n := m.size(p, e)
	if e.err != nil {
		return 0, e.err
	}
	return n, nil
}

// Append appends the encoding of the struct at p to b. It must follow a
// successful Size of the same, unchanged value with the same Encoder.
func (m *Message) Append(b []byte, p unsafe.Pointer, e *Encoder) []byte {
	return m.append(b, p, e)
}

// Unmarshal decodes b into the struct at p, which should be zero (decoding
// into a non-zero value merges, as protobuf does).
func (m *Message) Unmarshal(b []byte, p unsafe.Pointer) error {
	return m.unmarshal(b, p, 1)
}

// Marshal returns the encoding of v, a pointer to the plan's struct type.
func (m *Message) Marshal(v any) ([]byte, error) {
	p, err := m.pointer(v)
	if err != nil {
		return nil, err
	}
	var e Encoder
	n, err := m.Size(p, &e)
	if err != nil {
		return nil, err
	}
	b := m.Append(make([]byte, 0, n), p, &e)
	if len(b) != n {
		return nil, fmt.Errorf("wire: %s encoded to %d bytes, sized %d", m.typ.Go, len(b), n)
	}
	return b, nil
}

// UnmarshalValue decodes b into v, a pointer to the plan's struct type.
func (m *Message) UnmarshalValue(b []byte, v any) error {
	p, err := m.pointer(v)
	if err != nil {
		return err
	}
	return m.Unmarshal(b, p)
}

func (m *Message) pointer(v any) (unsafe.Pointer, error) {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.Type().Elem() != m.typ.Go || rv.IsNil() {
		return nil, fmt.Errorf("wire: got %T, want a non-nil *%s", v, m.typ.Go)
	}
	return rv.UnsafePointer(), nil
}
