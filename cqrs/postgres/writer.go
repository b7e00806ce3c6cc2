package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// uniqueViolation is the SQLSTATE of a unique constraint violation.
const uniqueViolation = "23505"

// request is one write handled by the writer goroutine: an append, an
// internal write (op: statements queued into the transaction's pipeline)
// or a Write function (job).
type request struct {
	ctx    context.Context
	append *cqrs.AppendRequest
	meta   [][]byte // encoded metadata of each event (nil when empty)
	op     func(*pgx.Batch)
	job    func(context.Context, pgx.Tx) error
	res    cqrs.AppendResult
	err    error
	done   chan struct{}
}

func (r *request) events() int {
	if r.append != nil {
		return len(r.append.Events)
	}
	return 1
}

// writerState is owned by the writer goroutine.
type writerState struct {
	// head is the last position this writer committed or saw under the
	// append lock; -1 when unknown. versions caches committed stream
	// versions; it is valid while the head under the lock equals head
	// (no other Store appended since).
	head     int64
	versions map[string]int64

	// Per transaction.
	overlay  map[string]int64 // stream versions written by the open transaction
	batchIDs map[string]struct{}
	batchIdm map[[2]string]cqrs.IdempotencyRecord
	rows     eventRows
}

// eventRows are event rows by column, for one INSERT … SELECT unnest(…).
type eventRows struct {
	position, version []int64
	id, stream        []string
	streamType, typ   []string
	schemaVersion     []int
	time              []time.Time
	data, meta        [][]byte
	next              int // rows read by COPY
}

func (r *eventRows) len() int { return len(r.position) }

// copyRows is the row count from which the writer inserts events with
// COPY (one more round trip than a statement in the pipeline, but cheaper
// per row than INSERT … SELECT unnest(…)).
const copyRows = 256

// eventColumnList are the columns of the events table, in eventColumns
// order.
var eventColumnList = strings.Split(strings.ReplaceAll(eventColumns, " ", ""), ",")

// Next, Values and Err make eventRows the pgx.CopyFromSource of COPY;
// reset rewinds it.
func (r *eventRows) Next() bool {
	r.next++
	return r.next <= len(r.position)
}

func (r *eventRows) Values() ([]any, error) {
	i := r.next - 1
	return []any{r.position[i], r.id[i], r.stream[i], r.streamType[i], r.version[i], r.typ[i], r.schemaVersion[i], r.time[i], r.data[i], r.meta[i]}, nil
}

func (r *eventRows) Err() error { return nil }

func (r *eventRows) reset() {
	r.next = 0
	clear(r.data) // drop references to the callers' payloads
	clear(r.meta)
	r.position, r.version = r.position[:0], r.version[:0]
	r.id, r.stream, r.streamType, r.typ = r.id[:0], r.stream[:0], r.streamType[:0], r.typ[:0]
	r.schemaVersion, r.time, r.data, r.meta = r.schemaVersion[:0], r.time[:0], r.data[:0], r.meta[:0]
}

func (w *writerState) init() {
	w.head = -1
	w.versions = map[string]int64{}
	w.overlay = map[string]int64{}
	w.batchIDs = map[string]struct{}{}
	w.batchIdm = map[[2]string]cqrs.IdempotencyRecord{}
}

// writer commits queued requests in batches until the queue is closed and
// drained.
func (s *Store) writer() {
	defer close(s.done)
	batch := make([]*request, 0, s.opts.maxBatch)
	for {
		r, ok := <-s.queue
		if !ok {
			return
		}
		batch = append(batch[:0], r)
		events := r.events()
	fill:
		for len(batch) < s.opts.maxBatch && events < maxBatchEvents {
			select {
			case r, ok := <-s.queue:
				if !ok {
					break fill
				}
				batch = append(batch, r)
				events += r.events()
			default:
				break fill
			}
		}
		s.commit(batch, false)
		clear(batch)
	}
}

