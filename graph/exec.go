package graph

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
)

// binding ties a root field to its operation.
type binding struct {
	op    *app.Operation
	root  string // "Query", "Mutation" or "Subscription"
	route string // "Query.hello"
	in    *inputPlan
	out   *valuePlan
	// outPtr is *Out, the type Handle returns and Send passes.
	outPtr reflect.Type
}

// executable implements graphql.ExecutableSchema over a Schema.
type executable struct {
	s *Schema
	// child is the FieldContext.Child function, allocated once.
	child func(context.Context, graphql.CollectedField) (*graphql.FieldContext, error)
}

var _ graphql.ExecutableSchema = (*executable)(nil)

func newExecutable(s *Schema) *executable {
	e := &executable{s: s}
	e.child = e.childContext
	return e
}

// Schema returns the parsed schema.
func (e *executable) Schema() *ast.Schema { return e.s.ast }

// Complexity counts every field as 1 plus its children.
func (e *executable) Complexity(_ context.Context, _, _ string, childComplexity int, _ map[string]any) (int, bool) {
	return childComplexity + 1, true
}

// Exec executes the operation of ctx's operation context. Queries and
// mutations do their work on the first call of the returned handler;
// subscriptions start their stream here so that setup errors are reported
// before the first response.
func (e *executable) Exec(ctx context.Context) graphql.ResponseHandler {
	opCtx := graphql.GetOperationContext(ctx)
	p, err := e.s.plan(opCtx)
	if err != nil {
		graphql.AddError(ctx, &gqlerror.Error{Message: err.Error(), Extensions: map[string]any{"code": app.CodeInternal.Upper()}})
		return graphql.OneShot(nil)
	}
	if p.kind == ast.Subscription {
		return e.subscribe(ctx, opCtx, p)
	}
	done := false
	return func(ctx context.Context) *graphql.Response {
		if done {
			return nil
		}
		done = true
		return e.execute(ctx, opCtx, p)
	}
}

// state is the output of one response being written.
type state struct {
	ctx  context.Context // where errors are added; nil collects them in errs
	errs gqlerror.List
	buf  []byte
	path []pathSeg
	root *rootField
	// marker is what a root resolver returns when it wrote its value into
	// buf[start:end] itself.
	marker written
	// call details shared by the operation fields of the response.
	md   app.Metadata
	rh   app.HeaderSetter
	peer string
}

type pathSeg struct {
	field *selField // nil for a list index
	index int
}

// written is the graphql.Marshaler of a root field value already in the
// response buffer; marshalled elsewhere it copies those bytes.
type written struct {
	st         *state
	start, end int
}

// MarshalGQL writes the bytes of the value.
func (w *written) MarshalGQL(out io.Writer) {
	_, _ = out.Write(w.st.buf[w.start:w.end])
}

// Write appends to the buffer, so foreign Marshalers can write into it.
func (st *state) Write(b []byte) (int, error) {
	st.buf = append(st.buf, b...)
	return len(b), nil
}

func newState(ctx context.Context, opCtx *graphql.OperationContext, size int) *state {
	st := &state{ctx: ctx, buf: make([]byte, 0, max(size, 64))}
	st.marker.st = st
	ri := RequestInfoFrom(ctx)
	if ri != nil {
		st.md, st.rh, st.peer = ri.Metadata, ri.ResponseHeader, ri.Peer
	}
	if st.md == nil && opCtx.Headers != nil {
		st.md = opCtx.Headers
	}
	return st
}

// fail records that the value at the current path cannot be represented.
func (st *state) fail(msg string) bool {
	st.addError(&gqlerror.Error{
		Message:    msg,
		Path:       st.astPath(),
		Locations:  st.locations(),
		Extensions: map[string]any{"code": app.CodeInternal.Upper()},
	})
	return false
}

func (st *state) addError(err *gqlerror.Error) {
	if st.ctx == nil {
		st.errs = append(st.errs, err)
		return
	}
	graphql.AddError(st.ctx, err)
}

func (st *state) astPath() ast.Path {
	path := ast.Path{ast.PathName(st.root.alias)}
	for _, seg := range st.path {
		if seg.field != nil {
			path = append(path, ast.PathName(seg.field.alias))
		} else {
			path = append(path, ast.PathIndex(seg.index))
		}
	}
	return path
}

func (st *state) locations() []gqlerror.Location {
	pos := st.root.cf.Position
	for i := len(st.path) - 1; i >= 0; i-- {
		if f := st.path[i].field; f != nil {
			pos = f.pos
			break
		}
	}
	return location(pos)
}

func location(pos *ast.Position) []gqlerror.Location {
	if pos == nil || pos.Line == 0 {
		return nil
	}
	return []gqlerror.Location{{Line: pos.Line, Column: pos.Column}}
}

