package jsonenc

import (
	"bytes"
	"encoding/json"
	"sync"
	"unsafe"
)

// maxPooled is the largest buffer kept for reuse; bigger ones (a rare huge
// response) go to the garbage collector rather than pinning memory.
const maxPooled = 64 << 10

// Buffer encodes one JSON document at a time into reusable memory. Get one
// with GetBuffer, use the returned bytes, then Free it; the bytes are
// invalid after Free.
type Buffer struct {
	buf bytes.Buffer  // for encoding/json (Value)
	enc *json.Encoder // writes to buf, HTML escaping off
	raw []byte        // for compiled encoders (Compiled)
}

var buffers = sync.Pool{New: func() any {
	b := &Buffer{}
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}}

// GetBuffer returns an empty Buffer from a pool.
func GetBuffer() *Buffer { return buffers.Get().(*Buffer) }

// Free returns b to the pool unless it grew too large.
func (b *Buffer) Free() {
	if cap(b.raw) > maxPooled || b.buf.Cap() > maxPooled {
		return
	}
	b.raw = b.raw[:0]
	b.buf.Reset()
	buffers.Put(b)
}

// Compiled encodes the value at p with enc and a trailing newline: the
// bytes encoding/json's Encoder writes for it.
func (b *Buffer) Compiled(enc Func, p unsafe.Pointer) ([]byte, error) {
	out, err := enc(b.raw[:0], p)
	if err != nil {
		return nil, err
	}
	out = append(out, '\n')
	b.raw = out // keep the grown capacity
	return out, nil
}

// Value encodes v with encoding/json (HTML escaping off) and a trailing
// newline, for values no compiled encoder covers.
func (b *Buffer) Value(v any) ([]byte, error) {
	b.buf.Reset()
	if err := b.enc.Encode(v); err != nil {
		return nil, err
	}
	return b.buf.Bytes(), nil
}
