package rest

import (
	"net/http"
	"unsafe"

	"github.com/allframe-go/allframe/internal/jsonenc"
)

// Pre-built header values: assigning them avoids canonicalising the key and
// allocating a slice per response. net/http never mutates them.
var (
	jsonContentType = []string{"application/json"}
)

// writeCompiled writes the value at p (of the type enc was compiled for)
// as a JSON response, byte-identical to writeJSON's output.
func writeCompiled(w http.ResponseWriter, status int, enc encodeFunc, p unsafe.Pointer) error {
	b := jsonenc.GetBuffer()
	defer b.Free()
	out, err := b.Compiled(enc, p)
	if err != nil {
		return err
	}
	return writeBody(w, status, out)
}

// writeJSON writes v as a JSON response with one pooled buffer and no
// per-response allocations beyond encoding/json's own.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b := jsonenc.GetBuffer()
	defer b.Free()
	out, err := b.Value(v)
	if err != nil {
		return err
	}
	return writeBody(w, status, out)
}

func writeBody(w http.ResponseWriter, status int, body []byte) error {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, err := w.Write(body)
	return err
}
