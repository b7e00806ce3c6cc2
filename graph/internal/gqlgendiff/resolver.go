package gqlgendiff

import "github.com/allframe-go/allframe/app"

// Resolver is the root resolver of the gqlgen reference; its methods are in
// schema.resolvers.go and call the App's operations through app.Invoke.
type Resolver struct {
	App *app.App
}

// deref returns *p, or the zero value for nil (an argument left out or null).
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}
