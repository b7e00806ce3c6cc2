package cqrs

import (
	"context"
	"time"
)

// EventStore is an append-only log of events, partitioned into streams and
// totally ordered by global position. Implementations are safe for
// concurrent use.
type EventStore interface {
	// Append writes req.Events to req.Stream atomically if the stream is at
	// req.ExpectedVersion, else fails with a *ConflictError and writes
	// nothing. When Append returns an error nothing was written; when it
	// returns nil the events are durable (to the backend's promise).
	Append(ctx context.Context, req AppendRequest) (AppendResult, error)
	// ReadStream returns the events of stream with a version greater than
	// after, in version order (none for an unknown stream).
	ReadStream(ctx context.Context, stream string, after int64) ([]Event, error)
	// ReadAll returns up to limit events (a default when limit ≤ 0) with a
	// global position greater than after that match filter, in position
	// order.
	ReadAll(ctx context.Context, after int64, limit int, filter Filter) ([]Event, error)
	// Head returns the global position of the last event (0 when empty).
	Head(ctx context.Context) (int64, error)
	// Subscribe calls h with the events after position after that match
	// filter, in order and in batches: first those already stored
	// (catch-up), then new ones as they are committed (live). The store
	// reads ahead at most one batch, so a slow h slows only its own
	// subscription: nothing buffers without bound. Subscribe returns h's
	// error, or ctx's when ctx ends, or the store's when it fails or closes.
	Subscribe(ctx context.Context, after int64, filter Filter, h func([]Event) error) error
}

// SnapshotStore keeps the latest snapshot of each stream.
type SnapshotStore interface {
	// SaveSnapshot stores s, replacing an older snapshot of s.Stream (a
	// snapshot with a lower version never replaces a newer one).
	SaveSnapshot(ctx context.Context, s Snapshot) error
	// LoadSnapshot returns the snapshot of stream, if any.
	LoadSnapshot(ctx context.Context, stream string) (Snapshot, bool, error)
}

// CheckpointStore keeps durable projection checkpoints: the last global
// position a named consumer has processed.
type CheckpointStore interface {
	// SaveCheckpoint records position for name.
	SaveCheckpoint(ctx context.Context, name string, position int64) error
	// LoadCheckpoint returns the recorded position of name (0 if none).
	LoadCheckpoint(ctx context.Context, name string) (int64, error)
}

// IdempotencyStore keeps the results of commands sent with an idempotency
// key.
type IdempotencyStore interface {
	// LoadIdempotency returns the record of (scope, key), if any.
	LoadIdempotency(ctx context.Context, scope, key string) (IdempotencyRecord, bool, error)
	// SaveIdempotency inserts rec unless a record of (rec.Scope, rec.Key)
	// exists; it returns the record now stored and whether it inserted rec.
	SaveIdempotency(ctx context.Context, rec IdempotencyRecord) (IdempotencyRecord, bool, error)
	// PurgeIdempotency deletes the records older than before and returns
	// how many it deleted.
	PurgeIdempotency(ctx context.Context, before time.Time) (int64, error)
}

// Store is everything the Bus needs from a backend. Backends (cqrs/memory,
// cqrs/sqlite) implement it and pass the cqrstest conformance suite.
type Store interface {
	EventStore
	SnapshotStore
	CheckpointStore
	IdempotencyStore
}

// DefaultReadLimit is the ReadAll limit used when the caller passes ≤ 0, and
// the batch size of subscriptions.
const DefaultReadLimit = 512

// Reader is how Follow reads the log: up to limit events after position
// after matching filter, plus the position the read has covered, upTo: every
// event at or below upTo that matches filter is in events (or was at or
// below after). Unfiltered readers return the last event's position.
type Reader func(ctx context.Context, after int64, limit int, filter Filter) (events []Event, upTo int64, err error)

// FollowOptions tune Follow.
type FollowOptions struct {
	// Changed returns a channel that is closed when new events may have
	// been committed after the call. Required.
	Changed func() <-chan struct{}
	// Poll, when positive, re-reads the log that often even without a
	// change signal (for writers in other processes).
	Poll time.Duration
	// Batch is the read size; 0 means DefaultReadLimit.
	Batch int
}

// Follow implements EventStore.Subscribe for backends on top of a reader
// and a change signal: it reads batches after after and hands them to h;
// when caught up it waits for Changed (or Poll), then reads again. It holds
// at most one batch, so a slow h never makes the store buffer.
func Follow(ctx context.Context, after int64, filter Filter, read Reader, o FollowOptions, h func([]Event) error) error {
	batch := o.Batch
	if batch <= 0 {
		batch = DefaultReadLimit
	}
	var timer *time.Timer
	var tick <-chan time.Time
	if o.Poll > 0 {
		timer = time.NewTimer(o.Poll)
		defer timer.Stop()
		tick = timer.C
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		// Take the signal before reading so a commit between the read and
		// the wait is never missed.
		changed := o.Changed()
		events, upTo, err := read(ctx, after, batch, filter)
		if err != nil {
			return err
		}
		if len(events) > 0 {
			if err := h(events); err != nil {
				return err
			}
		}
		if upTo > after {
			after = upTo
		}
		if len(events) >= batch {
			continue
		}
		if timer != nil {
			timer.Reset(o.Poll)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		case <-tick:
		}
	}
}
