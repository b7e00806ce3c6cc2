package rest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/app"
)

// Defaults of the REST transport's options.
const (
	DefaultMaxBodyBytes      = 4 << 20
	DefaultHeartbeat         = 15 * time.Second
	DefaultReadHeaderTimeout = 10 * time.Second
)

type options struct {
	addr              string
	listener          net.Listener
	maxBody           int64
	docs              bool
	heartbeat         time.Duration
	readHeaderTimeout time.Duration
	echoMiddleware    []echo.MiddlewareFunc
	servers           []string
}

// Option configures the REST transport.
type Option func(*options)

// WithAddr sets the listen address. Default: the App's HTTPAddr
// (ALLFRAME_HTTP_ADDR, ":8080").
func WithAddr(addr string) Option { return func(o *options) { o.addr = addr } }

// WithListener serves on l instead of listening on an address. Default: none.
func WithListener(l net.Listener) Option { return func(o *options) { o.listener = l } }

// WithMaxBodyBytes limits request bodies; larger ones get 413. Default: 4 MiB.
func WithMaxBodyBytes(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithDocs turns the /docs page on or off. Default: on.
func WithDocs(on bool) Option { return func(o *options) { o.docs = on } }

// WithHeartbeat sets the interval of SSE keep-alive comments. Default: 15s.
func WithHeartbeat(d time.Duration) Option { return func(o *options) { o.heartbeat = d } }

// WithEchoMiddleware adds echo middleware in front of every route (e.g.
// CORS, gzip). Default: none. Prefer app middleware for anything that
// should also run on gRPC and GraphQL.
func WithEchoMiddleware(mw ...echo.MiddlewareFunc) Option {
	return func(o *options) { o.echoMiddleware = append(o.echoMiddleware, mw...) }
}

// WithServers lists server URLs in the OpenAPI document. Default: "/"
// (the origin the document was fetched from).
func WithServers(urls ...string) Option {
	return func(o *options) { o.servers = append(o.servers, urls...) }
}

// Transport serves an App over REST on echo. It owns the App's HTTP server.
type Transport struct {
	opts options

	mu       sync.Mutex
	srv      *http.Server
	ln       net.Listener
	served   chan error
	stopCtx  context.Context
	stopFunc context.CancelFunc
}

var _ app.Transport = (*Transport)(nil)

// New returns a REST transport.
func New(opts ...Option) *Transport {
	o := options{maxBody: DefaultMaxBodyBytes, docs: true, heartbeat: DefaultHeartbeat, readHeaderTimeout: DefaultReadHeaderTimeout}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Transport{opts: o, stopCtx: ctx, stopFunc: cancel}
}

// Start builds the handler from the App's registry and extra routes,
// listens and serves in the background.
func (t *Transport) Start(_ context.Context, a *app.App) error {
	h, err := t.handler(a)
	if err != nil {
		return err
	}
	ln := t.opts.listener
	if ln == nil {
		addr := t.opts.addr
		if addr == "" {
			addr = a.Config().HTTPAddr
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("rest: listen: %w", err)
		}
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: t.opts.readHeaderTimeout}
	// HTTP/1.1 plus HTTP/2 without TLS (h2c, prior knowledge), so that gRPC
	// mounted on this port (grpc.WithH2C) and HTTP/2 clients work; HTTP/1
	// clients are unaffected.
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	t.mu.Lock()
	t.srv, t.ln, t.served = srv, ln, make(chan error, 1)
	t.mu.Unlock()
	go func() { t.served <- srv.Serve(ln) }()
	return nil
}

// Addr returns the bound address after Start, or nil.
func (t *Transport) Addr() net.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ln == nil {
		return nil
	}
	return t.ln.Addr()
}

// Stop ends open streams, then drains in-flight requests until ctx ends.
func (t *Transport) Stop(ctx context.Context) error {
	t.stopFunc()
	t.mu.Lock()
	srv, served := t.srv, t.served
	t.mu.Unlock()
	if srv == nil {
		return nil
	}
	err := srv.Shutdown(ctx)
	if err != nil {
		err = errors.Join(err, srv.Close())
	}
	if serr := <-served; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// Handler returns the REST handler for a (operations, OpenAPI, docs,
// health and the App's extra routes) without starting a server; useful with
// httptest.
func Handler(a *app.App, opts ...Option) (http.Handler, error) {
	return New(opts...).handler(a)
}

func (t *Transport) handler(a *app.App) (http.Handler, error) {
	doc, err := BuildOpenAPI(a, t.opts.servers...)
	if err != nil {
		return nil, err
	}
	specJSON, specYAML, err := marshalSpec(doc)
	if err != nil {
		return nil, err
	}
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.Logger.SetOutput(io.Discard)
	e.HTTPErrorHandler = errorHandler
	e.Use(t.opts.echoMiddleware...)
	for _, op := range a.Operations() {
		plan, err := compileBindPlan(op)
		if err != nil {
			return nil, fmt.Errorf("rest: %w", err)
		}
		h := t.unary(op, plan)
		if op.Kind == app.OpStream {
			h = t.stream(op, plan)
		}
		e.Add(op.HTTPMethod, echoPath(op.HTTPPath), h)
	}
	e.GET("/openapi.json", staticBytes("application/json", specJSON))
	e.GET("/openapi.yaml", staticBytes("application/yaml", specYAML))
	if t.opts.docs {
		mountDocs(e, a.Name())
	}
	e.GET("/healthz", func(c echo.Context) error {
		return c.JSONBlob(http.StatusOK, []byte(`{"status":"ok"}`))
	})
	e.GET("/readyz", func(c echo.Context) error {
		if !a.Ready() {
			writeProblem(c.Response(), c.Request(), app.NewError(app.CodeUnavailable, "not ready"))
			return nil
		}
		return c.JSONBlob(http.StatusOK, []byte(`{"status":"ready"}`))
	})
	for _, r := range a.HTTPRoutes() {
		h := echo.WrapHandler(r.Handler)
		if r.Method == "" {
			e.Any(r.Path, h)
		} else {
			e.Add(r.Method, r.Path, h)
		}
	}
	return e, nil
}

// echoPath turns "/users/{id}" into echo's "/users/:id".
func echoPath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") && strings.HasSuffix(s, "}") {
			segs[i] = ":" + s[1:len(s)-1]
		}
	}
	return strings.Join(segs, "/")
}

