package scaffold

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"go/format"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"text/template"

	"golang.org/x/mod/module"
)

//go:embed all:templates
var templates embed.FS

// FrameworkModule is the module path of AllFrame.
const FrameworkModule = "github.com/allframe-go/allframe"

// goVersion is the go directive of generated modules: AllFrame's own.
const goVersion = "1.26.0"

// Templates lists the template names, the default first.
var Templates = []string{"basic", "cqrs", "gateway"}

// Options describe a service to generate.
type Options struct {
	// Name names the service (its binary, App name and proto package):
	// lower-case letters, digits, '-' and '_', starting with a letter.
	Name string
	// Template is one of Templates.
	Template string
	// Module is the new module's path; Name when empty.
	Module string
	// Replace, when set, is the absolute path of a local AllFrame checkout
	// that go.mod replaces the framework with.
	Replace string
	// Version is the AllFrame version to require when there is no
	// Replace; when empty, go mod tidy picks the latest.
	Version string
}

var nameRE = regexp.MustCompile(`^[a-z][a-z0-9_-]*$`)

// Check reports the first problem with o, in words a user can act on.
func (o *Options) Check() error {
	if !nameRE.MatchString(o.Name) {
		return fmt.Errorf("invalid service name %q: use lower-case letters, digits, '-' and '_', starting with a letter", o.Name)
	}
	if !slices.Contains(Templates, o.Template) {
		return fmt.Errorf("unknown template %q (want one of %s)", o.Template, strings.Join(Templates, ", "))
	}
	if o.Module == "" {
		o.Module = o.Name
	}
	if err := module.CheckImportPath(o.Module); err != nil {
		return fmt.Errorf("invalid module path %q: %w", o.Module, err)
	}
	if o.Replace != "" && !filepath.IsAbs(o.Replace) {
		return fmt.Errorf("replace path %q must be absolute", o.Replace)
	}
	return nil
}

// data is what the templates see.
type data struct {
	Name, Module, Replace, Require string
	FrameworkModule                string
	GoVersion, GoMinor             string
	CQRS                           bool
}

// Generate renders o's template into dir, which must exist and be empty.
// It writes the module's files only: go.sum comes from go mod tidy.
func Generate(dir string, o Options) error {
	if err := o.Check(); err != nil {
		return err
	}
	d := data{
		Name: o.Name, Module: o.Module, Replace: o.Replace, Require: o.Version,
		FrameworkModule: FrameworkModule,
		GoVersion:       goVersion, GoMinor: goVersion[:strings.LastIndex(goVersion, ".")],
		CQRS: o.Template == "cqrs",
	}
	if o.Replace != "" {
		d.Require = "v0.0.0-00010101000000-000000000000" // the version go itself gives a replaced module
	}
	for _, root := range []string{"templates/common", "templates/" + o.Template} {
		err := fs.WalkDir(templates, root, func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel := strings.TrimSuffix(strings.TrimPrefix(p, root+"/"), ".tmpl")
			return render(p, filepath.Join(dir, filepath.FromSlash(rel)), d)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func render(src, dst string, d data) error {
	text, err := templates.ReadFile(src)
	if err != nil {
		return err
	}
	t, err := template.New(path.Base(src)).Option("missingkey=error").Parse(string(text))
	if err != nil {
		return fmt.Errorf("template %s: %w", src, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, d); err != nil {
		return fmt.Errorf("template %s: %w", src, err)
	}
	out := buf.Bytes()
	if strings.HasSuffix(dst, ".go") {
		if out, err = format.Source(out); err != nil {
			return fmt.Errorf("template %s renders invalid Go: %w", src, err)
		}
	}
	mode := os.FileMode(0o644)
	if path.Base(path.Dir(src)) == ".ci" {
		mode = 0o755 // scripts
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil { //nolint:gosec // G301: a source tree is meant to be readable
		return err
	}
	return errors.Join(os.WriteFile(dst, out, mode), os.Chmod(dst, mode))
}
