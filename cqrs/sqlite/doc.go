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
// By default (DurabilityFull) an acknowledged write survives power loss:
// it is acknowledged only once the WAL holding it has reached stable
// storage, as with synchronous=FULL. The sync runs on a goroutine of its
// own, overlapping the writing of the next batch (the connection commits
// with synchronous=NORMAL, which keeps SQLite's own syncs around
// checkpoints, and the store syncs the WAL file after each commit); while
// a sync runs, arriving requests join the next transaction. Events are
// hidden from this Store's reads until they are durable, so subscriptions,
// projections and aggregates never see an event a power loss could take
// back; rows a Write function commits are visible to DB() readers a sync
// before Write returns. If a sync fails, the callers waiting on it get the
// error and the store refuses further writes (durability is unknown; reopen
// it). The store needs WAL mode and refuses a file system without it.
//
// DurabilityNormal (synchronous=NORMAL, no sync on commit) survives a
// process crash but may lose the last transactions on power loss or an OS
// crash.
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
// tables in the store's own transaction, together with its checkpoint: each
// event is applied exactly once, even across crashes, and also when several
// processes (or Stores) sharing the file run the same projection. The
// transaction reads the checkpoint under the write lock and applies only
// the events after it, so a batch that another instance applied first, in
// part or whole, is skipped to that extent (a compare-and-set on the
// checkpoint); a batch that continues from a checkpoint that has since
// moved back (a Reset elsewhere) is refused with ErrCheckpointMoved and the
// projection resumes from the new checkpoint. Every instance does the work
// of reading every batch; one of them applies it. The projection's tables
// are created (its Setup function runs) by NewProjection, so queries can
// read them before the App starts.
//
// A plain cqrs.NewProjection with cqrs.DurableCheckpoints(store) is
// at-least-once, not exactly-once: its handler's effects live outside this
// transaction, so the store cannot make them conditional on the
// checkpoint. Within one process, the events since the last saved
// checkpoint are handled again after a crash. With several processes,
// each handles every event (into its own effects: an in-memory read model
// per process is correct, a shared external one needs idempotent writes),
// and the saved checkpoint is whichever instance saved last — it may move
// back by a batch, which only causes more re-handling after a restart.
package sqlite
