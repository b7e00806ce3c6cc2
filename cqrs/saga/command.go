package saga

import (
	"context"
	"strconv"
	"sync"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
)

type stepKey struct{}

// stepCall is what an action's context carries: the idempotency key of its
// commands and the ids they record.
type stepCall struct {
	key                    string
	correlation, causation string

	mu sync.Mutex
	n  int
}

func (c *stepCall) nextKey() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	if c.n == 1 {
		return c.key
	}
	return c.key + "#" + strconv.Itoa(c.n)
}

func stepFrom(ctx context.Context) *stepCall {
	c, _ := ctx.Value(stepKey{}).(*stepCall)
	return c
}

// StepKey returns the idempotency key of the action running in ctx
// ("saga/<name>/<id>/<step>", with "/compensate" in a compensation), the
// same on every attempt, for calls to systems outside the App. It is
// empty outside an action.
func StepKey(ctx context.Context) string {
	if c := stepFrom(ctx); c != nil {
		return c.key
	}
	return ""
}

// Command returns a function that calls the command op of a in process,
// through its middleware and validation (as app.Invoke does). Called in an
// action, the call carries an Idempotency-Key derived from the saga, the
// instance, the step and the n-th command the action sends (so the
// command's effect happens once however often the action runs), the saga
// id as X-Correlation-ID and the id of the event that triggered the step
// as X-Causation-ID. Call the commands of one action in order, not
// concurrently.
func Command[In, Out any](a *app.App, op string) func(ctx context.Context, in In) (Out, error) {
	return func(ctx context.Context, in In) (Out, error) {
		sc := stepFrom(ctx)
		if sc == nil {
			return app.Invoke[In, Out](ctx, a, op, in)
		}
		md := app.MapMetadata{}
		md.Set(cqrs.MetaIdempotencyKey, sc.nextKey())
		md.Set(cqrs.MetaCorrelationID, sc.correlation)
		md.Set(cqrs.MetaCausationID, sc.causation)
		return app.Invoke[In, Out](ctx, a, op, in, app.WithMetadata(md))
	}
}
