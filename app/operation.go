package app

import (
	"context"
	"fmt"
	"net/textproto"
	"reflect"
	"regexp"
	"runtime/debug"
	"strings"
	"unicode"
)

// OpKind says what an operation is: a query (safe, no side effects), a
// command (changes state) or a stream (yields outputs until its ctx ends).
type OpKind uint8

// The operation kinds.
const (
	OpQuery OpKind = iota + 1
	OpCommand
	OpStream
)

func (k OpKind) String() string {
	switch k {
	case OpQuery:
		return "query"
	case OpCommand:
		return "command"
	case OpStream:
		return "stream"
	}
	return "invalid"
}

// Operation is one registered operation: its name, kind, input and output
// type schemas, hints, and the handler chain that every transport calls.
type Operation struct {
	Name string
	Kind OpKind
	// Input and Output are the struct type schemas of In and Out.
	Input, Output *Type
	// HTTPMethod and HTTPPath are the REST route; defaults are
	// GET /<name> for queries and streams, POST /<name> for commands.
	HTTPMethod, HTTPPath string
	// Description and Summary document the operation in every schema.
	Description, Summary string
	Tags                 []string
	// Deprecated holds the deprecation reason; empty if not deprecated.
	Deprecated string
	// Admin marks an operator operation, gated by the App's admin
	// authorizer on every network protocol (see Admin).
	Admin bool
	// Headers are the request headers the operation honours beyond its
	// input fields (e.g. Idempotency-Key on idempotent commands), read
	// from the call's Metadata; ResponseHeaders are the headers it may set
	// on its response (e.g. Consistency-Token). Schema emitters document
	// both; set them with RequestHeader and ResponseHeader.
	Headers, ResponseHeaders []Header
	// Security says who may call the operation, any one requirement
	// sufficing: nil follows the App's default (see DeclareSecurity), an
	// empty non-nil slice makes it public. Auth middleware enforces it and
	// schema emitters document it (see SecurityRequirements).
	Security []SecurityRequirement
	// MaxBodyBytes, when positive, limits the REST request body (uploads
	// included); set it with MaxBodyBytes.
	MaxBodyBytes int64

	app        *App
	newInput   func() any
	core       Handler // decode check + validation + typed handler
	middleware []Middleware
	chain      Handler // middleware(core), built by App.freeze
	validate   bool
	checks     *checker
	fast       *compiledStruct
	jsonIO     *sumJSON // set when the input or output holds a sum type (oneofjson.go)
}

// NewInput returns a pointer to a new zero input value (*In).
func (op *Operation) NewInput() any { return op.newInput() }

// App returns the App the operation is registered in.
func (op *Operation) App() *App { return op.app }

// Handle runs the operation's full chain (middleware, validation, handler)
// for call. Panics become internal errors; every returned error is an
// *Error. Transports call this once per request.
//
// A panic or an internal error is logged once, with the context the
// handler ran in when it comes from the handler (see guard), so the record
// carries the trace id of a tracing middleware's span; one that comes from
// a middleware is logged here.
func (op *Operation) Handle(ctx context.Context, call *Call) (out any, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, op.panicked(ctx, call, r)
		}
	}()
	call.Operation = op
	if call.Metadata == nil {
		call.Metadata = NoMetadata
	}
	if call.ResponseHeader == nil {
		call.ResponseHeader = discardHeaders{}
	}
	if op.Admin {
		if e := op.app.authorizeAdmin(ctx, call); e != nil {
			return nil, e
		}
	}
	// freeze is a sync.Once: after the first call its check is one atomic
	// load, which also orders this read of op.chain after the write, even
	// when the first calls race each other (in-process calls before Start).
	op.app.freeze()
	out, err = op.chain(WithCall(ctx, call), call)
	if err != nil {
		e := ErrorFrom(err)
		if e.Code == CodeInternal && !call.logged {
			op.logFailure(ctx, call, err)
		}
		return nil, e
	}
	return out, nil
}

// guard wraps the core handler, inside every middleware: it recovers a
// panic into an internal error and logs internal errors, with the
// context the middleware gave the handler (its trace and span ids).
func (op *Operation) guard(next Handler) Handler {
	return func(ctx context.Context, call *Call) (out any, err error) {
		defer func() {
			if r := recover(); r != nil {
				out, err = nil, op.panicked(ctx, call, r)
			}
		}()
		out, err = next(ctx, call)
		if err != nil && CodeOf(err) == CodeInternal {
			op.logFailure(ctx, call, err)
		}
		return out, err
	}
}

// panicked logs a recovered panic with its stack, once, and returns the
// internal error the client sees: "internal error", nothing more.
func (op *Operation) panicked(ctx context.Context, call *Call, r any) *Error {
	p := &PanicError{Value: r, Stack: debug.Stack()}
	if !call.logged {
		call.logged = true
		op.app.logger.ErrorContext(ctx, "panic in operation", "operation", op.Name, "protocol", call.Protocol.String(),
			"panic", fmt.Sprint(r), "stack", string(p.Stack))
	}
	return WrapError(CodeInternal, internalMessage, p)
}

