package httpserver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
)

// Defaults of the host's settings.
const (
	DefaultAddr              = ":8080"
	DefaultMaxBodyBytes      = 4 << 20
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 120 * time.Second
	DefaultMaxHeaderBytes    = 1 << 20
)

// Config holds the host's settings read from the environment. Its zero
// value works: empty fields take the defaults.
type Config struct {
	// Addr is the listen address. Env ALLFRAME_HTTP_ADDR, default ":8080"
	// (every interface; use 127.0.0.1:8080 for loopback only).
	Addr string
	// MaxBodyBytes limits request bodies: a larger Content-Length gets 413
	// before anything is read (no 100 Continue), a longer chunked body
	// stops at the limit. Env ALLFRAME_HTTP_MAX_BODY (bytes), default 4 MiB.
	MaxBodyBytes int64
	// ReadHeaderTimeout bounds reading the request headers. Env
	// ALLFRAME_HTTP_READ_HEADER_TIMEOUT, default 10s.
	ReadHeaderTimeout time.Duration
	// BodyTimeout bounds reading a request body, from the end of the
	// headers to the body's end; a client sending slower is disconnected.
	// Streams (SSE, WebSocket) are not bounded once their body is read.
	// Env ALLFRAME_HTTP_BODY_TIMEOUT, default 30s.
	BodyTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle that long. Env
	// ALLFRAME_HTTP_IDLE_TIMEOUT, default 120s.
	IdleTimeout time.Duration
	// MaxHeaderBytes limits the size of the request line and headers
	// (HTTP/1.1; the header list on HTTP/2): a larger request gets 431
	// Request Header Fields Too Large. Env ALLFRAME_HTTP_MAX_HEADER_BYTES,
	// default 1 MiB.
	MaxHeaderBytes int
}

// ConfigFromEnv reads Config from the environment via getenv (os.Getenv
// when nil), with defaults for unset variables.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{Addr: getenv("ALLFRAME_HTTP_ADDR")}
	if s := getenv("ALLFRAME_HTTP_MAX_BODY"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("ALLFRAME_HTTP_MAX_BODY: want a positive number of bytes, got %q", s)
		}
		c.MaxBodyBytes = n
	}
	if s := getenv("ALLFRAME_HTTP_MAX_HEADER_BYTES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 {
			return c, fmt.Errorf("ALLFRAME_HTTP_MAX_HEADER_BYTES: want a positive number of bytes, got %q", s)
		}
		c.MaxHeaderBytes = n
	}
	for _, d := range []struct {
		name string
		to   *time.Duration
	}{
		{"ALLFRAME_HTTP_READ_HEADER_TIMEOUT", &c.ReadHeaderTimeout},
		{"ALLFRAME_HTTP_BODY_TIMEOUT", &c.BodyTimeout},
		{"ALLFRAME_HTTP_IDLE_TIMEOUT", &c.IdleTimeout},
	} {
		if s := getenv(d.name); s != "" {
			v, err := time.ParseDuration(s)
			if err != nil || v <= 0 {
				return c, fmt.Errorf("%s: want a positive Go duration such as 30s, got %q", d.name, s)
			}
			*d.to = v
		}
	}
	return c.withDefaults(), nil
}

