package cqrs

import (
	"context"

	"github.com/allframe-go/allframe/app"
)

// ProjectionsInput is the (empty) input of the projections query.
type ProjectionsInput struct{}

// ProjectionsOutput lists projection statuses.
type ProjectionsOutput struct {
	Projections []ProjectionStatus `json:"projections"`
}

// RebuildInput names a projection to rebuild.
type RebuildInput struct {
	Name string `json:"name" path:"name" validate:"required" doc:"Projection name"`
}

// RegisterAdmin registers two operations for operators: the query
// "projections" (GET /projections: the status, position and lag of every
// projection) and the command "rebuildProjection" (POST
// /projections/{name}/rebuild). Both are admin operations (app.Admin):
// over the network they run only for calls the App's admin authorizer
// allows — by default, a request carrying "Authorization: Bearer
// $ALLFRAME_ADMIN_TOKEN" — and are refused with permission_denied
// otherwise, or always when the variable is unset. opts apply to both.
func (b *Bus) RegisterAdmin(opts ...app.OpOption) {
	app.Query(b.app, "projections", func(ctx context.Context, _ ProjectionsInput) (ProjectionsOutput, error) {
		st, err := b.projections.Status(ctx)
		if err != nil {
			return ProjectionsOutput{}, edgeError(err)
		}
		return ProjectionsOutput{Projections: st}, nil
	}, append([]app.OpOption{app.Admin(), app.HTTP("GET", "/projections"), app.Describe("Status, position and lag of every projection")}, opts...)...)
	app.Command(b.app, "rebuildProjection", func(ctx context.Context, in RebuildInput) (ProjectionStatus, error) {
		if _, err := b.projections.runner(in.Name); err != nil {
			return ProjectionStatus{}, app.NewError(app.CodeNotFound, "no projection "+in.Name)
		}
		if err := b.projections.Rebuild(ctx, in.Name); err != nil {
			return ProjectionStatus{}, err
		}
		st, err := b.projections.Status(ctx)
		if err != nil {
			return ProjectionStatus{}, edgeError(err)
		}
		for _, s := range st {
			if s.Name == in.Name {
				return s, nil
			}
		}
		return ProjectionStatus{}, app.NewError(app.CodeNotFound, "no projection "+in.Name)
	}, append([]app.OpOption{app.Admin(), app.HTTP("POST", "/projections/{name}/rebuild"), app.Describe("Deletes a projection's read model and rebuilds it from the first event")}, opts...)...)
}
