package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/allframe-go/allframe/cqrs"
)

// request is one write handled by the writer goroutine: an append or a job.
type request struct {
	ctx    context.Context
	append *cqrs.AppendRequest
	meta   [][]byte // encoded metadata of each event (nil when empty)
	job    func(context.Context, *sql.Tx) error
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
	// insertEvents[k] inserts insertSizes[k] event rows at once: fewer
	// statements per batch for the same rows.
	insertEvents                           [len(insertSizes)]*sql.Stmt
	streamVersion, eventExists, insertIdem *sql.Stmt
	dataVersion, maxPosition               *sql.Stmt

	rows []eventRow // rows of the open transaction not inserted yet
	args []any

	head        int64
	seenVersion int64            // PRAGMA data_version seen last; -1: unknown
	versions    map[string]int64 // committed stream versions (a cache)
	overlay     map[string]int64 // stream versions written by the open transaction
	batchIDs    map[string]struct{}
}

// insertSizes are the row counts of the multi-row INSERT statements,
// largest first; the last must be 1.
var insertSizes = [...]int{32, 8, 1}

// eventRow is one row of the events table.
type eventRow struct {
	position      int64
	id            string
	stream        string
	streamType    string
	version       int64
	typ           string
	schemaVersion int
	time          int64
	data          []byte
	meta          any // []byte or nil
}

func (w *writerState) prepare(db *sql.DB) error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = db.Prepare(q)
		return st
	}
	for k, n := range insertSizes {
		w.insertEvents[k] = prep("INSERT INTO events (" + eventColumns + ") VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?), ", n), ", "))
	}
	w.args = make([]any, 0, 10*insertSizes[0])
	w.streamVersion = prep("SELECT COALESCE(MAX(version), 0) FROM events WHERE stream = ?")
	w.eventExists = prep("SELECT 1 FROM events WHERE id = ?")
	w.insertIdem = prep(insertIdempotency)
	w.dataVersion = prep("PRAGMA data_version")
	w.maxPosition = prep(selectHead)
	w.seenVersion = -1
	w.versions = map[string]int64{}
	w.overlay = map[string]int64{}
	w.batchIDs = map[string]struct{}{}
	if err != nil {
		w.close()
		return fmt.Errorf("prepare statements: %w", err)
	}
	return nil
}

func (w *writerState) close() {
	for _, st := range append(w.insertEvents[:], w.streamVersion, w.eventExists, w.insertIdem, w.dataVersion, w.maxPosition) {
		if st != nil {
			_ = st.Close()
		}
	}
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
		s.commit(batch, s.sync != nil)
		clear(batch)
	}
}

// commit runs batch in one transaction and acknowledges every request. If
// the transaction itself fails, each request is retried in a transaction of
// its own, so one bad request cannot fail the others.
func (s *Store) commit(batch []*request, absorb bool) {
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
	if s.sync != nil {
		if err := s.sync.failed(); err != nil {
			for _, r := range live {
				r.res, r.err = cqrs.AppendResult{}, err
				close(r.done)
			}
			return
		}
	}
	live, first, err := s.tryCommit(live, absorb)
	var failed *syncFailedError
	if errors.As(err, &failed) {
		// A sync failed while this batch was being written: nothing of it
		// was committed, and the store refuses writes.
		for _, r := range live {
			r.res, r.err = cqrs.AppendResult{}, failed.err
			close(r.done)
		}
		return
	}
	if err == nil {
		if s.sync != nil {
			s.sync.push(live, first) // acknowledged once the WAL is synced
			return
		}
		if first != 0 {
			s.broadcast()
		}
		for _, r := range live {
			close(r.done)
		}
		return
	}
	if len(live) == 1 {
		live[0].res, live[0].err = cqrs.AppendResult{}, fmt.Errorf("sqlite: commit: %w", err)
		close(live[0].done)
		return
	}
	for _, r := range live {
		s.commit([]*request{r}, false) // alone: no new requests join a retry
	}
}

// syncFailedError stops a transaction that would commit after a sync has
// failed.
type syncFailedError struct{ err error }

func (e *syncFailedError) Error() string { return e.err.Error() }

