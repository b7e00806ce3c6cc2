package main

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/postgres"
)

// pgList keeps the listing in the table bank_accounts of the store's
// PostgreSQL schema, shared by every replica: one replica at a time
// applies events (postgres.NewProjection's lease), each exactly once, in
// the transaction that advances the checkpoint.
type pgList struct {
	db    *postgres.Store
	reg   *cqrs.Registry
	table string // the quoted, schema-qualified table name
	proj  *postgres.Projection
}

func newPGList(ctx context.Context, db *postgres.Store, reg *cqrs.Registry) (*pgList, error) {
	l := &pgList{db: db, reg: reg, table: pgx.Identifier{db.Schema(), "bank_accounts"}.Sanitize()}
	l.proj = postgres.NewProjection(l.db, projectionName, l.apply,
		postgres.Setup(l.create),
		postgres.Reset(func(ctx context.Context, tx pgx.Tx) error {
			_, err := tx.Exec(ctx, `DELETE FROM `+l.table)
			return err
		}))
	// The table must exist before the first listing, even before the
	// projection has run.
	if err := l.proj.Setup(ctx); err != nil {
		return nil, fmt.Errorf("create the accounts table: %w", err)
	}
	return l, nil
}

func (l *pgList) create(ctx context.Context, tx pgx.Tx) error {
	_, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS `+l.table+` (
		id       text   PRIMARY KEY,
		owner    text   NOT NULL,
		balance  bigint NOT NULL,
		version  bigint NOT NULL,
		position bigint NOT NULL
	)`)
	return err
}

func (l *pgList) projector() cqrs.Projector { return l.proj }

// apply applies one event. The projection applies each exactly once, so
// an event that does not follow the listed version is a bug: it fails
// (and the projection retries) rather than list a wrong balance.
func (l *pgList) apply(ctx context.Context, tx pgx.Tx, ev cqrs.Event) error {
	id, data, ok, err := accountEvent(l.reg, ev)
	if !ok {
		return err
	}
	var sql string
	var amount int64
	switch e := data.(type) {
	case AccountOpened:
		_, err := tx.Exec(ctx, `INSERT INTO `+l.table+` (id, owner, balance, version, position) VALUES ($1, $2, 0, $3, $4)`,
			id, e.Owner, ev.Version, ev.Position)
		return err
	case Deposited:
		sql, amount = `UPDATE `+l.table+` SET balance = balance + $1, version = $2, position = $3 WHERE id = $4 AND version = $2 - 1`, e.Amount
	case Withdrawn:
		sql, amount = `UPDATE `+l.table+` SET balance = balance - $1, version = $2, position = $3 WHERE id = $4 AND version = $2 - 1`, e.Amount
	default:
		return nil
	}
	tag, err := tx.Exec(ctx, sql, amount, ev.Version, ev.Position, id)
	if err != nil {
		return err
	}
	if tag.RowsAffected() != 1 {
		return fmt.Errorf("accounts projection: event %d is version %d of %s, which is not listed at version %d", ev.Position, ev.Version, ev.Stream, ev.Version-1)
	}
	return nil
}

func (l *pgList) page(ctx context.Context, after string, limit int) ([]Account, error) {
	rows, err := l.db.Pool().Query(ctx,
		`SELECT id, owner, balance, version, position FROM `+l.table+` WHERE id > $1 ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Account{}
	for rows.Next() {
		var a Account
		if err := rows.Scan(&a.ID, &a.Owner, &a.Balance, &a.Version, &a.Position); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
