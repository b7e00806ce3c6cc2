package rest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
)

// Pre-built header values: assigning them avoids canonicalising the key and
// allocating a slice per response. net/http never mutates them.
var (
	jsonContentType = []string{"application/json"}
)

type jsonBuffer struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var jsonPool = sync.Pool{New: func() any {
	b := &jsonBuffer{}
	b.enc = json.NewEncoder(&b.buf)
	b.enc.SetEscapeHTML(false)
	return b
}}

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
