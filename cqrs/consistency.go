package cqrs

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/allframe-go/allframe/app"
)

// ReadsFrom returns an operation option for queries that read the named
// projections: when the call carries a Consistency-Token (the position a
// command returned), the query first waits until each projection has
// reached it, at most the Bus's consistency timeout (and the call's
// deadline). A token that does not parse, or lies beyond the store's head,
// is invalid_argument; a projection that does not catch up in time is
// unavailable (retryable). The option also declares the Consistency-Token
// request header on the operation, so schemas document it.
func (b *Bus) ReadsFrom(projections ...string) app.OpOption {
	wait := app.With(func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (any, error) {
			if tok := call.Metadata.Get(MetaConsistencyToken); tok != "" {
				if err := b.waitConsistent(ctx, tok, projections); err != nil {
					return nil, err
				}
			}
			return next(ctx, call)
		}
	})
	mark := app.RequestHeader(app.Header{
		Name: MetaConsistencyToken,
		Description: "A command's Consistency-Token: the query first waits until the projections it reads (" +
			strings.Join(projections, ", ") + ") have reached that position, so it sees the command's writes.",
		Constraints: app.Constraints{Pattern: "^[0-9]+$"},
	})
	return func(op *app.Operation) {
		wait(op)
		mark(op)
	}
}

// WaitConsistent waits until the named projections have reached the
// position of a consistency token, as ReadsFrom does, for handlers that
// read the token themselves.
func (b *Bus) WaitConsistent(ctx context.Context, token string, projections ...string) error {
	return b.waitConsistent(ctx, token, projections)
}

func (b *Bus) waitConsistent(ctx context.Context, token string, projections []string) error {
	pos, err := ParseToken(token)
	if err != nil {
		return app.InvalidArgument("invalid Consistency-Token: must be a position returned by a command",
			app.FieldViolation{Field: "Consistency-Token", Description: "must be a non-negative integer"})
	}
	head, err := b.store.Head(ctx)
	if err != nil {
		return edgeError(err)
	}
	if pos > head {
		return app.InvalidArgument(fmt.Sprintf("invalid Consistency-Token: position %d was never written (head is %d)", pos, head),
			app.FieldViolation{Field: "Consistency-Token", Description: "is beyond the last written position"})
	}
	wctx, cancel := context.WithTimeout(ctx, b.consistencyTimeout)
	defer cancel()
	err = b.projections.WaitFor(wctx, pos, projections...)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded):
		e := app.NewError(app.CodeUnavailable, fmt.Sprintf("read model has not reached position %d within %s; retry", pos, b.consistencyTimeout)).
			WithDetail("position", pos)
		for _, name := range projections {
			if p := b.projections.position(name); p < pos {
				e = e.WithDetail("projection", name).WithDetail("reached", p)
				break
			}
		}
		return e
	}
	return err
}
