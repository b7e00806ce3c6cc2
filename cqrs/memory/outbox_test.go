package memory_test

import (
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/memory"
)

// TestOutbox runs the outbox scenarios; a "restart" serves the same store
// again from a new Bus, as a new process would serve a durable one.
func TestOutbox(t *testing.T) {
	cqrstest.RunOutbox(t, func(tb testing.TB) cqrstest.Reopen {
		s := memory.New()
		tb.Cleanup(func() { _ = s.Close() })
		return func(testing.TB) (cqrs.Store, func()) { return s, func() {} }
	})
}
