package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/allframe-go/allframe/cqrs/postgres"
	"github.com/allframe-go/allframe/cqrs/sqlite"
)

// defaultEventStore is the store used when ALLFRAME_EVENTSTORE is empty.
const defaultEventStore = "sqlite:bank.db"

// accountList is the "accounts" read model behind listAccounts.
type accountList interface {
	// projector feeds the read model from the event log.
	projector() cqrs.Projector
	// page returns up to limit accounts with ids after after, in id order.
	page(ctx context.Context, after string, limit int) ([]Account, error)
}

// newAccountList returns the read model for store, by its type: a table in
// the same file for a *sqlite.Store (written in the store's transactions
// together with its checkpoint, so it survives restarts and applies every
// event exactly once), a table in the same schema for a *postgres.Store
// (the same, shared by every replica: see pglist.go), or a map for any
// other store (rebuilt from the log on start).
func newAccountList(ctx context.Context, store cqrs.Store, reg *cqrs.Registry) (accountList, error) {
	if db, ok := store.(*postgres.Store); ok {
		return newPGList(ctx, db, reg)
	}
	db, ok := store.(*sqlite.Store)
	if !ok {
		return &memList{reg: reg, accounts: map[string]Account{}}, nil
	}
	// The projection creates its table when it is built (sqlite.Setup);
	// create it here as well (idempotently), so the listing works no
	// matter which of the two is wired first.
	if err := db.Write(ctx, createAccountsTable); err != nil {
		return nil, fmt.Errorf("create the accounts table: %w", err)
	}
	return &sqlList{db: db, reg: reg}, nil
}

// accountEvent decodes an event of an account stream, or reports ok false
// for events of other streams.
func accountEvent(reg *cqrs.Registry, ev cqrs.Event) (id string, data any, ok bool, err error) {
	id, found := strings.CutPrefix(ev.Stream, "account-")
	if ev.StreamType != "account" || !found {
		return "", nil, false, nil
	}
	data, err = reg.Decode(ev)
	if errors.Is(err, cqrs.ErrUnknownEvent) {
		return "", nil, false, nil // a newer version's event type: not ours to list
	}
	return id, data, err == nil, err
}

// sqlList keeps the listing in the table bank_accounts of the store's file.
type sqlList struct {
	db  *sqlite.Store
	reg *cqrs.Registry
}

// createAccountsTable creates the listing's table if it does not exist.
func createAccountsTable(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS bank_accounts (
		id       TEXT PRIMARY KEY,
		owner    TEXT NOT NULL,
		balance  INTEGER NOT NULL,
		version  INTEGER NOT NULL,
		position INTEGER NOT NULL
	) WITHOUT ROWID`)
	return err
}

func (l *sqlList) projector() cqrs.Projector {
	return sqlite.NewProjection(l.db, projectionName, l.apply,
		sqlite.Setup(createAccountsTable),
		sqlite.Reset(func(ctx context.Context, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM bank_accounts`)
			return err
		}))
}

// apply applies one event. It is idempotent by stream version: each
// event is applied exactly once by the sqlite projection's transaction,
// but two processes sharing the file each run the projection, so an event
// may arrive again; it then matches no row at its version and is skipped.
func (l *sqlList) apply(ctx context.Context, tx *sql.Tx, ev cqrs.Event) error {
	id, data, ok, err := accountEvent(l.reg, ev)
	if !ok {
		return err
	}
	var res sql.Result
	switch e := data.(type) {
	case AccountOpened:
		res, err = tx.ExecContext(ctx, `INSERT INTO bank_accounts (id, owner, balance, version, position) VALUES (?, ?, 0, ?, ?)
			ON CONFLICT (id) DO NOTHING`, id, e.Owner, ev.Version, ev.Position)
	case Deposited:
		res, err = tx.ExecContext(ctx, `UPDATE bank_accounts SET balance = balance + ?, version = ?, position = ? WHERE id = ? AND version = ?`,
			e.Amount, ev.Version, ev.Position, id, ev.Version-1)
	case Withdrawn:
		res, err = tx.ExecContext(ctx, `UPDATE bank_accounts SET balance = balance - ?, version = ?, position = ? WHERE id = ? AND version = ?`,
			e.Amount, ev.Version, ev.Position, id, ev.Version-1)
	default:
		return nil
	}
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	var version int64
	err = tx.QueryRowContext(ctx, `SELECT version FROM bank_accounts WHERE id = ?`, id).Scan(&version)
	if err == nil && version >= ev.Version {
		return nil // applied already
	}
	if err != nil {
		return fmt.Errorf("accounts projection: event %d is version %d of %s, not listed: %w", ev.Position, ev.Version, ev.Stream, err)
	}
	return fmt.Errorf("accounts projection: event %d is version %d of %s, listed at version %d", ev.Position, ev.Version, ev.Stream, version)
}

func (l *sqlList) page(ctx context.Context, after string, limit int) ([]Account, error) {
	rows, err := l.db.DB().QueryContext(ctx,
		`SELECT id, owner, balance, version, position FROM bank_accounts WHERE id > ? ORDER BY id LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }() // rows.Err below reports what matters
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

// memList keeps the listing in memory.
type memList struct {
	reg *cqrs.Registry

	mu       sync.Mutex
	accounts map[string]Account
}

func (l *memList) projector() cqrs.Projector {
	return cqrs.NewProjection(projectionName, l.apply, cqrs.OnReset(func(context.Context) error {
		l.mu.Lock()
		defer l.mu.Unlock()
		clear(l.accounts)
		return nil
	}))
}

func (l *memList) apply(_ context.Context, ev cqrs.Event) error {
	id, data, ok, err := accountEvent(l.reg, ev)
	if !ok {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	a, listed := l.accounts[id]
	if listed && ev.Version <= a.Version {
		return nil // applied already (see sqlList.apply)
	}
	switch e := data.(type) {
	case AccountOpened:
		a = Account{ID: id, Owner: e.Owner}
	case Deposited:
		a.Balance += e.Amount
	case Withdrawn:
		a.Balance -= e.Amount
	default:
		return nil
	}
	a.Version, a.Position = ev.Version, ev.Position
	l.accounts[id] = a
	return nil
}

func (l *memList) page(_ context.Context, after string, limit int) ([]Account, error) {
	l.mu.Lock()
	out := make([]Account, 0, len(l.accounts))
	for id, a := range l.accounts {
		if id > after {
			out = append(out, a)
		}
	}
	l.mu.Unlock()
	slices.SortFunc(out, func(a, b Account) int { return strings.Compare(a.ID, b.ID) })
	return out[:min(limit, len(out))], nil
}
