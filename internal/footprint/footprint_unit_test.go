package footprint

import "testing"

func TestPackageOf(t *testing.T) {
	tests := []struct {
		give, want string
	}{
		{give: "net/http.(*Server).Serve", want: "net/http"},
		{give: "github.com/a/b/v2.(*T).M", want: "github.com/a/b/v2"},
		{give: "github.com/a/b.F[go.shape.string]", want: "github.com/a/b"},
		{give: "type:*github.com/a/b.T", want: "github.com/a/b"},
		{give: "go:itab.*github.com/a/b.T,io.Reader", want: "github.com/a/b"},
		{give: "slices.SortFunc[...]", want: "slices"},
		{give: "main.main", want: "main"},
	}
	for _, tt := range tests {
		if got := packageOf(tt.give); got != tt.want {
			t.Errorf("packageOf(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}

func TestOwner(t *testing.T) {
	mods := []string{"github.com/a/b", "github.com/a/b/sub", "go.yaml.in/yaml/v4"}
	tests := []struct {
		give, want string
	}{
		{give: "github.com/me/x/app.New", want: "github.com/me/x/app"},
		{give: "github.com/a/b/sub/pkg.F", want: "github.com/a/b/sub"},
		{give: "github.com/a/b/pkg.F", want: "github.com/a/b"},
		{give: "go.yaml.in/yaml/v4/internal/libyaml.(*Parser).scan", want: "go.yaml.in/yaml/v4"},
		{give: "net/http.(*conn).serve", want: "std: net/http"},
		{give: "crypto/internal/fips140/sha256.block", want: "std: crypto"},
		{give: "vendor/golang.org/x/net/idna.ToASCII", want: "std: vendor/golang.org/x"},
		{give: "runtime.mallocgc", want: "runtime"},
		{give: "go:func.*", want: "(func metadata)"},
	}
	for _, tt := range tests {
		if got := owner(tt.give, "github.com/me/x", mods); got != tt.want {
			t.Errorf("owner(%q) = %q, want %q", tt.give, got, tt.want)
		}
	}
}
