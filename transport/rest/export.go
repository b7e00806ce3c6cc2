package rest

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/allframe-go/allframe/app"
)

// ExportSchema writes the OpenAPI document that t serves for a at
// GET /openapi.json to dir/openapi.json, without starting anything. The
// schema export hook (ALLFRAME_SCHEMA_EXPORT) calls it.
func (t *Transport) ExportSchema(a *app.App, dir string) error {
	doc, err := buildOpenAPI(a, t.opts.servers)
	if err != nil {
		return err
	}
	js, _, err := marshalSpec(doc)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "openapi.json"), js, 0o644); err != nil { //nolint:gosec // G306: a schema file is meant to be readable
		return fmt.Errorf("rest: export schema: %w", err)
	}
	return nil
}
