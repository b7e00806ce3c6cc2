package postgres_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/allframe-go/allframe/cqrs/cqrstest"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
	"github.com/jackc/pgx/v5"
)

// Replicas starting at once on a new schema migrate it once: the advisory
// lock makes the others wait, then find it done.
func TestConcurrentMigrations(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	const replicas = 6
	stores := make([]*postgres.Store, replicas)
	errs := make([]error, replicas)
	var wg sync.WaitGroup
	for i := range replicas {
		wg.Go(func() { stores[i], errs[i] = postgres.Open(ctx, dsn, postgres.WithSchema(schema)) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("replica %d: %v", i, err)
		}
		t.Cleanup(func() { _ = stores[i].Close() })
	}
	var versions []int
	rows, err := stores[0].Pool().Query(ctx, "SELECT version FROM "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+" ORDER BY version")
	if err != nil {
		t.Fatal(err)
	}
	versions, err = pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil || len(versions) != postgres.SchemaVersion || versions[len(versions)-1] != postgres.SchemaVersion {
		t.Errorf("schema_migrations = %v, %v; want 1..%d once each", versions, err, postgres.SchemaVersion)
	}
	for i, s := range stores {
		cqrstest.Append(t, s, "s", int64(i), cqrstest.Event("E", `{}`))
	}
	// Opening again is a no-op.
	again := postgrestest.OpenSchema(t, dsn, schema)
	if head, err := again.Head(ctx); head != replicas || err != nil {
		t.Errorf("Head after reopening = %d, %v; want %d", head, err, replicas)
	}
}

func TestOpenErrors(t *testing.T) {
	dsn := postgrestest.DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tests := []struct {
		name string
		dsn  string
		opts []postgres.Option
		want string
	}{
		{name: "empty schema", dsn: dsn, opts: []postgres.Option{postgres.WithSchema("")}, want: "schema name"},
		{name: "long schema", dsn: dsn, opts: []postgres.Option{postgres.WithSchema(strings.Repeat("s", 64))}, want: "schema name"},
		{name: "malformed DSN", dsn: "postgres://%zz", want: "postgres:"},
		{name: "nobody listening", dsn: "postgres://postgres@127.0.0.1:1/allframe?sslmode=disable&connect_timeout=2", want: "postgres: schema allframe"},
	}
	for _, tt := range tests {
		s, err := postgres.Open(ctx, tt.dsn, tt.opts...)
		if err == nil {
			_ = s.Close()
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Open = %v, want an error containing %q", tt.name, err, tt.want)
		}
	}
	// A schema migrated by a newer build is refused, not misread.
	schema := postgrestest.Schema(t, dsn)
	s := postgrestest.OpenSchema(t, dsn, schema)
	if _, err := s.Pool().Exec(ctx, "INSERT INTO "+pgx.Identifier{schema, "schema_migrations"}.Sanitize()+" (version) VALUES (99)"); err != nil {
		t.Fatal(err)
	}
	if s2, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema)); err == nil || !strings.Contains(err.Error(), "newer") {
		if s2 != nil {
			_ = s2.Close()
		}
		t.Errorf("Open of a newer schema = %v, want an error naming it newer", err)
	}
}
