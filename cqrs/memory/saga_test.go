package memory_test

import (
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/memory"
)

func TestSaga(t *testing.T) {
	cqrstest.RunSaga(t, func(tb testing.TB) cqrs.Store {
		s := memory.New()
		tb.Cleanup(func() { _ = s.Close() })
		return s
	})
}
