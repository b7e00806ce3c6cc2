package console

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// WindowSeconds is the length of the metrics window, in 1-second buckets.
const WindowSeconds = 60

// maxSamples bounds the durations kept per series and second for the
// percentiles; past it, samples replace older ones (a reservoir).
const maxSamples = 128

type seriesKey struct{ op, proto string }

// series aggregates the operation spans of one (operation, protocol).
type series struct {
	buckets            [WindowSeconds]bucket
	total, totalErrors int64
}

type bucket struct {
	sec     int64 // Unix second the bucket holds; others are stale
	count   int64
	errors  int64
	samples []float64 // durations in ms, at most maxSamples
}

// observe adds one call ending at end; r.mu is held.
func (r *Recorder) observe(op, proto string, failed bool, end time.Time, d time.Duration) {
	k := seriesKey{op, proto}
	s := r.series[k]
	if s == nil {
		s = &series{}
		r.series[k] = s
	}
	sec := end.Unix()
	b := &s.buckets[sec%WindowSeconds]
	if b.sec != sec {
		b.sec, b.count, b.errors, b.samples = sec, 0, 0, b.samples[:0]
	}
	b.count++
	s.total++
	if failed {
		b.errors++
		s.totalErrors++
	}
	ms := float64(d) / float64(time.Millisecond)
	if len(b.samples) < maxSamples {
		b.samples = append(b.samples, ms)
	} else {
		// A cheap deterministic reservoir: the count spreads replacements.
		b.samples[b.count%maxSamples] = ms
	}
}

// Series is the live metrics of one operation on one protocol.
type Series struct {
	Operation string `json:"operation"`
	Protocol  string `json:"protocol"`
	// Count and Errors are the calls and failed calls of the window;
	// Total and TotalErrors those since the process started recording.
	Count       int64 `json:"count"`
	Errors      int64 `json:"errors"`
	Total       int64 `json:"total"`
	TotalErrors int64 `json:"totalErrors"`
	// RPS holds the calls of each second of the window, oldest first.
	RPS   []float64 `json:"rps"`
	P50Ms float64   `json:"p50Ms"`
	P99Ms float64   `json:"p99Ms"`
}

// Metrics returns the series of every (operation, protocol) seen, sorted,
// over the last WindowSeconds seconds (the current one included).
func (r *Recorder) Metrics() []Series {
	now := r.now().Unix()
	r.mu.Lock()
	out := make([]Series, 0, len(r.series))
	var samples []float64
	for k, s := range r.series {
		se := Series{Operation: k.op, Protocol: protocolName(k.proto), Total: s.total, TotalErrors: s.totalErrors, RPS: make([]float64, WindowSeconds)}
		samples = samples[:0]
		for i := range WindowSeconds {
			sec := now - WindowSeconds + 1 + int64(i)
			b := &s.buckets[((sec%WindowSeconds)+WindowSeconds)%WindowSeconds]
			if b.sec != sec {
				continue
			}
			se.RPS[i] = float64(b.count)
			se.Count += b.count
			se.Errors += b.errors
			samples = append(samples, b.samples...)
		}
		slices.Sort(samples)
		se.P50Ms, se.P99Ms = quantile(samples, 0.50), quantile(samples, 0.99)
		out = append(out, se)
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Series) int {
		return cmp.Or(cmp.Compare(a.Operation, b.Operation), cmp.Compare(a.Protocol, b.Protocol))
	})
	return out
}

// quantile returns the q-quantile of sorted (nearest rank), rounded to µs.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return math.Round(sorted[max(i, 0)]*1000) / 1000
}
