package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/go-playground/validator/v10"
)

// Config holds the App's settings read from the environment. Its zero
// value works: empty fields take the defaults. Listen addresses belong to
// the transports that bind them (the HTTP host, gRPC), not to the App.
type Config struct {
	// ShutdownTimeout bounds the drain delay and the stop together, in Run
	// and in the fx lifecycle (di.NewApp, where fx's StopTimeout applies
	// too). Env ALLFRAME_SHUTDOWN_TIMEOUT (a Go duration), default 15s.
	ShutdownTimeout time.Duration
	// DrainDelay is how long Run (and the fx lifecycle) keep serving with
	// readiness false before they stop accepting connections, so that a
	// load balancer sees /readyz fail and stops sending new requests. Env
	// ALLFRAME_DRAIN_DELAY, default 3s; a negative value (or "0" in the
	// environment) means no delay.
	DrainDelay time.Duration
}

// Defaults of Config.
const (
	DefaultShutdownTimeout = 15 * time.Second
	DefaultDrainDelay      = 3 * time.Second
)

// ConfigFromEnv reads Config from the environment via getenv (os.Getenv
// when nil), with defaults for unset variables.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	var err error
	if c.ShutdownTimeout, err = envDuration(getenv, "ALLFRAME_SHUTDOWN_TIMEOUT"); err != nil {
		return c, err
	}
	if c.DrainDelay, err = envDuration(getenv, "ALLFRAME_DRAIN_DELAY"); err != nil {
		return c, err
	}
	if s := getenv("ALLFRAME_DRAIN_DELAY"); s != "" && c.DrainDelay == 0 {
		c.DrainDelay = -1 // an explicit 0: no delay
	}
	return c.withDefaults(), nil
}

func envDuration(getenv func(string) string, name string) (time.Duration, error) {
	s := getenv(name)
	if s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%s: %w", name, err)
	}
	return d, nil
}

func (c Config) withDefaults() Config {
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.DrainDelay == 0 {
		c.DrainDelay = DefaultDrainDelay
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
// before any transport starts, e.g. by mounting routes on the HTTP host.
type Preparer interface {
	Prepare(a *App) error
}

// Bound is implemented by transports that listen on a network address of
// their own (the HTTP host, gRPC). Start refuses two of them configured
// for one address, and Run logs the addresses really bound.
type Bound interface {
	// Scheme names what is served, for logs: "http", "grpc".
	Scheme() string
	// ListenAddr returns the configured address ("" when serving on a
	// listener handed in).
	ListenAddr() string
	// Addr returns the bound address after Start, or nil.
	Addr() net.Addr
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
	adminSet                   bool            // adminAuth was configured (AdminConfigured)

	mu         sync.Mutex
	types      *Types
	ops        []*Operation
	byName     map[string]*Operation
	middleware []Middleware
	transports []Transport
	frozen     bool
	freezeOnce sync.Once
	// security.go: the declared schemes and the default requirements.
	securitySchemes []SecurityScheme
	securityDefault []SecurityRequirement

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
		if c.ShutdownTimeout > 0 {
			a.cfg.ShutdownTimeout = c.ShutdownTimeout
		}
		if c.DrainDelay != 0 {
			a.cfg.DrainDelay = c.DrainDelay
		}
	}
}

// DrainDelay sets Config.DrainDelay, overriding ALLFRAME_DRAIN_DELAY; 0 or
// less means no delay. Default: 3s.
func DrainDelay(d time.Duration) Option {
	return func(a *App) {
		if d <= 0 {
			d = -1
		}
		a.cfg.DrainDelay = d
	}
}

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
		adminSet:  os.Getenv(AdminTokenEnv) != "",
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

// Transports returns the mounted transports in mount order. Transports
// use it in Prepare to find one another (e.g. the HTTP host that REST and
// GraphQL mount on).
func (a *App) Transports() []Transport {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.transports)
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
			h := op.guard(op.core)
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
	if err := checkAddrs(ts); err != nil {
		return err
	}
	if err := a.checkSecurity(); err != nil {
		return err
	}
	a.warnUnserved(ctx, ts)
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

// OperationServer is implemented by transports that serve the App's
// operations to clients (REST, GraphQL, gRPC, MCP), as opposed to those
// that only host others (the HTTP host) or serve something else (metrics).
type OperationServer interface {
	// ServesOperations reports whether the transport exposes operations.
	ServesOperations() bool
}

// warnUnserved logs a warning when operations are registered but no
// mounted transport serves them: they can then only be invoked in process,
// which may be intended (a worker) but is usually a wiring mistake.
func (a *App) warnUnserved(ctx context.Context, ts []Transport) {
	a.mu.Lock()
	n := len(a.ops)
	a.mu.Unlock()
	if n == 0 {
		return
	}
	for _, t := range ts {
		if s, ok := t.(OperationServer); ok && s.ServesOperations() {
			return
		}
	}
	a.logger.WarnContext(ctx, "no mounted transport serves the registered operations; they can only be invoked in process (mount rest.New(), graphql.New(), grpc.New() or mcp.New())", "service", a.name, "operations", n)
}

// checkAddrs refuses two transports configured to listen on one address.
func checkAddrs(ts []Transport) error {
	seen := map[string]Transport{}
	for _, t := range ts {
		b, ok := t.(Bound)
		if !ok {
			continue
		}
		addr := b.ListenAddr()
		if addr == "" || strings.HasSuffix(addr, ":0") {
			continue
		}
		if prev, dup := seen[addr]; dup {
			return fmt.Errorf("two listeners on %s: %T (%s) and %T (%s); give each its own address", addr, prev, prev.(Bound).Scheme(), t, b.Scheme())
		}
		seen[addr] = t
	}
	return nil
}

// Endpoints returns the addresses the started transports really bound, as
// scheme://host:port, in mount order.
func (a *App) Endpoints() []string {
	a.mu.Lock()
	started := slices.Clone(a.started)
	a.mu.Unlock()
	var out []string
	for _, t := range started {
		if b, ok := t.(Bound); ok && b.Addr() != nil {
			out = append(out, b.Scheme()+"://"+b.Addr().String())
		}
	}
	return out
}

// Drain marks the App not ready and waits Config.DrainDelay (or until ctx
// ends), so that load balancers polling /readyz or gRPC health stop
// sending new requests before the listeners close. Run and the fx
// lifecycle call it before Stop.
func (a *App) Drain(ctx context.Context) {
	a.ready.Store(false)
	if a.cfg.DrainDelay <= 0 {
		return
	}
	t := time.NewTimer(a.cfg.DrainDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
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
	a.logger.Info("serving", "service", a.name, "endpoints", a.Endpoints())
	<-ctx.Done()
	stop()
	a.logger.Info("shutting down", "service", a.name, "drain_delay", max(a.cfg.DrainDelay, 0).String())
	sctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownTimeout)
	defer cancel()
	a.Drain(sctx)
	return a.Stop(sctx)
}
