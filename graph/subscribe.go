package graph

import (
	"context"
	"errors"
	"reflect"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
)

// event is one encoded stream item.
type event struct {
	data []byte
	errs gqlerror.List
}

// stream runs a stream operation for a subscription. Its goroutine is
// owned by the response handler: it ends when the handler returns, when the
// subscription's context ends, or when the response handler sees the end.
type stream struct {
	e      *executable
	opCtx  *graphql.OperationContext
	rf     *rootField
	st     *state // call details only; items get their own state
	ctx    context.Context
	cancel context.CancelFunc

	items chan *event
	ack   chan struct{}
	done  chan struct{}
	err   error // set before done closes

	first    *event
	unacked  bool
	reported bool
}

// subscribe starts the stream of the subscription's single root field and
// waits for its first item or its end, so that errors before the first item
// (invalid arguments, validation, middleware refusing the call) are
// reported as the operation's errors.
func (e *executable) subscribe(ctx context.Context, opCtx *graphql.OperationContext, p *opPlan) graphql.ResponseHandler {
	if len(p.fields) == 0 {
		return graphql.OneShot(&graphql.Response{Data: []byte("{}")})
	}
	rf := &p.fields[0]
	if rf.kind != rootOperation {
		// __typename is the only other field validation lets through.
		return graphql.OneShot(&graphql.Response{Data: append(append([]byte("{"), rf.key[1:]...), `"Subscription"}`...)})
	}
	s := &stream{
		e:     e,
		opCtx: opCtx,
		rf:    rf,
		st:    newState(ctx, opCtx, 0),
		items: make(chan *event),
		ack:   make(chan struct{}),
		done:  make(chan struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	go s.run()
	select {
	case s.first = <-s.items:
	case <-s.done:
		s.cancel()
		if s.err != nil && !canceled(s.err) {
			graphql.AddError(ctx, fieldError(s.err, rf))
		}
		return graphql.OneShot(nil)
	}
	return s.next
}

func canceled(err error) bool {
	return errors.Is(err, context.Canceled) || app.CodeOf(err) == app.CodeCanceled
}

func (s *stream) run() {
	defer close(s.done)
	defer func() {
		if r := recover(); r != nil {
			s.err = s.opCtx.Recover(s.ctx, r)
		}
	}()
	rf := s.rf
	args, err := argumentMap(rf.cf.Field, s.opCtx.Variables)
	if err != nil {
		s.err = err
		return
	}
	fc := &graphql.FieldContext{Object: rf.bind.root, Field: rf.cf, Args: args, IsMethod: true, IsResolver: true, Child: s.e.child}
	ctx := graphql.WithFieldContext(s.ctx, fc)
	_, s.err = s.opCtx.ResolverMiddleware(ctx, func(ctx context.Context) (any, error) {
		return s.e.call(ctx, s.st, rf.bind, fc.Args, s.send)
	})
}

// send encodes one item and hands it to the response handler, returning
// once the transport has written it (backpressure) or the subscription
// ended.
func (s *stream) send(item any) error {
	if reflect.TypeOf(item) != s.rf.bind.outPtr {
		return app.NewError(app.CodeInternal, "stream item of unexpected type")
	}
	st := &state{buf: make([]byte, 0, 64), root: s.rf}
	st.buf = append(st.buf, '{')
	st.buf = append(st.buf, s.rf.key[1:]...)
	start := len(st.buf)
	if !st.encode(s.rf.bind.out, reflect.ValueOf(item).UnsafePointer(), s.rf.sub) {
		st.buf = append(st.buf[:start], "null"...)
	}
	st.buf = append(st.buf, '}')
	select {
	case s.items <- &event{data: st.buf, errs: st.errs}:
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
	select {
	case <-s.ack:
		return nil
	case <-s.ctx.Done():
		return s.ctx.Err()
	}
}

// next is the subscription's response handler: one response per item, a
// final response carrying the error if the stream failed, then nil.
func (s *stream) next(ctx context.Context) *graphql.Response {
	if s.unacked {
		s.unacked = false
		select {
		case s.ack <- struct{}{}:
		case <-s.done:
		}
	}
	ev := s.first
	s.first = nil
	if ev == nil {
		select {
		case ev = <-s.items:
		case <-s.done:
			s.cancel()
			if s.err == nil || s.reported || canceled(s.err) || ctx.Err() != nil {
				return nil
			}
			s.reported = true
			graphql.AddError(ctx, fieldError(s.err, s.rf))
			data := append(append([]byte("{"), s.rf.key[1:]...), "null}"...)
			return &graphql.Response{Data: data}
		case <-ctx.Done():
			s.cancel()
			<-s.done
			return nil
		}
	}
	s.unacked = true
	for _, err := range ev.errs {
		graphql.AddError(ctx, err)
	}
	return &graphql.Response{Data: ev.data}
}
