package graphiql_test

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/transport/graphql/internal/graphiql"
)

// TestAssetsMatchManifest checks that the embedded files, decompressed,
// are exactly those generate.sh wrote, byte for byte: a hand edit, or a file added without
// regenerating, fails here (and .ci/run re-runs generate.sh).
func TestAssetsMatchManifest(t *testing.T) {
	f, err := os.Open("SHA256SUMS")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		sum, name, ok := strings.Cut(sc.Text(), "  ")
		if !ok {
			t.Fatalf("SHA256SUMS: bad line %q", sc.Text())
		}
		want[name] = sum
	}
	got := map[string]string{}
	files := graphiql.Files()
	names, err := files.Names()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range names {
		b, err := files.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		got[p] = hex.EncodeToString(sum[:])
		if strings.HasSuffix(p, ".map") || strings.Contains(string(b), "sourceMappingURL=") {
			t.Errorf("%s: a source map or a reference to one", p)
		}
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("embedded assets differ from SHA256SUMS (-got +want):\n%s", diff)
	}
}

// TestPage checks that every script and style of the page is served from
// the embedded assets, with an integrity hash, and nothing from elsewhere.
func TestPage(t *testing.T) {
	h := graphiql.New("Test GraphiQL", "/graphql")
	rec := httptest.NewRecorder()
	h.ServePage(rec, httptest.NewRequest(http.MethodGet, "/graphql", nil))
	page := rec.Body.String()
	if rec.Code != http.StatusOK || !strings.Contains(page, "<title>Test GraphiQL</title>") {
		t.Fatalf("got %d %.300s", rec.Code, page)
	}
	if strings.Contains(page, "https://") || strings.Contains(page, "http://") {
		t.Errorf("page refers to an absolute URL:\n%s", page)
	}
	refs := regexp.MustCompile(`(?:src|href)="([^"]+)"`).FindAllStringSubmatch(page, -1)
	var got []string
	for _, m := range refs {
		got = append(got, m[1])
	}
	slices.Sort(got)
	want := []string{
		"/graphql/assets/graphiql-" + graphiql.Version + ".min.css",
		"/graphql/assets/graphiql-" + graphiql.Version + ".min.js",
		"/graphql/assets/react-" + graphiql.ReactVersion + ".production.min.js",
		"/graphql/assets/react-dom-" + graphiql.ReactVersion + ".production.min.js",
	}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("page loads (-got +want):\n%s", diff)
	}
	if n := strings.Count(page, `integrity="sha256-`); n != len(want) {
		t.Errorf("%d integrity hashes, want %d", n, len(want))
	}
	for _, ref := range got {
		rec := httptest.NewRecorder()
		h.ServeAsset(rec, httptest.NewRequest(http.MethodGet, ref, nil))
		if rec.Code != http.StatusOK || rec.Body.Len() < 1000 {
			t.Errorf("GET %s: %d, %d bytes", ref, rec.Code, rec.Body.Len())
		}
	}
}

func TestServeAsset(t *testing.T) {
	h := graphiql.New("t", "/api/graphql")
	tests := []struct {
		give, method string
		wantStatus   int
		wantType     string
		wantCache    string
	}{
		{give: "/api/graphql/assets/graphiql-" + graphiql.Version + ".min.js", method: http.MethodGet, wantStatus: 200, wantType: "text/javascript; charset=utf-8", wantCache: "public, max-age=31536000, immutable"},
		{give: "/api/graphql/assets/graphiql-" + graphiql.Version + ".min.css", method: http.MethodHead, wantStatus: 200, wantType: "text/css; charset=utf-8", wantCache: "public, max-age=31536000, immutable"},
		{give: "/api/graphql/assets/graphiql-" + graphiql.Version + ".min.js", method: http.MethodPost, wantStatus: 405, wantType: "text/plain; charset=utf-8"},
		{give: "/api/graphql/assets/graphiql.min.js.map", method: http.MethodGet, wantStatus: 404, wantType: "text/plain; charset=utf-8"},
		{give: "/api/graphql/assets/graphiql-" + graphiql.Version + ".min.js.gz", method: http.MethodGet, wantStatus: 404, wantType: "text/plain; charset=utf-8"},
		{give: "/api/graphql/assets/", method: http.MethodGet, wantStatus: 404, wantType: "text/plain; charset=utf-8"},
		{give: "/api/graphql/assets/../assets/react-" + graphiql.ReactVersion + ".production.min.js", method: http.MethodGet, wantStatus: 404, wantType: "text/plain; charset=utf-8"},
		{give: "/graphql/assets/graphiql-" + graphiql.Version + ".min.js", method: http.MethodGet, wantStatus: 404, wantType: "text/plain; charset=utf-8"},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.give, func(t *testing.T) {
			rec := httptest.NewRecorder()
			req := httptest.NewRequest(tt.method, "/", nil)
			req.URL.Path = tt.give // unclean paths as a client could send them
			h.ServeAsset(rec, req)
			_, _ = io.Copy(io.Discard, rec.Body)
			got := []string{rec.Result().Status, rec.Header().Get("Content-Type"), rec.Header().Get("Cache-Control")}
			want := []string{http.StatusText(tt.wantStatus), tt.wantType, tt.wantCache}
			got[0] = strings.TrimLeft(got[0], "0123456789 ")
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}
