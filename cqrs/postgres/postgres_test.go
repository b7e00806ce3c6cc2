package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func open(tb testing.TB, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	return postgrestest.Open(tb, opts...)
}

func TestConformance(t *testing.T) {
	cqrstest.Run(t, func(tb testing.TB) cqrs.Store { return open(tb) })
}

// One transaction per request: the conformance of the store without
// group commit.
func TestConformanceNoGroupCommit(t *testing.T) {
	cqrstest.Run(t, func(tb testing.TB) cqrs.Store { return open(tb, postgres.WithMaxBatch(1)) })
}

func TestScenarios(t *testing.T) {
	cqrstest.RunScenarios(t, func(tb testing.TB) cqrs.Store { return open(tb) })
}

func TestRestart(t *testing.T) {
	cqrstest.RunRestart(t, func(tb testing.TB) cqrstest.Reopen {
		dsn := postgrestest.DSN(tb)
		schema := postgrestest.Schema(tb, dsn)
		return func(tb testing.TB) (cqrs.Store, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
			if err != nil {
				tb.Fatal(err)
			}
			return s, func() {
				if err := s.Close(); err != nil {
					tb.Error(err)
				}
			}
		}
	})
}
