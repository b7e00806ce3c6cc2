package console

import (
	"context"
	"slices"
	"sort"
	"sync"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// Defaults of the recorder's bounds.
const (
	DefaultMaxSpans  = 2000
	DefaultMaxTraces = 500
)

// Span attribute keys the recorder reads (set by telemetry's middleware on
// every operation span; see telemetry.AttrOperation).
const (
	attrOperation = "allframe.operation"
	attrProtocol  = "allframe.protocol"
	attrErrorCode = "allframe.error.code"
)

// Recorder is an OpenTelemetry span processor that keeps the most recent
// spans of the process in memory, grouped by trace, for the console: at
// most maxTraces traces and maxSpans spans (the oldest traces go first). It
// also aggregates the operation spans into per-second metrics. OnEnd keeps
// the ended span as the SDK hands it over (an immutable snapshot): nothing
// is copied or converted until the console asks.
type Recorder struct {
	maxSpans, maxTraces int
	now                 func() time.Time

	mu     sync.Mutex
	traces map[trace.TraceID]*recTrace
	order  []*recTrace // oldest first; order[head:] are live
	head   int
	spans  int
	series map[seriesKey]*series
}

type recTrace struct {
	id    trace.TraceID
	spans []sdktrace.ReadOnlySpan
}

var _ sdktrace.SpanProcessor = (*Recorder)(nil)

// NewRecorder returns a recorder keeping at most maxSpans spans and
// maxTraces traces (defaults for values ≤ 0).
func NewRecorder(maxSpans, maxTraces int) *Recorder {
	if maxSpans <= 0 {
		maxSpans = DefaultMaxSpans
	}
	if maxTraces <= 0 {
		maxTraces = DefaultMaxTraces
	}
	return &Recorder{
		maxSpans: maxSpans, maxTraces: maxTraces, now: time.Now,
		traces: map[trace.TraceID]*recTrace{},
		series: map[seriesKey]*series{},
	}
}

// OnStart implements sdktrace.SpanProcessor; spans are recorded when they
// end.
func (*Recorder) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

// OnEnd implements sdktrace.SpanProcessor: it records s.
func (r *Recorder) OnEnd(s sdktrace.ReadOnlySpan) {
	id := s.SpanContext().TraceID()
	op, proto, code := operationOf(s)
	r.mu.Lock()
	defer r.mu.Unlock()
	t := r.traces[id]
	if t == nil {
		t = &recTrace{id: id}
		r.traces[id] = t
		r.order = append(r.order, t)
	}
	if len(t.spans) < r.maxSpans {
		t.spans = append(t.spans, s)
		r.spans++
	}
	for r.spans > r.maxSpans || len(r.traces) > r.maxTraces {
		r.evictOldest()
	}
	if op != "" {
		r.observe(op, proto, code != "", s.EndTime(), s.EndTime().Sub(s.StartTime()))
	}
}

// evictOldest drops the oldest trace; r.mu is held.
func (r *Recorder) evictOldest() {
	old := r.order[r.head]
	r.order[r.head] = nil
	r.head++
	if r.head > len(r.order)/2 && r.head > 64 { // compact now and then
		r.order = append(r.order[:0], r.order[r.head:]...)
		r.head = 0
	}
	delete(r.traces, old.id)
	r.spans -= len(old.spans)
}

// operationOf returns the operation, protocol and error code ("" when ok)
// of an operation span; op is "" for other spans. telemetry's middleware
// puts allframe.operation and allframe.protocol first, so the scan is short.
func operationOf(s sdktrace.ReadOnlySpan) (op, proto, code string) {
	for _, kv := range s.Attributes() {
		switch kv.Key {
		case attrOperation:
			op = kv.Value.AsString()
		case attrProtocol:
			proto = kv.Value.AsString()
		case attrErrorCode:
			code = kv.Value.AsString()
		}
	}
	return op, proto, code
}

// ForceFlush implements sdktrace.SpanProcessor; nothing is buffered.
func (*Recorder) ForceFlush(context.Context) error { return nil }

// Shutdown implements sdktrace.SpanProcessor; the recorded spans stay
// readable.
func (*Recorder) Shutdown(context.Context) error { return nil }

// Len returns how many spans and traces are recorded.
func (r *Recorder) Len() (spans, traces int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.spans, len(r.traces)
}

// snapshot returns the recorded traces, newest first (by their first
// span's start), each with its spans in start order.
func (r *Recorder) snapshot() [][]sdktrace.ReadOnlySpan {
	r.mu.Lock()
	out := make([][]sdktrace.ReadOnlySpan, 0, len(r.traces))
	for _, t := range r.order[r.head:] {
		out = append(out, slices.Clone(t.spans))
	}
	r.mu.Unlock()
	for _, spans := range out {
		sortSpans(spans)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i][0].StartTime().After(out[j][0].StartTime()) })
	return out
}

// trace returns the spans of trace id in start order, or nil.
func (r *Recorder) trace(id trace.TraceID) []sdktrace.ReadOnlySpan {
	r.mu.Lock()
	t := r.traces[id]
	var spans []sdktrace.ReadOnlySpan
	if t != nil {
		spans = slices.Clone(t.spans)
	}
	r.mu.Unlock()
	sortSpans(spans)
	return spans
}

func sortSpans(spans []sdktrace.ReadOnlySpan) {
	sort.SliceStable(spans, func(i, j int) bool { return spans[i].StartTime().Before(spans[j].StartTime()) })
}
