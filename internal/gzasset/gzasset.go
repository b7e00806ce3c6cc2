// Package gzasset serves static files embedded gzip-compressed: the docs
// page's and GraphiQL's scripts and styles shrink to about a quarter of
// their size in the binary, are sent as they are (Content-Encoding: gzip)
// to the clients that accept gzip — every browser — and decompressed on
// the fly for the others.
package gzasset

import (
	"compress/gzip"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"slices"
	"strings"
	"time"
)

// Ext is the suffix of the compressed files: the file NAME is stored as
// NAME.gz.
const Ext = ".gz"

// FS is a set of files stored compressed in a file system (an embed.FS),
// each file NAME as NAME.gz.
type FS struct {
	fsys fs.FS
}

// New returns the files of fsys: every NAME.gz in its root is the file
// NAME.
func New(fsys fs.FS) FS { return FS{fsys: fsys} }

// Names returns the names of the files, sorted.
func (f FS) Names() ([]string, error) {
	entries, err := fs.ReadDir(f.fsys, ".")
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if name, ok := strings.CutSuffix(e.Name(), Ext); ok && e.Type().IsRegular() {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names, nil
}

// Has reports whether name is one of the files (a plain name: no
// directory, no "..").
func (f FS) Has(name string) bool {
	if !fs.ValidPath(name) || name == "." || strings.Contains(name, "/") {
		return false
	}
	st, err := fs.Stat(f.fsys, name+Ext)
	return err == nil && st.Mode().IsRegular()
}

// ReadFile returns the decompressed content of the file name.
func (f FS) ReadFile(name string) ([]byte, error) {
	if !f.Has(name) {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fs.ErrNotExist}
	}
	file, err := f.fsys.Open(name + Ext)
	if err != nil {
		return nil, err
	}
	defer func() { _ = file.Close() }()
	zr, err := gzip.NewReader(file)
	if err != nil {
		return nil, err
	}
	return io.ReadAll(zr)
}

// Serve answers a GET or HEAD for the file name: the compressed bytes with
// Content-Encoding: gzip when the request accepts gzip (ranges and
// conditional requests as http.ServeContent handles them), the
// decompressed content otherwise, with the Content-Type of name's
// extension either way. It reports false, writing nothing, when name is
// not one of the files.
func (f FS) Serve(w http.ResponseWriter, r *http.Request, name string) bool {
	if !f.Has(name) {
		return false
	}
	file, err := f.fsys.Open(name + Ext)
	if err != nil {
		return false
	}
	defer func() { _ = file.Close() }()
	h := w.Header()
	h.Add("Vary", "Accept-Encoding")
	ctype := mime.TypeByExtension(path.Ext(name))
	if ctype == "" {
		ctype = "application/octet-stream"
	}
	h.Set("Content-Type", ctype)
	if rs, ok := file.(io.ReadSeeker); ok && AcceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		http.ServeContent(w, r, name, time.Time{}, rs)
		return true
	}
	zr, err := gzip.NewReader(file)
	if err != nil {
		http.Error(w, "corrupt asset", http.StatusInternalServerError)
		return true
	}
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		// The files are the binary's own, embedded at build time: no bomb
		// to fear. An error means the client went away: nothing to tell it.
		_, _ = io.Copy(w, zr) //nolint:gosec // G110: see above
	}
	return true
}

// AcceptsGzip reports whether r's Accept-Encoding accepts gzip (by name or
// by *, with a q-value other than 0).
func AcceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding != "gzip" && coding != "x-gzip" && coding != "*" {
				continue
			}
			return !refused(params)
		}
	}
	return false
}

// refused reports whether the parameters of a coding set q to 0.
func refused(params string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(k, "q") {
			v = strings.TrimRight(strings.TrimSpace(v), "0")
			return v == "" || v == "0." || v == "0"
		}
	}
	return false
}
