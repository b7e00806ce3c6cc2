package cqrs

import (
	"context"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
)

// instrumentation is the name of the tracer cqrs creates spans with.
const instrumentation = "github.com/allframe-go/allframe/cqrs"

// Span attribute keys.
const (
	attrAggregateType = attribute.Key("cqrs.aggregate.type")
	attrAggregateID   = attribute.Key("cqrs.aggregate.id")
	attrStream        = attribute.Key("cqrs.stream")
	attrVersion       = attribute.Key("cqrs.stream.version")
	attrPosition      = attribute.Key("cqrs.position")
	attrEvents        = attribute.Key("cqrs.events")
	attrEventType     = attribute.Key("cqrs.event.type")
	attrEventID       = attribute.Key("cqrs.event.id")
	attrAttempt       = attribute.Key("cqrs.attempt")
	attrGroup         = attribute.Key("cqrs.group_size") // commands on the instance decided and appended together
	attrSnapshot      = attribute.Key("cqrs.snapshot")
	attrConsumer      = attribute.Key("cqrs.consumer")
)

// traceContext returns the W3C traceparent and tracestate of the span in
// ctx, empty when there is none.
func traceContext(ctx context.Context) (parent, state string) {
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() {
		return "", ""
	}
	c := propagation.MapCarrier{}
	propagation.TraceContext{}.Inject(ctx, c)
	return c["traceparent"], c["tracestate"]
}

// SetTraceContext records the trace context of the span in ctx (none:
// nothing) in m, as aggregates do for the events they append, so that
// whatever handles the event later joins the trace.
func (m *Metadata) SetTraceContext(ctx context.Context) {
	if parent, state := traceContext(ctx); parent != "" {
		m.TraceParent, m.TraceState = parent, state
	}
}

// SpanContext returns the trace context recorded with ev (invalid if none).
func (ev *Event) SpanContext() trace.SpanContext {
	if ev.Metadata.TraceParent == "" {
		return trace.SpanContext{}
	}
	c := propagation.MapCarrier{"traceparent": ev.Metadata.TraceParent}
	if ev.Metadata.TraceState != "" {
		c["tracestate"] = ev.Metadata.TraceState
	}
	return trace.SpanContextFromContext(propagation.TraceContext{}.Extract(context.Background(), c))
}

type consumerKey struct{}

// consumer names who handles events (a projection or a subscription) and
// how its spans are made.
type consumer struct {
	tracer trace.Tracer
	name   string
	// child makes the span a child of the event's recorded trace context
	// (projections, which run outside any request); otherwise the span is a
	// child of ctx (subscriptions serving a request). Both link to the
	// event's context.
	child bool
}

func withConsumer(ctx context.Context, c *consumer) context.Context {
	return context.WithValue(ctx, consumerKey{}, c)
}

// EventSpan starts the span of one consumer's handling of ev: a span linked
// to the trace context recorded with ev (for projections, also its child,
// so one trace shows request → command → append → projection). It also
// sets the causation context for events appended while handling ev (see
// CausedBy). Projection implementations call it around each event; outside
// a projection or subscription the span is a no-op. Call end with the
// handling's error.
func EventSpan(ctx context.Context, ev Event) (_ context.Context, end func(error)) {
	c, _ := ctx.Value(consumerKey{}).(*consumer)
	ctx = CausedBy(ctx, ev)
	if c == nil {
		return ctx, func(error) {}
	}
	linked := ev.SpanContext()
	opts := []trace.SpanStartOption{
		trace.WithSpanKind(trace.SpanKindConsumer),
		trace.WithAttributes(
			attrConsumer.String(c.name),
			attrEventType.String(ev.Type),
			attrEventID.String(ev.ID),
			attrStream.String(ev.Stream),
			attrPosition.Int64(ev.Position),
		),
	}
	parent := ctx
	if linked.IsValid() {
		opts = append(opts, trace.WithLinks(trace.Link{SpanContext: linked}))
		if c.child {
			parent = trace.ContextWithRemoteSpanContext(ctx, linked)
		}
	}
	ctx, span := c.tracer.Start(parent, c.name+" "+ev.Type, opts...)
	return ctx, func(err error) { endSpan(span, err) }
}

func endSpan(span trace.Span, err error) {
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

// FormatToken returns the consistency token of a global position.
func FormatToken(position int64) string { return strconv.FormatInt(position, 10) }

// ParseToken returns the global position of a consistency token.
func ParseToken(token string) (int64, error) {
	pos, err := strconv.ParseInt(token, 10, 64)
	if err != nil || pos < 0 {
		return 0, strconv.ErrSyntax
	}
	return pos, nil
}
