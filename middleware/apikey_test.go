package middleware_test

import (
	"context"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/middleware"
)

// TestAPIKeys checks key lookup, the configurable header, and that an
// identity handed out cannot alter the configured one.
func TestAPIKeys(t *testing.T) {
	keys, err := middleware.NewAPIKeys(map[string]middleware.Identity{
		"k-1": {Subject: "ci", Scopes: []string{"read"}},
		"k-2": {Subject: "ops"},
	}, middleware.WithAPIKeyHeader("x-service-key"))
	if err != nil {
		t.Fatal(err)
	}
	if s := keys.Scheme(); s.Param != "X-Service-Key" || s.Type != "apiKey" || s.In != "header" {
		t.Errorf("scheme %+v", s)
	}
	tests := []struct {
		name        string
		header, key string
		wantSubject string
		wantCode    app.Code
	}{
		{"first key", "X-Service-Key", "k-1", "ci", app.CodeOK},
		{"second key, metadata case", "x-service-key", "k-2", "ops", app.CodeOK},
		{"unknown key", "X-Service-Key", "k-3", "", app.CodeUnauthenticated},
		{"prefix of a key", "X-Service-Key", "k-", "", app.CodeUnauthenticated},
		{"key plus suffix", "X-Service-Key", "k-12", "", app.CodeUnauthenticated},
		{"default header not read", "X-API-Key", "k-1", "", app.CodeOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			md := app.MapMetadata{}
			md.Set(tt.header, tt.key)
			id, err := keys.Authenticate(context.Background(), &app.Call{Metadata: md})
			sub := ""
			if id != nil {
				sub = id.Subject
				if id.Scheme != middleware.SchemeAPIKey {
					t.Errorf("scheme %q", id.Scheme)
				}
			}
			if sub != tt.wantSubject || app.CodeOf(err) != tt.wantCode {
				t.Errorf("got %q, %v; want %q, %s", sub, err, tt.wantSubject, tt.wantCode)
			}
		})
	}
	md := app.MapMetadata{}
	md.Set("X-Service-Key", "k-1")
	id, _ := keys.Authenticate(context.Background(), &app.Call{Metadata: md})
	id.Scopes[0] = "write"
	id, _ = keys.Authenticate(context.Background(), &app.Call{Metadata: md})
	if id.Scopes[0] != "read" {
		t.Errorf("a handler's change reached the configured identity: %v", id.Scopes)
	}
}

func TestAPIKeysInvalidConfig(t *testing.T) {
	for name, keys := range map[string]map[string]middleware.Identity{
		"empty key":  {"": {Subject: "ci"}},
		"no subject": {"k": {}},
	} {
		if _, err := middleware.NewAPIKeys(keys); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
