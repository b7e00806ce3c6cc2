package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/allframe-go/allframe/cqrs"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Defaults of the options.
const (
	DefaultSchema       = "allframe"
	DefaultMaxConns     = 8
	DefaultMaxBatch     = 1024
	DefaultQueueSize    = 4096
	DefaultPollInterval = time.Second
	DefaultLeaseTimeout = 10 * time.Second
	maxBatchEvents      = 16384
	maxCachedVersions   = 1 << 16
)

type options struct {
	schema    string
	maxConns  int
	maxBatch  int
	queueSize int
	poll      time.Duration
	listen    bool
	lease     time.Duration
	now       func() time.Time
	pool      func(*pgxpool.Config)
}

// Option configures a Store.
type Option func(*options)

// WithSchema sets the PostgreSQL schema that holds the store's tables; it
// is created if missing. Stores in different schemas of one database are
// independent. Default: "allframe".
func WithSchema(name string) Option { return func(o *options) { o.schema = name } }

// WithMaxConns sets the size of the connection pool (the writer takes one
// connection while it commits, reads take the others; the listener has a
// connection of its own). Default: 8.
func WithMaxConns(n int) Option { return func(o *options) { o.maxConns = max(n, 2) } }

// WithMaxBatch bounds how many write requests share one transaction
// (group commit); 1 gives one transaction per request. Default: 1024.
func WithMaxBatch(n int) Option { return func(o *options) { o.maxBatch = max(n, 1) } }

// WithQueueSize bounds the writer's queue; when it is full, writers wait.
// Default: 4096.
func WithQueueSize(n int) Option { return func(o *options) { o.queueSize = max(n, 1) } }

// WithPollInterval sets how often idle subscriptions re-read the log even
// without a notification (a fallback: LISTEN/NOTIFY wakes them at once);
// 0 disables polling. Default: 1s.
func WithPollInterval(d time.Duration) Option { return func(o *options) { o.poll = d } }

// WithListen turns the LISTEN connection on or off. Without it,
// subscriptions see this Store's appends at once and other replicas'
// appends on the next poll. Default: on.
func WithListen(on bool) Option { return func(o *options) { o.listen = on } }

// WithLeaseTimeout bounds how long a projection (NewProjection) stays
// without a worker when the replica holding its lease stops responding
// without closing its connection (a hung process, a network partition):
// the server ends the holder's idle session after d (idle_session_timeout,
// PostgreSQL 14 and later) and another replica takes over. A holder that
// dies or closes its connection is replaced at once. The holder checks its
// lease every d/3 and replicas waiting for it re-check every d. Default:
// 10s.
func WithLeaseTimeout(d time.Duration) Option {
	return func(o *options) { o.lease = max(d, 100*time.Millisecond) }
}

// WithClock sets the clock for event, snapshot and record times. Default:
// time.Now.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithPoolConfig lets fn adjust the pgxpool configuration parsed from the
// DSN (TLS, tracers, connection hooks) before the pool is created; the
// pool size set by WithMaxConns is already applied. Default: none.
func WithPoolConfig(fn func(*pgxpool.Config)) Option { return func(o *options) { o.pool = fn } }

// Store is a cqrs.Store in a PostgreSQL schema. It is safe for concurrent
// use, and several Stores (in one process or in many) may share a schema.
// Close it to stop its writer and listener.
type Store struct {
	opts options
	pool *pgxpool.Pool
	sql  queries
	// eventsTable names the events table for COPY.
	eventsTable pgx.Identifier
	channel     string // the NOTIFY channel of the schema
	cpChannel   string // the NOTIFY channel of projection checkpoints
	connConfig  *pgx.ConnConfig

	queue   chan *request
	closeMu sync.RWMutex
	closed  bool
	senders sync.WaitGroup // goroutines between the closed check and the queue send
	done    chan struct{}  // closed when the writer has drained and exited

	changedMu sync.Mutex
	changed   chan struct{} // closed and replaced when new events may be visible
	cpChanged chan struct{} // closed and replaced when a checkpoint may have moved

	stopListen context.CancelFunc
	listenDone chan struct{}
	listenPID  atomic.Uint32 // backend pid of the listening connection, 0 when down

	gen *cqrs.IDGenerator
	w   writerState // owned by the writer goroutine
	// beforeCommit, when set (by tests, before the first write), runs on
	// the writer between a transaction's last statement and its COMMIT.
	beforeCommit func()
	stats        struct{ transactions, requests, events, listens atomic.Int64 }
}

