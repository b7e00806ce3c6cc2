package rest_test

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/allframe-go/allframe/transport/rest"
)

// FuzzRequests sends arbitrary methods, paths, queries, headers and bodies
// to the shop app: every answer must be a 2xx or a 4xx problem+json, never
// a 5xx or a panic (the shop's handlers never fail by themselves, except
// /fail, which the fuzzer is kept away from).
//
//	go test -run '^$' -fuzz FuzzRequests -fuzztime 60s ./transport/rest/
func FuzzRequests(f *testing.F) {
	seeds := []struct{ method, target, ctype, body string }{
		{"POST", "/shops/acme/items", "application/json", `{"name":"Mug","price":9.5,"qty":3,"tags":["a"],"attrs":{"k":"v"},"ship":{"street":"Main"}}`},
		{"POST", "/shops/a%2Fb/items", "application/json", `{"name":"xx","price":1e308,"qty":2147483648}`},
		{"POST", "/shops/a/items", "application/json", `{"name":"\ud800","price":-0,"created":"not a time"}`},
		{"POST", "/shops/a/items", "", `[1,2,3]`},
		{"POST", "/shops/a/items", "text/plain", `name=x`},
		{"POST", "/shops/a/items", "application/json; charset=utf-8", `{"ship":null,"note":null,"tags":null}`},
		{"GET", "/listItems?limit=5&color=red&color=blue&active=true&since=1h", "", ""},
		{"GET", "/listItems?limit=-1&color=&active=&since=-9223372036854775808", "", ""},
		{"GET", "/listItems?since=99999999999999999999h", "", ""},
		{"GET", "/ticks?n=3", "", ""},
		{"GET", "/ticks?n=abc", "", ""},
		{"PATCH", "/listItems", "application/json", `{}`},
		{"GET", "/docs/../../etc/passwd", "", ""},
		{"GET", "/%zz", "", ""},
		// Hostile bodies (issue 19): trailing data after the value, and
		// invalid UTF-8, must be refused, never applied.
		{"POST", "/shops/a/items", "application/json", `{"name":"Mug"}}}}xyz garbage`},
		{"POST", "/shops/a/items", "application/json", `{"name":"Mug"}] {"name":"Cup"}`},
		{"POST", "/shops/a/items", "application/json", "{\"name\":\"\xff\xfe\xc3\x28\"}"},
		{"POST", "/shops/a/items", "application/json", "{\"name\":\"Mug\",\"tags\":[\"ok\",\"\xc3\"]}"},
	}
	for _, s := range seeds {
		f.Add(s.method, s.target, s.ctype, s.body)
	}
	h, err := rest.Handler(newShop(f))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method, target, ctype, body string) {
		if !strings.HasPrefix(target, "/") || strings.HasPrefix(target, "/fail") || strings.ContainsAny(target, " \r\n\t#") {
			return
		}
		switch method {
		case "GET", "POST", "PUT", "PATCH", "DELETE":
		default:
			return
		}
		var req = httptest.NewRequest(method, "/", strings.NewReader(body))
		u, err := req.URL.Parse(target)
		if err != nil {
			return
		}
		req.URL, req.RequestURI = u, target
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s (%s) %q → %d %s", method, target, ctype, body, rec.Code, rec.Body)
		}
		if rec.Code < 300 && method == "POST" && strings.TrimSpace(body) != "" && (!json.Valid([]byte(body)) || !utf8.ValidString(body)) {
			t.Fatalf("POST %s %q → %d: a body that is not exactly one UTF-8 JSON value was accepted", target, body, rec.Code)
		}
		if rec.Code >= 400 && rec.Header().Get("Content-Type") != rest.ProblemContentType {
			t.Fatalf("%s %s → %d with Content-Type %q", method, target, rec.Code, rec.Header().Get("Content-Type"))
		}
	})
}
