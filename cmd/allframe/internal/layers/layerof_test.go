package layers

import "testing"

func TestLayerOf(t *testing.T) {
	tests := []struct {
		module, give   string
		want, wantRoot string
		wantOK         bool
	}{
		{"example.com/svc", "example.com/svc/internal/domain", "domain", "example.com/svc/internal", true},
		{"example.com/svc", "example.com/svc/internal/adapters/api", "adapters", "example.com/svc/internal", true},
		{"example.com/svc", "example.com/svc", "", "", false},
		{"example.com/svc", "example.com/other/internal/domain", "", "", false}, // another module
		{"github.com/acme/domain", "github.com/acme/domain/cmd", "", "", false}, // the module path's own element does not count
		{"github.com/acme/domain", "github.com/acme/domain/application", "application", "github.com/acme/domain", true},
		{"", "example.com/svc/application/x", "application", "example.com/svc", true},
	}
	for _, tt := range tests {
		got, root, ok := layerOf(tt.module, tt.give)
		if got != tt.want || root != tt.wantRoot || ok != tt.wantOK {
			t.Errorf("layerOf(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.module, tt.give, got, root, ok, tt.want, tt.wantRoot, tt.wantOK)
		}
	}
}
