package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"unsafe"
)

// Pre-built header values: assigning them avoids canonicalising the key and
// allocating a slice per response. net/http never mutates them.
var (
	jsonContentType = []string{"application/json"}
)

type jsonBuffer struct {
	buf bytes.Buffer  // for encoding/json (writeJSON)
	enc *json.Encoder // writes to buf
	raw []byte        // for the compiled encoders (writeCompiled)
}

var jsonPool = sync.Pool{New: func() any {
	b := &jsonBuffer{}
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}}

// writeCompiled writes the value at p (of the type enc was compiled for)
// as a JSON response, byte-identical to writeJSON's output.
func writeCompiled(w http.ResponseWriter, status int, enc encodeFunc, p unsafe.Pointer) error {
	b := jsonPool.Get().(*jsonBuffer)
	out, err := enc(b.raw[:0], p)
	if err != nil {
		jsonPool.Put(b)
		return err
	}
	out = append(out, '\n')
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, err = w.Write(out)
	if cap(out) <= 64<<10 {
		b.raw = out[:0] // keep the grown capacity for the next response
		jsonPool.Put(b)
	}
	return err
}

// writeJSON writes v as a JSON response with one pooled buffer and no
// per-response allocations beyond encoding/json's own.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b := jsonPool.Get().(*jsonBuffer)
	b.buf.Reset()
	if err := b.enc.Encode(v); err != nil {
		jsonPool.Put(b)
		return err
	}
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, err := w.Write(b.buf.Bytes())
	if b.buf.Cap() <= 64<<10 {
		jsonPool.Put(b)
	}
	return err
}
