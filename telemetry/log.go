package telemetry

import (
	"context"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"

	"github.com/allframe-go/allframe/app"
)

// Log attribute keys added by LogHandler.
const (
	LogTraceID = "trace_id"
	LogSpanID  = "span_id"
)

// LogHandler is a slog.Handler that adds trace_id and span_id (hex, as in
// the W3C traceparent) to every record logged with a ctx that carries a
// valid span context — inside a traced request, any
// logger.InfoContext(ctx, …) — and passes it on to the next handler.
// Records logged without such a ctx pass through unchanged. Like other
// attributes added at Handle time, the ids land inside the logger's open
// group, if any.
type LogHandler struct {
	next slog.Handler
}

var _ slog.Handler = (*LogHandler)(nil)

// NewLogHandler returns a LogHandler in front of next, e.g.
// slog.New(telemetry.NewLogHandler(slog.NewJSONHandler(os.Stderr, nil))).
func NewLogHandler(next slog.Handler) *LogHandler { return &LogHandler{next: next} }

// Enabled reports whether the next handler handles level.
func (h *LogHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

// Handle adds the trace and span ids of ctx to r, then passes it on.
func (h *LogHandler) Handle(ctx context.Context, r slog.Record) error {
	if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
		r.AddAttrs(slog.String(LogTraceID, sc.TraceID().String()), slog.String(LogSpanID, sc.SpanID().String()))
	}
	return h.next.Handle(ctx, r)
}

// WithAttrs returns a LogHandler in front of next.WithAttrs(attrs).
func (h *LogHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	return &LogHandler{next: h.next.WithAttrs(attrs)}
}

// WithGroup returns a LogHandler in front of next.WithGroup(name).
func (h *LogHandler) WithGroup(name string) slog.Handler {
	return &LogHandler{next: h.next.WithGroup(name)}
}

// LogOption configures LogRequests.
type LogOption func(*requestLog)

// WithLogLevel sets the level each result code is logged at. Default:
// DefaultLogLevel.
func WithLogLevel(f func(app.Code) slog.Level) LogOption {
	return func(l *requestLog) { l.level = f }
}

// DefaultLogLevel logs server faults (unknown, deadline_exceeded,
// unimplemented, internal, unavailable, data_loss) at Error and
// everything else, client errors included, at Info.
func DefaultLogLevel(c app.Code) slog.Level {
	if serverFault(c) {
		return slog.LevelError
	}
	return slog.LevelInfo
}

type requestLog struct {
	logger *slog.Logger
	level  func(app.Code) slog.Level
}

// LogRequests returns a middleware that logs one record per operation
// call once it returns: message "request" with operation, protocol, code,
// duration, and route, peer and the client-safe error message when
// present. It logs with the call's ctx, so installed inside the tracing
// middleware (app.Use(t.Middleware(), telemetry.LogRequests(logger))) and
// with a LogHandler, each record carries the call's trace_id and span_id.
// Records below the logger's level cost one Enabled check.
func LogRequests(logger *slog.Logger, opts ...LogOption) app.Middleware {
	l := &requestLog{logger: logger, level: DefaultLogLevel}
	for _, o := range opts {
		o(l)
	}
	return func(next app.Handler) app.Handler {
		return func(ctx context.Context, call *app.Call) (out any, err error) {
			start := time.Now()
			done := false
			defer func() {
				if !done {
					l.log(ctx, call, start, app.NewError(app.CodeInternal, "panic"))
				}
			}()
			out, err = next(ctx, call)
			done = true
			l.log(ctx, call, start, err)
			return out, err
		}
	}
}

func (l *requestLog) log(ctx context.Context, call *app.Call, start time.Time, err error) {
	code := app.CodeOf(err)
	level := l.level(code)
	if !l.logger.Enabled(ctx, level) {
		return
	}
	attrs := make([]slog.Attr, 0, 7)
	attrs = append(attrs,
		slog.String("operation", call.Operation.Name),
		slog.String("protocol", call.Protocol.String()),
		slog.String("code", code.String()),
		slog.Duration("duration", time.Since(start)),
	)
	if call.Route != "" {
		attrs = append(attrs, slog.String("route", call.Route))
	}
	if call.Peer != "" {
		attrs = append(attrs, slog.String("peer", call.Peer))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", errorMessage(err)))
	}
	l.logger.LogAttrs(ctx, level, "request", attrs...)
}