// execute runs a query or mutation: root fields in document order, one
// after the other (mutations must be serial; queries are too, so the
// handler chain of each field runs once with no fan-out).
func (e *executable) execute(ctx context.Context, opCtx *graphql.OperationContext, p *opPlan) (resp *graphql.Response) {
	defer func() {
		if r := recover(); r != nil {
			// A bug here or in gqlgen middleware: report it, never crash
			// the request.
			graphql.AddError(ctx, opCtx.Recover(ctx, r))
			resp = &graphql.Response{Data: []byte("null")}
		}
	}()
	st := newState(ctx, opCtx, int(p.size.Load()))
	st.buf = append(st.buf, '{')
	for i := range p.fields {
		rf := &p.fields[i]
		st.root = rf
		st.buf = append(st.buf, rf.key[1-min(i, 1):]...)
		switch rf.kind {
		case rootTypename:
			st.buf = jsonenc.AppendString(st.buf, p.root)
		case rootPlaceholder:
			st.buf = append(st.buf, "true"...)
		case rootSchema, rootType:
			e.introspect(st, opCtx, rf)
		default:
			e.resolve(ctx, st, opCtx, rf)
		}
	}
	st.buf = append(st.buf, '}')
	p.size.Store(int64(len(st.buf)))
	return &graphql.Response{Data: st.buf}
}

// resolve runs one operation field through gqlgen's root field and field
// middleware and writes its value.
func (e *executable) resolve(ctx context.Context, st *state, opCtx *graphql.OperationContext, rf *rootField) {
	start := len(st.buf)
	st.marker.start, st.marker.end = start, start
	rctx := graphql.WithRootFieldContext(ctx, &graphql.RootFieldContext{Object: rf.bind.root, Field: rf.cf})
	m := opCtx.RootResolverMiddleware(rctx, func(ctx context.Context) graphql.Marshaler {
		return e.resolveField(ctx, st, opCtx, rf, start)
	})
	if m == graphql.Marshaler(&st.marker) && st.marker.start == start {
		return
	}
	// A middleware replaced the value.
	st.buf = st.buf[:start]
	if m == nil {
		st.buf = append(st.buf, "null"...)
		return
	}
	m.MarshalGQL(st)
	if len(st.buf) == start {
		st.buf = append(st.buf, "null"...)
	}
}

func (e *executable) resolveField(ctx context.Context, st *state, opCtx *graphql.OperationContext, rf *rootField, start int) graphql.Marshaler {
	st.buf = st.buf[:start]
	st.marker.start = start
	args, argErr := argumentMap(rf.cf.Field, opCtx.Variables)
	fc := &graphql.FieldContext{Object: rf.bind.root, Field: rf.cf, Args: args, IsMethod: true, IsResolver: true, Child: e.child}
	fctx := graphql.WithFieldContext(ctx, fc)
	var res any
	var err error
	if argErr != nil {
		err = argErr
	} else {
		res, err = opCtx.ResolverMiddleware(fctx, func(ctx context.Context) (any, error) {
			return e.call(ctx, st, rf.bind, fc.Args, nil)
		})
		fc.Result = res
	}
	switch {
	case err != nil:
		st.addError(fieldError(err, rf))
		st.buf = append(st.buf, "null"...)
	case res == nil:
		st.buf = append(st.buf, "null"...)
	default:
		if !st.value(rf, res) {
			st.buf = append(st.buf[:start], "null"...)
		}
	}
	st.marker.end = len(st.buf)
	return &st.marker
}

// value writes a handler result of root field rf.
func (st *state) value(rf *rootField, res any) bool {
	if reflect.TypeOf(res) != rf.bind.outPtr {
		st.path = st.path[:0]
		st.addError(&gqlerror.Error{
			Message:    "internal error",
			Path:       ast.Path{ast.PathName(rf.alias)},
			Locations:  location(rf.cf.Position),
			Extensions: map[string]any{"code": app.CodeInternal.Upper()},
		})
		return false
	}
	st.path = st.path[:0]
	return st.encode(rf.bind.out, reflect.ValueOf(res).UnsafePointer(), rf.sub)
}

// call decodes the arguments and runs the operation's handler chain.
func (e *executable) call(ctx context.Context, st *state, b *binding, args map[string]any, send func(any) error) (any, error) {
	in := b.op.NewInput()
	call := &app.Call{
		Protocol:       app.ProtocolGraphQL,
		Metadata:       st.md,
		ResponseHeader: st.rh,
		Peer:           st.peer,
		Input:          in,
		Route:          b.route,
		Send:           send,
	}
	if err := b.in.decodeArgs(reflect.ValueOf(in).UnsafePointer(), args); err != nil {
		call.InputErr = err
	}
	return b.op.Handle(ctx, call)
}

// childContext implements FieldContext.Child for middleware that inspects
// the selections below an operation field.
func (e *executable) childContext(ctx context.Context, cf graphql.CollectedField) (*graphql.FieldContext, error) {
	fc := &graphql.FieldContext{Field: cf, Child: e.child}
	if cf.ObjectDefinition != nil {
		fc.Object = cf.ObjectDefinition.Name
	}
	if len(cf.Arguments) > 0 && graphql.HasOperationContext(ctx) {
		args, err := argumentMap(cf.Field, graphql.GetOperationContext(ctx).Variables)
		if err != nil {
			return nil, err
		}
		fc.Args = args
	}
	return fc, nil
}