func (op *Operation) logFailure(ctx context.Context, call *Call, err error) {
	call.logged = true
	op.app.logger.ErrorContext(ctx, "operation failed", "operation", op.Name, "protocol", call.Protocol.String(), "error", err)
}

// OpOption configures an operation at registration.
type OpOption func(*Operation)

// HTTP sets the REST method and path template (e.g. "GET", "/users/{id}").
// Default: GET /<name> for queries and streams, POST /<name> for commands.
func HTTP(method, path string) OpOption {
	return func(op *Operation) { op.HTTPMethod, op.HTTPPath = strings.ToUpper(method), path }
}

// Describe sets the operation's description. Default: none.
func Describe(description string) OpOption {
	return func(op *Operation) { op.Description = description }
}

// Summary sets a one-line summary. Default: none.
func Summary(summary string) OpOption {
	return func(op *Operation) { op.Summary = summary }
}

// Tags sets grouping tags. Default: none.
func Tags(tags ...string) OpOption {
	return func(op *Operation) { op.Tags = append(op.Tags, tags...) }
}

// Deprecated marks the operation deprecated with a reason. Default: not deprecated.
func Deprecated(reason string) OpOption {
	return func(op *Operation) {
		if reason == "" {
			reason = "deprecated"
		}
		op.Deprecated = reason
	}
}

// With adds middleware that runs for this operation only, inside the
// App-wide middleware. Default: none.
func With(mw ...Middleware) OpOption {
	return func(op *Operation) { op.middleware = append(op.middleware, mw...) }
}

// Header describes a header (gRPC metadata key) that an operation reads
// from its call or sets on its response outside its input and output
// types, so that every schema can document it. Its value is a string;
// Constraints (lengths, pattern, enum) describe which strings.
type Header struct {
	// Name is the header's canonical HTTP name, e.g. "Idempotency-Key".
	Name string
	// Description says what the header does.
	Description string
	// Required is true for a request header the operation cannot run
	// without; false for optional ones and for response headers.
	Required bool
	// Constraints limit the value.
	Constraints Constraints
}

// RequestHeader declares a request header the operation honours (the
// operation or its middleware reads it from Call.Metadata). A later
// declaration of the same name replaces an earlier one. Default: none.
func RequestHeader(h Header) OpOption {
	return func(op *Operation) { op.Headers = withHeader(op.Headers, h) }
}

// ResponseHeader declares a header the operation may set on its response
// (Call.ResponseHeader). A later declaration of the same name replaces an
// earlier one. Default: none.
func ResponseHeader(h Header) OpOption {
	return func(op *Operation) { op.ResponseHeaders = withHeader(op.ResponseHeaders, h) }
}

func withHeader(hs []Header, h Header) []Header {
	h.Name = textproto.CanonicalMIMEHeaderKey(h.Name)
	for i := range hs {
		if hs[i].Name == h.Name {
			hs[i] = h
			return hs
		}
	}
	return append(hs, h)
}

var opNameRE = regexp.MustCompile(`^[a-z][A-Za-z0-9]*$`)

// Query registers a query: a typed handler without side effects, served as
// GET on REST, a Query field on GraphQL and a unary method on gRPC. It
// panics on a programmer error (duplicate name, unsupported type), as
// http.ServeMux does.
func Query[In, Out any](a *App, name string, h func(context.Context, In) (Out, error), opts ...OpOption) *Operation {
	return register[In, Out](a, name, OpQuery, unary(h), opts)
}

// Command registers a command: a typed handler that changes state, served
// as POST on REST, a Mutation field on GraphQL and a unary method on gRPC.
func Command[In, Out any](a *App, name string, h func(context.Context, In) (Out, error), opts ...OpOption) *Operation {
	return register[In, Out](a, name, OpCommand, unary(h), opts)
}

// Stream registers a stream: a handler that sends outputs until it returns
// or ctx ends, served as Server-Sent Events on REST, a Subscription field on
// GraphQL and a server-streaming method on gRPC. send blocks until the
// transport has written the item (backpressure) and fails once the client
// has gone.
func Stream[In, Out any](a *App, name string, h func(ctx context.Context, in In, send func(Out) error) error, opts ...OpOption) *Operation {
	core := func(ctx context.Context, call *Call, in *In) (any, error) {
		if call.Send == nil {
			return nil, NewError(CodeUnimplemented, "operation "+name+" is a stream and needs a streaming transport")
		}
		buf := new(Out)
		err := h(ctx, *in, func(o Out) error {
			*buf = o
			return call.Send(buf)
		})
		return nil, err
	}
	return register[In, Out](a, name, OpStream, core, opts)
}

func unary[In, Out any](h func(context.Context, In) (Out, error)) func(context.Context, *Call, *In) (any, error) {
	return func(ctx context.Context, _ *Call, in *In) (any, error) {
		out, err := h(ctx, *in)
		if err != nil {
			return nil, err
		}
		return &out, nil
	}
}

