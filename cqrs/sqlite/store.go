package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Durability is how far an acknowledged write survives.
type Durability uint8

const (
	// DurabilityFull makes an acknowledged write survive power loss and OS
	// crashes: the WAL is synced before the acknowledgement, as with
	// synchronous=FULL (see the package documentation).
	DurabilityFull Durability = iota
	// DurabilityNormal (synchronous=NORMAL) survives a crash of the
	// process; a power loss may lose the last committed transactions.
	DurabilityNormal
)

func (d Durability) pragma() string {
	if d == DurabilityNormal {
		return "NORMAL"
	}
	return "FULL"
}

// Defaults of the options.
const (
	DefaultReadConns    = 4
	DefaultMaxBatch     = 1024
	DefaultQueueSize    = 4096
	DefaultPollInterval = time.Second
	maxBatchEvents      = 16384
	maxCachedVersions   = 1 << 16
)

type options struct {
	durability Durability
	readConns  int
	maxBatch   int
	queueSize  int
	poll       time.Duration
	now        func() time.Time
}

// Option configures a Store.
type Option func(*options)

// WithDurability sets the durability of acknowledged writes. Default:
// DurabilityFull.
func WithDurability(d Durability) Option { return func(o *options) { o.durability = d } }

// WithReadConns sets the size of the read connection pool. Default: 4.
func WithReadConns(n int) Option { return func(o *options) { o.readConns = max(n, 1) } }

// WithMaxBatch bounds how many write requests share one transaction.
// Default: 1024.
func WithMaxBatch(n int) Option { return func(o *options) { o.maxBatch = max(n, 1) } }

// WithQueueSize bounds the writer's queue; when it is full, writers wait.
// Default: 4096.
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = max(n, 1) } }

// WithPollInterval sets how often idle subscriptions re-read the log to see
// writes made by other processes sharing the file (writes of this process
// wake them at once); 0 disables polling. Default: 1s.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithClock sets the clock for event, snapshot and record times. Default:
// time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// inlineSync makes DurabilityFull commit with synchronous=FULL, syncing
// inside COMMIT instead of on the syncer: set by the benchmarks, to measure
// what the syncer gains.
var inlineSync = false

// Store is a cqrs.Store in one SQLite file. It is safe for concurrent use;
// Close it to stop its writer.
type Store struct {
	opts options
	wdb  *sql.DB // the writer's single connection
	rdb  *sql.DB // read-only pool
	// Prepared reads (database/sql prepares them once per connection).
	readStream, readAll, head, loadSnap, loadCP, loadIdem *sql.Stmt

	queue   chan *request
	closeMu sync.RWMutex
	closed  bool
	senders sync.WaitGroup // goroutines between the closed check and the queue send
	done    chan struct{}  // closed when the writer has drained and exited

	changedMu sync.Mutex
	changed   chan struct{} // closed and replaced after each commit that appended

	gen   *cqrs.IDGenerator
	w     writerState // owned by the writer goroutine
	sync  *syncer     // DurabilityFull: syncs the WAL and acknowledges; nil otherwise
	stats struct{ transactions, requests, events, syncs, submitted atomic.Int64 }
}

// Stats counts the writer's work since Open.
type Stats struct {
	// Transactions committed, and the write requests and events they held;
	// Requests/Transactions is the mean group-commit batch.
	Transactions, Requests, Events int64
	// Syncs of the WAL made after commits (DurabilityFull); one sync can
	// cover several transactions.
	Syncs int64
}

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{Transactions: s.stats.transactions.Load(), Requests: s.stats.requests.Load(), Events: s.stats.events.Load(), Syncs: s.stats.syncs.Load()}
}

var _ cqrs.Store = (*Store)(nil)

