package graphql

import (
	"path/filepath"

	"github.com/allframe-go/allframe/app"
)

// ExportSchema writes the SDL of a's operations to dir/schema.graphql,
// without starting anything. The schema export hook
// (ALLFRAME_SCHEMA_EXPORT) calls it.
func (t *Transport) ExportSchema(a *app.App, dir string) error {
	return WriteSDL(a, filepath.Join(dir, "schema.graphql"))
}
