package console_test

import (
	"context"
	"strconv"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/allframe-go/allframe/transport/console"
)

// spansOf starts and ends, in n new traces, m spans each (a root and its
// children) on a provider with r.
func record(tb testing.TB, r *console.Recorder, traces, perTrace int) {
	tb.Helper()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r))
	tr := tp.Tracer("test")
	for i := range traces {
		ctx, root := tr.Start(context.Background(), "root "+strconv.Itoa(i))
		for j := 1; j < perTrace; j++ {
			_, sp := tr.Start(ctx, "child")
			sp.End()
		}
		root.End()
	}
}

func TestRecorderBounds(t *testing.T) {
	tests := []struct {
		name                 string
		maxSpans, maxTraces  int
		traces, perTrace     int
		wantSpans, wantTrace int
	}{
		{"under both bounds", 100, 10, 5, 3, 15, 5},
		{"trace bound", 100, 10, 30, 2, 20, 10},
		{"span bound drops whole traces", 10, 100, 8, 3, 9, 3},
		{"one trace larger than the span bound is cut", 5, 10, 1, 20, 5, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := console.NewRecorder(tt.maxSpans, tt.maxTraces)
			record(t, r, tt.traces, tt.perTrace)
			spans, traces := r.Len()
			if spans != tt.wantSpans || traces != tt.wantTrace {
				t.Errorf("Len() = %d spans, %d traces; want %d, %d", spans, traces, tt.wantSpans, tt.wantTrace)
			}
		})
	}
}

func TestRecorderConcurrent(t *testing.T) {
	r := console.NewRecorder(200, 50)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			record(t, r, 100, 3)
		}()
		go func() {
			defer wg.Done()
			for range 50 {
				_ = r.Metrics()
				r.Len()
			}
		}()
	}
	wg.Wait()
	if spans, traces := r.Len(); spans > 200 || traces > 50 || spans == 0 {
		t.Errorf("Len() = %d, %d", spans, traces)
	}
}
