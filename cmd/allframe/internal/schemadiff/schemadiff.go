package schemadiff

import (
	"cmp"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Format names a schema language.
type Format string

// The formats Diff understands.
const (
	OpenAPI Format = "openapi"
	GraphQL Format = "graphql"
	Proto   Format = "proto"
)

// Change is one difference between two schemas.
type Change struct {
	// Format is the schema language the change was found in.
	Format Format `json:"format"`
	// File is the file name (relative to the compared directory, or the
	// new file's base name).
	File string `json:"file"`
	// Breaking reports whether existing clients can fail after the change.
	Breaking bool `json:"breaking"`
	// Path locates the change: "GET /users/{id}", "Query.user(id)",
	// "bank.v1.Account.balance".
	Path string `json:"path"`
	// Message says what changed, in a short lower-case sentence.
	Message string `json:"message"`
}

func (c Change) String() string {
	level := "safe"
	if c.Breaking {
		level = "BREAKING"
	}
	return fmt.Sprintf("%-8s %-7s %s: %s", level, c.Format, c.Path, c.Message)
}

// Report is the result of a comparison.
type Report struct {
	Changes []Change `json:"changes"`
}

// Breaking returns the number of breaking changes.
func (r Report) Breaking() int {
	n := 0
	for _, c := range r.Changes {
		if c.Breaking {
			n++
		}
	}
	return n
}

// FormatOf infers a schema file's format from its extension.
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json", ".yaml", ".yml":
		return OpenAPI, nil
	case ".graphql", ".graphqls", ".gql":
		return GraphQL, nil
	case ".proto":
		return Proto, nil
	}
	return "", fmt.Errorf("%s: unknown schema format (want .json/.yaml for OpenAPI, .graphql for GraphQL, .proto)", path)
}

// Files compares two schema files of the same format.
func Files(oldPath, newPath string) (Report, error) {
	f, err := FormatOf(newPath)
	if err != nil {
		return Report{}, err
	}
	if of, err := FormatOf(oldPath); err != nil {
		return Report{}, err
	} else if of != f {
		return Report{}, fmt.Errorf("%s is %s but %s is %s", oldPath, of, newPath, f)
	}
	oldData, err := os.ReadFile(oldPath) //nolint:gosec // G304: reading the files the user names is the point
	if err != nil {
		return Report{}, err
	}
	newData, err := os.ReadFile(newPath) //nolint:gosec // G304: as above
	if err != nil {
		return Report{}, err
	}
	cs, err := Compare(f, filepath.Base(newPath), oldData, newData)
	if err != nil {
		return Report{}, err
	}
	return Report{Changes: cs}, nil
}

// Dirs compares the schema files of two export directories (as written by
// allframe schema export): every schema file in either, matched by name. A
// schema file that disappeared is breaking; a new one is safe.
func Dirs(oldDir, newDir string) (Report, error) {
	names := map[string]bool{}
	for _, d := range []string{oldDir, newDir} {
		es, err := os.ReadDir(d)
		if err != nil {
			return Report{}, err
		}
		for _, e := range es {
			if _, err := FormatOf(e.Name()); err == nil && !e.IsDir() {
				names[e.Name()] = true
			}
		}
	}
	var r Report
	for _, name := range slices.Sorted(maps.Keys(names)) {
		f, _ := FormatOf(name)
		oldData, oldErr := os.ReadFile(filepath.Join(oldDir, name)) //nolint:gosec // G304: the directories the user names
		newData, newErr := os.ReadFile(filepath.Join(newDir, name)) //nolint:gosec // G304: as above
		switch {
		case oldErr != nil && newErr != nil:
			return Report{}, oldErr
		case oldErr != nil:
			r.Changes = append(r.Changes, Change{Format: f, File: name, Path: name, Message: "schema file added"})
			continue
		case newErr != nil:
			r.Changes = append(r.Changes, Change{Format: f, File: name, Breaking: true, Path: name, Message: "schema file removed"})
			continue
		}
		cs, err := Compare(f, name, oldData, newData)
		if err != nil {
			return Report{}, err
		}
		r.Changes = append(r.Changes, cs...)
	}
	return r, nil
}

// Compare compares two schemas of format f; file names them in changes and
// errors.
func Compare(f Format, file string, oldData, newData []byte) ([]Change, error) {
	var (
		cs  []Change
		err error
	)
	switch f {
	case OpenAPI:
		cs, err = compareOpenAPI(oldData, newData)
	case GraphQL:
		cs, err = compareGraphQL(file, oldData, newData)
	case Proto:
		cs, err = compareProto(file, oldData, newData)
	default:
		return nil, fmt.Errorf("unknown schema format %q", f)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	for i := range cs {
		cs[i].Format, cs[i].File = f, file
	}
	slices.SortStableFunc(cs, func(a, b Change) int {
		return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Message, b.Message))
	})
	return cs, nil
}

// differ collects changes.
type differ struct{ changes []Change }

func (d *differ) breaking(path, format string, args ...any) {
	d.changes = append(d.changes, Change{Breaking: true, Path: path, Message: fmt.Sprintf(format, args...)})
}

func (d *differ) safe(path, format string, args ...any) {
	d.changes = append(d.changes, Change{Path: path, Message: fmt.Sprintf(format, args...)})
}
