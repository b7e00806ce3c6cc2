package schemaexport_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/schemaexport"
)

type plain struct{} // a transport with no schema

func (plain) Start(context.Context, *app.App) error { return nil }
func (plain) Stop(context.Context) error            { return nil }

type file struct {
	plain
	name string
	err  error
}

func (f file) ExportSchema(_ *app.App, dir string) error {
	if f.err != nil {
		return f.err
	}
	return os.WriteFile(filepath.Join(dir, f.name), []byte("x"), 0o600)
}

var _ schemaexport.Exporter = file{}

func TestExport(t *testing.T) {
	a := app.New()
	dir := filepath.Join(t.TempDir(), "nested", "out")
	if err := schemaexport.Export(a, dir, []app.Transport{plain{}, file{name: "a.txt"}, file{name: "b.txt"}}); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"a.txt", "b.txt"} {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			t.Error(err)
		}
	}
}

func TestExportFails(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name string
		give []app.Transport
		want string
	}{
		{"no exporter", []app.Transport{plain{}}, "no mounted transport has a schema"},
		{"exporter fails", []app.Transport{file{name: "a", err: boom}}, "boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := schemaexport.Export(app.New(), t.TempDir(), tt.give)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Export() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestDir(t *testing.T) {
	got := schemaexport.Dir(func(k string) string { return map[string]string{schemaexport.EnvVar: "out"}[k] })
	if got != "out" {
		t.Errorf("Dir() = %q, want %q", got, "out")
	}
}