// tryCommit writes live in one transaction, setting each request's result
// or its own error (a conflict, a duplicate, a failed job). With absorb,
// requests that arrive while the previous sync is still running join the
// open transaction (see syncer.ready). It returns the requests written and
// the position of the first event appended (0 if none). It returns an
// error, and commits nothing, only when the transaction as a whole fails.
func (s *Store) tryCommit(live []*request, absorb bool) (_ []*request, first int64, err error) {
	w := &s.w
	tx, err := s.wdb.Begin() // BEGIN IMMEDIATE (see _txlock): takes the write lock now
	if err != nil {
		return live, 0, err
	}
	committed, reserved := false, false
	defer func() {
		if !committed {
			_ = tx.Rollback()
			clear(w.overlay)
			if reserved {
				s.sync.abort()
			}
		}
	}()
	if err := s.syncState(tx); err != nil {
		return live, 0, err
	}
	clear(w.overlay)
	clear(w.batchIDs)
	clear(w.rows)
	w.rows = w.rows[:0]
	b := txBatch{s: s, tx: tx, head: w.head}
	events := 0
	for _, r := range live {
		if err := b.add(r); err != nil {
			return live, 0, err
		}
		events += r.events()
	}
	for absorb && len(live) < s.opts.maxBatch && events < maxBatchEvents && !s.sync.ready(len(live)) {
		select {
		case r, ok := <-s.queue:
			if !ok {
				absorb = false // closing: commit what we have
				continue
			}
			if err := r.ctx.Err(); err != nil {
				r.err = err // never written
				close(r.done)
				continue
			}
			live = append(live, r)
			events += r.events()
			if err := b.add(r); err != nil {
				return live, 0, err
			}
		case <-s.sync.changed:
		}
	}
	head := b.head
	if err := w.flush(tx, &b.ins); err != nil {
		return live, 0, err
	}
	if s.sync != nil {
		s.sync.wait() // at most one committed batch waits for a sync
		if err := s.sync.failed(); err != nil {
			return live, 0, &syncFailedError{err} // rolled back by the deferred function
		}
		if head != w.head {
			// Hide the events from this Store's reads before COMMIT shows them.
			s.sync.reserve(w.head + 1)
			reserved = true
		}
	}
	if err := tx.Commit(); err != nil {
		return live, 0, err
	}
	committed = true
	s.stats.transactions.Add(1)
	s.stats.requests.Add(int64(len(live)))
	s.stats.events.Add(head - w.head)
	if head != w.head {
		first = w.head + 1
	}
	w.head = head
	if len(w.versions)+len(w.overlay) > maxCachedVersions {
		clear(w.versions)
	}
	for k, v := range w.overlay {
		w.versions[k] = v
	}
	clear(w.overlay)
	return live, first, nil
}

// txBatch is the open transaction of tryCommit and its statements.
type txBatch struct {
	s    *Store
	tx   *sql.Tx
	head int64 // position of the last event written so far
	// Statements bound to tx, made on first use.
	ver, exists, idem *sql.Stmt
	ins               [len(insertSizes)]*sql.Stmt
}

func (b *txBatch) stmt(p **sql.Stmt, st *sql.Stmt) *sql.Stmt {
	if *p == nil {
		*p = b.tx.Stmt(st)
	}
	return *p
}

// add writes r into the transaction, setting r's result or its own error.
// It returns an error only when the transaction as a whole fails.
func (b *txBatch) add(r *request) (err error) {
	s, w, tx := b.s, &b.s.w, b.tx
	r.res, r.err = cqrs.AppendResult{}, nil
	if r.job != nil {
		// A job sees the events queued before it.
		if err := w.flush(tx, &b.ins); err != nil {
			return err
		}
		r.err, err = runJob(r, tx)
		return err
	}
	req := r.append
	cur, ok := w.overlay[req.Stream]
	if !ok {
		if cur, ok = w.versions[req.Stream]; !ok {
			if err := b.stmt(&b.ver, w.streamVersion).QueryRow(req.Stream).Scan(&cur); err != nil {
				return err
			}
		}
	}
	if r.err = cqrs.CheckVersion(req.Stream, req.ExpectedVersion, cur); r.err != nil {
		return nil
	}
	if rec := req.Idempotency; rec != nil {
		old, found, err := scanIdempotency(tx.QueryRowContext(r.ctx, selectIdempotency, rec.Scope, rec.Key), rec.Scope, rec.Key)
		if err != nil {
			return err
		}
		if found {
			r.err = &cqrs.DuplicateError{Record: old}
			return nil
		}
	}
	if r.err, err = checkIDs(tx, b.stmt(&b.exists, w.eventExists), req.Events, w.batchIDs); err != nil || r.err != nil {
		return err
	}
	head := b.head
	now := s.opts.now().UnixNano()
	for i := range req.Events {
		ev := &req.Events[i]
		id := ev.ID
		if id == "" {
			id = s.gen.New()
		}
		t := now
		if !ev.Time.IsZero() {
			t = ev.Time.UnixNano()
		}
		var meta any
		if r.meta[i] != nil {
			meta = r.meta[i]
		}
		w.rows = append(w.rows, eventRow{head + 1 + int64(i), id, req.Stream, req.StreamType, cur + 1 + int64(i), ev.Type, max(ev.SchemaVersion, 1), t, nonNil(ev.Data), meta})
	}
	n := int64(len(req.Events))
	r.res = cqrs.AppendResult{StreamVersion: cur + n, FirstPosition: head + 1, LastPosition: head + n}
	b.head += n
	w.overlay[req.Stream] = cur + n
	if sn := req.Snapshot; sn != nil {
		snap := *sn
		snap.Stream, snap.Version, snap.Position = req.Stream, r.res.StreamVersion, r.res.LastPosition
		if snap.Time.IsZero() {
			snap.Time = s.opts.now()
		}
		if err := saveSnapshot(r.ctx, tx, &snap); err != nil {
			return err
		}
	}
	if rec := req.Idempotency; rec != nil {
		t := now
		if !rec.Time.IsZero() {
			t = rec.Time.UnixNano()
		}
		if _, err := b.stmt(&b.idem, w.insertIdem).Exec(rec.Scope, rec.Key, rec.RequestHash, rec.Response, r.res.LastPosition, t); err != nil {
			return err
		}
	}
	return nil
}

