package grpc

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"sync"
	"time"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/transport/grpc/internal/wire"
	"github.com/allframe-go/allframe/transport/httpserver"
	"google.golang.org/grpc"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/reflection"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Transport serves every operation of an App over gRPC: queries and
// commands as unary methods, streams as server-streaming methods of one
// service, with server reflection and grpc.health.v1. It implements
// app.Transport and app.Preparer. A Transport serves one App once.
type Transport struct {
	addr           string
	lis            net.Listener
	serverOpts     []grpc.ServerOption
	h2c            bool
	web            HTTPProtocols
	reflection     bool
	healthInterval time.Duration
	maxRecv        int
	maxSend        int
	maxStreams     uint32
	cfgErr         error

	mu        sync.Mutex
	app       *app.App
	schema    *schema
	methods   []*method
	server    *grpc.Server
	bound     net.Listener
	serveDone chan struct{}
	stopCtx   context.Context // ends when Stop begins: health watches and server streams end
	stop      context.CancelFunc
	peers     peerCache
	encoders  sync.Pool
}

var (
	_ app.Transport = (*Transport)(nil)
	_ app.Preparer  = (*Transport)(nil)
	_ app.Bound     = (*Transport)(nil)
)

// Option configures a Transport.
type Option func(*Transport)

// DefaultAddr is the gRPC listen address when neither WithAddr nor
// ALLFRAME_GRPC_ADDR sets one: every interface, port 9090.
const DefaultAddr = ":9090"

// WithAddr sets the listen address, overriding ALLFRAME_GRPC_ADDR.
// Default: ":9090".
func WithAddr(addr string) Option { return func(t *Transport) { t.addr = addr } }

// WithListener serves on l instead of listening on an address, e.g. a
// bufconn listener in tests. Default: none; the transport listens on the
// address.
func WithListener(l net.Listener) Option { return func(t *Transport) { t.lis = l } }

// Defaults of the transport's limits.
const (
	// DefaultMaxRecvMsgSize bounds a request message, as the HTTP host's
	// body limit bounds a request body; grpc-go answers a larger one with
	// RESOURCE_EXHAUSTED before any handler runs.
	DefaultMaxRecvMsgSize = 4 << 20
	// DefaultMaxSendMsgSize bounds a response message: grpc-go clients
	// refuse larger ones by default, so a larger one fails on the server
	// with RESOURCE_EXHAUSTED instead.
	DefaultMaxSendMsgSize = 4 << 20
	// DefaultMaxConcurrentStreams bounds the calls in flight on one HTTP/2
	// connection (unary calls and streams); a client queues the next one
	// until one ends. It is the HTTP host's HTTP/2 default too.
	DefaultMaxConcurrentStreams = 250
)

// WithMaxRecvMsgSize bounds request messages to n bytes; larger ones get
// RESOURCE_EXHAUSTED. Env ALLFRAME_GRPC_MAX_RECV_BYTES. Default:
// DefaultMaxRecvMsgSize (4 MiB).
func WithMaxRecvMsgSize(n int) Option { return func(t *Transport) { t.maxRecv = n } }

// WithMaxSendMsgSize bounds response messages to n bytes; a larger one
// fails the call with RESOURCE_EXHAUSTED. Env ALLFRAME_GRPC_MAX_SEND_BYTES.
// Default: DefaultMaxSendMsgSize (4 MiB).
func WithMaxSendMsgSize(n int) Option { return func(t *Transport) { t.maxSend = n } }

// WithMaxConcurrentStreams bounds the calls in flight on one connection.
// Env ALLFRAME_GRPC_MAX_CONCURRENT_STREAMS. Default:
// DefaultMaxConcurrentStreams (250). The total number of streams across
// connections and protocols is middleware.MaxStreams's job.
func WithMaxConcurrentStreams(n uint32) Option { return func(t *Transport) { t.maxStreams = n } }

