package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/allframe-go/allframe/cqrs"
)

// Read models (cqrs.ReadModel) live in the store's file: the table
// readmodels holds each one's fingerprint and checkpoint, and each has a
// table rm_NAME with the row's key, its JSON and one column per index
// (ix_INDEX, with an SQL index on (ix_INDEX, key) for filtered keyset
// pages). The index columns are written with the row, from the read
// model's Go index functions, rather than generated from the JSON: an index
// may compute its value. A batch of rows and its checkpoint commit in one
// writer transaction.

var _ cqrs.ReadModelBackend = (*Store)(nil)

const createReadModels = `CREATE TABLE IF NOT EXISTS readmodels (
	name        TEXT    PRIMARY KEY,
	fingerprint TEXT    NOT NULL,
	position    INTEGER NOT NULL,
	time        INTEGER NOT NULL
) WITHOUT ROWID`

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)

// maxVars bounds the parameters of one statement.
const maxVars = 500

// OpenReadModel implements cqrs.ReadModelBackend: it creates the read
// model's table on first use, and drops and recreates it (with the
// checkpoint at 0) when the stored fingerprint differs from spec's.
func (s *Store) OpenReadModel(ctx context.Context, spec cqrs.ReadModelSpec) (cqrs.RowStore, error) {
	if !identRE.MatchString(spec.Name) {
		return nil, fmt.Errorf("%w: read model name %q", cqrs.ErrInvalid, spec.Name)
	}
	for _, ix := range spec.Indexes {
		if !identRE.MatchString(ix) {
			return nil, fmt.Errorf("%w: read model %s: index name %q", cqrs.ErrInvalid, spec.Name, ix)
		}
	}
	r := newRowStore(s, spec)
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, createReadModels); err != nil {
			return err
		}
		var fp string
		err := tx.QueryRowContext(ctx, "SELECT fingerprint FROM readmodels WHERE name = ?", spec.Name).Scan(&fp)
		if err == nil && fp == spec.Fingerprint {
			return nil
		}
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		for _, q := range r.create() {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO readmodels (name, fingerprint, position, time) VALUES (?, ?, 0, ?)
ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, position = 0, time = excluded.time`,
			spec.Name, spec.Fingerprint, time.Now().UnixNano())
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("sqlite: open read model %s: %w", spec.Name, err)
	}
	return r, nil
}

// rowStore is the cqrs.RowStore of one read model.
type rowStore struct {
	s     *Store
	spec  cqrs.ReadModelSpec
	table string // quoted
	cols  []string
	// SQL built once.
	upsert, del, clear, cas string
}

var _ cqrs.RowStore = (*rowStore)(nil)

func quote(id string) string { return `"` + id + `"` }

func newRowStore(s *Store, spec cqrs.ReadModelSpec) *rowStore {
	r := &rowStore{s: s, spec: spec, table: quote("rm_" + spec.Name)}
	for _, ix := range spec.Indexes {
		r.cols = append(r.cols, quote("ix_"+ix))
	}
	cols := append([]string{"key", "data"}, r.cols...)
	set := make([]string, 0, len(cols)-1)
	for _, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
	}
	r.upsert = "INSERT INTO " + r.table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
		strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ") ON CONFLICT (key) DO UPDATE SET " + strings.Join(set, ", ")
	r.del = "DELETE FROM " + r.table + " WHERE key = ?"
	r.clear = "DELETE FROM " + r.table
	r.cas = "UPDATE readmodels SET position = ?, time = ? WHERE name = ? AND position = ? AND fingerprint = ?"
	return r
}

// create returns the statements that (re)create the table and its indexes.
func (r *rowStore) create() []string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + r.table + " (\n\tkey  TEXT PRIMARY KEY,\n\tdata BLOB NOT NULL")
	for _, c := range r.cols {
		b.WriteString(",\n\t" + c + " TEXT NOT NULL")
	}
	b.WriteString("\n) WITHOUT ROWID")
	qs := []string{"DROP TABLE IF EXISTS " + r.table, b.String()}
	for i, ix := range r.spec.Indexes {
		qs = append(qs, "CREATE INDEX "+quote("rm_"+r.spec.Name+"__"+ix)+" ON "+r.table+" ("+r.cols[i]+", key)")
	}
	return qs
}

// Checkpoint implements cqrs.RowStore.
func (r *rowStore) Checkpoint(ctx context.Context) (int64, error) {
	if r.s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var pos int64
	err := r.s.rdb.QueryRowContext(ctx, "SELECT position FROM readmodels WHERE name = ? AND fingerprint = ?", r.spec.Name, r.spec.Fingerprint).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("%w: read model %s was redeclared with another fingerprint", cqrs.ErrReadModelMoved, r.spec.Name)
	}
	if err != nil {
		return 0, r.s.readErr(err)
	}
	return pos, nil
}

// Apply implements cqrs.RowStore.
func (r *rowStore) Apply(ctx context.Context, b cqrs.RowBatch) error {
	for _, row := range b.Puts {
		if len(row.Index) != len(r.cols) {
			return fmt.Errorf("%w: row %q has %d index values, want %d", cqrs.ErrInvalid, row.Key, len(row.Index), len(r.cols))
		}
	}
	return r.s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, r.cas, b.To, time.Now().UnixNano(), r.spec.Name, b.From, r.spec.Fingerprint)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, fmt.Errorf("%w: %s no longer continues from %d", cqrs.ErrReadModelMoved, r.spec.Name, b.From))
		}
		if len(b.Puts) > 0 {
			st, err := tx.PrepareContext(ctx, r.upsert)
			if err != nil {
				return err
			}
			defer func() { _ = st.Close() }()
			args := make([]any, 2+len(r.cols))
			for _, row := range b.Puts {
				args[0], args[1] = row.Key, row.Data
				for i, v := range row.Index {
					args[2+i] = v
				}
				if _, err := st.ExecContext(ctx, args...); err != nil {
					return fmt.Errorf("write row %q: %w", row.Key, err)
				}
			}
		}
		for _, k := range b.Deletes {
			if _, err := tx.ExecContext(ctx, r.del, k); err != nil {
				return fmt.Errorf("delete row %q: %w", k, err)
			}
		}
		return nil
	})
}

// Reset implements cqrs.RowStore.
func (r *rowStore) Reset(ctx context.Context) error {
	return r.s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "UPDATE readmodels SET position = 0, time = ? WHERE name = ? AND fingerprint = ?",
			time.Now().UnixNano(), r.spec.Name, r.spec.Fingerprint)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n != 1 {
			return errors.Join(err, fmt.Errorf("%w: read model %s was redeclared with another fingerprint", cqrs.ErrReadModelMoved, r.spec.Name))
		}
		_, err = tx.ExecContext(ctx, r.clear)
		return err
	})
}

// Get implements cqrs.RowStore.
func (r *rowStore) Get(ctx context.Context, keys []string) ([]cqrs.Row, error) {
	if r.s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	out := make([]cqrs.Row, 0, len(keys))
	for len(keys) > 0 {
		n := min(len(keys), maxVars)
		args := make([]any, n)
		for i, k := range keys[:n] {
			args[i] = k
		}
		q := "SELECT key, data FROM " + r.table + " WHERE key IN (" + strings.TrimSuffix(strings.Repeat("?, ", n), ", ") + ")"
		var err error
		if out, err = r.query(ctx, out, q, args...); err != nil {
			return nil, err
		}
		keys = keys[n:]
	}
	return out, nil
}

// List implements cqrs.RowStore.
func (r *rowStore) List(ctx context.Context, q cqrs.RowQuery) ([]cqrs.Row, error) {
	if r.s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	var where []string
	args := make([]any, 0, len(q.Where)+2)
	for _, w := range q.Where {
		if w.Index < 0 || w.Index >= len(r.cols) {
			return nil, fmt.Errorf("%w: index %d of %d", cqrs.ErrInvalid, w.Index, len(r.cols))
		}
		where = append(where, r.cols[w.Index]+" = ?")
		args = append(args, w.Value)
	}
	order := "ASC"
	if q.After != "" {
		if q.Desc {
			where = append(where, "key < ?")
		} else {
			where = append(where, "key > ?")
		}
		args = append(args, q.After)
	}
	if q.Desc {
		order = "DESC"
	}
	sqlq := "SELECT key, data FROM " + r.table
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY key " + order + " LIMIT ?"
	args = append(args, max(q.Limit, 0))
	return r.query(ctx, make([]cqrs.Row, 0, min(max(q.Limit, 0), 64)), sqlq, args...)
}

func (r *rowStore) query(ctx context.Context, out []cqrs.Row, q string, args ...any) ([]cqrs.Row, error) {
	rows, err := r.s.rdb.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, r.s.readErr(err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what matters
	for rows.Next() {
		var row cqrs.Row
		if err := rows.Scan(&row.Key, &row.Data); err != nil {
			return nil, r.s.readErr(err)
		}
		out = append(out, row)
	}
	if err := rows.Err(); err != nil {
		return nil, r.s.readErr(err)
	}
	return out, nil
}