func (c Config) withDefaults() Config {
	if c.Addr == "" {
		c.Addr = DefaultAddr
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.MaxHeaderBytes <= 0 {
		c.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	return c
}

// Option configures a Host.
type Option func(*Host)

// WithAddr sets the listen address, overriding ALLFRAME_HTTP_ADDR.
// Default: ":8080".
func WithAddr(addr string) Option { return func(h *Host) { h.cfg.Addr = addr } }

// WithListener serves on l instead of listening on an address. Default: none.
func WithListener(l net.Listener) Option { return func(h *Host) { h.listener = l } }

// WithConfig replaces the environment-derived Config (non-zero fields win).
// Default: ConfigFromEnv(os.Getenv).
func WithConfig(c Config) Option {
	return func(h *Host) {
		if c.Addr != "" {
			h.cfg.Addr = c.Addr
		}
		if c.MaxBodyBytes > 0 {
			h.cfg.MaxBodyBytes = c.MaxBodyBytes
		}
		if c.ReadHeaderTimeout > 0 {
			h.cfg.ReadHeaderTimeout = c.ReadHeaderTimeout
		}
		if c.BodyTimeout > 0 {
			h.cfg.BodyTimeout = c.BodyTimeout
		}
		if c.IdleTimeout > 0 {
			h.cfg.IdleTimeout = c.IdleTimeout
		}
		if c.MaxHeaderBytes > 0 {
			h.cfg.MaxHeaderBytes = c.MaxHeaderBytes
		}
	}
}

// WithMaxHeaderBytes limits the request line and headers; larger requests
// get 431. Default: 1 MiB.
func WithMaxHeaderBytes(n int) Option { return func(h *Host) { h.cfg.MaxHeaderBytes = n } }

// WithMaxBodyBytes limits request bodies; larger ones get 413. Default: 4 MiB.
func WithMaxBodyBytes(n int64) Option { return func(h *Host) { h.cfg.MaxBodyBytes = n } }

// WithBodyTimeout bounds reading a request body. Default: 30s.
func WithBodyTimeout(d time.Duration) Option { return func(h *Host) { h.cfg.BodyTimeout = d } }

// WithIdleTimeout closes idle keep-alive connections. Default: 120s.
func WithIdleTimeout(d time.Duration) Option { return func(h *Host) { h.cfg.IdleTimeout = d } }

// WithReadHeaderTimeout bounds reading request headers. Default: 10s.
func WithReadHeaderTimeout(d time.Duration) Option {
	return func(h *Host) { h.cfg.ReadHeaderTimeout = d }
}

// Host is the App's HTTP server: it owns the listener (HTTP/1.1 and h2c),
// /healthz and /readyz, the mount table that REST, GraphQL, schema exports,
// metrics and gRPC-over-h2c register on, server timeouts, body limits and
// graceful drain. It implements app.Transport: mount it with the transports
// that mount on it, e.g. a.Run(httpserver.New(), rest.New(), graphql.New()).
type Host struct {
	cfg      Config
	cfgErr   error
	listener net.Listener
	cors     *cors
	corsErr  error

	mu         sync.Mutex
	app        *app.App
	routes     []*route
	fallback   *route
	onShutdown []func()
	handler    http.Handler
	srv        *http.Server
	ln         net.Listener
	served     chan error
}

var (
	_ app.Transport = (*Host)(nil)
	_ app.Bound     = (*Host)(nil)
)

// New returns a Host configured from the environment and opts.
func New(opts ...Option) *Host {
	h := &Host{}
	h.cfg, h.cfgErr = ConfigFromEnv(nil)
	for _, o := range opts {
		o(h)
	}
	h.cfg = h.cfg.withDefaults()
	h.cfgErr = errors.Join(h.cfgErr, h.corsErr)
	return h
}

// Config returns the effective configuration.
func (h *Host) Config() Config { return h.cfg }

// route is one mounted endpoint: an exact path, or a prefix when the
// pattern ends in "/*".
type route struct {
	method  string // "" for every method
	path    string // without the "/*"
	prefix  bool
	handler http.Handler
	by      string
}

// Find returns the HTTP host mounted on a, for transports to mount on
// from their Prepare. It fails, naming what to add, when a has none or
// more than one; by names the caller and its route for that message.
func Find(a *app.App, by string) (*Host, error) {
	var found *Host
	for _, t := range a.Transports() {
		if h, ok := t.(*Host); ok {
			if found != nil {
				return nil, errors.New("httpserver: two HTTP hosts mounted; mount one and give every HTTP transport to it")
			}
			found = h
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%s needs an HTTP host to serve it, and none is mounted: add httpserver.New() to the transports (a.Run(httpserver.New(), ...)) or httpfx.Module() under fx", by)
	}
	return found, nil
}

// Handle mounts handler for method ("" for every method) on pattern: an
// exact path such as "/graphql", or a prefix such as "/pkg.Service/*".
// by names the mounting transport in conflict errors. Two mounts of one
// method and pattern are an error from Start.
func (h *Host) Handle(method, pattern string, handler http.Handler, by string) {
	r := &route{method: method, path: pattern, handler: handler, by: by}
	if p, ok := strings.CutSuffix(pattern, "/*"); ok {
		r.path, r.prefix = p+"/", true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.routes = append(h.routes, r)
}

// HandleFallback mounts handler for every request no other route matches
// (the REST router, which answers unknown paths with problem+json). At
// most one transport may mount a fallback. Without one, unknown paths get
// a 404 problem document.
func (h *Host) HandleFallback(handler http.Handler, by string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.fallback != nil {
		h.routes = append(h.routes, &route{path: "*", handler: handler, by: by}) // reported by build
		return
	}
	h.fallback = &route{path: "*", handler: handler, by: by}
}

// OnShutdown registers f to run when the host begins to stop, before it
// waits for in-flight requests: long-lived streams (SSE, WebSocket) end
// there so that draining does not wait for them.
func (h *Host) OnShutdown(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.onShutdown = append(h.onShutdown, f)
}

// Routes lists what is mounted, in mount order, as "METHOD /path" ("*"
// for every method, "/*" ending a prefix); the fallback, if any, is last
// as "* *".
func (h *Host) Routes() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, r := range h.routes {
		m, p := r.method, r.path
		if m == "" {
			m = "*"
		}
		if r.prefix {
			p += "*"
		}
		out = append(out, m+" "+p)
	}
	if h.fallback != nil {
		out = append(out, "* *")
	}
	return out
}

// Scheme implements app.Bound.
func (h *Host) Scheme() string { return "http" }

// ListenAddr implements app.Bound: the configured address, or "" when
// serving on a listener handed in.
func (h *Host) ListenAddr() string {
	if h.listener != nil {
		return ""
	}
	return h.cfg.Addr
}

// Addr returns the bound address after Start, or nil.
func (h *Host) Addr() net.Addr {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ln == nil {
		return nil
	}
	return h.ln.Addr()
}

// Handler builds the host's handler from what is mounted on it, without
// listening; useful with httptest. Transports mounted on a must have been
// prepared (Handler prepares them when a has not started).
func (h *Host) Handler(a *app.App) (http.Handler, error) {
	h.mu.Lock()
	built := h.handler
	h.mu.Unlock()
	if built != nil {
		return built, nil
	}
	for _, t := range a.Transports() {
		if p, ok := t.(app.Preparer); ok {
			if err := p.Prepare(a); err != nil {
				return nil, err
			}
		}
	}
	return h.build(a)
}

// Prepare records the App; routes are mounted by the other transports'
// Prepare. It implements app.Preparer.
func (h *Host) Prepare(a *app.App) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.app = a
	return h.cfgErr
}

// build compiles the mount table into the host's handler.
func (h *Host) build(a *app.App) (http.Handler, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.handler != nil {
		return h.handler, nil
	}
	if h.cfgErr != nil {
		return nil, h.cfgErr
	}
	if len(h.routes) == 0 && h.fallback == nil {
		return nil, errors.New("httpserver: nothing is mounted on the HTTP host: add the transports it serves, e.g. rest.New() or graphql.New()")
	}
	m, err := newMux(a, h.routes, h.fallback, h.cfg)
	if err != nil {
		return nil, err
	}
	m.cors = h.cors
	h.handler = m
	return m, nil
}

// Start builds the mount table, listens and serves in the background.
func (h *Host) Start(_ context.Context, a *app.App) error {
	handler, err := h.build(a)
	if err != nil {
		return err
	}
	ln := h.listener
	if ln == nil {
		if ln, err = net.Listen("tcp", h.cfg.Addr); err != nil {
			return fmt.Errorf("httpserver: listen on %s (ALLFRAME_HTTP_ADDR): %w", h.cfg.Addr, err)
		}
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: h.cfg.ReadHeaderTimeout,
		IdleTimeout:       h.cfg.IdleTimeout,
		MaxHeaderBytes:    h.cfg.MaxHeaderBytes,
		ErrorLog:          nil,
	}
	// HTTP/1.1 plus HTTP/2 without TLS (h2c, prior knowledge), so that gRPC
	// mounted on this port and HTTP/2 clients work; HTTP/1 clients are
	// unaffected.
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetUnencryptedHTTP2(true)
	served := make(chan error, 1)
	h.mu.Lock()
	h.srv, h.ln, h.served = srv, ln, served
	h.mu.Unlock()
	go func() { served <- srv.Serve(ln) }()
	return nil
}

// Stop runs the OnShutdown functions (ending streams), stops accepting
// connections and drains in-flight requests until ctx ends, then closes
// what is left.
func (h *Host) Stop(ctx context.Context) error {
	h.mu.Lock()
	srv, served, hooks := h.srv, h.served, h.onShutdown
	h.onShutdown = nil
	h.mu.Unlock()
	for _, f := range hooks {
		f()
	}
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
