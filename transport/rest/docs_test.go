package rest_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/transport/rest"
)

// TestDocsAssets checks that the /docs page loads only files embedded in
// the binary, each cached for good under its versioned URL, and that the
// source maps and unused bundles of swagger-ui-dist are not served.
func TestDocsAssets(t *testing.T) {
	h, err := rest.Handler(newShop(t))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(path string) (status int, header http.Header, body []byte) {
		t.Helper()
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, err = io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode, resp.Header, body
	}
	var page struct {
		status int
		body   []byte
	}
	page.status, _, page.body = get("/docs/")
	if page.status != http.StatusOK || !strings.Contains(string(page.body), "<title>shop — API docs</title>") {
		t.Fatalf("GET /docs/ = %d %.300s", page.status, page.body)
	}
	if strings.Contains(string(page.body), "://") {
		t.Errorf("/docs/ loads from another site:\n%s", page.body)
	}
	refs := regexp.MustCompile(`(?:src|href)="\./([^"]+)"`).FindAllStringSubmatch(string(page.body), -1)
	if len(refs) != 7 {
		t.Fatalf("page loads %d files, want 7: %s", len(refs), page.body)
	}
	for _, m := range refs {
		status, header, body := get("/docs/" + m[1])
		cache := header.Get("Cache-Control")
		if m[1] == "swagger-initializer.js" {
			cache = "public, max-age=31536000, immutable" // the App's own, not versioned
		}
		if status != http.StatusOK || len(body) == 0 || cache != "public, max-age=31536000, immutable" {
			t.Errorf("GET /docs/%s = %d, %d bytes, Cache-Control %q", m[1], status, len(body), cache)
		}
	}
	tests := []struct {
		give       string
		wantStatus int
	}{
		{give: "/docs/swagger-ui-bundle.js.map", wantStatus: http.StatusNotFound},
		{give: "/docs/swagger-ui.css.map", wantStatus: http.StatusNotFound},
		{give: "/docs/swagger-ui-es-bundle.js", wantStatus: http.StatusNotFound},
		{give: "/docs/swagger-ui.js", wantStatus: http.StatusNotFound},
		{give: "/docs/oauth2-redirect.html", wantStatus: http.StatusNotFound},
		{give: "/docs/swagger-ui-bundle.js.gz", wantStatus: http.StatusNotFound}, // stored so, served by its own name
		{give: "/docs/swagger-ui.css", wantStatus: http.StatusOK},
	}
	for _, tt := range tests {
		if got, _, _ := get(tt.give); got != tt.wantStatus {
			t.Errorf("GET %s = %d; want %d", tt.give, got, tt.wantStatus)
		}
	}
}
