package console

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"
)

func TestAssets(t *testing.T) {
	js := strings.Repeat("console.log('allframe');\n", 100)
	s := &assets{root: fstest.MapFS{
		"index.html":                {Data: []byte("<!doctype html><title>c</title>")},
		"assets/index-BkQ1x9_z.js":  {Data: []byte(js)},
		"assets/index-3f9a1c2b.css": {Data: []byte("body{}")},
		"favicon.svg":               {Data: []byte("<svg/>")},
	}, gz: map[string][]byte{}}
	tests := []struct {
		give, accept                         string
		wantStatus                           int
		wantType, wantCache, wantEnc, wantIn string
	}{
		{"/_console/", "", 200, "text/html; charset=utf-8", "no-cache", "", "<title>c</title>"},
		{"/_console/streams/account-1", "gzip", 200, "text/html; charset=utf-8", "no-cache", "", "<title>c</title>"}, // SPA route; too small to gzip
		{"/_console/assets/index-BkQ1x9_z.js", "", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "", "allframe"},
		{"/_console/assets/index-BkQ1x9_z.js", "br, gzip", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "gzip", "allframe"},
		{"/_console/assets/index-BkQ1x9_z.js", "gzip;q=0", 200, "text/javascript; charset=utf-8", "public, max-age=31536000, immutable", "", "allframe"},
		{"/_console/assets/index-3f9a1c2b.css", "", 200, "text/css; charset=utf-8", "public, max-age=31536000, immutable", "", "body"},
		{"/_console/favicon.svg", "", 200, "image/svg+xml", "no-cache", "", "<svg/>"},
		{"/_console/assets/gone-12345678.js", "", 404, "application/problem+json", "no-store", "", "gone"},
		{"/_console/../../etc/passwd", "", 200, "text/html; charset=utf-8", "no-cache", "", "<title>c</title>"}, // cleaned: no escape from the root
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path = tt.give
		if tt.accept != "" {
			req.Header.Set("Accept-Encoding", tt.accept)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, req)
		h := w.Header()
		body := w.Body.Bytes()
		if h.Get("Content-Encoding") == "gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			if body, err = io.ReadAll(zr); err != nil {
				t.Fatal(err)
			}
		}
		if w.Code != tt.wantStatus || h.Get("Content-Type") != tt.wantType || h.Get("Cache-Control") != tt.wantCache ||
			h.Get("Content-Encoding") != tt.wantEnc || !strings.Contains(string(body), tt.wantIn) {
			t.Errorf("GET %s (%s): %d %q %q %q %.60q", tt.give, tt.accept, w.Code, h.Get("Content-Type"), h.Get("Cache-Control"), h.Get("Content-Encoding"), body)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/_console/", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, req)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", w.Code)
	}
}
