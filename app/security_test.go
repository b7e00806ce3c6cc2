package app_test

import (
	"context"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/app"
)

// TestStartRefusesUnenforcedSecurity checks that an App whose operations
// declare requirements that nothing enforces does not start.
func TestStartRefusesUnenforcedSecurity(t *testing.T) {
	secure := func(reqs ...app.SecurityRequirement) app.OpOption {
		return func(op *app.Operation) { op.Security = append([]app.SecurityRequirement{}, reqs...) }
	}
	bearer := app.SecurityScheme{Name: "bearerAuth", Type: "http", Scheme: "bearer"}
	tests := []struct {
		name    string
		schemes []app.SecurityScheme
		give    app.OpOption
		want    string // "" for a start
	}{
		{"public, no auth", nil, secure(), ""},
		{"no requirement, no auth", nil, func(*app.Operation) {}, ""},
		{"scopes, no auth", nil, secure(app.SecurityRequirement{Scopes: []string{"w"}}), `operation "greet" requires authentication, but the App has no auth installed`},
		{"scopes, auth", []app.SecurityScheme{bearer}, secure(app.SecurityRequirement{Scopes: []string{"w"}}), ""},
		{"unknown scheme", []app.SecurityScheme{bearer}, secure(app.SecurityRequirement{Scheme: "apiKey"}), `operation "greet" requires security scheme "apiKey"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := app.New(app.DrainDelay(0))
			if tt.schemes != nil {
				a.DeclareSecurity(nil, tt.schemes...)
			}
			app.Query(a, "greet", func(context.Context, GreetIn) (GreetOut, error) { return GreetOut{}, nil }, tt.give)
			err := a.Start(context.Background())
			defer func() { _ = a.Stop(context.Background()) }()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Start: %v; want started", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Start: %v; want an error containing %q", err, tt.want)
			}
		})
	}
}
