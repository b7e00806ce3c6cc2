package telemetry

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/metric"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"
	tracenoop "go.opentelemetry.io/otel/trace/noop"

	"github.com/allframe-go/allframe/app"
)

// ScopeName is the instrumentation scope of the middleware's tracer and
// meter.
const ScopeName = "github.com/allframe-go/allframe/telemetry"

// Attribute keys specific to AllFrame, and the established RPC keys that
// the current semantic conventions renamed.
const (
	// AttrOperation is the registered operation name ("hello").
	AttrOperation = attribute.Key("allframe.operation")
	// AttrProtocol is the protocol a call arrived on (http, grpc, connect,
	// grpc-web, graphql, inprocess); set on every span and on the
	// allframe.operation.duration metric.
	AttrProtocol = attribute.Key("allframe.protocol")
	// AttrCode is the neutral result code ("ok", "not_found"); set on the
	// allframe.operation.duration metric.
	AttrCode = attribute.Key("allframe.code")
	// AttrErrorCode is the neutral error code of a failed call
	// ("not_found"); set on spans.
	AttrErrorCode = attribute.Key("allframe.error.code")
	// AttrStreamItems counts the items a stream operation sent.
	AttrStreamItems = attribute.Key("allframe.stream.items")

	attrRPCSystem         = attribute.Key("rpc.system")
	attrRPCService        = attribute.Key("rpc.service")
	attrRPCGRPCStatusCode = attribute.Key("rpc.grpc.status_code")
)

// Metric names.
const (
	// MetricOperationDuration is recorded for every call on every protocol,
	// in seconds, with allframe.operation, allframe.protocol and
	// allframe.code. Its count is the request count; in Prometheus it is
	// allframe_operation_duration_seconds{_count,_sum,_bucket}.
	MetricOperationDuration = "allframe.operation.duration"
	// MetricHTTPServerDuration is the semantic-convention HTTP server
	// metric (seconds), recorded for REST calls.
	MetricHTTPServerDuration = "http.server.request.duration"
	// MetricRPCServerDuration is the established RPC server metric
	// (milliseconds), recorded for gRPC, gRPC-Web and Connect calls.
	MetricRPCServerDuration = "rpc.server.duration"
	// MetricRPCServerCallDuration is the current RPC server metric
	// (seconds), recorded for gRPC, gRPC-Web and Connect calls when opted in.
	MetricRPCServerCallDuration = "rpc.server.call.duration"
)

// durationBuckets are the bucket boundaries (seconds) the semantic
// conventions recommend for request durations.
var durationBuckets = []float64{0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10}

// RPCConventions selects which RPC semantic conventions gRPC calls follow
// (and gRPC-Web and Connect calls, with Connect's system name and codes).
type RPCConventions uint8

// The RPC convention sets. See Config.SemconvStabilityOptIn.
const (
	// RPCConventionsEstablished: rpc.system=grpc, rpc.service, rpc.method
	// ("Hello"), rpc.grpc.status_code (int), metric rpc.server.duration (ms).
	RPCConventionsEstablished RPCConventions = iota
	// RPCConventionsCurrent: rpc.system.name=grpc, rpc.method
	// ("hello.v1.HelloService/Hello"), rpc.response.status_code ("OK"),
	// metric rpc.server.call.duration (s).
	RPCConventionsCurrent
	// RPCConventionsBoth emits both sets (rpc.method takes the current,
	// fully-qualified form).
	RPCConventionsBoth
)

// MiddlewareOption configures Middleware.
type MiddlewareOption func(*middleware)

// WithPropagator sets the propagator that extracts the caller's trace
// context and baggage from call.Metadata. Default: W3C tracecontext and
// baggage.
func WithPropagator(p propagation.TextMapPropagator) MiddlewareOption {
	return func(m *middleware) { m.prop = p }
}

// WithHTTPStatus overrides the HTTP status that http.response.status_code
// reports for each code, for HTTP calls answered by something other than
// AllFrame's HTTP host. An HTTP span is an error exactly when the status is
// 5xx, as the HTTP semantic conventions say. Default: httpserver.StatusCode
// (the statuses the HTTP host answers, connect-go's table) for calls that
// carry their request (app.Call.HTTPRequest, set by REST); for HTTP calls
// without one the attribute is omitted and server-fault codes (unknown,
// deadline_exceeded, unimplemented, internal, unavailable, data_loss) mark
// errors.
func WithHTTPStatus(f func(app.Code) int) MiddlewareOption {
	return func(m *middleware) { m.httpStatus = f }
}

// WithRPCConventions selects the RPC semantic conventions of gRPC spans
// and metrics. Default: RPCConventionsEstablished.
func WithRPCConventions(c RPCConventions) MiddlewareOption {
	return func(m *middleware) { m.rpc = c }
}