// WithServerOptions adds grpc-go server options (keepalive, TLS
// credentials, stats handlers), applied after the transport's limits,
// which they override. Default: none. The App's middleware, not
// gRPC interceptors, is where cross-protocol concerns belong; interceptors
// given here still run and see the typed input and output. A codec option
// is overridden: the transport's codec is always used.
func WithServerOptions(opts ...grpc.ServerOption) Option {
	return func(t *Transport) { t.serverOpts = append(t.serverOpts, opts...) }
}

// WithH2C also serves gRPC on the HTTP host's port (h2c), by mounting the
// gRPC server's paths (POST /<service>/*) on the host, which must be
// mounted too. Default: off; gRPC has its own port.
func WithH2C() Option { return func(t *Transport) { t.h2c = true } }

// WithReflection turns server reflection (v1 and v1alpha) on or off.
// Default: on.
func WithReflection(on bool) Option { return func(t *Transport) { t.reflection = on } }

// WithHealthInterval sets how often a grpc.health.v1 Watch call checks the
// App's readiness for changes. Default: 1s.
func WithHealthInterval(d time.Duration) Option {
	return func(t *Transport) {
		if d > 0 {
			t.healthInterval = d
		}
	}
}

// New returns a gRPC transport configured from the environment and opts.
// An invalid environment variable is an error from Prepare (and so from
// the App's Start).
func New(opts ...Option) *Transport {
	t := &Transport{reflection: true, healthInterval: time.Second, addr: os.Getenv("ALLFRAME_GRPC_ADDR")}
	t.encoders.New = func() any { return new(wire.Encoder) }
	t.cfgErr = t.limitsFromEnv(os.Getenv)
	for _, o := range opts {
		o(t)
	}
	if t.addr == "" {
		t.addr = DefaultAddr
	}
	if t.maxRecv <= 0 {
		t.maxRecv = DefaultMaxRecvMsgSize
	}
	if t.maxSend <= 0 {
		t.maxSend = DefaultMaxSendMsgSize
	}
	if t.maxStreams == 0 {
		t.maxStreams = DefaultMaxConcurrentStreams
	}
	return t
}

// limitsFromEnv reads ALLFRAME_GRPC_MAX_RECV_BYTES,
// ALLFRAME_GRPC_MAX_SEND_BYTES and ALLFRAME_GRPC_MAX_CONCURRENT_STREAMS.
func (t *Transport) limitsFromEnv(getenv func(string) string) error {
	var errs []error
	for _, v := range []struct {
		name string
		set  func(int)
	}{
		{"ALLFRAME_GRPC_MAX_RECV_BYTES", func(n int) { t.maxRecv = n }},
		{"ALLFRAME_GRPC_MAX_SEND_BYTES", func(n int) { t.maxSend = n }},
		{"ALLFRAME_GRPC_MAX_CONCURRENT_STREAMS", func(n int) { t.maxStreams = uint32(n) }}, //nolint:gosec // G115: n is checked to fit below
	} {
		s := getenv(v.name)
		if s == "" {
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n <= 0 || n > math.MaxInt32 {
			errs = append(errs, fmt.Errorf("grpc: %s: want a positive whole number, got %q", v.name, s))
			continue
		}
		v.set(n)
	}
	return errors.Join(errs...)
}

// Prepare builds the descriptors and codec plans from a's operations, so a
// type protobuf cannot represent fails at startup, creates the gRPC server
// and mounts GET /service.proto (and, with WithH2C, the gRPC paths) on the
// HTTP host when one is mounted.
func (t *Transport) Prepare(a *app.App) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.prepare(a)
}