// Open opens (creating if needed) the store in the file at path and starts
// its writer.
func Open(path string, opts ...Option) (*Store, error) {
	o := options{readConns: DefaultReadConns, maxBatch: DefaultMaxBatch, queueSize: DefaultQueueSize, poll: DefaultPollInterval, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	switch {
	case path == "" || path == ":memory:" || strings.HasPrefix(path, "file::memory:"):
		return nil, errors.New("sqlite: the store needs a file; use cqrs/memory for an in-memory store")
	case strings.ContainsAny(path, "?#"):
		return nil, fmt.Errorf("sqlite: path %q must not contain '?' or '#'", path)
	}
	// DurabilityFull commits with synchronous=NORMAL and syncs the WAL on
	// the syncer goroutine before acknowledging (see syncer).
	synchronous := DurabilityNormal.pragma()
	if inlineSync {
		synchronous = o.durability.pragma()
	}
	wdb, err := sql.Open("sqlite", writerDSN(path, synchronous))
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := migrate(wdb); err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	file, err := checkWAL(wdb)
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	rdb, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=query_only(1)")
	if err != nil {
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	rdb.SetMaxOpenConns(o.readConns)
	rdb.SetMaxIdleConns(o.readConns)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	s := &Store{
		opts:    o,
		wdb:     wdb,
		rdb:     rdb,
		queue:   make(chan *request, o.queueSize),
		done:    make(chan struct{}),
		changed: make(chan struct{}),
		gen:     cqrs.NewIDGenerator(o.now),
	}
	if err := s.prepareReads(); err != nil {
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if err := s.w.prepare(wdb); err != nil {
		s.closeReads()
		_ = rdb.Close()
		_ = wdb.Close()
		return nil, fmt.Errorf("sqlite: %s: %w", path, err)
	}
	if o.durability == DurabilityFull && !inlineSync {
		s.sync = newSyncer(file + "-wal")
		go s.sync.run(s.broadcast, &s.stats.syncs)
	}
	go s.writer()
	return s, nil
}

// checkWAL checks that the database really is in WAL mode (a file system
// without shared memory support, such as most network file systems,
// silently keeps the rollback journal) and returns its file's path.
func checkWAL(db *sql.DB) (string, error) {
	var mode string
	if err := db.QueryRow("PRAGMA journal_mode").Scan(&mode); err != nil {
		return "", fmt.Errorf("read journal mode: %w", err)
	}
	if !strings.EqualFold(mode, "wal") {
		return "", fmt.Errorf("journal_mode is %q, not wal: the store needs a local file system with shared memory support", mode)
	}
	var seq int
	var name, file string
	if err := db.QueryRow("PRAGMA database_list").Scan(&seq, &name, &file); err != nil {
		return "", fmt.Errorf("read database file: %w", err)
	}
	if file == "" {
		return "", errors.New("the database has no file")
	}
	return file, nil
}

// writerDSN configures the writer's connection: WAL; the durability;
// BEGIN IMMEDIATE; statement journals in memory (a transaction of many
// statements would otherwise write them to a temporary file); checkpoints
// every 4000 pages (16 MB), which copies each hot page once per checkpoint
// rather than four times at the default.
func writerDSN(path string, synchronous string) string {
	return path + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(" + synchronous +
		")&_pragma=temp_store(MEMORY)&_pragma=wal_autocheckpoint(4000)&_txlock=immediate"
}

const (
	selectHead        = "SELECT COALESCE(MAX(position), 0) FROM events"
	selectIdempotency = "SELECT hash, response, position, time FROM idempotency WHERE scope = ? AND key = ?"
)

func (s *Store) prepareReads() error {
	var err error
	prep := func(q string) *sql.Stmt {
		if err != nil {
			return nil
		}
		var st *sql.Stmt
		st, err = s.rdb.Prepare(q)
		return st
	}
	s.readStream = prep("SELECT " + eventColumns + " FROM events WHERE stream = ? AND version > ? ORDER BY version")
	s.readAll = prep("SELECT " + eventColumns + " FROM events WHERE position > ? ORDER BY position LIMIT ?")
	s.head = prep(selectHead)
	s.loadSnap = prep("SELECT version, position, schema_version, data, time FROM snapshots WHERE stream = ?")
	s.loadCP = prep("SELECT position FROM checkpoints WHERE name = ?")
	s.loadIdem = prep(selectIdempotency)
	if err != nil {
		s.closeReads()
		return fmt.Errorf("prepare statements: %w", err)
	}
	return nil
}

func (s *Store) closeReads() {
	for _, st := range []*sql.Stmt{s.readStream, s.readAll, s.head, s.loadSnap, s.loadCP, s.loadIdem} {
		if st != nil {
			_ = st.Close()
		}
	}
}

// schemaVersion is the PRAGMA user_version of the current schema.
const schemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS events (
	position       INTEGER PRIMARY KEY,
	id             TEXT    NOT NULL,
	stream         TEXT    NOT NULL,
	stream_type    TEXT    NOT NULL,
	version        INTEGER NOT NULL,
	type           TEXT    NOT NULL,
	schema_version INTEGER NOT NULL,
	time           INTEGER NOT NULL,
	data           BLOB    NOT NULL,
	metadata       BLOB
);
CREATE UNIQUE INDEX IF NOT EXISTS events_id ON events (id);
CREATE UNIQUE INDEX IF NOT EXISTS events_stream_version ON events (stream, version);
CREATE TABLE IF NOT EXISTS snapshots (
	stream         TEXT    PRIMARY KEY,
	version        INTEGER NOT NULL,
	position       INTEGER NOT NULL,
	schema_version INTEGER NOT NULL,
	data           BLOB    NOT NULL,
	time           INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS checkpoints (
	name     TEXT    PRIMARY KEY,
	position INTEGER NOT NULL,
	time     INTEGER NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS idempotency (
	scope    TEXT    NOT NULL,
	key      TEXT    NOT NULL,
	hash     TEXT    NOT NULL,
	response BLOB,
	position INTEGER NOT NULL,
	time     INTEGER NOT NULL,
	PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS idempotency_time ON idempotency (time);
`

func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow("PRAGMA user_version").Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	switch {
	case v == schemaVersion:
		return nil
	case v > schemaVersion:
		return fmt.Errorf("database schema version %d is newer than this build's %d", v, schemaVersion)
	}
	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	if _, err := tx.Exec(schema); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("create schema: %w", err)
	}
	return tx.Commit()
}

// DB returns the read-only connection pool, for queries on projection
// tables kept in the same file. Write through Write.
func (s *Store) DB() *sql.DB { return s.rdb }

// Close stops accepting requests, lets the writer commit everything already
// queued, ends subscriptions and closes the database.
func (s *Store) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	s.closeMu.Unlock()
	s.senders.Wait()
	close(s.queue)
	<-s.done
	if s.sync != nil {
		close(s.sync.wake)
		<-s.sync.done
	}
	s.changedMu.Lock()
	close(s.changed) // wakes subscriptions, which then see ErrClosed
	s.changedMu.Unlock()
	s.w.close()
	s.closeReads()
	return errors.Join(s.rdb.Close(), s.wdb.Close())
}

func (s *Store) isClosed() bool {
	s.closeMu.RLock()
	defer s.closeMu.RUnlock()
	return s.closed
}

func (s *Store) changedCh() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.changed
}

func (s *Store) broadcast() {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	close(s.changed)
	s.changed = make(chan struct{})
}

// inWriterKey marks the context of Write functions, which run on the
// writer goroutine: a write from there would wait for itself.
type inWriterKey struct{}

// ErrNestedWrite reports a write to the store from inside a Write function
// (which must use its transaction instead).
var ErrNestedWrite = errors.New("sqlite: write to the store from inside a Write function; use its transaction")

// submit queues r for the writer; r.done is closed once it is handled.
func (s *Store) submit(ctx context.Context, r *request) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if ctx.Value(inWriterKey{}) != nil {
		return ErrNestedWrite
	}
	s.closeMu.RLock()
	if s.closed {
		s.closeMu.RUnlock()
		return cqrs.ErrClosed
	}
	s.senders.Add(1)
	s.closeMu.RUnlock()
	defer s.senders.Done()
	select {
	case s.queue <- r:
		s.stats.submitted.Add(1) // read by tests, to know a request is the writer's
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Append implements cqrs.EventStore. The events are durable (see
// Durability) when it returns nil.
func (s *Store) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.AppendResult{}, err
	}
	if err := req.Validate(); err != nil {
		return cqrs.AppendResult{}, err
	}
	r := &request{ctx: ctx, append: &req, meta: make([][]byte, len(req.Events)), done: make(chan struct{})}
	for i := range req.Events {
		if md := &req.Events[i].Metadata; !md.IsZero() {
			b, err := json.Marshal(md)
			if err != nil {
				return cqrs.AppendResult{}, fmt.Errorf("sqlite: encode metadata: %w", err)
			}
			r.meta[i] = b
		}
	}
	if err := s.submit(ctx, r); err != nil {
		return cqrs.AppendResult{}, err
	}
	<-r.done
	return r.res, r.err
}

// Write runs fn in the writer's transaction (inside a savepoint of its
// own) and returns once that transaction has committed. fn must use tx
// only — writing through the Store from fn fails with ErrNestedWrite — and
// must not commit or roll it back; if it fails, its changes are
// rolled back and its error returned, while the other requests of the
// batch commit. Keep fn short: the writer waits for it.
func (s *Store) Write(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	r := &request{ctx: ctx, job: fn, done: make(chan struct{})}
	if err := s.submit(ctx, r); err != nil {
		return err
	}
	<-r.done
	return r.err
}

// readLimit returns the first position this Store's reads must not show:
// events committed but not yet durable (see syncer) stay hidden. Call it
// after the read: an event the read saw was committed before it, and its
// transaction was reserved before that, so the limit then either still
// hides it or it has become durable (the limit read before the query could
// miss a commit made while the query ran).
func (s *Store) readLimit() int64 {
	if h := s.sync.visibleBelow(); h > 0 {
		return h
	}
	return math.MaxInt64
}

// durable returns evs without the events at or after below (evs are in
// position order for ReadAll; for ReadStream, positions grow with versions).
func durable(evs []cqrs.Event, below int64) []cqrs.Event {
	for i := range evs {
		if evs[i].Position >= below {
			return evs[:i]
		}
	}
	return evs
}

const eventColumns = "position, id, stream, stream_type, version, type, schema_version, time, data, metadata"

// ReadStream implements cqrs.EventStore.
func (s *Store) ReadStream(ctx context.Context, stream string, after int64) ([]cqrs.Event, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	rows, err := s.readStream.QueryContext(ctx, stream, after)
	if err != nil {
		return nil, s.readErr(err)
	}
	evs, err := scanEvents(rows, 0)
	if err != nil {
		return nil, err
	}
	return durable(evs, s.readLimit()), nil
}

// ReadAll implements cqrs.EventStore.
func (s *Store) ReadAll(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, error) {
	evs, _, err := s.read(ctx, after, limit, filter)
	return evs, err
}

func (s *Store) read(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, int64, error) {
	if s.isClosed() {
		return nil, 0, cqrs.ErrClosed
	}
	if limit <= 0 {
		limit = cqrs.DefaultReadLimit
	}
	if filter.IsZero() {
		rows, err := s.readAll.QueryContext(ctx, after, limit)
		if err != nil {
			return nil, 0, s.readErr(err)
		}
		evs, err := scanEvents(rows, limit)
		if err != nil {
			return nil, 0, err
		}
		evs = durable(evs, s.readLimit())
		upTo := after
		if len(evs) > 0 {
			upTo = evs[len(evs)-1].Position
		}
		return evs, upTo, nil
	}
	// A filtered read also reports how far it looked (the head, in the same
	// snapshot), so subscriptions skip past events that do not match.
	q, args := selectEvents(after, limit, filter)
	tx, err := s.rdb.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, 0, s.readErr(err)
	}
	defer func() { _ = tx.Rollback() }()
	var head int64
	if err := tx.QueryRowContext(ctx, selectHead).Scan(&head); err != nil {
		return nil, 0, s.readErr(err)
	}
	rows, err := tx.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, 0, s.readErr(err)
	}
	evs, err := scanEvents(rows, limit)
	if err != nil {
		return nil, 0, err
	}
	below := s.readLimit()
	evs, head = durable(evs, below), min(head, below-1)
	upTo := head
	if len(evs) == limit {
		upTo = evs[len(evs)-1].Position
	}
	return evs, max(upTo, after), nil
}

func selectEvents(after int64, limit int, f cqrs.Filter) (string, []any) {
	var b strings.Builder
	b.WriteString("SELECT " + eventColumns + " FROM events WHERE position > ?")
	args := []any{after}
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		b.WriteString(" AND " + col + " IN (?" + strings.Repeat(", ?", len(vals)-1) + ")")
		for _, v := range vals {
			args = append(args, v)
		}
	}
	in("stream", f.Streams)
	in("stream_type", f.StreamTypes)
	in("type", f.EventTypes)
	b.WriteString(" ORDER BY position LIMIT ?")
	return b.String(), append(args, limit)
}

func scanEvents(rows *sql.Rows, capacity int) ([]cqrs.Event, error) {
	defer func() { _ = rows.Close() }()
	out := make([]cqrs.Event, 0, capacity)
	for rows.Next() {
		var e cqrs.Event
		var t int64
		var meta []byte
		if err := rows.Scan(&e.Position, &e.ID, &e.Stream, &e.StreamType, &e.Version, &e.Type, &e.SchemaVersion, &t, &e.Data, &meta); err != nil {
			return nil, fmt.Errorf("sqlite: scan event: %w", err)
		}
		e.Time = time.Unix(0, t).UTC()
		if len(meta) > 0 {
			if err := json.Unmarshal(meta, &e.Metadata); err != nil {
				return nil, fmt.Errorf("sqlite: event %d: decode metadata: %w", e.Position, err)
			}
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read events: %w", err)
	}
	return out, nil
}

// readErr maps errors of reads racing Close to cqrs.ErrClosed.
func (s *Store) readErr(err error) error {
	if s.isClosed() {
		return cqrs.ErrClosed
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("sqlite: %w", err)
}

// Head implements cqrs.EventStore.
func (s *Store) Head(ctx context.Context) (int64, error) {
	if s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var head int64
	if err := s.head.QueryRowContext(ctx).Scan(&head); err != nil {
		return 0, s.readErr(err)
	}
	return min(head, s.readLimit()-1), nil
}

// Subscribe implements cqrs.EventStore.
func (s *Store) Subscribe(ctx context.Context, after int64, filter cqrs.Filter, h func([]cqrs.Event) error) error {
	return cqrs.Follow(ctx, after, filter, s.read, cqrs.FollowOptions{Changed: s.changedCh, Poll: s.opts.poll}, h)
}

// SaveSnapshot implements cqrs.SnapshotStore.
func (s *Store) SaveSnapshot(ctx context.Context, sn cqrs.Snapshot) error {
	if sn.Stream == "" {
		return fmt.Errorf("%w: snapshot without stream", cqrs.ErrInvalid)
	}
	if sn.Time.IsZero() {
		sn.Time = s.opts.now()
	}
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return saveSnapshot(ctx, tx, &sn) })
}

const upsertSnapshot = `INSERT INTO snapshots (stream, version, position, schema_version, data, time) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (stream) DO UPDATE SET version = excluded.version, position = excluded.position,
	schema_version = excluded.schema_version, data = excluded.data, time = excluded.time
WHERE excluded.version >= snapshots.version`

func saveSnapshot(ctx context.Context, tx *sql.Tx, sn *cqrs.Snapshot) error {
	_, err := tx.ExecContext(ctx, upsertSnapshot, sn.Stream, sn.Version, sn.Position, sn.SchemaVersion, nonNil(sn.Data), sn.Time.UnixNano())
	return err
}

func nonNil(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// LoadSnapshot implements cqrs.SnapshotStore.
func (s *Store) LoadSnapshot(ctx context.Context, stream string) (cqrs.Snapshot, bool, error) {
	if s.isClosed() {
		return cqrs.Snapshot{}, false, cqrs.ErrClosed
	}
	sn := cqrs.Snapshot{Stream: stream}
	var t int64
	err := s.loadSnap.QueryRowContext(ctx, stream).Scan(&sn.Version, &sn.Position, &sn.SchemaVersion, &sn.Data, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return cqrs.Snapshot{}, false, nil
	}
	if err != nil {
		return cqrs.Snapshot{}, false, s.readErr(err)
	}
	if sn.Position >= s.readLimit() {
		return cqrs.Snapshot{}, false, nil // not durable yet: load from the events
	}
	sn.Time = time.Unix(0, t).UTC()
	return sn, true, nil
}

// SaveCheckpoint implements cqrs.CheckpointStore.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	if name == "" || position < 0 {
		return fmt.Errorf("%w: checkpoint %q at %d", cqrs.ErrInvalid, name, position)
	}
	return s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error { return SaveCheckpoint(ctx, tx, name, position) })
}

// SaveCheckpoint records a checkpoint inside tx (a Write transaction), so a
// projection's writes and its checkpoint commit together. It overwrites
// the checkpoint unconditionally: a hand-written projection that several
// processes run must read the checkpoint in the same transaction first and
// skip the events at or below it, as Projection.Apply does.
func SaveCheckpoint(ctx context.Context, tx *sql.Tx, name string, position int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO checkpoints (name, position, time) VALUES (?, ?, ?)
ON CONFLICT (name) DO UPDATE SET position = excluded.position, time = excluded.time`, name, position, time.Now().UnixNano())
	return err
}

// LoadCheckpoint implements cqrs.CheckpointStore.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (int64, error) {
	if s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var pos int64
	err := s.loadCP.QueryRowContext(ctx, name).Scan(&pos)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	if err != nil {
		return 0, s.readErr(err)
	}
	return pos, nil
}

// LoadIdempotency implements cqrs.IdempotencyStore.
func (s *Store) LoadIdempotency(ctx context.Context, scope, key string) (cqrs.IdempotencyRecord, bool, error) {
	if s.isClosed() {
		return cqrs.IdempotencyRecord{}, false, cqrs.ErrClosed
	}
	rec, ok, err := scanIdempotency(s.loadIdem.QueryRowContext(ctx, scope, key), scope, key)
	if err != nil {
		return rec, ok, s.readErr(err)
	}
	if ok && rec.Position >= s.readLimit() {
		// Not durable yet: the command runs again and its append meets
		// the record in the writer's transaction (a DuplicateError).
		return cqrs.IdempotencyRecord{}, false, nil
	}
	return rec, ok, nil
}

func scanIdempotency(row *sql.Row, scope, key string) (cqrs.IdempotencyRecord, bool, error) {
	rec := cqrs.IdempotencyRecord{Scope: scope, Key: key}
	var t int64
	err := row.Scan(&rec.RequestHash, &rec.Response, &rec.Position, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return cqrs.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	rec.Time = time.Unix(0, t).UTC()
	return rec, true, nil
}

const insertIdempotency = `INSERT INTO idempotency (scope, key, hash, response, position, time) VALUES (?, ?, ?, ?, ?, ?)
ON CONFLICT (scope, key) DO NOTHING`

// SaveIdempotency implements cqrs.IdempotencyStore.
func (s *Store) SaveIdempotency(ctx context.Context, rec cqrs.IdempotencyRecord) (cqrs.IdempotencyRecord, bool, error) {
	if rec.Scope == "" || rec.Key == "" {
		return cqrs.IdempotencyRecord{}, false, fmt.Errorf("%w: idempotency record without scope or key", cqrs.ErrInvalid)
	}
	if rec.Time.IsZero() {
		rec.Time = s.opts.now()
	}
	stored, inserted := rec, false
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, insertIdempotency, rec.Scope, rec.Key, rec.RequestHash, rec.Response, rec.Position, rec.Time.UnixNano())
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 1 {
			inserted = true
			return nil
		}
		stored, _, err = scanIdempotency(tx.QueryRowContext(ctx, selectIdempotency, rec.Scope, rec.Key), rec.Scope, rec.Key)
		return err
	})
	if err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	return stored, inserted, nil
}

// PurgeIdempotency implements cqrs.IdempotencyStore.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.Write(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, "DELETE FROM idempotency WHERE time < ?", before.UnixNano())
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
