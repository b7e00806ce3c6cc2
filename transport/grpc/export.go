package grpc

import (
	"path/filepath"

	"github.com/allframe-go/allframe/app"
)

// ExportSchema writes the .proto of a's gRPC service, the file served at
// GET /service.proto, to dir/service.proto without starting anything. The
// schema export hook (ALLFRAME_SCHEMA_EXPORT) calls it.
func (t *Transport) ExportSchema(a *app.App, dir string) error {
	return WriteProto(a, filepath.Join(dir, "service.proto"))
}
