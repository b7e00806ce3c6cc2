package httpserver_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/httpserver"
)

func TestCORSRefusesUnsafeConfiguration(t *testing.T) {
	tests := []struct {
		name string
		give httpserver.CORS
		want string
	}{
		{name: "no origin", give: httpserver.CORS{}, want: "at least one allowed origin"},
		{name: "wildcard with credentials", give: httpserver.CORS{AllowedOrigins: []string{"*"}, AllowCredentials: true}, want: `"*" cannot be combined with AllowCredentials`},
		{name: "null origin", give: httpserver.CORS{AllowedOrigins: []string{"null"}}, want: `"null"`},
		{name: "origin with a path", give: httpserver.CORS{AllowedOrigins: []string{"https://a.example/app"}}, want: "want scheme://host"},
		{name: "origin without scheme", give: httpserver.CORS{AllowedOrigins: []string{"a.example"}}, want: "want scheme://host"},
		{name: "wildcard inside a label", give: httpserver.CORS{AllowedOrigins: []string{"https://*example.com"}}, want: "whole label"},
		{name: "wildcard method", give: httpserver.CORS{AllowedOrigins: []string{"https://a.example"}, AllowedMethods: []string{"*"}}, want: "list the methods"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New()
			a.Mount(httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithCORS(tt.give)), echoBody{path: "/echo"})
			err := a.Start(context.Background())
			if err == nil {
				_ = a.Stop(context.Background())
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Start = %v; want an error containing %q", err, tt.want)
			}
		})
	}
}

// corsHeaders are the response headers a CORS test compares.
var corsHeaders = []string{
	"Access-Control-Allow-Origin", "Access-Control-Allow-Credentials", "Access-Control-Allow-Methods",
	"Access-Control-Allow-Headers", "Access-Control-Max-Age", "Access-Control-Expose-Headers", "Vary",
}

type corsAnswer struct {
	Status  int
	Headers map[string]string
	Problem string // the problem document's detail, if any
}

func corsDo(t *testing.T, base, method, path string, hdr map[string]string) corsAnswer {
	t.Helper()
	req, err := http.NewRequest(method, base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got := corsAnswer{Status: resp.StatusCode, Headers: map[string]string{}}
	for _, h := range corsHeaders {
		if v := resp.Header.Values(h); len(v) > 0 {
			got.Headers[h] = strings.Join(v, ", ")
		}
	}
	if resp.Header.Get("Content-Type") == httpserver.ProblemContentType {
		var p httpserver.Problem
		_ = json.NewDecoder(resp.Body).Decode(&p)
		got.Problem = p.Detail
	}
	return got
}

func TestCORSPreflightAndRequests(t *testing.T) {
	a := app.New()
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithCORS(httpserver.CORS{
		AllowedOrigins:   []string{"https://app.example.com", "https://*.tenant.example"},
		AllowedMethods:   []string{"GET", "POST"},
		AllowedHeaders:   []string{"Content-Type", "Authorization"},
		ExposedHeaders:   []string{"Retry-After"},
		AllowCredentials: true,
		MaxAge:           10 * time.Minute,
	}))
	a.Mount(host, echoBody{path: "/echo"})
	base := "http://" + start(t, a, host)
	const preflightVary = "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
	tests := []struct {
		name   string
		method string
		give   map[string]string
		want   corsAnswer
	}{
		{
			name: "preflight allowed", method: "OPTIONS",
			give: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, authorization"},
			want: corsAnswer{Status: 204, Headers: map[string]string{
				"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET, POST", "Access-Control-Allow-Headers": "content-type, authorization",
				"Access-Control-Max-Age": "600", "Vary": preflightVary,
			}},
		},
		{
			name: "preflight from a subdomain", method: "OPTIONS",
			give: map[string]string{"Origin": "https://acme.tenant.example", "Access-Control-Request-Method": "GET"},
			want: corsAnswer{Status: 204, Headers: map[string]string{
				"Access-Control-Allow-Origin": "https://acme.tenant.example", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET, POST", "Access-Control-Max-Age": "600", "Vary": preflightVary,
			}},
		},
		{
			name: "preflight from another origin", method: "OPTIONS",
			give: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			want: corsAnswer{Status: 403, Headers: map[string]string{"Vary": preflightVary}, Problem: "CORS: origin https://evil.example is not allowed"},
		},
		{
			name: "preflight from the parent of a wildcard", method: "OPTIONS",
			give: map[string]string{"Origin": "https://tenant.example", "Access-Control-Request-Method": "POST"},
			want: corsAnswer{Status: 403, Headers: map[string]string{"Vary": preflightVary}, Problem: "CORS: origin https://tenant.example is not allowed"},
		},
		{
			name: "preflight for a method not allowed", method: "OPTIONS",
			give: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "DELETE"},
			want: corsAnswer{Status: 403, Headers: map[string]string{"Vary": preflightVary}, Problem: "CORS: method DELETE is not allowed"},
		},
		{
			name: "preflight for a header not allowed", method: "OPTIONS",
			give: map[string]string{"Origin": "https://app.example.com", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type, x-secret"},
			want: corsAnswer{Status: 403, Headers: map[string]string{"Vary": preflightVary}, Problem: "CORS: header x-secret is not allowed"},
		},
		{
			name: "request from an allowed origin", method: "POST",
			give: map[string]string{"Origin": "https://app.example.com"},
			want: corsAnswer{Status: 200, Headers: map[string]string{
				"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "Retry-After", "Vary": "Origin",
			}},
		},
		{
			name: "request from another origin gets no CORS headers", method: "POST",
			give: map[string]string{"Origin": "https://evil.example"},
			want: corsAnswer{Status: 200, Headers: map[string]string{"Vary": "Origin"}},
		},
		{
			name: "same-origin request", method: "POST",
			want: corsAnswer{Status: 200, Headers: map[string]string{"Vary": "Origin"}},
		},
		{
			name: "error answers carry the headers too", method: "GET",
			give: map[string]string{"Origin": "https://app.example.com"},
			want: corsAnswer{Status: 404, Headers: map[string]string{
				"Access-Control-Allow-Origin": "https://app.example.com", "Access-Control-Allow-Credentials": "true",
				"Access-Control-Expose-Headers": "Retry-After", "Vary": "Origin",
			}, Problem: "no route for GET /echo"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := corsDo(t, base, tt.method, "/echo", tt.give)
			if diff := cmp.Diff(got, tt.want); diff != "" {
				t.Errorf("(-got +want):\n%s", diff)
			}
		})
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	a := app.New()
	host := httpserver.New(httpserver.WithAddr("127.0.0.1:0"), httpserver.WithCORS(httpserver.CORS{AllowedOrigins: []string{"*"}, AllowedHeaders: []string{"*"}}))
	a.Mount(host, echoBody{path: "/echo"})
	base := "http://" + start(t, a, host)
	got := corsDo(t, base, "OPTIONS", "/echo", map[string]string{"Origin": "https://any.example", "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-anything"})
	want := corsAnswer{Status: 204, Headers: map[string]string{
		"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "GET, HEAD, POST",
		"Access-Control-Allow-Headers": "x-anything", "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
	}}
	if diff := cmp.Diff(got, want); diff != "" {
		t.Errorf("(-got +want):\n%s", diff)
	}
}
