// Package postgres provides the cqrs.Store for production and for several
// replicas of a service: PostgreSQL through pgx v5 (pgxpool). Replicas
// behind any load balancer open Stores on the same database and schema
// and act as one store: appends are checked and ordered by the database,
// and every replica's subscriptions see every replica's events.
//
//	store, err := postgres.Open(ctx, "postgres://user@host/db", postgres.WithSchema("bank"))
//
// # Schema and migrations
//
// The tables (events, snapshots, checkpoints, idempotency and
// schema_migrations) live in one schema, "allframe" unless WithSchema says
// otherwise; Open creates it and applies the migrations this build knows,
// each in a transaction that records its number in schema_migrations. It
// holds a session advisory lock on the schema while it migrates, so
// replicas starting together migrate once (the others wait, then find
// nothing to do); a schema migrated by a newer build is refused.
//
// # Appends: commit-ordered positions
//
// An event's global position is the order subscriptions and projections
// read it in, and a reader that continues "after the last position I saw"
// must never skip one. In PostgreSQL a row becomes visible when its
// transaction commits, not when it is inserted: with positions from a
// sequence, a transaction that took position 10 and commits after the one
// that took 11 lets a reader see 11, move its checkpoint past 10, and skip
// 10 for ever (watermill#311, Marten#3321, Eventuous#222).
//
// This store assigns positions in commit order instead. Every appending
// transaction first takes a transaction-scoped advisory lock on the schema
// (pg_advisory_xact_lock), then reads the head (max(position), in a
// statement that starts after the lock is granted, so it sees every
// earlier holder's commit) and numbers its events from there. The lock is
// released when the transaction ends, and PostgreSQL makes a committed
// transaction visible before it releases its locks (CommitTransaction in
// src/backend/access/transam/xact.c calls ProcArrayEndTransaction — "this
// must be done _before_ releasing locks we hold" — then releases the
// locks). So position order is commit order, across every Store on the
// schema: when a reader sees position n, every position below n is
// already visible to it. Reads need no watermark, a subscription can
// checkpoint at the last position it saw, and positions have no gaps (a
// transaction that rolls back gives its numbers to the next one).
//
// The price is that appends to one schema are serialised: one appending
// transaction at a time, from the lock to the end of its COMMIT. The
// alternative — sequence positions, concurrent transactions, and reads
// bounded by the visibility watermark (pg_snapshot_xmin over an xid8
// column) — lets appends overlap but delays every reader behind the
// oldest open transaction and costs a column and an index. Serialising is
// cheap here because of group commit: each Store has one writer that
// commits everything queued while its previous transaction committed in a
// single transaction, in two round trips — BEGIN, the lock and every
// lookup (head, stream versions, idempotency keys, explicit event ids) in
// one pipeline; the rows (a multi-row INSERT … SELECT unnest(…), or COPY
// for large batches), snapshots, idempotency records, the notification
// and COMMIT in the next — so the lock is held for about one WAL flush per
// batch, however many appends the batch holds.
//
// The expected version is checked under the lock, against the stream's
// version read there (the writer caches versions while no other Store has
// appended); the unique (stream, version) constraint backs it up.
// Snapshots and idempotency records given with an append are written in
// its transaction. A request that fails in the database (a text with a
// NUL byte, a unique violation raced in by another writer) fails the
// batch's transaction; each request is then retried alone, so it fails
// without the others.
//
// Acknowledged writes are as durable as the server's synchronous_commit
// makes them (on by default: flushed to the WAL, and to synchronous
// standbys if configured).
//
// # Subscriptions: LISTEN/NOTIFY and polling
//
// Subscriptions read the log in batches (catch-up), then wait. An
// appending transaction sends pg_notify on the schema's channel; each
// Store keeps one connection outside its pool LISTENing there, and wakes
// its subscriptions on each notification, so a subscription on one
// replica sees another replica's events as soon as they commit. A Store's
// own commits wake its subscriptions directly. When the listening
// connection drops (a restart, a failover, pg_terminate_backend) the
// listener reconnects with backoff and wakes every subscription once it
// listens again, since notifications sent meanwhile are lost; and
// subscriptions also re-read the log every poll interval (WithPollInterval,
// 1 s by default) as a fallback.
//
// # Read models in the same database
//
// NewProjection keeps a read model in tables of the database: each batch
// of events and the checkpoint commit in one transaction of its own (not
// the writer's, so a projection never delays appends), which locks the
// checkpoint row first and skips what is already applied — exactly-once,
// even when two replicas apply at once. Replicas take turns through a
// lease (LeaseProjection: a session advisory lock on a connection of its
// own): one applies, the others stand by, follow its checkpoint (so
// consistency tokens work on every replica) and take over at once when
// its session ends, or within WithLeaseTimeout when it hangs or is cut
// off. Write runs a function in the writer's transaction (in a savepoint
// of its own), group-committed with the appends; Pool gives queries the
// store's connection pool. A plain cqrs.NewProjection with
// cqrs.DurableCheckpoints(store) is at-least-once: its effects live
// outside the checkpoint's transaction.
//
// Declarative read models (cqrs.NewReadModel) need no SQL: the Store
// implements cqrs.ReadModelBackend, with a table per read model (JSON rows,
// one text COLLATE "C" column and SQL index per declared index) whose
// batches commit with their checkpoint as NewProjection's do. The Store
// also implements cqrs.LeaseProvider, so read models and saga runners
// (cqrs/saga) take turns across replicas through the same leases: one
// replica applies or runs them, the others stand by and take over.
package postgres