var _ cqrs.Store = (*Store)(nil)

// Stats counts the store's work since Open.
type Stats struct {
	// Transactions committed by the writer, and the write requests and
	// events they held; Requests/Transactions is the mean group-commit
	// batch.
	Transactions, Requests, Events int64
	// Listens counts the LISTEN connections made: 1 after a start, one
	// more after each reconnect.
	Listens int64
}

// Stats returns the store's counters.
func (s *Store) Stats() Stats {
	return Stats{Transactions: s.stats.transactions.Load(), Requests: s.stats.requests.Load(),
		Events: s.stats.events.Load(), Listens: s.stats.listens.Load()}
}

// queries are the store's SQL with the schema filled in.
type queries struct {
	insertEvents, streamVersions, idemMany, idsExist, lock, head   string
	readStream, readAll, readFiltered                              string
	upsertSnapshot, loadSnapshot, upsertCheckpoint, loadCheckpoint string
	lockCheckpoint                                                 string
	insertIdem, insertIdemIfAbsent, loadIdem, purgeIdem, notify    string
	listStreams, listIdem                                          string // inspect.go
}

const eventColumns = "position, id, stream, stream_type, version, type, schema_version, time, data, metadata"

func newQueries(schema string) queries {
	t := func(table string) string { return pgx.Identifier{schema, table}.Sanitize() }
	ev := t("events")
	return queries{
		insertEvents: "INSERT INTO " + ev + " (" + eventColumns + ") SELECT * FROM unnest($1::bigint[], $2::text[], $3::text[], " +
			"$4::text[], $5::bigint[], $6::text[], $7::integer[], $8::timestamptz[], $9::bytea[], $10::bytea[])",
		// One index probe per stream (max over the (stream, version) index).
		streamVersions: "SELECT s, COALESCE((SELECT max(version) FROM " + ev + " WHERE stream = s), 0) FROM unnest($1::text[]) AS s",
		idemMany: "SELECT scope, key, hash, response, position, time FROM " + t("idempotency") +
			" WHERE (scope, key) IN (SELECT * FROM unnest($1::text[], $2::text[]))",
		idsExist:     "SELECT id FROM " + ev + " WHERE id = ANY($1::text[])",
		lock:         "SELECT pg_advisory_xact_lock($1, hashtext($2))",
		head:         "SELECT COALESCE(max(position), 0) FROM " + ev,
		readStream:   "SELECT " + eventColumns + " FROM " + ev + " WHERE stream = $1 AND version > $2 ORDER BY version",
		readAll:      "SELECT " + eventColumns + " FROM " + ev + " WHERE position > $1 ORDER BY position LIMIT $2",
		readFiltered: readFilteredSQL(ev),
		upsertSnapshot: "INSERT INTO " + t("snapshots") + ` AS s (stream, version, position, schema_version, data, time) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (stream) DO UPDATE SET version = excluded.version, position = excluded.position,
	schema_version = excluded.schema_version, data = excluded.data, time = excluded.time
WHERE excluded.version >= s.version`,
		loadSnapshot: "SELECT version, position, schema_version, data, time FROM " + t("snapshots") + " WHERE stream = $1",
		upsertCheckpoint: "INSERT INTO " + t("checkpoints") + ` (name, position, time) VALUES ($1, $2, now())
ON CONFLICT (name) DO UPDATE SET position = excluded.position, time = excluded.time`,
		loadCheckpoint: "SELECT position FROM " + t("checkpoints") + " WHERE name = $1",
		// Locks the row (created at 0) and returns its latest committed
		// position, whatever the transaction's snapshot.
		lockCheckpoint: "INSERT INTO " + t("checkpoints") + ` AS c (name, position, time) VALUES ($1, 0, now())
ON CONFLICT (name) DO UPDATE SET time = c.time RETURNING c.position`,
		insertIdem:         "INSERT INTO " + t("idempotency") + " (scope, key, hash, response, position, time) VALUES ($1, $2, $3, $4, $5, $6)",
		insertIdemIfAbsent: "INSERT INTO " + t("idempotency") + " (scope, key, hash, response, position, time) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, key) DO NOTHING",
		loadIdem:           "SELECT hash, response, position, time FROM " + t("idempotency") + " WHERE scope = $1 AND key = $2",
		purgeIdem:          "DELETE FROM " + t("idempotency") + " WHERE time < $1",
		notify:             "SELECT pg_notify($1, $2)",
		// The last event of each stream of one page, in name order
		// (byte order, as the API compares after).
		listStreams: `SELECT DISTINCT ON (stream COLLATE "C") stream, version, type, time FROM ` + ev +
			` WHERE stream COLLATE "C" > $1 AND starts_with(stream, $2) ORDER BY stream COLLATE "C", version DESC LIMIT $3`,
		listIdem: "SELECT scope, key, hash, response, position, time FROM " + t("idempotency") + " ORDER BY time DESC, scope, key LIMIT $1",
	}
}