// commit runs batch in one transaction and acknowledges every request. If
// the transaction itself fails, each request is retried in a transaction of
// its own, so one bad request cannot fail the others. A request that
// fails alone on a unique violation is retried once more (retried): a row
// committed meanwhile by a writer that does not take the append lock (a
// SaveIdempotency) is then seen by the lookups, and reported as a
// duplicate.
func (s *Store) commit(batch []*request, retried bool) {
	live := make([]*request, 0, len(batch))
	for _, r := range batch {
		if err := r.ctx.Err(); err != nil {
			r.err = err // never written
			close(r.done)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	appended, err := s.tryCommit(live)
	if err == nil {
		if appended {
			s.broadcast()
		}
		for _, r := range live {
			close(r.done)
		}
		return
	}
	var pgErr *pgconn.PgError
	if len(live) == 1 && (retried || !errors.As(err, &pgErr) || pgErr.Code != uniqueViolation) {
		live[0].res, live[0].err = cqrs.AppendResult{}, fmt.Errorf("postgres: commit: %w", err)
		close(live[0].done)
		return
	}
	for _, r := range live {
		s.commit([]*request{r}, len(live) == 1)
	}
}

// tryCommit writes live in one transaction, setting each request's result
// or its own error (a conflict, a duplicate, a failed job). It reports
// whether events were appended. It returns an error, and commits nothing,
// only when the transaction as a whole fails.
//
// Round trips: BEGIN, the append lock and every lookup the appends need
// (head, stream versions, idempotency keys, explicit ids) in one pipeline;
// then the inserts, snapshots, idempotency records, internal writes and
// the notification in a second; then COMMIT. Write functions add their
// own.
func (s *Store) tryCommit(live []*request) (appended bool, err error) {
	ctx := context.Background() // one request's cancellation must not fail the others
	w := &s.w
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return false, err
	}
	defer conn.Release()

	lk := lookups{versions: map[string]int64{}, idem: map[[2]string]cqrs.IdempotencyRecord{}, ids: map[string]struct{}{}}
	first := &pgx.Batch{}
	first.BeginTx(pgx.TxOptions{})
	var head int64
	hasAppends := false
	for _, r := range live {
		if r.append != nil {
			hasAppends = true
			break
		}
	}
	if hasAppends {
		// The lock orders appends across every Store on the schema: each
		// takes positions after the last committed one, and commits
		// before the next takes its own (see the package documentation).
		first.Queue(s.sql.lock, lockAppend, s.opts.schema)
		first.Queue(s.sql.head).QueryRow(func(row pgx.Row) error { return row.Scan(&head) })
		lk.queue(s, first, live, w.versions)
	}
	br := conn.SendBatch(ctx, first)
	tx := br.Tx()
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback(ctx)
			clear(w.overlay)
		}
	}()
	if err := br.Close(); err != nil {
		return false, err
	}
	if hasAppends && head != w.head {
		// Another Store appended since this one last did: its cached
		// stream versions may be stale.
		clear(w.versions)
		if err := lk.requery(ctx, s, tx, live); err != nil {
			return false, err
		}
	}

	clear(w.overlay)
	clear(w.batchIDs)
	clear(w.batchIdm)
	w.rows.reset()
	b := &txBatch{s: s, tx: tx, lk: &lk, head: head, pipe: &pgx.Batch{}, now: s.opts.now().Truncate(time.Microsecond)}
	for _, r := range live {
		if err := b.add(ctx, r); err != nil {
			return false, err
		}
	}
	if b.head != head {
		b.pipe.Queue(s.sql.notify, s.channel, fmt.Sprint(b.head))
	}
	if s.beforeCommit == nil {
		// COMMIT rides in the last pipeline: a failed statement before it
		// skips it (the deferred rollback then ends the transaction).
		b.pipe.Queue("COMMIT").Exec(func(ct pgconn.CommandTag) error {
			if ct.String() != "COMMIT" {
				return fmt.Errorf("commit ended with %s", ct)
			}
			committed = true
			return nil
		})
		if err := b.flush(ctx); err != nil {
			return false, err
		}
	} else {
		if err := b.flush(ctx); err != nil {
			return false, err
		}
		s.beforeCommit()
		if err := tx.Commit(ctx); err != nil {
			return false, err
		}
		committed = true
	}
	s.stats.transactions.Add(1)
	s.stats.requests.Add(int64(len(live)))
	s.stats.events.Add(b.head - head)
	if hasAppends {
		w.head = b.head
		if len(w.versions)+len(w.overlay) > maxCachedVersions {
			clear(w.versions)
		}
		for k, v := range w.overlay {
			w.versions[k] = v
		}
	}
	clear(w.overlay)
	return b.head != head, nil
}

// lookups are what the appends of a transaction read under the lock.
type lookups struct {
	versions map[string]int64 // stream versions read (absent: use the cache)
	idem     map[[2]string]cqrs.IdempotencyRecord
	ids      map[string]struct{} // explicit event ids that exist
}

