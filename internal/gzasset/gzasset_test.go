package gzasset_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/internal/gzasset"
)

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := io.WriteString(zw, s); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func files(t *testing.T) gzasset.FS {
	return gzasset.New(fstest.MapFS{
		"app.js.gz":   {Data: gz(t, "console.log('hello')")},
		"app.css.gz":  {Data: gz(t, "body{}")},
		"README":      {Data: []byte("not an asset")},
		"sub/x.js.gz": {Data: gz(t, "nested")},
	})
}

func TestNamesAndReadFile(t *testing.T) {
	f := files(t)
	names, err := f.Names()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(names, []string{"app.css", "app.js"}); diff != "" {
		t.Errorf("names (-got +want):\n%s", diff)
	}
	b, err := f.ReadFile("app.js")
	if err != nil || string(b) != "console.log('hello')" {
		t.Errorf("ReadFile = %q, %v", b, err)
	}
	for _, name := range []string{"README", "app.js.gz", "sub/x.js", "../app.js", ".", ""} {
		if _, err := f.ReadFile(name); err == nil {
			t.Errorf("ReadFile(%q) succeeded", name)
		}
	}
}

func TestServe(t *testing.T) {
	tests := []struct {
		give, method, accept string
		wantFound            bool
		wantEncoding         string
		wantType             string
		wantBody             string
	}{
		{give: "app.js", method: "GET", accept: "gzip, deflate, br", wantFound: true, wantEncoding: "gzip", wantType: "text/javascript; charset=utf-8", wantBody: "console.log('hello')"},
		{give: "app.js", method: "GET", accept: "", wantFound: true, wantType: "text/javascript; charset=utf-8", wantBody: "console.log('hello')"},
		{give: "app.js", method: "GET", accept: "gzip;q=0, br", wantFound: true, wantType: "text/javascript; charset=utf-8", wantBody: "console.log('hello')"},
		{give: "app.js", method: "GET", accept: "*;q=0.5", wantFound: true, wantEncoding: "gzip", wantType: "text/javascript; charset=utf-8", wantBody: "console.log('hello')"},
		{give: "app.css", method: "HEAD", accept: "", wantFound: true, wantType: "text/css; charset=utf-8"},
		{give: "README", method: "GET", accept: "gzip"},
		{give: "sub/x.js", method: "GET", accept: "gzip"},
		{give: "missing.js", method: "GET", accept: "gzip"},
	}
	f := files(t)
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.give+" "+tt.accept, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, "/"+tt.give, nil)
			if tt.accept != "" {
				req.Header.Set("Accept-Encoding", tt.accept)
			}
			rec := httptest.NewRecorder()
			found := f.Serve(rec, req, tt.give)
			body := rec.Body.Bytes()
			if rec.Header().Get("Content-Encoding") == "gzip" {
				zr, err := gzip.NewReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				if body, err = io.ReadAll(zr); err != nil {
					t.Fatal(err)
				}
			}
			var got, want []string
			if found {
				got = []string{rec.Result().Status, rec.Header().Get("Content-Encoding"), rec.Header().Get("Content-Type"), rec.Header().Get("Vary"), string(body)}
			}
			if tt.wantFound {
				want = []string{"200 OK", tt.wantEncoding, tt.wantType, "Accept-Encoding", tt.wantBody}
			}
			if diff := cmp.Diff(got, want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		give string
		want bool
	}{
		{give: "", want: false},
		{give: "gzip", want: true},
		{give: "GZIP", want: true},
		{give: "deflate, gzip;q=1.0", want: true},
		{give: "br", want: false},
		{give: "gzip;q=0", want: false},
		{give: "gzip; q=0.000", want: false},
		{give: "gzip;q=0.001", want: true},
		{give: "identity, *", want: true},
	}
	for _, tt := range tests {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header.Set("Accept-Encoding", tt.give)
		if got := gzasset.AcceptsGzip(req); got != tt.want {
			t.Errorf("AcceptsGzip(%q) = %v, want %v", tt.give, got, tt.want)
		}
	}
}