func (t *Transport) prepare(a *app.App) error {
	if t.app != nil {
		if t.app != a {
			return errors.New("grpc: transport already serves another app")
		}
		return nil
	}
	if t.cfgErr != nil {
		return t.cfgErr
	}
	s, err := buildSchema(a)
	if err != nil {
		return err
	}
	files := new(protoregistry.Files)
	if err := files.RegisterFile(s.file); err != nil {
		return fmt.Errorf("grpc: register descriptors: %w", err)
	}
	compiler := wire.NewCompiler()
	outputs := map[reflect.Type]*wire.Message{}
	desc := &grpc.ServiceDesc{
		ServiceName: s.pkg + "." + s.service,
		HandlerType: (*any)(nil),
		Metadata:    s.proto.GetName(),
	}
	t.stopCtx, t.stop = context.WithCancel(context.Background())
	for _, ms := range s.methods {
		op := ms.op
		m := &method{op: op, route: ms.fullMethod, peers: &t.peers, encs: &t.encoders, web: t.web != nil, stopping: t.stopCtx}
		if m.in, err = compiler.Compile(op.Input); err != nil {
			return fmt.Errorf("grpc: operation %s input: %w", op.Name, err)
		}
		if m.out, err = compiler.Compile(op.Output); err != nil {
			return fmt.Errorf("grpc: operation %s output: %w", op.Name, err)
		}
		outPtr := reflect.PointerTo(op.Output.Go)
		m.outType = typeWord(outPtr)
		m.zeroOut = reflect.New(op.Output.Go).UnsafePointer()
		outputs[outPtr] = m.out
		t.methods = append(t.methods, m)
		if got := reflect.TypeOf(op.NewInput()); got != reflect.PointerTo(op.Input.Go) {
			return fmt.Errorf("grpc: operation %s: NewInput returns %s, want *%s", op.Name, got, op.Input.Go)
		}
		if op.Kind == app.OpStream {
			desc.Streams = append(desc.Streams, grpc.StreamDesc{StreamName: ms.name, Handler: m.serverStream, ServerStreams: true})
		} else {
			desc.Methods = append(desc.Methods, grpc.MethodDesc{MethodName: ms.name, Handler: m.unary})
		}
	}
	opts := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(t.maxRecv),
		grpc.MaxSendMsgSize(t.maxSend),
		grpc.MaxConcurrentStreams(t.maxStreams),
	}
	opts = append(append(opts, t.serverOpts...), grpc.ForceServerCodecV2(newCodec(outputs)))
	srv := grpc.NewServer(opts...)
	srv.RegisterService(desc, t)
	healthpb.RegisterHealthServer(srv, &healthServer{
		app: a, service: desc.ServiceName, interval: t.healthInterval, stopping: t.stopCtx.Done(),
	})
	if t.reflection {
		ropts := reflection.ServerOptions{Services: srv, DescriptorResolver: chainResolver{files}}
		reflectionv1.RegisterServerReflectionServer(srv, reflection.NewServerV1(ropts))
		reflectionv1alpha.RegisterServerReflectionServer(srv, reflection.NewServer(ropts))
	}
	text := []byte(s.protoText(a.Name()))
	if err := t.mountHTTP(a, srv, s, desc.ServiceName); err != nil {
		return err
	}
	// The .proto export is a convenience on the HTTP port: served when a
	// host is mounted, skipped (gRPC reflection still describes the
	// service) when the service is gRPC only.
	if host, err := httpserver.Find(a, "grpc"); err == nil {
		host.Handle(http.MethodGet, "/service.proto", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(text)
		}), "grpc")
	}
	t.app, t.schema, t.server = a, s, srv
	return nil
}

// mountHTTP mounts the service paths on the HTTP host: every service of
// the server for native gRPC (WithH2C), the App's service and
// grpc.health.v1 for the HTTPProtocols.
func (t *Transport) mountHTTP(a *app.App, srv *grpc.Server, s *schema, service string) error {
	if !t.h2c && t.web == nil {
		return nil
	}
	by := "grpc.WithH2C (gRPC on the HTTP port)"
	if t.web != nil {
		by = "grpc.WithHTTPProtocols (Connect and gRPC-Web on the HTTP port)"
	}
	host, err := httpserver.Find(a, by)
	if err != nil {
		return err
	}
	if t.web == nil {
		for name := range srv.GetServiceInfo() {
			host.Handle(http.MethodPost, "/"+name+"/*", srv, "grpc")
		}
		return nil
	}
	health := healthpb.File_grpc_health_v1_health_proto.Services().Get(0)
	web, err := t.web.Handler(srv, []protoreflect.ServiceDescriptor{s.file.Services().Get(0), health})
	if err != nil {
		return fmt.Errorf("grpc: HTTP protocols: %w", err)
	}
	mount := &httpMount{web: web, protocols: t.web}
	names := []string{service, string(health.FullName())}
	if t.h2c {
		mount.grpc = srv
		names = names[:0]
		for name := range srv.GetServiceInfo() {
			names = append(names, name)
		}
	}
	for _, name := range names {
		host.Handle(http.MethodPost, "/"+name+"/*", mount, "grpc")
	}
	return nil
}