// queue queues the lookups of live's appends into b, reading the version
// of the streams that cached does not hold.
func (lk *lookups) queue(s *Store, b *pgx.Batch, live []*request, cached map[string]int64) {
	var streams, scopes, keys, ids []string
	seen := map[string]struct{}{}
	for _, r := range live {
		req := r.append
		if req == nil {
			continue
		}
		if _, ok := cached[req.Stream]; !ok {
			if _, dup := seen[req.Stream]; !dup {
				seen[req.Stream] = struct{}{}
				streams = append(streams, req.Stream)
			}
		}
		if rec := req.Idempotency; rec != nil {
			scopes, keys = append(scopes, rec.Scope), append(keys, rec.Key)
		}
		for i := range req.Events {
			if id := req.Events[i].ID; id != "" {
				ids = append(ids, id)
			}
		}
	}
	if len(streams) > 0 {
		lk.queueVersions(s, b, streams)
	}
	if len(scopes) > 0 {
		b.Queue(s.sql.idemMany, scopes, keys).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var rec cqrs.IdempotencyRecord
				if err := rows.Scan(&rec.Scope, &rec.Key, &rec.RequestHash, &rec.Response, &rec.Position, &rec.Time); err != nil {
					return err
				}
				rec.Time = rec.Time.UTC()
				lk.idem[[2]string{rec.Scope, rec.Key}] = rec
			}
			return rows.Err()
		})
	}
	if len(ids) > 0 {
		b.Queue(s.sql.idsExist, ids).Query(func(rows pgx.Rows) error {
			for rows.Next() {
				var id string
				if err := rows.Scan(&id); err != nil {
					return err
				}
				lk.ids[id] = struct{}{}
			}
			return rows.Err()
		})
	}
}

func (lk *lookups) queueVersions(s *Store, b *pgx.Batch, streams []string) {
	b.Queue(s.sql.streamVersions, streams).Query(func(rows pgx.Rows) error {
		for rows.Next() {
			var stream string
			var v int64
			if err := rows.Scan(&stream, &v); err != nil {
				return err
			}
			lk.versions[stream] = v
		}
		return rows.Err()
	})
}

// requery reads the versions of the streams the first pipeline took from
// the (now cleared) cache.
func (lk *lookups) requery(ctx context.Context, s *Store, tx pgx.Tx, live []*request) error {
	var streams []string
	for _, r := range live {
		if r.append == nil {
			continue
		}
		if _, ok := lk.versions[r.append.Stream]; !ok {
			lk.versions[r.append.Stream] = 0 // also dedupes
			streams = append(streams, r.append.Stream)
		}
	}
	if len(streams) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	lk.queueVersions(s, b, streams)
	return tx.SendBatch(ctx, b).Close()
}

// txBatch is the open transaction of tryCommit and the statements queued
// for its next round trip.
type txBatch struct {
	s    *Store
	tx   pgx.Tx
	lk   *lookups
	head int64 // position of the last event written so far
	pipe *pgx.Batch
	now  time.Time
}

