package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/internal/jsonenc"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Defaults of the REST transport's options.
const (
	DefaultMaxBodyBytes = httpserver.DefaultMaxBodyBytes
	DefaultHeartbeat    = 15 * time.Second
)

type options struct {
	maxBody        int64
	uploadMemory   int64
	docs           bool
	heartbeat      time.Duration
	echoMiddleware []echo.MiddlewareFunc
	servers        []string
}

// Option configures the REST transport.
type Option func(*options)

// WithMaxBodyBytes limits request bodies of operations (JSON and uploads);
// larger ones get 413. The HTTP host's limit (ALLFRAME_HTTP_MAX_BODY)
// applies first; app.MaxBodyBytes sets one operation's own limit.
// Default: 4 MiB.
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

// Transport serves an App over REST on echo, mounted on the App's HTTP
// host (httpserver.Host) as its fallback router: every path the host does
// not route elsewhere (GraphQL, schema exports, metrics, health) is REST's,
// unknown ones included (404 problem+json).
type Transport struct {
	opts options

	mu       sync.Mutex
	prepared bool
	stopCtx  context.Context
	stopFunc context.CancelFunc
}

var (
	_ app.Transport = (*Transport)(nil)
	_ app.Preparer  = (*Transport)(nil)
)

// New returns a REST transport.
func New(opts ...Option) *Transport {
	o := options{maxBody: DefaultMaxBodyBytes, uploadMemory: DefaultUploadMemory, docs: true, heartbeat: DefaultHeartbeat}
	for _, opt := range opts {
		opt(&o)
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Transport{opts: o, stopCtx: ctx, stopFunc: cancel}
}

// Prepare builds the router from the App's registry and mounts it on the
// App's HTTP host, which must be mounted too.
func (t *Transport) Prepare(a *app.App) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.prepared {
		return nil
	}
	host, err := httpserver.Find(a, "rest")
	if err != nil {
		return err
	}
	h, err := t.handler(a)
	if err != nil {
		return err
	}
	host.HandleFallback(h, "rest")
	host.OnShutdown(t.stopFunc) // end SSE streams before the host drains
	t.prepared = true
	return nil
}

// Start checks that the transport is mounted; the host serves it.
func (t *Transport) Start(_ context.Context, a *app.App) error { return t.Prepare(a) }

// Stop ends open Server-Sent Event streams; the host drains the rest.
func (t *Transport) Stop(context.Context) error {
	t.stopFunc()
	return nil
}

// Handler returns the REST router for a (operations, OpenAPI, docs)
// without a host; useful with httptest. Health endpoints and other
// transports' routes are the host's: see httpserver.Host.Handler.
func Handler(a *app.App, opts ...Option) (http.Handler, error) {
	return New(opts...).handler(a)
}

func (t *Transport) handler(a *app.App) (http.Handler, error) {
	doc, err := buildOpenAPI(a, t.opts.servers)
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
	encs := jsonenc.NewEncoders() // one cache per handler build: per App, shared by its routes
	for _, op := range a.Operations() {
		plan, err := compileBindPlan(op)
		if err != nil {
			return nil, fmt.Errorf("rest: %w", err)
		}
		h := t.unary(op, plan, encs.For(op.Output))
		if op.Kind == app.OpStream {
			h = t.stream(op, plan, encs.For(op.Output))
		}
		e.Add(op.HTTPMethod, echoPath(op.HTTPPath), h)
	}
	e.GET("/openapi.json", staticBytes("application/json", specJSON))
	e.GET("/openapi.yaml", staticBytes("application/yaml", specYAML))
	if t.opts.docs {
		mountDocs(e, a.Name())
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
		r := c.Request()
		msg := http.StatusText(he.Code)
		switch he.Code {
		case http.StatusNotFound:
			msg = "no route for " + r.Method + " " + r.URL.Path
		case http.StatusMethodNotAllowed:
			msg = "method " + r.Method + " not allowed on " + r.URL.Path
		case http.StatusRequestEntityTooLarge:
			msg = "request body too large"
		}
		httpserver.WriteStatusProblem(c.Response(), r, he.Code, msg)
		return
	}
	writeProblem(c.Response(), c.Request(), app.ErrorFrom(err))
}