// Middleware returns an app.Middleware that traces and measures every
// operation call, on every protocol, through tp and mp.
//
// Each call gets a span named and attributed per the OpenTelemetry
// semantic conventions of its protocol, a child of the trace context the
// propagator extracts from call.Metadata (HTTP headers, gRPC metadata):
//   - HTTP: SERVER span "GET /hello/{name}" with http.request.method,
//     http.route (call.Route, else the operation's path template),
//     http.response.status_code (the HTTP host's status; see
//     WithHTTPStatus), url.scheme,
//     url.path, server.address/port, client.address, user_agent.original
//     and network.protocol.version when the transport set
//     call.HTTPRequest;
//   - gRPC: SERVER span "hello.v1.HelloService/Hello" (from call.Route,
//     the full method) with the RPC attributes of WithRPCConventions and
//     server.address from :authority;
//   - GraphQL: SERVER span "query hello" with graphql.operation.type
//     (query, mutation, subscription) and graphql.operation.name, the
//     operation (root field) name; one span per operation call, so a
//     document selecting two operations yields two sibling spans;
//   - in-process calls (app.Invoke), and protocols with no conventions
//     here: INTERNAL span named after the operation.
//
// Each protocol's conventions live in a file of their own
// (protocol_http.go, protocol_grpc.go, protocol_graphql.go), found by
// app.Protocol in a table built here; a new protocol adds a file and an
// entry in protocol.go, and edits nothing else.
//
// Every span carries allframe.operation and allframe.protocol; a failed call carries
// allframe.error.code and error.type, and its span status is Error when
// the failure is the server's (HTTP 5xx, or the gRPC server-error codes).
// The handler's ctx carries the span, so handlers add child spans with
// trace.SpanFromContext(ctx).
//
// Metrics: allframe.operation.duration for every call, plus
// http.server.request.duration for HTTP and rpc.server.duration (or
// rpc.server.call.duration) for gRPC. Attribute sets are computed once per
// operation, protocol and route, so recording allocates nothing.
//
// A nil or no-op provider switches its signal off; with both off the
// middleware returns next unchanged and costs nothing. With tracing off
// no trace context is extracted either.
func Middleware(tp trace.TracerProvider, mp metric.MeterProvider, opts ...MiddlewareOption) app.Middleware {
	m := &middleware{prop: propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})}
	for _, o := range opts {
		o(m)
	}
	if tp != nil {
		if _, noop := tp.(tracenoop.TracerProvider); !noop {
			m.tracer = tp.Tracer(ScopeName, trace.WithSchemaURL(semconv.SchemaURL))
		}
	}
	if mp != nil {
		if _, noop := mp.(metricnoop.MeterProvider); !noop {
			m.initMetrics(mp.Meter(ScopeName, metric.WithSchemaURL(semconv.SchemaURL)))
		}
	}
	if m.tracer == nil && !m.metrics {
		return func(next app.Handler) app.Handler { return next }
	}
	m.protocols = newProtocols(m)
	return m.wrap
}

type middleware struct {
	tracer     trace.Tracer
	prop       propagation.TextMapPropagator
	httpStatus func(app.Code) int
	rpc        RPCConventions

	// protocols holds each protocol's conventions (see protocol.go).
	protocols map[app.Protocol]conventions

	metrics    bool
	opDuration metric.Float64Histogram
	httpDur    metric.Float64Histogram
	rpcDur     metric.Float64Histogram // established, ms
	rpcCallDur metric.Float64Histogram // current, s
	routes     atomic.Pointer[map[routeKey]*route]
	mu         sync.Mutex // serialises route cache growth
}

// maxCachedRoutes bounds the route cache; keys come from registered
// operations and route templates, so it is only reached if a transport
// sets a raw path as Route.
const maxCachedRoutes = 4096

func (m *middleware) initMetrics(meter metric.Meter) {
	m.metrics = true
	hist := func(name, unit, desc string, buckets ...float64) metric.Float64Histogram {
		// The names are valid, so no error is expected; the API asks
		// providers to return a working instrument even with one.
		h, _ := meter.Float64Histogram(name, metric.WithUnit(unit), metric.WithDescription(desc), metric.WithExplicitBucketBoundaries(buckets...))
		if h == nil {
			h = metricnoop.Float64Histogram{}
		}
		return h
	}
	m.opDuration = hist(MetricOperationDuration, "s", "Duration of AllFrame operation calls, by operation, protocol and code.", durationBuckets...)
	m.httpDur = hist(MetricHTTPServerDuration, "s", "Duration of HTTP server requests.", durationBuckets...)
	if m.rpc != RPCConventionsCurrent {
		ms := make([]float64, len(durationBuckets))
		for i, b := range durationBuckets {
			ms[i] = b * 1000
		}
		m.rpcDur = hist(MetricRPCServerDuration, "ms", "Measures the duration of inbound RPC.", ms...)
	}
	if m.rpc != RPCConventionsEstablished {
		m.rpcCallDur = hist(MetricRPCServerCallDuration, "s", "Measures the duration of inbound remote procedure calls.", durationBuckets...)
	}
}

