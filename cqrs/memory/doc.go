// Package memory provides an in-memory cqrs.Store for tests and examples:
// the full store contract (optimistic concurrency, global ordering,
// catch-up-then-live subscriptions, snapshots, checkpoints, idempotency
// records) without durability. It passes the cqrstest conformance suite.
package memory