var callPool = sync.Pool{New: func() any { return new(app.Call) }}

func (t *Transport) unary(op *app.Operation, plan *bindPlan, enc encodeFunc) echo.HandlerFunc {
	// enc encodes *Out, what handlers return.
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
		done, err := t.decode(c, plan, in)
		if done != nil {
			defer done()
		}
		if err != nil {
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
		if blob, ok := out.(*app.Blob); ok && blob != nil {
			werr = writeBlob(c.Response(), blob)
		} else if reflect.TypeOf(out) == outPtr {
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

var bodyPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// decode fills in (a *In) from the body and the parameters. The body is
// one JSON value and nothing after it, in valid UTF-8 — or, for an input
// with File fields, multipart/form-data or a raw file. A non-nil release
// frees what the upload left (spooled files) and must be called once the
// handler returns.
func (t *Transport) decode(c echo.Context, plan *bindPlan, in any) (done release, err error) {
	r := c.Request()
	limit := t.opts.maxBody
	if plan.maxBody > 0 {
		limit = plan.maxBody
	}
	if plan.hasBody && r.Body != nil && r.Body != http.NoBody {
		if r.ContentLength > limit {
			return nil, errTooLarge
		}
		if ct := r.Header.Get("Content-Type"); ct != "" {
			mt, params, err := mime.ParseMediaType(ct)
			if err == nil && plan.upload != nil && mt != "application/json" && !strings.HasSuffix(mt, "+json") {
				done, err := t.decodeUpload(c, plan.upload, limit, mt, params, in)
				if err != nil {
					return nil, err
				}
				return done, t.bindParams(c, plan, in)
			}
			if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
				return nil, app.NewError(app.CodeInvalidArgument, "Content-Type must be application/json")
			}
		}
		buf := bodyPool.Get().(*bytes.Buffer)
		defer func() {
			if buf.Cap() <= 64<<10 {
				buf.Reset()
				bodyPool.Put(buf)
			}
		}()
		if _, err := buf.ReadFrom(http.MaxBytesReader(c.Response(), r.Body, limit)); err != nil {
			return nil, bodyReadError(err)
		}
		if body := buf.Bytes(); len(bytes.TrimSpace(body)) > 0 {
			if err := decodeJSON(body, in, plan.body); err != nil {
				return nil, err
			}
		}
	}
	return nil, t.bindParams(c, plan, in)
}

// bindParams binds the path, query and header parameters of plan.
func (t *Transport) bindParams(c echo.Context, plan *bindPlan, in any) error {
	r := c.Request()
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

// decodeJSON decodes body, exactly one JSON value, into in. encoding/json
// would store invalid UTF-8 as U+FFFD; it is refused instead, naming the
// field, as the gRPC and GraphQL transports refuse it.
func decodeJSON(body []byte, in any, dec *app.JSONDecoder) error {
	if !utf8.Valid(body) {
		field := invalidUTF8Field(body)
		desc := "must be valid UTF-8"
		return app.InvalidArgument("invalid "+field+": "+desc, app.FieldViolation{Field: field, Description: desc})
	}
	if dec != nil {
		if !json.Valid(body) {
			return jsonError(json.Unmarshal(body, new(any)))
		}
		if err := dec.Decode(body, in); err != nil {
			var ae *app.Error
			if errors.As(err, &ae) {
				return err
			}
			return jsonError(err)
		}
		return nil
	}
	if err := json.Unmarshal(body, in); err != nil {
		return jsonError(err)
	}
	return nil
}

func bodyReadError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errTooLarge
	}
	return app.WrapError(app.CodeInvalidArgument, "reading the request body failed", err)
}

func jsonError(err error) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errTooLarge
	}
	return app.JSONInputError(err, "body")
}

// ServesOperations implements app.OperationServer.
func (t *Transport) ServesOperations() bool { return true }

var _ app.OperationServer = (*Transport)(nil)
