package graphql

import (
	"mime"
	"net/http"
)

// uploadMemory is how large a multipart request (GraphQL multipart request
// spec) may be and still be read into memory; larger ones are spooled to
// temporary files, removed after the response.
const uploadMemory = 1 << 20

// isMultipart reports whether r is a POST of a multipart request: the
// operations, map and file parts of the GraphQL multipart request spec.
func isMultipart(r *http.Request) bool {
	if r.Method != http.MethodPost || r.Header.Get("Upgrade") != "" {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "multipart/form-data"
}

// allowUpload refuses, with 413, a multipart request declared larger than
// the body limit (gqlgen's transport would answer 200 with an error). The
// limit also bounds the body as it is read.
func (s *server) allowUpload(w http.ResponseWriter, r *http.Request) bool {
	if s.cfg.maxBodyBytes > 0 && r.ContentLength > s.cfg.maxBodyBytes {
		w.Header().Set("Content-Type", mediaJSON)
		w.WriteHeader(http.StatusRequestEntityTooLarge)
		_, _ = w.Write([]byte(`{"errors":[{"message":"request body too large","extensions":{"code":"RESOURCE_EXHAUSTED"}}]}`))
		return false
	}
	return true
}