// fieldError converts an error of root field rf to a GraphQL error.
func fieldError(err error, rf *rootField) *gqlerror.Error {
	path := ast.Path{ast.PathName(rf.alias)}
	if ge, ok := errors.AsType[*gqlerror.Error](err); ok {
		if ge.Path == nil {
			ge.Path = path
		}
		if ge.Locations == nil {
			ge.Locations = location(rf.cf.Position)
		}
		return ge
	}
	ge := ErrorFor(err)
	ge.Path, ge.Locations = path, location(rf.cf.Position)
	return ge
}

// ErrorFor maps an error to a GraphQL error: the client-safe message of
// app.ErrorFrom(err), extensions.code set to the error's Reason when it has
// one (e.g. "RATE_LIMITED", "TIMEOUT"), else to the code in upper snake
// case (e.g. "INVALID_ARGUMENT"), extensions.retryAfterMs to RetryAfter in
// milliseconds (rounded up), extensions.violations to the field violations
// and extensions.details to the details, when there are any. Errors without
// a code become INTERNAL with a generic message. It is the one place
// GraphQL maps errors.
func ErrorFor(err error) *gqlerror.Error {
	e := app.ErrorFrom(err)
	code := e.Code.Upper()
	if e.Reason != "" {
		code = e.Reason
	}
	ext := map[string]any{"code": code}
	if e.RetryAfter > 0 {
		ext["retryAfterMs"] = (e.RetryAfter + time.Millisecond - 1).Milliseconds()
	}
	if len(e.Violations) > 0 {
		ext["violations"] = e.Violations
	}
	if len(e.Details) > 0 {
		ext["details"] = e.Details
	}
	return &gqlerror.Error{Err: e, Message: e.Message, Extensions: ext}
}

// argumentMap returns the arguments of f as gqlgen passes them to
// resolvers: literal values converted, variables looked up, defaults
// applied. Unlike ast.Field.ArgumentMap it reports integer literals too
// large for int64 (for Int64 and Uint64) as json.Number instead of
// panicking.
func argumentMap(f *ast.Field, vars map[string]any) (map[string]any, error) {
	if f.Definition == nil || len(f.Definition.Arguments) == 0 {
		return nil, nil
	}
	out := make(map[string]any, len(f.Definition.Arguments))
	for _, def := range f.Definition.Arguments {
		var val any
		has := false
		if a := f.Arguments.ForName(def.Name); a != nil {
			if a.Value.Kind == ast.Variable {
				val, has = vars[a.Value.Raw]
			} else {
				v, err := literal(a.Value, vars)
				if err != nil {
					return nil, err
				}
				val, has = v, true
			}
		}
		if !has && def.DefaultValue != nil {
			v, err := literal(def.DefaultValue, vars)
			if err != nil {
				return nil, err
			}
			val, has = v, true
		}
		if has {
			out[def.Name] = val
		}
	}
	return out, nil
}

// literal converts an argument value as ast.Value.Value does, except that
// integers beyond int64 become json.Number and malformed literals errors.
func literal(v *ast.Value, vars map[string]any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch v.Kind {
	case ast.Variable:
		if val, ok := vars[v.Raw]; ok {
			return val, nil
		}
		if v.VariableDefinition != nil && v.VariableDefinition.DefaultValue != nil {
			return literal(v.VariableDefinition.DefaultValue, vars)
		}
		return nil, nil
	case ast.IntValue:
		if n, err := strconv.ParseInt(v.Raw, 10, 64); err == nil {
			return n, nil
		}
		return json.Number(v.Raw), nil
	case ast.FloatValue:
		f, err := strconv.ParseFloat(v.Raw, 64)
		if err != nil {
			return nil, app.InvalidArgument("invalid float literal " + v.Raw)
		}
		return f, nil
	case ast.StringValue, ast.BlockValue, ast.EnumValue:
		return v.Raw, nil
	case ast.BooleanValue:
		return v.Raw == "true", nil
	case ast.NullValue:
		return nil, nil
	case ast.ListValue:
		out := make([]any, 0, len(v.Children))
		for _, c := range v.Children {
			val, err := literal(c.Value, vars)
			if err != nil {
				return nil, err
			}
			out = append(out, val)
		}
		return out, nil
	case ast.ObjectValue:
		out := make(map[string]any, len(v.Children))
		for _, c := range v.Children {
			if c.Value.Kind == ast.Variable {
				if _, ok := vars[c.Value.Raw]; !ok && (c.Value.VariableDefinition == nil || c.Value.VariableDefinition.DefaultValue == nil) {
					continue // unset variables leave the field unset
				}
			}
			val, err := literal(c.Value, vars)
			if err != nil {
				return nil, err
			}
			out[c.Name] = val
		}
		return out, nil
	}
	return nil, app.InvalidArgument("unsupported literal " + v.String())
}
