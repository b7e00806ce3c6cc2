package memory_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

//	go test -run '^$' -bench . -benchmem ./cqrs/memory/

var benchData = []byte(`{"amount":100}`)

func benchEvent() cqrs.EventData {
	return cqrs.EventData{Type: "bank.Deposited", SchemaVersion: 1, Data: benchData,
		Metadata: cqrs.Metadata{CorrelationID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", CausationID: "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c"}}
}

func BenchmarkAppend(b *testing.B) {
	s := memory.New()
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	evs := []cqrs.EventData{benchEvent()}
	var versions [64]int64
	streams := make([]string, 64)
	for i := range streams {
		streams[i] = fmt.Sprintf("account-%d", i)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		k := i % 64
		res, err := s.Append(ctx, cqrs.AppendRequest{Stream: streams[k], StreamType: "account", ExpectedVersion: versions[k], Events: evs})
		if err != nil {
			b.Fatal(err)
		}
		versions[k] = res.StreamVersion
		i++
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAppendBatch100(b *testing.B) {
	s := memory.New()
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	evs := make([]cqrs.EventData, 100)
	for i := range evs {
		evs[i] = benchEvent()
	}
	var version int64
	b.ReportAllocs()
	for b.Loop() {
		res, err := s.Append(ctx, cqrs.AppendRequest{Stream: "account-1", StreamType: "account", ExpectedVersion: version, Events: evs})
		if err != nil {
			b.Fatal(err)
		}
		version = res.StreamVersion
	}
	b.ReportMetric(float64(b.N*100)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkAppendParallel(b *testing.B) {
	s := memory.New()
	defer func() { _ = s.Close() }()
	ctx := context.Background()
	var next atomic.Int64
	b.ReportAllocs()
	b.SetParallelism(32)
	b.RunParallel(func(pb *testing.PB) {
		stream := fmt.Sprintf("account-%d", next.Add(1))
		evs := []cqrs.EventData{benchEvent()}
		var version int64
		for pb.Next() {
			res, err := s.Append(ctx, cqrs.AppendRequest{Stream: stream, StreamType: "account", ExpectedVersion: version, Events: evs})
			if err != nil {
				b.Error(err)
				return
			}
			version = res.StreamVersion
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
