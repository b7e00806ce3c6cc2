package postgres_test

import (
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
)

// TestSaga runs the saga scenarios; the saga runner takes the projection
// lease of the store (one active runner per saga across replicas).
func TestSaga(t *testing.T) {
	cqrstest.RunSaga(t, func(tb testing.TB) cqrs.Store { return open(tb) })
}
