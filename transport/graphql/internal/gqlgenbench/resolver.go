package gqlgenbench

// THIS CODE WILL BE UPDATED WITH SCHEMA CHANGES. PREVIOUS IMPLEMENTATION FOR SCHEMA CHANGES WILL BE KEPT IN THE COMMENT SECTION. IMPLEMENTATION FOR UNCHANGED SCHEMA WILL BE KEPT.

import (
	"context"
)

// Resolver is the root resolver of the gqlgen baseline.
type Resolver struct{}

// Hello is the resolver for the hello field.
func (r *queryResolver) Hello(ctx context.Context, name string) (*HelloOut, error) {
	if err := validHello(name); err != nil {
		return nil, err
	}
	out, err := Hello(ctx, HelloIn{Name: name})
	return &out, err
}

// Items is the resolver for the items field.
func (r *queryResolver) Items(ctx context.Context, count *int) (*ItemsOut, error) {
	var in ItemsIn
	if count != nil {
		in.Count = *count
	}
	out, err := Items(ctx, in)
	return &out, err
}

// Query returns QueryResolver implementation.
func (r *Resolver) Query() QueryResolver { return &queryResolver{r} }

type queryResolver struct{ *Resolver }