// readFilteredSQL reads a filtered page and, in the same statement (so
// the same snapshot), the head it covers: the row with a NULL position
// carries the head when no event matches.
func readFilteredSQL(ev string) string {
	return `SELECT h.head, e.position, e.id, e.stream, e.stream_type, e.version, e.type, e.schema_version, e.time, e.data, e.metadata
FROM (SELECT COALESCE(max(position), 0) AS head FROM ` + ev + `) AS h
LEFT JOIN LATERAL (
	SELECT ` + eventColumns + ` FROM ` + ev + `
	WHERE position > $1
		AND (cardinality($2::text[]) = 0 OR stream = ANY($2::text[]))
		AND (cardinality($3::text[]) = 0 OR stream_type = ANY($3::text[]))
		AND (cardinality($4::text[]) = 0 OR type = ANY($4::text[]))
	ORDER BY position LIMIT $5
) AS e ON true
ORDER BY e.position`
}

// channelName is the NOTIFY channel of schema (at most 63 bytes, the
// identifier limit).
func channelName(schema string) string {
	if c := schema + ".events"; len(c) <= 63 {
		return c
	}
	sum := sha256.Sum256([]byte(schema))
	return "allframe.events." + hex.EncodeToString(sum[:12])
}

// checkpointChannelName is the NOTIFY channel of schema's projection
// checkpoints.
func checkpointChannelName(schema string) string {
	if c := schema + ".checkpoints"; len(c) <= 63 {
		return c
	}
	sum := sha256.Sum256([]byte(schema))
	return "allframe.checkpoints." + hex.EncodeToString(sum[:12])
}

// Open connects to the database at dsn (a postgres:// URL or key=value
// string, as pgx parses it), migrates the store's schema and starts its
// writer and listener. ctx bounds the connection and the migration.
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	o := options{schema: DefaultSchema, maxConns: DefaultMaxConns, maxBatch: DefaultMaxBatch, queueSize: DefaultQueueSize,
		poll: DefaultPollInterval, listen: true, lease: DefaultLeaseTimeout, now: time.Now}
	for _, opt := range opts {
		opt(&o)
	}
	if o.schema == "" || len(o.schema) > 63 {
		return nil, fmt.Errorf("postgres: schema name %q must have 1 to 63 bytes", o.schema)
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg.MaxConns = int32(min(o.maxConns, math.MaxInt32)) //nolint:gosec // G115: clamped to the int32 range
	if o.pool != nil {
		o.pool(cfg)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	if err := migrate(ctx, pool, o.schema); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: schema %s: %w", o.schema, err)
	}
	s := &Store{
		opts:        o,
		pool:        pool,
		sql:         newQueries(o.schema),
		eventsTable: pgx.Identifier{o.schema, "events"},
		channel:     channelName(o.schema),
		cpChannel:   checkpointChannelName(o.schema),
		connConfig:  cfg.ConnConfig.Copy(),
		queue:       make(chan *request, o.queueSize),
		done:        make(chan struct{}),
		changed:     make(chan struct{}),
		cpChanged:   make(chan struct{}),
		listenDone:  make(chan struct{}),
		gen:         cqrs.NewIDGenerator(o.now),
	}
	s.w.init()
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.stopListen = cancel
	if o.listen {
		go s.listen(lctx, cfg.ConnConfig.Copy()) //nolint:gosec // G118: the listener outlives Open's ctx; Close cancels lctx
	} else {
		close(s.listenDone)
	}
	go s.writer()
	return s, nil
}

// Pool returns the store's connection pool, for queries on read-model
// tables kept in the same database (and for projection workers that run
// their own transactions).
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Schema returns the name of the store's schema.
func (s *Store) Schema() string { return s.opts.schema }

