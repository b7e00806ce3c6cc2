package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/transport/httpserver"
	"github.com/allframe-go/allframe/transport/rest"
)

// TestHelloREST serves the REST-only hello in-process: the greeting, its
// validation, the OpenAPI document and the docs page.
func TestHelloREST(t *testing.T) {
	a := newApp()
	a.Mount(httpserver.New(), rest.New())
	host, err := httpserver.Find(a, "hellorest")
	if err != nil {
		t.Fatal(err)
	}
	h, err := host.Handler(a)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	tests := []struct {
		give       string
		wantStatus int
		wantBody   string
	}{
		{give: "/hello/Ada", wantStatus: 200, wantBody: `{"message":"Hello, Ada!"}`},
		{give: "/hello/" + strings.Repeat("x", 65), wantStatus: 400, wantBody: `"invalid_argument"`},
		{give: "/openapi.json", wantStatus: 200, wantBody: `"/hello/{name}"`},
		{give: "/openapi.yaml", wantStatus: 200, wantBody: "openapi: 3.1.0"},
		{give: "/docs/", wantStatus: 200, wantBody: "<title>hello — API docs</title>"},
		{give: "/graphql", wantStatus: 404},
	}
	for _, tt := range tests {
		resp, err := http.Get(srv.URL + tt.give)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != tt.wantStatus || !strings.Contains(string(body), tt.wantBody) {
			t.Errorf("GET %s = %d %.200s; want %d with %q", tt.give, resp.StatusCode, body, tt.wantStatus, tt.wantBody)
		}
	}
}
