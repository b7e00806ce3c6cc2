package postgres

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/jackc/pgx/v5"
)

// Read models (cqrs.ReadModel) live in the store's schema: the table
// readmodels holds each one's fingerprint, and each has a table rm_NAME
// with the row's key, its JSON (bytea, returned as written) and one column
// per index (ix_INDEX, with an SQL index on (ix_INDEX, key) for filtered
// keyset pages). Keys and index values are text COLLATE "C": compared
// bytewise, as on every backend. The checkpoint is the read model's row in
// the checkpoints table, the one NewProjection's projections use: a batch
// locks it first, checks it and the fingerprint (a compare-and-set), writes
// the rows and moves it, in one transaction of the pool (not the writer's,
// so read models never delay appends), and notifies the replicas standing
// by for the read model's lease (see LeaseProjection), so they follow it.
// The tables are created when the read model is first opened (no
// migration), one replica at a time.

var _ cqrs.ReadModelBackend = (*Store)(nil)

var identRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)

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
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	r := newRowStore(s, spec)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// CREATE … IF NOT EXISTS races with itself across sessions: one
		// replica at a time, as migrations.
		if _, err := tx.Exec(ctx, s.sql.lock, lockMigrate, s.opts.schema); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "CREATE TABLE IF NOT EXISTS "+r.models+` (
	name        text        PRIMARY KEY,
	fingerprint text        NOT NULL,
	time        timestamptz NOT NULL
)`); err != nil {
			return err
		}
		if _, err := r.lock(ctx, tx); err != nil {
			return err
		}
		var fp string
		err := tx.QueryRow(ctx, "SELECT fingerprint FROM "+r.models+" WHERE name = $1", spec.Name).Scan(&fp)
		if err == nil && fp == spec.Fingerprint {
			return nil
		}
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		b := &pgx.Batch{}
		for _, q := range r.create() {
			b.Queue(q)
		}
		b.Queue("INSERT INTO "+r.models+` (name, fingerprint, time) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET fingerprint = excluded.fingerprint, time = excluded.time`, spec.Name, spec.Fingerprint)
		r.queueCheckpoint(b, 0)
		return tx.SendBatch(ctx, b).Close()
	})
	if err != nil {
		return nil, fmt.Errorf("postgres: open read model %s: %w", spec.Name, s.readErr(err))
	}
	return r, nil
}

// rowStore is the cqrs.RowStore of one read model.
type rowStore struct {
	s      *Store
	spec   cqrs.ReadModelSpec
	models string // the readmodels table, quoted
	table  string // quoted
	cols   []string
	// SQL built once.
	upsert, del, clear, get, fingerprint, checkpoint string
}

var _ cqrs.RowStore = (*rowStore)(nil)

func newRowStore(s *Store, spec cqrs.ReadModelSpec) *rowStore {
	schema := s.opts.schema
	r := &rowStore{s: s, spec: spec,
		models: pgx.Identifier{schema, "readmodels"}.Sanitize(),
		table:  pgx.Identifier{schema, "rm_" + spec.Name}.Sanitize()}
	for _, ix := range spec.Indexes {
		r.cols = append(r.cols, pgx.Identifier{"ix_" + ix}.Sanitize())
	}
	cols := append([]string{"key", "data"}, r.cols...)
	types := []string{"text[]", "bytea[]"}
	set := make([]string, 0, len(cols)-1)
	for i, c := range cols[1:] {
		set = append(set, c+" = excluded."+c)
		if i > 0 {
			types = append(types, "text[]")
		}
	}
	params := make([]string, len(cols))
	for i, t := range types {
		params[i] = "$" + strconv.Itoa(i+1) + "::" + t
	}
	r.upsert = "INSERT INTO " + r.table + " (" + strings.Join(cols, ", ") + ") SELECT * FROM unnest(" + strings.Join(params, ", ") +
		") ON CONFLICT (key) DO UPDATE SET " + strings.Join(set, ", ")
	r.del = "DELETE FROM " + r.table + " WHERE key = ANY($1::text[])"
	r.clear = "DELETE FROM " + r.table
	r.get = "SELECT key, data FROM " + r.table + " WHERE key = ANY($1::text[])"
	r.fingerprint = "SELECT fingerprint FROM " + r.models + " WHERE name = $1"
	r.checkpoint = "SELECT COALESCE((SELECT position FROM " + pgx.Identifier{schema, "checkpoints"}.Sanitize() +
		" WHERE name = $1), 0) FROM " + r.models + " WHERE name = $1 AND fingerprint = $2"
	return r
}

