// Package cqrs provides commands, queries, event-sourced aggregates,
// projections and event subscriptions on top of a pluggable event store,
// registered as ordinary operations of an app.App so that every transport
// (REST, GraphQL, gRPC) serves them with the same validation, errors,
// middleware and telemetry. It imports no transport library; a service that
// does not import cqrs links none of it.
//
// # Events
//
// Events are plain Go structs registered in a Registry under a stable name
// and a schema version:
//
//	reg := cqrs.NewRegistry()
//	cqrs.RegisterEvent[Deposited](reg, "bank.Deposited", 2)
//	reg.Upcast("bank.Deposited", 1, func(v1 []byte) ([]byte, error) { … }) // v1 → v2
//
// They are stored as JSON with an envelope (Event): a time-ordered UUIDv7
// id, the stream and its aggregate type, the stream version, the global
// position, the time, and Metadata — correlation id, causation id, the W3C
// trace context (traceparent, tracestate) of the span that appended them,
// the idempotency key of the command, and user metadata. On read,
// Registry.Decode chains the upcasters (v1→v2→v3) on the raw JSON, so old
// events decode into the current struct. RegisterEvent refuses types with
// fields that JSON would drop.
//
// # The event store
//
// EventStore is the backend contract, with one package per backend:
// cqrs/memory (tests) and cqrs/sqlite (the embedded default); both pass the
// cqrstest conformance suite, which any new backend runs too. The contract
// is built so that a multi-node backend (PostgreSQL, with LISTEN/NOTIFY)
// can implement it unchanged:
//
//   - The store assigns global positions: strictly increasing in commit
//     order; the events of one append are consecutive.
//   - Append takes an expected version (an exact version, NoStream,
//     StreamExists or AnyVersion) and fails with a *ConflictError, writing
//     nothing, when the stream has moved. Snapshots and idempotency records
//     may ride along and commit atomically with the events.
//   - Positions and versions passed to reads are exclusive ("after"), which
//     is what checkpoints record.
//   - Subscribe is pull-based: catch up in batches, then wait for a change
//     signal and read again (Follow implements this for any backend given a
//     reader and a signal; a LISTEN/NOTIFY backend supplies the signal).
//     A slow subscriber never makes the store buffer: it holds one batch.
//   - Snapshots, projection checkpoints and idempotency records are part
//     of the store (SnapshotStore, CheckpointStore, IdempotencyStore), so a
//     database-backed store keeps them in the same database.
//
// Open chooses the store by URL from the backends it is given — memory:,
// sqlite:PATH[?durability=full|normal] and, with a PostgreSQL backend,
// postgres://… — each backend package exporting its Backend; there is no
// global registry. di/cqrsfx reads the
// URL from ALLFRAME_EVENTSTORE.
//
// # Aggregates
//
// NewAggregate defines an aggregate type with state S built by an apply
// function; Handle binds a command to it:
//
//	accounts := cqrs.NewAggregate(bus, "account", applyAccount, cqrs.SnapshotEvery(100))
//	cqrs.Handle(accounts, "deposit", func(in DepositIn) string { return in.ID },
//		func(ctx context.Context, st cqrs.State[Account], in DepositIn) ([]any, error) {
//			if !st.Exists() {
//				return nil, app.NewError(app.CodeNotFound, "no such account")
//			}
//			return []any{Deposited{Amount: in.Amount}}, nil
//		}, accountView, app.HTTP("POST", "/accounts/{id}/deposit"))
//
// A command loads the instance (snapshot plus later events; recent states
// are cached and brought up to date with one small read), decides, applies
// the new events and appends them with the loaded version as the expected
// version. On a conflict it reloads and decides again, up to WithRetries
// times with a randomized backoff, then fails with aborted. Commands on one
// instance are ordered within a process — those that queue while one runs
// are decided in turn, each on the state the previous ones left, and
// appended together (one commit for many) — so conflicts only arise between
// processes (or Aggregates sharing a store); no update is ever lost. Load,
// decide and append are child spans of each request's span. Snapshots
// (every n events, optional) are written in the same transaction as the
// append that crosses the threshold, and ignored on load when their
// SnapshotVersion differs (after the state changed shape).
//
// Command registers a free-form command whose handler may run several
// aggregates with Aggregate.Execute; both record the request's correlation,
// causation and idempotency key on every event. A command's output can
// embed Written, which is filled with the global position the command
// wrote; the Consistency-Token response header carries it too.
//
// # Idempotency
//
// A command called with the metadata key "idempotency-key" (the HTTP
// Idempotency-Key header, gRPC metadata, or the GraphQL request's HTTP
// header — transports put all of them in app.Call.Metadata) runs at most
// once per key and operation: a repeated key returns the first output
// (with the Idempotent-Replayed header) without running again; concurrent
// duplicates wait for the first. The same key with a different input (by a
// SHA-256 of its JSON) fails with failed_precondition (detail reason
// "idempotency_key_reused"): the request is well-formed, but the key's
// state forbids it. Only successful outputs are recorded, so a failed
// command may be retried with its key. Records live in the store, so they
// survive restarts; with Handle the record commits in the same transaction
// as the events (exactly once even across crashes and replicas), with
// Command it is saved after the handler succeeds. Records are kept for
// WithIdempotencyRetention (default 24h), then purged by the started Bus.
//
// # Consistency
//
// Projections are eventually consistent. A query registered with
// Bus.ReadsFrom waits, when the call carries a "consistency-token" (the
// position a command returned), until the named projections have reached
// it — at most WithConsistencyTimeout, then unavailable (retryable). A
// malformed token, or one beyond the store's head, is invalid_argument.
// Queries that load aggregates directly are always up to date.
//
// # Correlation and causation
//
// Events record as correlation id the request's X-Correlation-ID, else
// its trace id, else a new id; as causation id its X-Causation-ID, else
// its X-Request-ID, else the correlation id. Events appended while
// handling another event (CausedBy, or inside EventSpan as projections and
// process managers do) record that event's correlation id and its id as
// causation id.
//
// # Projections
//
// Projections (Bus.Projections) is a registry of named Projectors that the
// Bus runs while the App runs (NewBus mounts the Bus on the App): each
// resumes from its durable checkpoint, catches up in batches, then follows
// live. Rebuild resets one and replays from the first event; Status
// reports position, head, lag and the last error (RegisterAdmin exposes
// both as admin operations, refused over the network unless the request
// carries the App's admin token: see app.Admin). A failing batch is retried from the checkpoint with
// exponential backoff. The sqlite backend's projection commits its writes
// and its checkpoint in one transaction (exactly-once effect);
// NewProjection here works with any store (in-memory read models, or
// at-least-once with DurableCheckpoints). Each projection's handling of an
// event is a span that continues the trace recorded with the event and
// links to it, so one trace shows request → command → append →
// projection.
//
// # Read models
//
// NewReadModel declares a read model once: rows of a Go type T keyed by a
// string (by default the event's stream id, see StreamID and KeyBy),
// handlers that create, update or delete a row per event type (Create,
// Update, Delete, On; each may take its own key function), and indexes on
// row fields (Index). The Bus's store keeps the rows — memory.Store and
// sqlite.Store implement ReadModelBackend, the method set a new backend
// adds — and applies each batch of events with its checkpoint in one
// transaction, so every event changes the rows exactly once. A ReadModel
// is a Projector: Status, lag, Rebuild and consistency tokens work as for
// any projection. Get, List (keyset pages ordered by key, ascending or
// descending, with equality filters on indexes) and Lookup read it from
// Go; RegisterGet, RegisterList and RegisterListBy serve it as queries on
// every transport, honouring Consistency-Token as ReadsFrom does.
//
// A declaration has a fingerprint: its name, indexes, the shape of T and
// ReadModelVersion. When the stored fingerprint differs — an index or a
// field was added, or the version bumped because a handler changed — the
// rows are deleted and rebuilt from the first event as the projection
// catches up; until then queries see the rebuild's progress, and a
// consistency token waits for it. Bump ReadModelVersion whenever a
// handler's logic changes: code is not part of the fingerprint.
//
// # Event streams
//
// EventStream registers a stream operation (SSE, GraphQL subscription,
// gRPC server stream) over Subscribe with a filter (streams, aggregate
// types, event types) from a position, then live, with backpressure;
// Last-Event-ID resumes after a position. Each sent event is a span child
// of the subscriber's request and linked to the event's trace.
//
// # Tracing
//
// The Bus takes a trace.TracerProvider (WithTracerProvider); by default it
// traces nothing and never reads otel's global provider.
package cqrs
