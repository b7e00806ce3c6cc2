package app

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
)

// InvokeOption configures an in-process call.
type InvokeOption func(*Call)

// WithMetadata sets the metadata an in-process call carries.
func WithMetadata(md Metadata) InvokeOption { return func(c *Call) { c.Metadata = md } }

// Invoke calls the operation name in process with a typed input, running
// the same middleware and validation as every transport. Useful in tests.
func Invoke[In, Out any](ctx context.Context, a *App, name string, in In, opts ...InvokeOption) (Out, error) {
	var zero Out
	op, err := lookup(a, name, reflect.TypeFor[In](), reflect.TypeFor[Out]())
	if err != nil {
		return zero, err
	}
	call := &Call{Protocol: ProtocolInProcess, Input: &in}
	for _, o := range opts {
		o(call)
	}
	if op.Kind == OpStream {
		return zero, NewError(CodeFailedPrecondition, "operation "+name+" is a stream; use InvokeStream")
	}
	out, err := op.Handle(ctx, call)
	if err != nil {
		return zero, err
	}
	return *out.(*Out), nil
}

// InvokeStream calls the stream operation name in process, calling send for
// each item until the stream ends.
func InvokeStream[In, Out any](ctx context.Context, a *App, name string, in In, send func(Out) error, opts ...InvokeOption) error {
	op, err := lookup(a, name, reflect.TypeFor[In](), reflect.TypeFor[Out]())
	if err != nil {
		return err
	}
	call := &Call{Protocol: ProtocolInProcess, Input: &in, Send: func(item any) error { return send(*item.(*Out)) }}
	for _, o := range opts {
		o(call)
	}
	_, err = op.Handle(ctx, call)
	return err
}

func lookup(a *App, name string, in, out reflect.Type) (*Operation, error) {
	op := a.Operation(name)
	if op == nil {
		return nil, NewError(CodeNotFound, "no operation "+name)
	}
	if op.Input.Go != in || op.Output.Go != out {
		return nil, NewError(CodeInvalidArgument, fmt.Sprintf("operation %s takes %s and returns %s", name, op.Input.Go, op.Output.Go))
	}
	return op, nil
}

// InvokeJSON calls the operation name in process with a JSON input and
// returns its JSON output. Streams return their items as a JSON array.
func (a *App) InvokeJSON(ctx context.Context, name string, input []byte, opts ...InvokeOption) ([]byte, error) {
	op := a.Operation(name)
	if op == nil {
		return nil, NewError(CodeNotFound, "no operation "+name)
	}
	in := op.NewInput()
	call := &Call{Protocol: ProtocolInProcess, Input: in}
	if len(bytes.TrimSpace(input)) > 0 {
		if err := op.jsonIO.unmarshal(input, in); err != nil {
			call.InputErr = err
		}
	}
	for _, o := range opts {
		o(call)
	}
	if op.Kind == OpStream {
		var items []json.RawMessage
		call.Send = func(item any) error {
			b, err := op.jsonIO.marshal(item)
			items = append(items, b)
			return err
		}
		if _, err := op.Handle(ctx, call); err != nil {
			return nil, err
		}
		if items == nil {
			items = []json.RawMessage{}
		}
		return json.Marshal(items)
	}
	out, err := op.Handle(ctx, call)
	if err != nil {
		return nil, err
	}
	return op.jsonIO.marshal(out)
}