// create returns the statements that (re)create the table and its indexes.
func (r *rowStore) create() []string {
	var b strings.Builder
	b.WriteString("CREATE TABLE " + r.table + " (\n\tkey  text COLLATE \"C\" PRIMARY KEY,\n\tdata bytea NOT NULL")
	for _, c := range r.cols {
		b.WriteString(",\n\t" + c + " text COLLATE \"C\" NOT NULL")
	}
	b.WriteString("\n)")
	qs := []string{"DROP TABLE IF EXISTS " + r.table, b.String()}
	for i, c := range r.cols {
		// rmix_NAME_N fits in 63 bytes and is no other read model's.
		ix := pgx.Identifier{"rmix_" + r.spec.Name + "_" + strconv.Itoa(i)}.Sanitize()
		qs = append(qs, "CREATE INDEX "+ix+" ON "+r.table+" ("+c+", key)")
	}
	return qs
}

// lock locks the read model's checkpoint row (creating it at 0) for the
// rest of tx and returns its committed position.
func (r *rowStore) lock(ctx context.Context, tx pgx.Tx) (int64, error) {
	var cp int64
	if err := tx.QueryRow(ctx, r.s.sql.lockCheckpoint, r.spec.Name).Scan(&cp); err != nil {
		return 0, fmt.Errorf("lock checkpoint: %w", err)
	}
	return cp, nil
}

// check locks the checkpoint row and fails with cqrs.ErrReadModelMoved
// unless the read model is still declared with spec's fingerprint and,
// when from ≥ 0, its checkpoint is from.
func (r *rowStore) check(ctx context.Context, tx pgx.Tx, from int64) error {
	cp, err := r.lock(ctx, tx)
	if err != nil {
		return err
	}
	var fp string
	// A statement of its own, after the lock: it sees what committed
	// before the lock was granted.
	if err := tx.QueryRow(ctx, r.fingerprint, r.spec.Name).Scan(&fp); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	if fp != r.spec.Fingerprint {
		return fmt.Errorf("%w: read model %s was redeclared with another fingerprint", cqrs.ErrReadModelMoved, r.spec.Name)
	}
	if from >= 0 && cp != from {
		return fmt.Errorf("%w: %s is at %d, not %d", cqrs.ErrReadModelMoved, r.spec.Name, cp, from)
	}
	return nil
}

// queueCheckpoint queues the statements that move the checkpoint to pos
// and tell the replicas standing by.
func (r *rowStore) queueCheckpoint(b *pgx.Batch, pos int64) {
	b.Queue(r.s.sql.upsertCheckpoint, r.spec.Name, pos)
	b.Queue(r.s.sql.notify, r.s.cpChannel, r.spec.Name)
}

// Checkpoint implements cqrs.RowStore.
func (r *rowStore) Checkpoint(ctx context.Context) (int64, error) {
	if r.s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var pos int64
	err := r.s.pool.QueryRow(ctx, r.checkpoint, r.spec.Name, r.spec.Fingerprint).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, fmt.Errorf("%w: read model %s was redeclared with another fingerprint", cqrs.ErrReadModelMoved, r.spec.Name)
	}
	if err != nil {
		return 0, r.s.readErr(err)
	}
	return pos, nil
}