// routeKey identifies what a call's span name and attributes depend on.
// The operation and protocol are always set; the protocol's conventions
// set the rest.
type routeKey struct {
	op     *app.Operation
	proto  app.Protocol
	route  string
	method string // HTTP request method
	scheme string // HTTP url.scheme, set when the call carries its request
}

// route holds everything precomputed for one routeKey.
type route struct {
	name      string
	startOpts []trace.SpanStartOption
	conv      conventions
	// protoHist is the protocol's semantic-convention instrument (HTTP or
	// established RPC), nil for other protocols; millis when it records
	// milliseconds. protoHist2 is a second one (current RPC), or nil.
	protoHist  metric.Float64Histogram
	millis     bool
	protoHist2 metric.Float64Histogram
	// byCode is indexed by app.Code.
	byCode []codeInfo
}

type codeInfo struct {
	isError   bool
	errorType string
	spanAttrs []attribute.KeyValue
	opRec     []metric.RecordOption
	protoRec  []metric.RecordOption // of protoHist
	protoRec2 []metric.RecordOption // of protoHist2
}

func (m *middleware) wrap(next app.Handler) app.Handler {
	return func(ctx context.Context, call *app.Call) (out any, err error) {
		req := call.HTTPRequest
		r := m.route(call, req)
		start := time.Now()
		var span trace.Span
		var stream *streamCount
		if m.tracer != nil {
			ctx = m.prop.Extract(ctx, carrierFor(call.Metadata))
			ctx, span = m.tracer.Start(ctx, r.name, r.startOpts...)
			if span.IsRecording() && call.Operation.Kind == app.OpStream && call.Send != nil {
				stream = countStream(call)
			}
		}
		done := false
		defer func() {
			if !done {
				// The handler panicked (app.Operation.Handle recovers it
				// outside this middleware) or called runtime.Goexit.
				m.finish(ctx, call, req, r, span, stream, start, app.CodeInternal, app.NewError(app.CodeInternal, "panic"))
			}
		}()
		out, err = next(ctx, call)
		done = true
		code := app.CodeOK
		if err != nil {
			code = app.CodeOf(err)
		}
		m.finish(ctx, call, req, r, span, stream, start, code, err)
		return out, err
	}
}

// streamCount counts the items a stream sends through call.Send.
type streamCount struct {
	send func(any) error // the transport's Send
	n    atomic.Int64
}

func countStream(call *app.Call) *streamCount {
	sc := &streamCount{send: call.Send}
	call.Send = sc.forward
	return sc
}

func (sc *streamCount) forward(item any) error {
	sc.n.Add(1)
	return sc.send(item)
}

// finish ends the span, adding the per-call and result attributes in one
// go (the static ones were given at start), and records the metrics.
func (m *middleware) finish(ctx context.Context, call *app.Call, req *http.Request, r *route, span trace.Span, stream *streamCount, start time.Time, code app.Code, err error) {
	elapsed := time.Since(start)
	ci := r.info(code)
	if stream != nil {
		call.Send = stream.send
	}
	if span != nil {
		if span.IsRecording() {
			attrs := make([]attribute.KeyValue, 0, 12+len(ci.spanAttrs))
			attrs = appendPeer(attrs, call.Peer)
			attrs = r.conv.callAttributes(attrs, call, req)
			attrs = append(attrs, ci.spanAttrs...)
			if stream != nil {
				attrs = append(attrs, AttrStreamItems.Int64(stream.n.Load()))
			}
			span.SetAttributes(attrs...)
			if ci.isError {
				span.RecordError(err)
				span.SetStatus(codes.Error, errorMessage(err))
			}
		}
		span.End()
	}
	if m.metrics {
		secs := elapsed.Seconds()
		m.opDuration.Record(ctx, secs, ci.opRec...)
		if ci.protoRec != nil {
			v := secs
			if r.millis {
				v = float64(elapsed) / float64(time.Millisecond)
			}
			r.protoHist.Record(ctx, v, ci.protoRec...)
		}
		if ci.protoRec2 != nil {
			r.protoHist2.Record(ctx, secs, ci.protoRec2...)
		}
	}
}