// add writes r into the transaction, setting r's result or its own error.
// It returns an error only when the transaction as a whole fails.
func (b *txBatch) add(ctx context.Context, r *request) error {
	s, w := b.s, &b.s.w
	r.res, r.err = cqrs.AppendResult{}, nil
	switch {
	case r.job != nil:
		// A job sees the events and writes queued before it.
		if err := b.flush(ctx); err != nil {
			return err
		}
		jobErr, err := runJob(ctx, r, b.tx)
		r.err = jobErr
		return err
	case r.op != nil:
		r.op(b.pipe)
		return nil
	}
	req := r.append
	cur, ok := w.overlay[req.Stream]
	if !ok {
		if cur, ok = b.lk.versions[req.Stream]; !ok {
			cur = w.versions[req.Stream]
		}
	}
	if r.err = cqrs.CheckVersion(req.Stream, req.ExpectedVersion, cur); r.err != nil {
		return nil
	}
	if rec := req.Idempotency; rec != nil {
		k := [2]string{rec.Scope, rec.Key}
		if old, found := b.lk.idem[k]; found {
			r.err = &cqrs.DuplicateError{Record: old}
			return nil
		}
		if old, found := w.batchIdm[k]; found {
			r.err = &cqrs.DuplicateError{Record: old}
			return nil
		}
	}
	if r.err = checkIDs(req.Events, b.lk.ids, w.batchIDs); r.err != nil {
		return nil
	}
	rows := &w.rows
	for i := range req.Events {
		ev := &req.Events[i]
		id := ev.ID
		if id == "" {
			id = s.gen.New()
		}
		t := b.now
		if !ev.Time.IsZero() {
			t = ev.Time
		}
		rows.position = append(rows.position, b.head+1+int64(i))
		rows.version = append(rows.version, cur+1+int64(i))
		rows.id = append(rows.id, id)
		rows.stream = append(rows.stream, req.Stream)
		rows.streamType = append(rows.streamType, req.StreamType)
		rows.typ = append(rows.typ, ev.Type)
		rows.schemaVersion = append(rows.schemaVersion, max(ev.SchemaVersion, 1))
		rows.time = append(rows.time, t)
		rows.data = append(rows.data, nonNil(ev.Data))
		rows.meta = append(rows.meta, r.meta[i])
	}
	n := int64(len(req.Events))
	r.res = cqrs.AppendResult{StreamVersion: cur + n, FirstPosition: b.head + 1, LastPosition: b.head + n}
	b.head += n
	w.overlay[req.Stream] = cur + n
	if sn := req.Snapshot; sn != nil {
		snap := *sn
		snap.Stream, snap.Version, snap.Position = req.Stream, r.res.StreamVersion, r.res.LastPosition
		if snap.Time.IsZero() {
			snap.Time = b.now
		}
		s.queueSnapshot(b.pipe, &snap)
	}
	if rec := req.Idempotency; rec != nil {
		stored := *rec
		stored.Position = r.res.LastPosition
		if stored.Time.IsZero() {
			stored.Time = b.now
		}
		// A plain INSERT: a record committed meanwhile by a SaveIdempotency
		// (which does not take the append lock) fails the transaction, and
		// the retry of this request alone reports the duplicate.
		b.pipe.Queue(s.sql.insertIdem, stored.Scope, stored.Key, stored.RequestHash, stored.Response, stored.Position, stored.Time)
		w.batchIdm[[2]string{rec.Scope, rec.Key}] = stored
	}
	return nil
}

// flush sends the pending event rows and queued statements.
func (b *txBatch) flush(ctx context.Context) error {
	rows := &b.s.w.rows
	if rows.len() == 0 && b.pipe.Len() == 0 {
		return nil
	}
	pipe := b.pipe
	if rows.len() >= copyRows {
		if _, err := b.tx.CopyFrom(ctx, b.s.eventsTable, eventColumnList, rows); err != nil {
			rows.reset()
			return err
		}
	} else if rows.len() > 0 {
		// The rows go first: the statements queued with them (snapshots,
		// records, internal writes) may refer to them.
		pipe = &pgx.Batch{}
		pipe.Queue(b.s.sql.insertEvents, rows.position, rows.id, rows.stream, rows.streamType, rows.version,
			rows.typ, rows.schemaVersion, rows.time, rows.data, rows.meta)
		pipe.QueuedQueries = append(pipe.QueuedQueries, b.pipe.QueuedQueries...)
	}
	err := b.tx.SendBatch(ctx, pipe).Close()
	rows.reset()
	b.pipe = &pgx.Batch{}
	return err
}

// checkIDs rejects explicit event ids that exist, repeat within the
// request or were written earlier in the transaction.
func checkIDs(events []cqrs.EventData, exist, batch map[string]struct{}) error {
	for i := range events {
		id := events[i].ID
		if id == "" {
			continue
		}
		_, dupBatch := batch[id]
		_, dupStored := exist[id]
		if dupBatch || dupStored {
			return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id)
		}
		for j := range i {
			if events[j].ID == id {
				return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id)
			}
		}
	}
	for i := range events {
		if id := events[i].ID; id != "" {
			batch[id] = struct{}{}
		}
	}
	return nil
}

// runJob runs a Write function inside a savepoint. It returns the job's
// error (its changes rolled back), or err when the transaction is broken.
func runJob(ctx context.Context, r *request, tx pgx.Tx) (jobErr, err error) {
	sp, err := tx.Begin(ctx) // SAVEPOINT
	if err != nil {
		return nil, err
	}
	jobErr = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("postgres: write function panicked: %v", p)
			}
		}()
		return r.job(context.WithValue(r.ctx, inWriterKey{}, true), sp)
	}()
	if jobErr != nil {
		if err := sp.Rollback(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
			return jobErr, err
		}
		return jobErr, nil
	}
	if err := sp.Commit(ctx); err != nil && !errors.Is(err, pgx.ErrTxClosed) {
		return nil, err
	}
	return nil, nil
}
