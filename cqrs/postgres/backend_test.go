package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/postgres/postgrestest"
)

func TestBackendSchemaParameter(t *testing.T) {
	dsn := postgrestest.DSN(t)
	schema := postgrestest.Schema(t, dsn)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	s, err := cqrs.Open(context.Background(), dsn+sep+"schema="+schema, postgres.Backend())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if got := s.(*postgres.Store).Schema(); got != schema {
		t.Errorf("schema %q, want %q from the URL", got, schema)
	}
}
