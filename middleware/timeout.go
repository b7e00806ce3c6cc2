package middleware

import (
	"context"
	"errors"
	"time"

	"github.com/allframe-go/allframe/app"
)

// ReasonTimeout is the Reason of the error Timeout returns: GraphQL's
// extensions.code, gRPC's ErrorInfo reason and the problem document's
// reason.
const ReasonTimeout = "TIMEOUT"

// DefaultTimeout is the deadline Defaults gives queries and commands.
const DefaultTimeout = 30 * time.Second

// TimeoutOption configures Timeout.
type TimeoutOption func(*timeouts)

// OperationTimeout gives the operation name its own deadline, longer or
// shorter than the App-wide one; 0 means none. It is also how a stream
// gets a deadline. Default: the App-wide deadline for queries and
// commands, none for streams.
func OperationTimeout(name string, d time.Duration) TimeoutOption {
	return func(t *timeouts) { t.ops[name] = d }
}

type timeouts struct {
	unary time.Duration
	ops   map[string]time.Duration
}

// errTimedOut is the cause of the contexts Timeout ends, which tells its
// deadline from the caller's.
var errTimedOut = errors.New("operation deadline")

// Timeout returns middleware that gives each query and command a deadline
// of d (0: none; see OperationTimeout for per-operation deadlines and for
// streams): the handler's ctx ends then. A call still failing past the
// deadline fails with deadline_exceeded and Reason "TIMEOUT": 504 on REST,
// DEADLINE_EXCEEDED on gRPC, extensions.code "TIMEOUT" on GraphQL (a
// stream that has started ends with that error).
//
// Cancellation is cooperative, as everywhere in Go: the handler must
// return when its ctx ends. A handler that succeeds although the deadline
// passed has its result kept, since a command may have been applied. The
// caller's own deadline (a gRPC client's, say) still applies and is
// reported as plain deadline_exceeded.
func Timeout(d time.Duration, opts ...TimeoutOption) app.Middleware {
	t := &timeouts{unary: d, ops: map[string]time.Duration{}}
	for _, o := range opts {
		o(t)
	}
	return t.wrap
}

func (t *timeouts) of(op *app.Operation) time.Duration {
	if d, ok := t.ops[op.Name]; ok {
		return d
	}
	if op.Kind == app.OpStream {
		return 0
	}
	return t.unary
}

func (t *timeouts) wrap(next app.Handler) app.Handler {
	return func(ctx context.Context, call *app.Call) (any, error) {
		d := t.of(call.Operation)
		if d <= 0 {
			return next(ctx, call)
		}
		tctx := newLazyDeadline(ctx, d) // context.WithTimeoutCause(ctx, d, errTimedOut), armed on demand
		defer tctx.stop()
		out, err := next(tctx, call)
		if err != nil && ctx.Err() == nil && errors.Is(context.Cause(tctx), errTimedOut) {
			e := app.WrapError(app.CodeDeadlineExceeded, "the operation took longer than its deadline of "+d.String(), err)
			e.Reason = ReasonTimeout
			return nil, e
		}
		return out, err
	}
}
