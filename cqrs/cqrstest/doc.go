// Package cqrstest provides the conformance suite every cqrs.Store backend
// runs: appends and reads, optimistic concurrency, global ordering under
// concurrent writers, catch-up-then-live subscriptions with filters and
// backpressure, snapshots, checkpoints and idempotency records.
//
//	func TestConformance(t *testing.T) {
//		cqrstest.Run(t, func(tb testing.TB) cqrs.Store {
//			s := mybackend.Open(...)
//			tb.Cleanup(func() { s.Close() })
//			return s
//		})
//	}
package cqrstest