// Close stops accepting requests, lets the writer commit everything already
// queued, stops the listener, ends subscriptions (with cqrs.ErrClosed) and
// closes the pool. It returns nil when called again.
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
	s.stopListen()
	<-s.listenDone
	s.changedMu.Lock()
	close(s.changed) // wakes subscriptions, which then see ErrClosed
	close(s.cpChanged)
	s.changedMu.Unlock()
	s.pool.Close()
	return nil
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

func (s *Store) cpChangedCh() <-chan struct{} {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	return s.cpChanged
}

// broadcastCheckpoint wakes the replicas standing by for a projection's
// lease (see lease.go). Only the listener calls it.
func (s *Store) broadcastCheckpoint() {
	s.changedMu.Lock()
	defer s.changedMu.Unlock()
	close(s.cpChanged)
	s.cpChanged = make(chan struct{})
}

// broadcast wakes the subscriptions waiting for new events. Only the
// writer and the listener call it, and Close waits for both to stop
// before it closes changed for good.
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
var ErrNestedWrite = errors.New("postgres: write to the store from inside a Write function; use its transaction")

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
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) do(ctx context.Context, r *request) error {
	r.ctx, r.done = ctx, make(chan struct{})
	if err := s.submit(ctx, r); err != nil {
		return err
	}
	<-r.done
	return r.err
}

// Append implements cqrs.EventStore. The events are committed (durable as
// the server's synchronous_commit promises) when it returns nil.
func (s *Store) Append(ctx context.Context, req cqrs.AppendRequest) (cqrs.AppendResult, error) {
	if err := ctx.Err(); err != nil {
		return cqrs.AppendResult{}, err
	}
	if err := req.Validate(); err != nil {
		return cqrs.AppendResult{}, err
	}
	r := &request{append: &req, meta: make([][]byte, len(req.Events))}
	for i := range req.Events {
		md := &req.Events[i].Metadata
		switch {
		case md.IsZero():
		case i > 0 && sameMetadata(md, &req.Events[i-1].Metadata):
			r.meta[i] = r.meta[i-1] // the events of one command usually share it
		default:
			b, err := json.Marshal(md)
			if err != nil {
				return cqrs.AppendResult{}, fmt.Errorf("postgres: encode metadata: %w", err)
			}
			r.meta[i] = b
		}
	}
	if err := s.do(ctx, r); err != nil {
		return cqrs.AppendResult{}, err
	}
	return r.res, nil
}

func sameMetadata(a, b *cqrs.Metadata) bool {
	return a.CorrelationID == b.CorrelationID && a.CausationID == b.CausationID && a.TraceParent == b.TraceParent &&
		a.TraceState == b.TraceState && a.IdempotencyKey == b.IdempotencyKey && maps.Equal(a.User, b.User)
}

// Write runs fn in the writer's transaction, inside a savepoint of its own,
// and returns once that transaction has committed: group-committed with
// the appends and other writes queued meanwhile. fn sees the events
// appended before it in the same transaction. fn must use tx only —
// writing through the Store from fn fails with ErrNestedWrite — and must
// not commit or roll it back; if fn fails, its changes are rolled back and
// its error returned, while the other requests of the transaction commit.
// Keep fn short: the writer waits for it.
func (s *Store) Write(ctx context.Context, fn func(ctx context.Context, tx pgx.Tx) error) error {
	return s.do(ctx, &request{job: fn})
}

// ReadStream implements cqrs.EventStore.
func (s *Store) ReadStream(ctx context.Context, stream string, after int64) ([]cqrs.Event, error) {
	if s.isClosed() {
		return nil, cqrs.ErrClosed
	}
	rows, err := s.pool.Query(ctx, s.sql.readStream, stream, after)
	if err != nil {
		return nil, s.readErr(err)
	}
	evs, err := scanEvents(rows, 0)
	if err != nil {
		return nil, s.readErr(err)
	}
	return evs, nil
}

// ReadAll implements cqrs.EventStore.
func (s *Store) ReadAll(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, error) {
	evs, _, err := s.read(ctx, after, limit, filter)
	return evs, err
}

