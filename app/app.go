package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-playground/validator/v10"
)

// Config holds the settings read from the environment. Its zero value
// works: empty fields take the defaults.
type Config struct {
	// HTTPAddr is the REST/GraphQL listen address. Env ALLFRAME_HTTP_ADDR,
	// default ":8080".
	HTTPAddr string
	// GRPCAddr is the gRPC listen address. Env ALLFRAME_GRPC_ADDR, default ":9090".
	GRPCAddr string
	// ShutdownTimeout bounds draining on Stop during Run. Env
	// ALLFRAME_SHUTDOWN_TIMEOUT (a Go duration), default 15s.
	ShutdownTimeout time.Duration
}

// Default addresses.
const (
	DefaultHTTPAddr        = ":8080"
	DefaultGRPCAddr        = ":9090"
	DefaultShutdownTimeout = 15 * time.Second
)

// ConfigFromEnv reads Config from the environment via getenv (os.Getenv
// when nil), with defaults for unset variables.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	c := Config{HTTPAddr: getenv("ALLFRAME_HTTP_ADDR"), GRPCAddr: getenv("ALLFRAME_GRPC_ADDR")}
	if s := getenv("ALLFRAME_SHUTDOWN_TIMEOUT"); s != "" {
		d, err := time.ParseDuration(s)
		if err != nil {
			return c, fmt.Errorf("ALLFRAME_SHUTDOWN_TIMEOUT: %w", err)
		}
		c.ShutdownTimeout = d
	}
	return c.withDefaults(), nil
}

func (c Config) withDefaults() Config {
	if c.HTTPAddr == "" {
		c.HTTPAddr = DefaultHTTPAddr
	}
	if c.GRPCAddr == "" {
		c.GRPCAddr = DefaultGRPCAddr
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	return c
}

// Transport serves an App's operations over one protocol. Start binds its
// listener and serves in the background, returning once it accepts
// requests; Stop drains in-flight requests until ctx ends.
type Transport interface {
	Start(ctx context.Context, a *App) error
	Stop(ctx context.Context) error
}

// Preparer is implemented by transports that must contribute to the App
// before any transport starts, e.g. by mounting HTTP routes that the HTTP
// server (owned by the REST transport) serves.
type Preparer interface {
	Prepare(a *App) error
}

// HTTPRoute is an extra HTTP endpoint mounted on the App's HTTP server
// (GraphQL, schema exports, metrics). Method "" matches every method; a
// Path ending in "/*" matches the prefix.
type HTTPRoute struct {
	Method  string
	Path    string
	Handler http.Handler
}

// App is a service: a registry of operations plus the transports that
// serve them.
type App struct {
	name, version, description string
	cfg                        Config
	cfgErr                     error
	logger                     *slog.Logger
	validator                  *validator.Validate
	adminAuth                  AdminAuthorizer // see admin.go

	mu         sync.Mutex
	types      *Types
	ops        []*Operation
	byName     map[string]*Operation
	middleware []Middleware
	routes     []HTTPRoute
	transports []Transport
	frozen     bool
	freezeOnce sync.Once

	ready   atomic.Bool
	started []Transport
	onStop  []func(context.Context) error
}

// Option configures an App.
type Option func(*App)

// Name sets the service name, used for the gRPC package and service, the
// OpenAPI title and telemetry. Default: "service".
func Name(name string) Option { return func(a *App) { a.name = name } }

// Version sets the service version. Default: "0.0.0".
func Version(v string) Option { return func(a *App) { a.version = v } }

// Description sets the service description used in schemas. Default: none.
func Description(d string) Option { return func(a *App) { a.description = d } }

// Use adds App-wide middleware; the first one added runs outermost.
// Default: none.
func Use(mw ...Middleware) Option { return func(a *App) { a.middleware = append(a.middleware, mw...) } }

// WithConfig replaces the environment-derived Config (non-empty fields
// win). Default: ConfigFromEnv(os.Getenv).
func WithConfig(c Config) Option {
	return func(a *App) {
		if c.HTTPAddr != "" {
			a.cfg.HTTPAddr = c.HTTPAddr
		}
		if c.GRPCAddr != "" {
			a.cfg.GRPCAddr = c.GRPCAddr
		}
		if c.ShutdownTimeout > 0 {
			a.cfg.ShutdownTimeout = c.ShutdownTimeout
		}
	}
}

// HTTPAddr sets the HTTP listen address, overriding ALLFRAME_HTTP_ADDR.
// Default: ":8080".
func HTTPAddr(addr string) Option { return func(a *App) { a.cfg.HTTPAddr = addr } }

// GRPCAddr sets the gRPC listen address, overriding ALLFRAME_GRPC_ADDR.
// Default: ":9090".
func GRPCAddr(addr string) Option { return func(a *App) { a.cfg.GRPCAddr = addr } }

// Logger sets the logger. Default: slog.Default().
func Logger(l *slog.Logger) Option { return func(a *App) { a.logger = l } }

// Transports adds transports that Start and Run serve. Default: none.
func Transports(ts ...Transport) Option {
	return func(a *App) { a.transports = append(a.transports, ts...) }
}

// New returns an App configured from the environment and opts.
func New(opts ...Option) *App {
	a := &App{
		name:      "service",
		version:   "0.0.0",
		logger:    slog.Default(),
		validator: newValidator(),
		types:     NewTypes(),
		byName:    map[string]*Operation{},
		adminAuth: BearerToken(os.Getenv(AdminTokenEnv)),
	}
	a.cfg, a.cfgErr = ConfigFromEnv(nil)
	for _, o := range opts {
		o(a)
	}
	a.cfg = a.cfg.withDefaults()
	return a
}

// Name returns the service name.
func (a *App) Name() string { return a.name }

// Version returns the service version.
func (a *App) Version() string { return a.version }

// Description returns the service description.
func (a *App) Description() string { return a.description }

// Config returns the effective configuration.
func (a *App) Config() Config { return a.cfg }

// Logger returns the App's logger.
func (a *App) Logger() *slog.Logger { return a.logger }

// Types returns the type registry holding every input and output schema.
func (a *App) Types() *Types { return a.types }

// Operations returns the registered operations in registration order.
func (a *App) Operations() []*Operation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ops)
}