// Start prepares the transport if needed, binds the listener (the
// WithListener one, else the configured address) and
// serves in the background.
func (t *Transport) Start(_ context.Context, a *app.App) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.prepare(a); err != nil {
		return err
	}
	if t.serveDone != nil {
		return errors.New("grpc: transport already started")
	}
	lis := t.lis
	if lis == nil {
		var err error
		if lis, err = net.Listen("tcp", t.addr); err != nil {
			return fmt.Errorf("grpc: listen on %s (ALLFRAME_GRPC_ADDR): %w", t.addr, err)
		}
	}
	t.bound = lis
	done := make(chan struct{})
	t.serveDone = done
	srv, logger := t.server, a.Logger()
	go func() {
		defer close(done)
		if err := srv.Serve(lis); err != nil {
			logger.Error("grpc: serve failed", "addr", lis.Addr().String(), "error", err)
		}
	}()
	return nil
}

// Scheme implements app.Bound.
func (t *Transport) Scheme() string { return "grpc" }

// ListenAddr implements app.Bound: the configured address, or "" when
// serving on a listener handed in.
func (t *Transport) ListenAddr() string {
	if t.lis != nil {
		return ""
	}
	return t.addr
}

// Addr returns the address the transport listens on, or nil before Start.
func (t *Transport) Addr() net.Addr {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.bound == nil {
		return nil
	}
	return t.bound.Addr()
}

// Stop ends health watches and server streams (a stream's handler sees its
// context end and the client gets UNAVAILABLE, to resume elsewhere: streams
// never finish on their own, so graceful stop would wait for them until
// ctx ends), then stops gracefully, letting in-flight unary calls finish
// until ctx ends, when it closes every connection.
func (t *Transport) Stop(ctx context.Context) error {
	t.mu.Lock()
	srv, done, stop := t.server, t.serveDone, t.stop
	t.mu.Unlock()
	if srv == nil {
		return nil
	}
	stop()
	graceful := make(chan struct{})
	go func() {
		defer close(graceful)
		srv.GracefulStop()
	}()
	var err error
	select {
	case <-graceful:
	case <-ctx.Done():
		srv.Stop()
		<-graceful
		err = fmt.Errorf("grpc: graceful stop cut short: %w", ctx.Err())
	}
	if done != nil {
		<-done
	}
	return err
}

// chainResolver finds descriptors in the transport's private registry
// first, then in the global one (well-known types, health, reflection).
// The App's descriptors are never registered globally.
type chainResolver struct{ local *protoregistry.Files }

func (r chainResolver) FindFileByPath(path string) (protoreflect.FileDescriptor, error) {
	if fd, err := r.local.FindFileByPath(path); err == nil {
		return fd, nil
	}
	return protoregistry.GlobalFiles.FindFileByPath(path)
}

func (r chainResolver) FindDescriptorByName(name protoreflect.FullName) (protoreflect.Descriptor, error) {
	if d, err := r.local.FindDescriptorByName(name); err == nil {
		return d, nil
	}
	return protoregistry.GlobalFiles.FindDescriptorByName(name)
}

// ServesOperations implements app.OperationServer.
func (t *Transport) ServesOperations() bool { return true }

var _ app.OperationServer = (*Transport)(nil)