// read is the cqrs.Reader of subscriptions. Positions are assigned in
// commit order (see the package documentation), so every event at or
// below the last one a read returns is visible to it: the next read can
// continue after it without skipping a late commit.
func (s *Store) read(ctx context.Context, after int64, limit int, filter cqrs.Filter) ([]cqrs.Event, int64, error) {
	if s.isClosed() {
		return nil, 0, cqrs.ErrClosed
	}
	if limit <= 0 {
		limit = cqrs.DefaultReadLimit
	}
	if filter.IsZero() {
		rows, err := s.pool.Query(ctx, s.sql.readAll, after, limit)
		if err != nil {
			return nil, 0, s.readErr(err)
		}
		evs, err := scanEvents(rows, limit)
		if err != nil {
			return nil, 0, s.readErr(err)
		}
		upTo := after
		if len(evs) > 0 {
			upTo = evs[len(evs)-1].Position
		}
		return evs, upTo, nil
	}
	// A filtered read also reports how far it looked (the head, in the same
	// snapshot), so subscriptions skip past events that do not match.
	rows, err := s.pool.Query(ctx, s.sql.readFiltered, after, nonNilStrings(filter.Streams),
		nonNilStrings(filter.StreamTypes), nonNilStrings(filter.EventTypes), limit)
	if err != nil {
		return nil, 0, s.readErr(err)
	}
	defer rows.Close()
	evs := make([]cqrs.Event, 0, 16)
	var head int64
	for rows.Next() {
		var pos *int64
		var e cqrs.Event
		var meta []byte
		var sv *int32
		var t *time.Time
		var id, stream, streamType, typ *string
		var version *int64
		if err := rows.Scan(&head, &pos, &id, &stream, &streamType, &version, &typ, &sv, &t, &e.Data, &meta); err != nil {
			return nil, 0, s.readErr(err)
		}
		if pos == nil {
			continue // no event matched: the row carries only the head
		}
		e.Position, e.ID, e.Stream, e.StreamType, e.Version, e.Type, e.SchemaVersion, e.Time = *pos, *id, *stream, *streamType, *version, *typ, int(*sv), t.UTC()
		if err := decodeMetadata(&e, meta); err != nil {
			return nil, 0, err
		}
		evs = append(evs, e)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, s.readErr(err)
	}
	upTo := head
	if len(evs) == limit {
		upTo = evs[len(evs)-1].Position
	}
	return evs, max(upTo, after), nil
}

func nonNilStrings(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}

