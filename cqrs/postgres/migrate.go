package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Advisory lock class ids (the first key of the two-key advisory locks);
// the second key is hashtext(schema), so stores in different schemas do
// not wait for each other (a hash collision only serialises more).
const (
	lockMigrate int32 = 0x41460001 // session lock around migrations
	lockAppend  int32 = 0x41460002 // transaction lock that orders appends
)

// migrations are applied in order, each in a transaction of its own that
// also records its number in schema_migrations. %[1]s is the quoted schema.
// Never edit a released migration: add one.
var migrations = []string{
	1: `
CREATE TABLE %[1]s.events (
	position       bigint      PRIMARY KEY,
	id             text        NOT NULL,
	stream         text        NOT NULL,
	stream_type    text        NOT NULL,
	version        bigint      NOT NULL,
	type           text        NOT NULL,
	schema_version integer     NOT NULL,
	time           timestamptz NOT NULL,
	data           bytea       NOT NULL,
	metadata       bytea,
	CONSTRAINT events_id UNIQUE (id),
	CONSTRAINT events_stream_version UNIQUE (stream, version)
);
CREATE TABLE %[1]s.snapshots (
	stream         text        PRIMARY KEY,
	version        bigint      NOT NULL,
	position       bigint      NOT NULL,
	schema_version integer     NOT NULL,
	data           bytea       NOT NULL,
	time           timestamptz NOT NULL
);
CREATE TABLE %[1]s.checkpoints (
	name     text        PRIMARY KEY,
	position bigint      NOT NULL,
	time     timestamptz NOT NULL
);
CREATE TABLE %[1]s.idempotency (
	scope    text        NOT NULL,
	key      text        NOT NULL,
	hash     text        NOT NULL,
	response bytea,
	position bigint      NOT NULL,
	time     timestamptz NOT NULL,
	PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_time ON %[1]s.idempotency (time);
`,
}

// SchemaVersion is the schema version this build migrates to.
const SchemaVersion = 1

// migrate brings the schema up to SchemaVersion. It holds a session
// advisory lock on the schema meanwhile, so replicas starting together
// migrate one after the other (the later ones find nothing to do).
func migrate(ctx context.Context, pool *pgxpool.Pool, schema string) (err error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1, hashtext($2))", lockMigrate, schema); err != nil {
		return fmt.Errorf("lock: %w", err)
	}
	defer func() {
		if _, uerr := conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1, hashtext($2))", lockMigrate, schema); uerr != nil {
			conn.Conn().PgConn().Close(context.WithoutCancel(ctx)) //nolint:errcheck // closing the session releases the lock
			err = errors.Join(err, fmt.Errorf("unlock: %w", uerr))
		}
	}()
	q := pgx.Identifier{schema}.Sanitize()
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE SCHEMA IF NOT EXISTS %[1]s;
CREATE TABLE IF NOT EXISTS %[1]s.schema_migrations (
	version    integer     PRIMARY KEY,
	applied_at timestamptz NOT NULL DEFAULT now()
)`, q)); err != nil {
		return err
	}
	var have int
	if err := conn.QueryRow(ctx, fmt.Sprintf("SELECT COALESCE(max(version), 0) FROM %s.schema_migrations", q)).Scan(&have); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if have > SchemaVersion {
		return fmt.Errorf("schema %s is at version %d, newer than this build's %d", schema, have, SchemaVersion)
	}
	for v := have + 1; v <= SchemaVersion; v++ {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, fmt.Sprintf(migrations[v], q)); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, fmt.Sprintf("INSERT INTO %s.schema_migrations (version) VALUES ($1)", q), v)
			return err
		})
		if err != nil {
			return fmt.Errorf("migration %d: %w", v, err)
		}
	}
	return nil
}