// Apply implements cqrs.RowStore.
func (r *rowStore) Apply(ctx context.Context, rb cqrs.RowBatch) error {
	if r.s.isClosed() {
		return cqrs.ErrClosed
	}
	for _, row := range rb.Puts {
		if len(row.Index) != len(r.cols) {
			return fmt.Errorf("%w: row %q has %d index values, want %d", cqrs.ErrInvalid, row.Key, len(row.Index), len(r.cols))
		}
	}
	err := pgx.BeginFunc(ctx, r.s.pool, func(tx pgx.Tx) error {
		if err := r.check(ctx, tx, rb.From); err != nil {
			return err
		}
		b := &pgx.Batch{}
		if len(rb.Puts) > 0 {
			args := make([]any, 2+len(r.cols))
			keys, data := make([]string, len(rb.Puts)), make([][]byte, len(rb.Puts))
			ixs := make([][]string, len(r.cols))
			for i := range ixs {
				ixs[i] = make([]string, len(rb.Puts))
			}
			for i, row := range rb.Puts {
				keys[i], data[i] = row.Key, row.Data
				for j, v := range row.Index {
					ixs[j][i] = v
				}
			}
			args[0], args[1] = keys, data
			for j := range ixs {
				args[2+j] = ixs[j]
			}
			b.Queue(r.upsert, args...)
		}
		if len(rb.Deletes) > 0 {
			b.Queue(r.del, rb.Deletes)
		}
		r.queueCheckpoint(b, rb.To)
		return tx.SendBatch(ctx, b).Close()
	})
	return r.err(err)
}

// Reset implements cqrs.RowStore.
func (r *rowStore) Reset(ctx context.Context) error {
	if r.s.isClosed() {
		return cqrs.ErrClosed
	}
	err := pgx.BeginFunc(ctx, r.s.pool, func(tx pgx.Tx) error {
		if err := r.check(ctx, tx, -1); err != nil {
			return err
		}
		b := &pgx.Batch{}
		b.Queue(r.clear)
		r.queueCheckpoint(b, 0)
		return tx.SendBatch(ctx, b).Close()
	})
	return r.err(err)
}

// err returns a failed transaction's error: cqrs.ErrReadModelMoved as it
// is, others as reads report them.
func (r *rowStore) err(err error) error {
	if err == nil || errors.Is(err, cqrs.ErrReadModelMoved) {
		return err
	}
	return r.s.readErr(err)
}

// Get implements cqrs.RowStore.
func (r *rowStore) Get(ctx context.Context, keys []string) ([]cqrs.Row, error) {
	if r.s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	return r.query(ctx, make([]cqrs.Row, 0, len(keys)), r.get, keys)
}

// List implements cqrs.RowStore.
func (r *rowStore) List(ctx context.Context, q cqrs.RowQuery) ([]cqrs.Row, error) {
	if r.s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	var where []string
	args := make([]any, 0, len(q.Where)+2)
	param := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	for _, w := range q.Where {
		if w.Index < 0 || w.Index >= len(r.cols) {
			return nil, fmt.Errorf("%w: index %d of %d", cqrs.ErrInvalid, w.Index, len(r.cols))
		}
		where = append(where, r.cols[w.Index]+" = "+param(w.Value))
	}
	order := "ASC"
	if q.Desc {
		order = "DESC"
	}
	if q.After != "" {
		op := " > "
		if q.Desc {
			op = " < "
		}
		where = append(where, "key"+op+param(q.After))
	}
	sqlq := "SELECT key, data FROM " + r.table
	if len(where) > 0 {
		sqlq += " WHERE " + strings.Join(where, " AND ")
	}
	sqlq += " ORDER BY key " + order + " LIMIT " + param(max(q.Limit, 0))
	return r.query(ctx, make([]cqrs.Row, 0, min(max(q.Limit, 0), 64)), sqlq, args...)
}

func (r *rowStore) query(ctx context.Context, out []cqrs.Row, q string, args ...any) ([]cqrs.Row, error) {
	rows, err := r.s.pool.Query(ctx, q, args...)
	if err != nil {
		return nil, r.s.readErr(err)
	}
	defer rows.Close()
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