func scanEvents(rows pgx.Rows, capacity int) ([]cqrs.Event, error) {
	defer rows.Close()
	out := make([]cqrs.Event, 0, capacity)
	for rows.Next() {
		var e cqrs.Event
		var sv int32
		var meta []byte
		if err := rows.Scan(&e.Position, &e.ID, &e.Stream, &e.StreamType, &e.Version, &e.Type, &sv, &e.Time, &e.Data, &meta); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		e.SchemaVersion, e.Time = int(sv), e.Time.UTC()
		if err := decodeMetadata(&e, meta); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

func decodeMetadata(e *cqrs.Event, meta []byte) error {
	if len(meta) == 0 {
		return nil
	}
	if err := json.Unmarshal(meta, &e.Metadata); err != nil {
		return fmt.Errorf("postgres: event %d: decode metadata: %w", e.Position, err)
	}
	return nil
}

// readErr maps errors of reads racing Close to cqrs.ErrClosed.
func (s *Store) readErr(err error) error {
	if s.isClosed() {
		return cqrs.ErrClosed
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if strings.HasPrefix(err.Error(), "postgres:") {
		return err
	}
	return fmt.Errorf("postgres: %w", err)
}

// Head implements cqrs.EventStore.
func (s *Store) Head(ctx context.Context) (int64, error) {
	if s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var head int64
	if err := s.pool.QueryRow(ctx, s.sql.head).Scan(&head); err != nil {
		return 0, s.readErr(err)
	}
	return head, nil
}

// Subscribe implements cqrs.EventStore: catch-up reads, then a wait for
// this Store's commits, a notification from another Store on the schema
// (LISTEN/NOTIFY), or the poll interval, whichever comes first.
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
	return s.do(ctx, &request{op: func(b *pgx.Batch) { s.queueSnapshot(b, &sn) }})
}

func (s *Store) queueSnapshot(b *pgx.Batch, sn *cqrs.Snapshot) {
	b.Queue(s.sql.upsertSnapshot, sn.Stream, sn.Version, sn.Position, sn.SchemaVersion, nonNil(sn.Data), sn.Time)
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
	var sv int32
	err := s.pool.QueryRow(ctx, s.sql.loadSnapshot, stream).Scan(&sn.Version, &sn.Position, &sv, &sn.Data, &sn.Time)
	if errors.Is(err, pgx.ErrNoRows) {
		return cqrs.Snapshot{}, false, nil
	}
	if err != nil {
		return cqrs.Snapshot{}, false, s.readErr(err)
	}
	sn.SchemaVersion, sn.Time = int(sv), sn.Time.UTC()
	return sn, true, nil
}

// SaveCheckpoint implements cqrs.CheckpointStore.
func (s *Store) SaveCheckpoint(ctx context.Context, name string, position int64) error {
	if name == "" || position < 0 {
		return fmt.Errorf("%w: checkpoint %q at %d", cqrs.ErrInvalid, name, position)
	}
	return s.do(ctx, &request{op: func(b *pgx.Batch) {
		b.Queue(s.sql.upsertCheckpoint, name, position)
		b.Queue(s.sql.notify, s.cpChannel, name) // replicas standing by for its lease follow it
	}})
}

// SaveCheckpointTx records a checkpoint inside tx (a Write transaction or
// one of the caller's own), so a projection's writes and its checkpoint
// commit together. It overwrites the checkpoint unconditionally: a
// projection that several replicas run must read the checkpoint in the
// same transaction first (SELECT … FOR UPDATE) and skip the events at or
// below it.
func (s *Store) SaveCheckpointTx(ctx context.Context, tx pgx.Tx, name string, position int64) error {
	_, err := tx.Exec(ctx, s.sql.upsertCheckpoint, name, position)
	return err
}

// LoadCheckpoint implements cqrs.CheckpointStore.
func (s *Store) LoadCheckpoint(ctx context.Context, name string) (int64, error) {
	if s.isClosed() {
		return 0, cqrs.ErrClosed
	}
	var pos int64
	err := s.pool.QueryRow(ctx, s.sql.loadCheckpoint, name).Scan(&pos)
	if errors.Is(err, pgx.ErrNoRows) {
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
	rec, ok, err := scanIdempotency(s.pool.QueryRow(ctx, s.sql.loadIdem, scope, key), scope, key)
	if err != nil {
		return rec, ok, s.readErr(err)
	}
	return rec, ok, nil
}

func scanIdempotency(row pgx.Row, scope, key string) (cqrs.IdempotencyRecord, bool, error) {
	rec := cqrs.IdempotencyRecord{Scope: scope, Key: key}
	err := row.Scan(&rec.RequestHash, &rec.Response, &rec.Position, &rec.Time)
	if errors.Is(err, pgx.ErrNoRows) {
		return cqrs.IdempotencyRecord{}, false, nil
	}
	if err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	rec.Time = rec.Time.UTC()
	return rec, true, nil
}

// SaveIdempotency implements cqrs.IdempotencyStore.
func (s *Store) SaveIdempotency(ctx context.Context, rec cqrs.IdempotencyRecord) (cqrs.IdempotencyRecord, bool, error) {
	if rec.Scope == "" || rec.Key == "" {
		return cqrs.IdempotencyRecord{}, false, fmt.Errorf("%w: idempotency record without scope or key", cqrs.ErrInvalid)
	}
	if rec.Time.IsZero() {
		rec.Time = s.opts.now()
	}
	var stored cqrs.IdempotencyRecord
	var inserted bool
	err := s.do(ctx, &request{op: func(b *pgx.Batch) {
		b.Queue(s.sql.insertIdemIfAbsent, rec.Scope, rec.Key, rec.RequestHash, rec.Response, rec.Position, rec.Time).
			Exec(func(ct pgconn.CommandTag) error { inserted = ct.RowsAffected() == 1; return nil })
		// The same transaction sees the row it inserted or the one that
		// was there (ON CONFLICT waited for a concurrent inserter).
		b.Queue(s.sql.loadIdem, rec.Scope, rec.Key).QueryRow(func(row pgx.Row) error {
			var err error
			stored, _, err = scanIdempotency(row, rec.Scope, rec.Key)
			return err
		})
	}})
	if err != nil {
		return cqrs.IdempotencyRecord{}, false, err
	}
	if inserted {
		return rec, true, nil
	}
	return stored, false, nil
}

// PurgeIdempotency implements cqrs.IdempotencyStore.
func (s *Store) PurgeIdempotency(ctx context.Context, before time.Time) (int64, error) {
	var n int64
	err := s.do(ctx, &request{op: func(b *pgx.Batch) {
		b.Queue(s.sql.purgeIdem, before).Exec(func(ct pgconn.CommandTag) error { n = ct.RowsAffected(); return nil })
	}})
	return n, err
}
