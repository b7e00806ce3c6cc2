package memory_test

import (
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/memory"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestConformance(t *testing.T) {
	cqrstest.Run(t, func(tb testing.TB) cqrs.Store {
		s := memory.New()
		tb.Cleanup(func() { _ = s.Close() })
		return s
	})
}
