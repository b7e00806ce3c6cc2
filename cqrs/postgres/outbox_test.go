package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
)

func TestOutbox(t *testing.T) {
	cqrstest.RunOutbox(t, func(tb testing.TB) cqrstest.Reopen {
		dsn := postgrestest.DSN(tb)
		schema := postgrestest.Schema(tb, dsn)
		return func(tb testing.TB) (cqrs.Store, func()) {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			s, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
			if err != nil {
				tb.Fatal(err)
			}
			closed := false
			return s, func() {
				if closed {
					return
				}
				closed = true
				if err := s.Close(); err != nil {
					tb.Error(err)
				}
			}
		}
	})
}
