// Package postgrestest gives tests a PostgreSQL event store of their own:
// a new schema with a random name in the database named by
// ALLFRAME_TEST_POSTGRES, dropped when the test ends, so tests (and test
// binaries) run in parallel against one server. Without the variable the
// test is skipped (failed in CI), see internal/testkit/testenv.
package postgrestest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/internal/testkit/testenv"
	"github.com/jackc/pgx/v5"
)

// DSN returns the DSN of the test server, skipping (or, in CI, failing)
// tb when there is none.
func DSN(tb testing.TB) string {
	tb.Helper()
	return testenv.Postgres(tb)
}

// Schema returns the name of a new, unused schema and drops it, with
// everything in it, when tb ends (after the cleanups registered later,
// such as closing the stores that use it).
func Schema(tb testing.TB, dsn string) string {
	tb.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	name := "test_" + hex.EncodeToString(b[:])
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, dsn)
		if err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
			return
		}
		defer func() { _ = conn.Close(ctx) }()
		if _, err := conn.Exec(ctx, "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			tb.Errorf("drop schema %s: %v", name, err)
		}
	})
	return name
}

// Open opens a store on a new schema of the test server and closes it when
// tb ends; opts come after the schema option.
func Open(tb testing.TB, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	dsn := DSN(tb)
	return OpenSchema(tb, dsn, Schema(tb, dsn), opts...)
}

// OpenSchema opens a store on schema (another replica, when a store on it
// is open already) and closes it when tb ends.
func OpenSchema(tb testing.TB, dsn, schema string, opts ...postgres.Option) *postgres.Store {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := postgres.Open(ctx, dsn, append([]postgres.Option{postgres.WithSchema(schema)}, opts...)...)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := s.Close(); err != nil {
			tb.Error(err)
		}
	})
	return s
}
