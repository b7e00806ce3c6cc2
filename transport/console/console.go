package console

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/transport/httpserver"
)

// Environment variables read by FromEnv.
const (
	// EnvEnabled turns the console on when "on" (also "1", "true").
	EnvEnabled = "ALLFRAME_CONSOLE"
	// EnvTraceURL is a URL template of a trace in an external tracing UI,
	// "{traceId}" standing for the trace id, e.g.
	// "http://localhost:16686/trace/{traceId}" for Jaeger.
	EnvTraceURL = "ALLFRAME_CONSOLE_TRACE_URL"
)

// Path is where the console is mounted on the HTTP host: the UI at Path,
// the JSON API under Path + "api/".
const Path = "/_console/"

const apiPath = Path + "api/"

// Console is the developer console: an app.Transport that mounts a web UI
// and its JSON API on the App's HTTP host (see the package doc). A Console
// from FromEnv with the console off mounts nothing and records nothing.
type Console struct {
	on       bool
	rec      *Recorder
	bus      *cqrs.Bus
	traceURL string

	mu  sync.Mutex
	app *app.App
}

var (
	_ app.Transport = (*Console)(nil)
	_ app.Preparer  = (*Console)(nil)
)

// Option configures a Console.
type Option func(*Console)

// WithBus shows bus's event store, projections and sagas. Default: the
// cqrs.Bus mounted on the App, if any (cqrs.NewBus mounts it).
func WithBus(bus *cqrs.Bus) Option { return func(c *Console) { c.bus = bus } }

// WithTraceURL sets the URL template of a trace in an external tracing
// UI ("{traceId}" stands for the id), returned as each trace's link.
// Default: the value of ALLFRAME_CONSOLE_TRACE_URL, else none.
func WithTraceURL(template string) Option { return func(c *Console) { c.traceURL = template } }

// WithLimits bounds the recorded spans and traces. Default: 2,000 spans in
// at most 500 traces.
func WithLimits(maxSpans, maxTraces int) Option {
	return func(c *Console) { c.rec = NewRecorder(maxSpans, maxTraces) }
}

// New returns a console that is on.
func New(opts ...Option) *Console {
	c := &Console{on: true, traceURL: os.Getenv(EnvTraceURL)}
	for _, o := range opts {
		o(c)
	}
	if c.rec == nil {
		c.rec = NewRecorder(0, 0)
	}
	return c
}

// FromEnv returns New(opts...) when ALLFRAME_CONSOLE is "on" (or "1",
// "true"), else a console that is off: it mounts nothing, its
// SpanProcessor is nil and it costs nothing.
func FromEnv(opts ...Option) *Console {
	if !EnabledInEnv(os.Getenv) {
		return &Console{}
	}
	return New(opts...)
}

// EnabledInEnv reports whether getenv turns the console on.
func EnabledInEnv(getenv func(string) string) bool {
	switch strings.ToLower(strings.TrimSpace(getenv(EnvEnabled))) {
	case "on", "1", "true", "yes":
		return true
	}
	return false
}

// Enabled reports whether the console is on.
func (c *Console) Enabled() bool { return c.on }

// Recorder returns the span recorder, or nil when the console is off.
func (c *Console) Recorder() *Recorder { return c.rec }

// SpanProcessor returns the recorder as a span processor to add to the
// tracer provider (telemetry.WithSpanProcessor), or nil when the console
// is off.
func (c *Console) SpanProcessor() sdktrace.SpanProcessor {
	if c.rec == nil {
		return nil
	}
	return c.rec
}

// Prepare mounts the console on a's HTTP host when it is on. It implements
// app.Preparer.
func (c *Console) Prepare(a *app.App) error {
	if !c.on {
		return nil
	}
	host, err := httpserver.Find(a, "console ("+Path+")")
	if err != nil {
		return err
	}
	h := c.Handler(a)
	host.Handle("", Path+"*", h, "console")
	host.Handle(http.MethodGet, strings.TrimSuffix(Path, "/"), http.RedirectHandler(Path, http.StatusMovedPermanently), "console")
	return nil
}

func (c *Console) currentApp() *app.App {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.app
}

func (c *Console) currentBus() *cqrs.Bus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.bus
}

// Start implements app.Transport; the HTTP host serves the console.
func (c *Console) Start(context.Context, *app.App) error { return nil }

// Stop implements app.Transport.
func (c *Console) Stop(context.Context) error { return nil }

// Handler returns the console's handler for a (UI and API under Path),
// without mounting it; useful with httptest.
func (c *Console) Handler(a *app.App) http.Handler {
	if !c.on {
		return http.NotFoundHandler()
	}
	c.mu.Lock()
	c.app = a
	if c.bus == nil {
		for _, t := range a.Transports() {
			if b, ok := t.(*cqrs.Bus); ok {
				c.bus = b
				break
			}
		}
	}
	c.mu.Unlock()
	api := c.api(a)
	ui := newAssets()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, apiPath) || r.URL.Path+"/" == apiPath {
			api.ServeHTTP(w, r)
			return
		}
		ui.ServeHTTP(w, r)
	})
}

// authRequired reports whether the API requires the admin authorizer:
// when one is configured (ALLFRAME_ADMIN_TOKEN, app.AdminToken,
// app.AdminAuth) or auth middleware declared security schemes.
func authRequired(a *app.App) bool {
	return a.AdminConfigured() || len(a.SecuritySchemes()) > 0
}

// consoleOp names console API calls to the admin authorizer.
var consoleOp = &app.Operation{Name: "console", Kind: app.OpQuery, Admin: true, Tags: []string{app.AdminTag}}

// authorize runs the App's admin authorizer for an API request when auth
// is required; a request without credentials gets 401.
func authorize(a *app.App, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if authRequired(a) {
			if r.Header.Get("Authorization") == "" && !hasAPIKey(a, r) {
				w.Header().Set("WWW-Authenticate", `Bearer realm="allframe console"`)
				writeError(w, r, app.NewError(app.CodeUnauthenticated,
					"the console API requires the admin token: send Authorization: Bearer <"+app.AdminTokenEnv+">"))
				return
			}
			call := &app.Call{Operation: consoleOp, Protocol: app.ProtocolHTTP, Metadata: r.Header, Peer: r.RemoteAddr, HTTPRequest: r, Route: r.URL.Path}
			if err := a.AuthorizeAdmin(r.Context(), call); err != nil {
				writeError(w, r, app.ErrorFrom(err))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// hasAPIKey reports whether r carries one of the API key headers the App's
// security schemes declare.
func hasAPIKey(a *app.App, r *http.Request) bool {
	for _, s := range a.SecuritySchemes() {
		if s.Type == "apiKey" && strings.EqualFold(s.In, "header") && r.Header.Get(s.Param) != "" {
			return true
		}
	}
	return false
}

func writeError(w http.ResponseWriter, r *http.Request, e *app.Error) {
	w.Header().Set("Cache-Control", "no-store")
	httpserver.WriteProblem(w, r, e)
}

func writeJSON(w http.ResponseWriter, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}

// protocolName is the console's name of an app.Protocol: "rest" for HTTP.
func protocolName(p string) string {
	if p == string(app.ProtocolHTTP) {
		return "rest"
	}
	return p
}