func staticBytes(contentType string, b []byte) echo.HandlerFunc {
	return func(c echo.Context) error { return c.Blob(http.StatusOK, contentType, b) }
}

// errorHandler renders every error that reaches echo (unknown routes,
// wrong methods, anything a handler returns) as problem+json.
func errorHandler(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = "no route for " + c.Request().Method + " " + c.Request().URL.Path
		case http.StatusMethodNotAllowed:
			msg = "method " + c.Request().Method + " not allowed on " + c.Request().URL.Path
		}
		e := app.NewError(codeForStatus(he.Code), msg)
		p := NewProblem(e, c.Request().URL.Path)
		p.Status, p.Title = he.Code, statusText(he.Code)
		b, _ := json.Marshal(p)
		c.Response().Header().Set("Content-Type", ProblemContentType)
		c.Response().WriteHeader(he.Code)
		_, _ = c.Response().Write(b)
		return
	}
	writeProblem(c.Response(), c.Request(), app.ErrorFrom(err))
}

var callPool = sync.Pool{New: func() any { return new(app.Call) }}

func (t *Transport) unary(op *app.Operation, plan *bindPlan) echo.HandlerFunc {
	enc := encoderFor(op.Output) // for *Out, what handlers return
	outPtr := reflect.PointerTo(op.Output.Go)
	return func(c echo.Context) error {
		r := c.Request()
		in := op.NewInput()
		call := callPool.Get().(*app.Call)
		*call = app.Call{
			Protocol:       app.ProtocolHTTP,
			Metadata:       r.Header,
			ResponseHeader: c.Response().Header(),
			Peer:           r.RemoteAddr,
			Input:          in,
			Route:          op.HTTPPath,
			HTTPRequest:    r,
		}
		if err := t.decode(c, plan, in); err != nil {
			if errors.Is(err, errTooLarge) {
				*call = app.Call{}
				callPool.Put(call)
				return echo.ErrStatusRequestEntityTooLarge
			}
			call.InputErr = err
		}
		out, err := op.Handle(r.Context(), call)
		*call = app.Call{}
		callPool.Put(call)
		if err != nil {
			writeProblem(c.Response(), r, app.ErrorFrom(err))
			return nil
		}
		var werr error
		if reflect.TypeOf(out) == outPtr {
			werr = writeCompiled(c.Response(), http.StatusOK, enc, reflect.ValueOf(out).UnsafePointer())
		} else {
			werr = writeJSON(c.Response(), http.StatusOK, out) // a middleware replaced the output
		}
		if err := werr; err != nil {
			if c.Response().Committed {
				return nil // the client went away mid-write
			}
			writeProblem(c.Response(), r, app.WrapError(app.CodeInternal, "internal error", err))
		}
		return nil
	}
}

var errTooLarge = errors.New("request body too large")

// decode fills in (a *In) from the body and the parameters.
func (t *Transport) decode(c echo.Context, plan *bindPlan, in any) error {
	r := c.Request()
	if plan.hasBody && r.Body != nil && r.Body != http.NoBody {
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, _, err := mime.ParseMediaType(ct)
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				return app.NewError(app.CodeInvalidArgument, "Content-Type must be application/json")
			}
		}
		body := http.MaxBytesReader(c.Response(), r.Body, t.opts.maxBody)
		dec := json.NewDecoder(body)
		if err := dec.Decode(in); err != nil && !errors.Is(err, io.EOF) {
			return jsonError(err)
		}
		if dec.More() {
			return app.InvalidArgument("malformed JSON body: unexpected data after the JSON value")
		}
	}
	if len(plan.params) == 0 {
		return nil
	}
	var query map[string][]string
	for i := range plan.params {
		if plan.params[i].in == app.SourceQuery {
			query = c.QueryParams()
			break
		}
	}
	if v := plan.bind(reflect.ValueOf(in).UnsafePointer(), r, c.Param, query); len(v) > 0 {
		return app.InvalidArgument("invalid "+v[0].Field+": "+v[0].Description, v...)
	}
	return nil
}

func jsonError(err error) error {
	var mbe *http.MaxBytesError
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &mbe):
		return errTooLarge
	case errors.As(err, &se):
		return app.InvalidArgument(fmt.Sprintf("malformed JSON body at offset %d: %s", se.Offset, se.Error()))
	case errors.As(err, &te):
		field := te.Field
		if field == "" {
			field = "body"
		}
		desc := "must be " + jsonTypeName(te.Type)
		return app.InvalidArgument("invalid "+field+": "+desc, app.FieldViolation{Field: field, Description: desc})
	case errors.Is(err, io.ErrUnexpectedEOF):
		return app.InvalidArgument("malformed JSON body: unexpected end of input")
	}
	return app.InvalidArgument("malformed JSON body: " + err.Error())
}

func jsonTypeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer in range"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return "a " + t.String()
}
