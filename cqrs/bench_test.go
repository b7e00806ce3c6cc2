package cqrs_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/allframe-go/allframe/app"
	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/memory"
)

//	go test -run '^$' -bench . -benchmem ./cqrs/

// BenchmarkHandle runs aggregate commands in process through the App
// router (validation, idempotency check, load from cache, decide, append):
// the cost cqrs adds to a command before any transport.
func BenchmarkHandle(b *testing.B) {
	for _, par := range []int{1, 32} {
		b.Run(fmt.Sprintf("goroutines=%d", par), func(b *testing.B) {
			store := memory.New()
			defer func() { _ = store.Close() }()
			a := quietApp()
			bus := cqrs.NewBus(a, store, counterRegistry())
			agg := cqrs.NewAggregate(bus, "counter", applyCounter)
			cqrs.Handle(agg, "add", func(in addIn) string { return in.ID }, addDecider, counterView)
			var next atomic.Int64
			b.ReportAllocs()
			b.SetParallelism(max(par/2, 1))
			b.RunParallel(func(pb *testing.PB) {
				in := addIn{ID: fmt.Sprintf("c-%d", next.Add(1)), N: 1}
				for pb.Next() {
					if _, err := app.Invoke[addIn, counterOut](context.Background(), a, "add", in); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commands/s")
		})
	}
}