func register[In, Out any](a *App, name string, kind OpKind, core func(context.Context, *Call, *In) (any, error), opts []OpOption) *Operation {
	op, err := a.register(name, kind, reflect.TypeFor[In](), reflect.TypeFor[Out](), opts)
	if err != nil {
		panic("allframe: " + err.Error())
	}
	op.newInput = func() any { return new(In) }
	op.core = func(ctx context.Context, call *Call) (any, error) {
		if call.InputErr != nil {
			e := ErrorFrom(call.InputErr)
			if e.Code == CodeInternal {
				e = WrapError(CodeInvalidArgument, "invalid input", call.InputErr)
			}
			return nil, e
		}
		in, ok := call.Input.(*In)
		if !ok {
			if call.Input != nil {
				return nil, NewError(CodeInvalidArgument, fmt.Sprintf("input of %s must be %s", name, reflect.TypeFor[In]()))
			}
			in = new(In)
		}
		if op.validate {
			if err := op.app.validateStruct(op, in); err != nil {
				return nil, err
			}
		}
		return core(ctx, call, in)
	}
	return op
}

func (a *App) register(name string, kind OpKind, in, out reflect.Type, opts []OpOption) (*Operation, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.frozen {
		return nil, fmt.Errorf("operation %q registered after the app started", name)
	}
	if !opNameRE.MatchString(name) {
		return nil, fmt.Errorf("operation name %q must be lowerCamelCase ASCII letters and digits", name)
	}
	if _, dup := a.byName[name]; dup {
		return nil, fmt.Errorf("operation %q registered twice", name)
	}
	if in.Kind() != reflect.Struct {
		return nil, fmt.Errorf("operation %q: input %s must be a struct", name, in)
	}
	if out.Kind() != reflect.Struct {
		return nil, fmt.Errorf("operation %q: output %s must be a struct", name, out)
	}
	inT, err := a.types.of(in, exportName(name)+"Input")
	if err != nil {
		return nil, fmt.Errorf("operation %q input: %w", name, err)
	}
	outT, err := a.types.of(out, exportName(name)+"Output")
	if err != nil {
		return nil, fmt.Errorf("operation %q output: %w", name, err)
	}
	op := &Operation{Name: name, Kind: kind, Input: inT, Output: outT, app: a}
	for _, o := range opts {
		o(op)
	}
	if op.HTTPMethod == "" {
		op.HTTPMethod = "GET"
		if kind == OpCommand {
			op.HTTPMethod = "POST"
		}
	}
	if op.HTTPPath == "" {
		op.HTTPPath = "/" + name
	}
	if !strings.HasPrefix(op.HTTPPath, "/") {
		return nil, fmt.Errorf("operation %q: HTTP path %q must start with /", name, op.HTTPPath)
	}
	for _, p := range pathParams(op.HTTPPath) {
		f := findParam(inT, p)
		if f == nil {
			return nil, fmt.Errorf("operation %q: path parameter {%s} has no input field with `path:%q`", name, p, p)
		}
	}
	for _, f := range inT.Fields {
		if f.In == SourcePath && !containsParam(op.HTTPPath, f.Param) {
			return nil, fmt.Errorf("operation %q: field %s binds path parameter %q missing from %s", name, f.GoName, f.Param, op.HTTPPath)
		}
	}
	for _, other := range a.ops {
		if other.HTTPMethod == op.HTTPMethod && samePath(other.HTTPPath, op.HTTPPath) {
			return nil, fmt.Errorf("operation %q: route %s %s already used by %q", name, op.HTTPMethod, op.HTTPPath, other.Name)
		}
	}
	op.jsonIO = newSumJSON(inT, outT)
	op.validate = needsValidation(inT, map[*Type]bool{})
	op.checks = buildChecks(inT)
	if op.validate {
		op.fast = compileValidation(inT, a.validator)
	}
	a.ops = append(a.ops, op)
	a.byName[name] = op
	return op, nil
}

// pathParams returns the {name} parameters of a path template.
func pathParams(path string) []string {
	var out []string
	for seg := range strings.SplitSeq(path, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}

func containsParam(path, p string) bool { return strings.Contains(path, "{"+p+"}") }

func findParam(t *Type, p string) *Field {
	for _, f := range t.Fields {
		if f.In == SourcePath && f.Param == p {
			return f
		}
	}
	return nil
}

func samePath(a, b string) bool {
	norm := func(s string) string {
		segs := strings.Split(s, "/")
		for i, seg := range segs {
			if strings.HasPrefix(seg, "{") {
				segs[i] = "{}"
			}
		}
		return strings.Join(segs, "/")
	}
	return norm(a) == norm(b)
}

// PascalName returns name with its first letter upper-cased ("hello" → "Hello").
func PascalName(name string) string { return exportName(name) }

// SnakeName converts a lowerCamel or Pascal name to snake_case.
func SnakeName(name string) string {
	var b strings.Builder
	rs := []rune(name)
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 && (unicode.IsLower(rs[i-1]) || unicode.IsDigit(rs[i-1]) || i+1 < len(rs) && unicode.IsLower(rs[i+1])) {
				b.WriteByte('_')
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
