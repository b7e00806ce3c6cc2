// Package sqlite provides the embedded cqrs.Store: a single SQLite file
// (modernc.org/sqlite, pure Go, no cgo) in WAL mode, no server.
//
// # Writes: one writer, group commit
//
// Every write — appends, snapshots, checkpoints, idempotency records and
// projection batches (Store.Write) — goes through one writer goroutine. It
// takes the requests that queued while the previous transaction was
// committing and commits them together in one transaction (group commit);
// each caller is acknowledged only after that commit. Requests are checked
// (expected version, idempotency key, explicit ids) before they touch the
// transaction, so one request's conflict never fails another's; Write
// functions run inside a savepoint of their own. The queue is bounded: when
// it is full, callers wait (backpressure) until their context ends.
//
// # Durability
//
// By default (DurabilityFull, synchronous=FULL) an acknowledged write
// survives power loss: the commit waits for the WAL to reach stable
// storage. DurabilityNormal (synchronous=NORMAL) survives a process crash
// but may lose the last transactions on power loss or an OS crash, for a
// multiple of the write rate.
//
// # Reads
//
// Reads use a separate pool of read-only connections, which WAL lets run
// alongside the writer. Subscriptions read the log in batches and wait for
// the writer's commit signal, polling as well to pick up writers in other
// processes that share the file; SQLite's locks and PRAGMA data_version
// keep several processes on one file correct, if not fast.
//
// # Projections in the same database
//
// NewProjection builds a cqrs.Projector whose handler writes read-model
// tables in the store's own transaction, together with its checkpoint: a
// batch of events is applied exactly once, even across crashes.
package sqlite
