package gqlgenbench

// Resolver is the root resolver of the gqlgen baseline; its methods are in
// schema.resolvers.go.
type Resolver struct{}