// Operation returns the operation called name, or nil.
func (a *App) Operation(name string) *Operation {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.byName[name]
}

// Use adds App-wide middleware. It must be called before the App starts
// serving or is first invoked.
func (a *App) Use(mw ...Middleware) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.frozen {
		panic("allframe: middleware added after the app started")
	}
	a.middleware = append(a.middleware, mw...)
}

// Mount adds transports that Start and Run serve.
func (a *App) Mount(ts ...Transport) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.transports = append(a.transports, ts...)
}

// HandleHTTP mounts an extra route on the App's HTTP server. Transports
// call it from Prepare; users may call it before Start.
func (a *App) HandleHTTP(method, path string, h http.Handler) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.routes = append(a.routes, HTTPRoute{Method: method, Path: path, Handler: h})
}

// HTTPRoutes returns the extra HTTP routes.
func (a *App) HTTPRoutes() []HTTPRoute {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.routes)
}

// OnStop registers a function run after every transport has stopped (in
// reverse order of registration), e.g. to flush telemetry or close a store.
func (a *App) OnStop(f func(context.Context) error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.onStop = append(a.onStop, f)
}

// Ready reports whether the App serves traffic: true after Start, false
// while starting and draining. Readiness endpoints report it.
func (a *App) Ready() bool { return a.ready.Load() }

// SetReady overrides readiness, e.g. while a dependency is unavailable.
func (a *App) SetReady(ready bool) { a.ready.Store(ready) }

// freeze builds every operation's middleware chain, once; registration is
// closed afterwards.
func (a *App) freeze() {
	a.freezeOnce.Do(func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.frozen = true
		for _, op := range a.ops {
			h := op.core
			for i := len(op.middleware) - 1; i >= 0; i-- {
				h = op.middleware[i](h)
			}
			for i := len(a.middleware) - 1; i >= 0; i-- {
				h = a.middleware[i](h)
			}
			op.chain = h
		}
	})
}

// Start prepares and starts every mounted transport in order, then marks
// the App ready. If one fails, those already started are stopped and the
// error is returned.
func (a *App) Start(ctx context.Context) error {
	if a.cfgErr != nil {
		return a.cfgErr
	}
	a.freeze()
	a.mu.Lock()
	ts := slices.Clone(a.transports)
	a.mu.Unlock()
	for _, t := range ts {
		if p, ok := t.(Preparer); ok {
			if err := p.Prepare(a); err != nil {
				return fmt.Errorf("prepare %T: %w", t, err)
			}
		}
	}
	for _, t := range ts {
		if err := t.Start(ctx, a); err != nil {
			stopCtx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
			defer cancel()
			_ = a.stopTransports(stopCtx)
			return fmt.Errorf("start %T: %w", t, err)
		}
		a.mu.Lock()
		a.started = append(a.started, t)
		a.mu.Unlock()
	}
	a.ready.Store(true)
	return nil
}

// Stop marks the App not ready, then stops the started transports in
// reverse order, draining until ctx ends, then runs the OnStop functions.
func (a *App) Stop(ctx context.Context) error {
	a.ready.Store(false)
	err := a.stopTransports(ctx)
	a.mu.Lock()
	fs := slices.Clone(a.onStop)
	a.onStop = nil
	a.mu.Unlock()
	for i := len(fs) - 1; i >= 0; i-- {
		err = errors.Join(err, fs[i](ctx))
	}
	return err
}

func (a *App) stopTransports(ctx context.Context) error {
	a.mu.Lock()
	started := a.started
	a.started = nil
	a.mu.Unlock()
	var err error
	for i := len(started) - 1; i >= 0; i-- {
		err = errors.Join(err, started[i].Stop(ctx))
	}
	return err
}

// Run mounts ts, starts the App, blocks until SIGINT or SIGTERM (or ctx
// from RunContext ends), then stops it within the shutdown timeout.
func (a *App) Run(ts ...Transport) error {
	return a.RunContext(context.Background(), ts...)
}

// RunContext is Run with a context whose end also stops the App.
func (a *App) RunContext(ctx context.Context, ts ...Transport) error {
	a.Mount(ts...)
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := a.Start(ctx); err != nil {
		return err
	}
	a.logger.Info("serving", "service", a.name, "http", a.cfg.HTTPAddr, "grpc", a.cfg.GRPCAddr)
	<-ctx.Done()
	stop()
	a.logger.Info("shutting down", "service", a.name)
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	return a.Stop(sctx)
}
