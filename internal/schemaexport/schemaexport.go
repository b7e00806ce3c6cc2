package schemaexport

import (
	"errors"
	"fmt"
	"os"

	"github.com/allframe-go/allframe/app"
)

// EnvVar names the environment variable that turns the hook on.
const EnvVar = "ALLFRAME_SCHEMA_EXPORT"

// Exporter is implemented by transports that serve a schema: ExportSchema
// writes it for a into dir, without starting the transport.
type Exporter interface {
	ExportSchema(a *app.App, dir string) error
}

// Dir returns the export directory from getenv (os.Getenv when nil), or ""
// when the hook is off.
func Dir(getenv func(string) string) string {
	if getenv == nil {
		getenv = os.Getenv
	}
	return getenv(EnvVar)
}

// Export creates dir and asks every transport in ts that implements
// Exporter to write its schema there. It fails when none does, so an
// export that produced nothing never looks like a success.
func Export(a *app.App, dir string, ts []app.Transport) error {
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: schema files are meant to be readable
		return fmt.Errorf("schema export: %w", err)
	}
	var errs []error
	n := 0
	for _, t := range ts {
		e, ok := t.(Exporter)
		if !ok {
			continue
		}
		n++
		if err := e.ExportSchema(a, dir); err != nil {
			errs = append(errs, fmt.Errorf("schema export %T: %w", t, err))
		}
	}
	if n == 0 {
		return errors.New("schema export: no mounted transport has a schema")
	}
	return errors.Join(errs...)
}
