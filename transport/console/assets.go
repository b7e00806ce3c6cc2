package console

import (
	"bytes"
	"compress/gzip"
	"embed"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/allframe-go/allframe/internal/gzasset"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// zeroTime makes http.ServeContent leave Last-Modified out: the embedded
// files carry no time.
var zeroTime time.Time

// dist is the built UI. The front end's build writes ui/dist; index.html
// is the single-page app's entry.
//
//go:embed all:ui/dist
var dist embed.FS

// assets serves the embedded UI: the file at the request path under Path,
// index.html for "/" and for any path that names no file and has no
// extension (the single-page app routes on the client), with its content
// type; hashed file names (name-<hash>.ext, as bundlers emit) are cached
// for a year as immutable, everything else revalidated. Compressible files
// are gzipped once, on first request, when the client accepts gzip.
type assets struct {
	root fs.FS
	mu   sync.Mutex
	gz   map[string][]byte // gzipped content by file name; nil entry: not worth it
}

func newAssets() *assets {
	root, err := fs.Sub(dist, "ui/dist")
	if err != nil { // cannot happen: the directory is embedded
		panic(err)
	}
	return &assets{root: root, gz: map[string][]byte{}}
}

// hashed matches file names carrying a content hash: app-3f9a1c2b.js,
// index.BkQ1x9_z.css.
var hashed = regexp.MustCompile(`[.-][A-Za-z0-9_-]{8,}\.[a-z0-9]+$`)

func (s *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		writeStatus(w, r, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed on "+r.URL.Path)
		return
	}
	name := strings.TrimPrefix(path.Clean("/"+strings.TrimPrefix(r.URL.Path, Path)), "/")
	if name == "" {
		name = "index.html"
	}
	b, err := fs.ReadFile(s.root, name)
	if err != nil {
		if path.Ext(name) != "" {
			writeStatus(w, r, http.StatusNotFound, "no console asset "+name)
			return
		}
		name = "index.html" // a client-side route
		if b, err = fs.ReadFile(s.root, name); err != nil {
			writeStatus(w, r, http.StatusNotFound, "the console UI is not built")
			return
		}
	}
	h := w.Header()
	h.Set("Content-Type", contentType(name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Frame-Options", "DENY")
	if hashed.MatchString(path.Base(name)) {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Add("Vary", "Accept-Encoding")
	if gzasset.AcceptsGzip(r) {
		if z := s.gzipped(name, b); z != nil {
			h.Set("Content-Encoding", "gzip")
			b = z
		}
	}
	http.ServeContent(w, r, "", zeroTime, bytes.NewReader(b))
}

// gzipped returns the gzipped content of name, compressing it once, or nil
// when compression does not pay (small or already compressed files).
func (s *assets) gzipped(name string, b []byte) []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	if z, ok := s.gz[name]; ok {
		return z
	}
	var z []byte
	if len(b) >= 1024 && compressible(contentType(name)) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		_, _ = zw.Write(b)
		_ = zw.Close()
		if buf.Len() < len(b)*9/10 {
			z = buf.Bytes()
		}
	}
	s.gz[name] = z
	return z
}

func compressible(ct string) bool {
	return strings.HasPrefix(ct, "text/") || strings.Contains(ct, "javascript") || strings.Contains(ct, "json") ||
		strings.Contains(ct, "svg") || strings.Contains(ct, "wasm")
}

// contentType returns the media type of a file name, with the types
// browsers need right whatever the system's mime tables say.
func contentType(name string) string {
	switch ext := strings.ToLower(path.Ext(name)); ext {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".json", ".map":
		return "application/json"
	case ".svg":
		return "image/svg+xml"
	case ".wasm":
		return "application/wasm"
	case ".woff2":
		return "font/woff2"
	case ".ico":
		return "image/x-icon"
	default:
		if t := mime.TypeByExtension(ext); t != "" {
			return t
		}
		return "application/octet-stream"
	}
}

func writeStatus(w http.ResponseWriter, r *http.Request, status int, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	httpserver.WriteStatusProblem(w, r, status, msg)
}
