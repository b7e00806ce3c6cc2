package cqrs

import (
	"context"
	"maps"

	"github.com/allframe-go/allframe/app"
	"go.opentelemetry.io/otel/trace"
)

// Metadata keys read from a call (HTTP headers, gRPC metadata; case does
// not matter).
const (
	// MetaCorrelationID carries the correlation id of a request.
	MetaCorrelationID = "x-correlation-id"
	// MetaCausationID carries the id of the message that caused a request.
	MetaCausationID = "x-causation-id"
	// MetaRequestID is used as the causation id when no X-Causation-ID is sent.
	MetaRequestID = "x-request-id"
	// MetaIdempotencyKey makes a command idempotent (HTTP Idempotency-Key).
	MetaIdempotencyKey = "idempotency-key"
	// MetaConsistencyToken asks a query to wait until its projections have
	// reached a command's position (see Bus.ReadsFrom).
	MetaConsistencyToken = "consistency-token"
	// MetaLastEventID resumes an event stream after a position (the SSE
	// Last-Event-ID header).
	MetaLastEventID = "last-event-id"
)

// MetaSubject is the key of Metadata.User naming the authenticated caller
// (app.Call.Subject, set by auth middleware) whose call appended the event.
const MetaSubject = "subject"

// Response header keys set on commands.
const (
	// HeaderConsistencyToken carries the position a command wrote.
	HeaderConsistencyToken = "Consistency-Token"
	// HeaderIdempotentReplayed is "true" on a response replayed from an
	// idempotency record.
	HeaderIdempotentReplayed = "Idempotent-Replayed"
)

// maxIDLength bounds correlation and causation ids taken from requests;
// longer or non-printable values are ignored.
const maxIDLength = 128

type causeKey struct{}

// cause is the message context events are recorded with.
type cause struct {
	correlation, causation string
	user                   map[string]string
}

// WithCorrelation returns a context whose appended events record the given
// correlation and causation ids, overriding those of the request.
func WithCorrelation(ctx context.Context, correlationID, causationID string) context.Context {
	c := causeFrom(ctx)
	c.correlation, c.causation = correlationID, causationID
	return context.WithValue(ctx, causeKey{}, c)
}

// CausedBy returns a context for handling ev (in a projection, a
// subscription or a process manager): events appended with it record ev's
// correlation id and ev's id as their causation id.
func CausedBy(ctx context.Context, ev Event) context.Context {
	corr := ev.Metadata.CorrelationID
	if corr == "" {
		corr = ev.ID
	}
	return WithCorrelation(ctx, corr, ev.ID)
}

// WithEventMetadata returns a context whose appended events record md as
// their user metadata (merged over metadata set earlier in ctx).
func WithEventMetadata(ctx context.Context, md map[string]string) context.Context {
	c := causeFrom(ctx)
	u := maps.Clone(c.user)
	if u == nil {
		u = make(map[string]string, len(md))
	}
	maps.Copy(u, md)
	c.user = u
	return context.WithValue(ctx, causeKey{}, c)
}

func causeFrom(ctx context.Context) *cause {
	if c, ok := ctx.Value(causeKey{}).(*cause); ok {
		cp := *c
		return &cp
	}
	return &cause{}
}

// resolveCause fills the ids of the message context: explicit values in
// ctx first, then the call's metadata, then the trace id, then a new id.
func resolveCause(ctx context.Context) *cause {
	c := causeFrom(ctx)
	md := app.NoMetadata
	if call := app.CallFrom(ctx); call != nil && call.Metadata != nil {
		md = call.Metadata
	}
	if c.correlation == "" {
		c.correlation = cleanID(md.Get(MetaCorrelationID))
	}
	if c.correlation == "" {
		if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
			c.correlation = sc.TraceID().String()
		}
	}
	if c.correlation == "" {
		c.correlation = NewID()
	}
	if c.causation == "" {
		c.causation = cleanID(md.Get(MetaCausationID))
	}
	if c.causation == "" {
		c.causation = cleanID(md.Get(MetaRequestID))
	}
	if c.causation == "" {
		c.causation = c.correlation
	}
	if call := app.CallFrom(ctx); call != nil && call.Subject != "" {
		c.user = maps.Clone(c.user)
		if c.user == nil {
			c.user = map[string]string{}
		}
		c.user[MetaSubject] = call.Subject
	}
	return c
}

// cleanID returns s if it is a plausible id: 1–128 visible ASCII bytes.
func cleanID(s string) string {
	if len(s) == 0 || len(s) > maxIDLength {
		return ""
	}
	for i := range len(s) {
		if s[i] < 0x21 || s[i] > 0x7e {
			return ""
		}
	}
	return s
}