// route returns the cached route of call, building it on first sight.
func (m *middleware) route(call *app.Call, req *http.Request) *route {
	k := routeKey{op: call.Operation, proto: call.Protocol}
	conv := m.conventions(call.Protocol)
	k = conv.routeKey(k, call, req)
	if p := m.routes.Load(); p != nil {
		if r, ok := (*p)[k]; ok {
			return r
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	old := m.routes.Load()
	if old != nil {
		if r, ok := (*old)[k]; ok {
			return r
		}
	}
	r := m.buildRoute(k, conv)
	if old != nil && len(*old) >= maxCachedRoutes {
		return r
	}
	next := make(map[routeKey]*route, 1+lenOf(old))
	if old != nil {
		for kk, v := range *old {
			next[kk] = v
		}
	}
	next[k] = r
	m.routes.Store(&next)
	return r
}

func lenOf(p *map[routeKey]*route) int {
	if p == nil {
		return 0
	}
	return len(*p)
}

func (r *route) info(c app.Code) *codeInfo {
	if int(c) < len(r.byCode) {
		return &r.byCode[c]
	}
	return &r.byCode[app.CodeUnknown]
}

// serverFault reports whether a code is the server's fault: the codes the
// gRPC semantic conventions count as server span errors, which are also
// those that map to HTTP 5xx.
func serverFault(c app.Code) bool {
	switch c {
	case app.CodeUnknown, app.CodeDeadlineExceeded, app.CodeUnimplemented,
		app.CodeInternal, app.CodeUnavailable, app.CodeDataLoss:
		return true
	}
	return false
}

// buildRoute precomputes the span start options and, for every code, the
// result attributes of calls on k: the parts every protocol shares here,
// the rest from the protocol's conventions.
func (m *middleware) buildRoute(k routeKey, conv conventions) *route {
	op := k.op
	opAttr := AttrOperation.String(op.Name)
	pr := protoRoute{kind: trace.SpanKindServer}
	conv.route(k, &pr)
	r := &route{name: pr.name, conv: conv, protoHist: pr.hist, millis: pr.millis, protoHist2: pr.hist2}
	start := append([]attribute.KeyValue{opAttr, AttrProtocol.String(k.proto.String())}, pr.start...)
	r.startOpts = []trace.SpanStartOption{trace.WithSpanKind(pr.kind), trace.WithAttributes(start...)}

	codesAll := app.Codes()
	r.byCode = make([]codeInfo, len(codesAll))
	for _, c := range codesAll {
		res := codeResult{isError: serverFault(c), errorType: c.Upper()}
		if pr.result != nil {
			pr.result(c, &res)
		}
		spanAttrs := res.span
		protoAttrs := append(append([]attribute.KeyValue(nil), pr.base...), res.metric...)
		proto2Attrs := append(append([]attribute.KeyValue(nil), pr.base2...), res.metric2...)
		if c != app.CodeOK {
			spanAttrs = append(spanAttrs, AttrErrorCode.String(c.String()))
		}
		if res.isError {
			et := semconv.ErrorTypeKey.String(res.errorType)
			spanAttrs = append(spanAttrs, et)
			protoAttrs = append(protoAttrs, et)
			proto2Attrs = append(proto2Attrs, et)
		}
		ci := &r.byCode[c]
		ci.isError, ci.errorType, ci.spanAttrs = res.isError, res.errorType, spanAttrs
		if m.metrics {
			ci.opRec = recordOpts(opAttr, AttrProtocol.String(k.proto.String()), AttrCode.String(c.String()))
			if r.protoHist != nil {
				ci.protoRec = recordOpts(protoAttrs...)
			}
			if r.protoHist2 != nil {
				ci.protoRec2 = recordOpts(proto2Attrs...)
			}
		}
	}
	return r
}

func recordOpts(kv ...attribute.KeyValue) []metric.RecordOption {
	return []metric.RecordOption{metric.WithAttributeSet(attribute.NewSet(kv...))}
}

// appendPeer appends the network peer of a call (its remote address),
// which every protocol records alike.
func appendPeer(attrs []attribute.KeyValue, peer string) []attribute.KeyValue {
	if host, port, ok := splitHostPort(peer); ok {
		attrs = append(attrs, semconv.NetworkPeerAddressKey.String(host))
		if port > 0 {
			attrs = append(attrs, semconv.NetworkPeerPortKey.Int(port))
		}
	}
	return attrs
}

// splitHostPort splits "host:port", "[v6]:port" or a bare host; port is 0
// when absent.
func splitHostPort(s string) (host string, port int, ok bool) {
	if s == "" {
		return "", 0, false
	}
	h, p, err := net.SplitHostPort(s)
	if err != nil {
		return strings.Trim(s, "[]"), 0, true
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return h, 0, h != ""
	}
	return h, n, h != ""
}

// errorMessage describes err for a span status or a log record: its
// client-safe message, or "panic" for a recovered panic (the App logs the
// panic's value and stack once, itself).
func errorMessage(err error) string {
	if _, ok := errors.AsType[*app.PanicError](err); ok {
		return "panic"
	}
	if e := app.ErrorFrom(err); e != nil {
		return e.Message
	}
	return "error"
}