// flush inserts the pending rows with as few statements as possible.
func (w *writerState) flush(tx *sql.Tx, ins *[len(insertSizes)]*sql.Stmt) error {
	rows := w.rows
	for k, n := range insertSizes {
		for len(rows) >= n {
			if ins[k] == nil {
				ins[k] = tx.Stmt(w.insertEvents[k])
			}
			args := w.args[:0]
			for i := range rows[:n] {
				r := &rows[i]
				args = append(args, r.position, r.id, r.stream, r.streamType, r.version, r.typ, r.schemaVersion, r.time, r.data, r.meta)
			}
			if _, err := ins[k].Exec(args...); err != nil {
				clear(w.args[:cap(w.args)])
				return err
			}
			rows = rows[n:]
		}
	}
	clear(w.args[:cap(w.args)]) // drop references to the batch's data
	clear(w.rows)
	w.rows = w.rows[:0]
	return nil
}

// syncState notices commits made by other connections (other processes
// sharing the file) and reloads what the writer caches.
func (s *Store) syncState(tx *sql.Tx) error {
	w := &s.w
	var dv int64
	if err := tx.Stmt(w.dataVersion).QueryRow().Scan(&dv); err != nil {
		return err
	}
	if dv == w.seenVersion {
		return nil
	}
	if err := tx.Stmt(w.maxPosition).QueryRow().Scan(&w.head); err != nil {
		return err
	}
	clear(w.versions)
	w.seenVersion = dv
	return nil
}

// checkIDs rejects explicit event ids that exist, repeat within the
// request or were written earlier in the batch. It returns the request's
// error, or err when the database fails.
func checkIDs(_ *sql.Tx, exists *sql.Stmt, events []cqrs.EventData, batch map[string]struct{}) (reqErr, err error) {
	for i := range events {
		id := events[i].ID
		if id == "" {
			continue
		}
		if _, dup := batch[id]; dup {
			return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id), nil
		}
		var one int
		switch err := exists.QueryRow(id).Scan(&one); {
		case err == nil:
			return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id), nil
		case !errors.Is(err, sql.ErrNoRows):
			return nil, err
		}
		for j := range i {
			if events[j].ID == id {
				return fmt.Errorf("%w: %s", cqrs.ErrDuplicateID, id), nil
			}
		}
	}
	for i := range events {
		if id := events[i].ID; id != "" {
			batch[id] = struct{}{}
		}
	}
	return nil, nil
}

// runJob runs a Write function inside a savepoint. It returns the job's
// error (its changes rolled back), or err when the transaction is broken.
func runJob(r *request, tx *sql.Tx) (jobErr, err error) {
	if _, err := tx.Exec("SAVEPOINT job"); err != nil {
		return nil, err
	}
	jobErr = func() (err error) {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("sqlite: write function panicked: %v", p)
			}
		}()
		return r.job(context.WithValue(r.ctx, inWriterKey{}, true), tx)
	}()
	if jobErr != nil {
		if _, err := tx.Exec("ROLLBACK TO job"); err != nil {
			return jobErr, err
		}
	}
	if _, err := tx.Exec("RELEASE job"); err != nil {
		return jobErr, err
	}
	return jobErr, nil
}
