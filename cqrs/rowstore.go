package cqrs

import (
	"context"
	"errors"
)

// ReadModelBackend is implemented by stores that keep the rows of
// declarative read models (ReadModel): memory.Store, sqlite.Store and
// postgres.Store. NewReadModel finds it by a type assertion on the
// Bus's Store, so a store that wraps another must implement it too (by
// forwarding) for read models to run on it.
//
// A new backend implements this one method and the five of RowStore, and
// runs cqrstest.RunReadModels. The contract, beyond the method docs:
//
//   - Keys and index values are strings compared bytewise (SQLite's BINARY
//     collation, Go's string order; on PostgreSQL use COLLATE "C").
//   - Row data is JSON written by the ReadModel; the backend stores it as
//     given and returns it unchanged.
//   - The rows, the fingerprint and the checkpoint of a read model change
//     together: Apply and Reset are each one transaction.
type ReadModelBackend interface {
	// OpenReadModel returns the storage of the read model spec describes,
	// creating it on first use. When the storage exists with another
	// fingerprint (the declaration changed), or does not exist yet, it
	// deletes every row, recreates the index columns, stores
	// spec.Fingerprint and sets the checkpoint to 0 — in one transaction —
	// so the read model rebuilds from the first event. Calling it again
	// with the same spec is cheap and changes nothing.
	OpenReadModel(ctx context.Context, spec ReadModelSpec) (RowStore, error)
}

// ReadModelSpec describes a read model's storage.
type ReadModelSpec struct {
	// Name of the read model, also its projection name; it matches
	// ^[A-Za-z][A-Za-z0-9_]*$ and is at most 40 bytes, so backends may use
	// it in table and index names.
	Name string
	// Indexes are the names of the indexed fields (the same pattern as
	// Name), in declaration order: Row.Index and RowFilter refer to them.
	Indexes []string
	// Fingerprint identifies the declaration (name, indexes, row shape,
	// version): a different one means the stored rows are stale.
	Fingerprint string
}

// RowStore is the storage of one read model's rows, given by a
// ReadModelBackend. It is safe for concurrent use: one writer (the
// projection) and many readers.
type RowStore interface {
	// Checkpoint returns the position up to which events have been
	// applied (0 for none).
	Checkpoint(ctx context.Context) (int64, error)
	// Apply writes b in one transaction: it upserts b.Puts, deletes
	// b.Deletes (absent keys are no error) and moves the checkpoint from
	// b.From to b.To. When the stored checkpoint is not b.From (another
	// process applied or reset the read model meanwhile) or the stored
	// fingerprint is not the spec's, it writes nothing and returns an error
	// matching ErrReadModelMoved.
	Apply(ctx context.Context, b RowBatch) error
	// Reset deletes every row and sets the checkpoint to 0, in one
	// transaction.
	Reset(ctx context.Context) error
	// Get returns the rows with the given keys that exist, in any order.
	Get(ctx context.Context, keys []string) ([]Row, error)
	// List returns up to q.Limit rows whose index values equal every
	// q.Where, ordered by key (descending when q.Desc), starting after
	// q.After when q.After is not empty (keyset pagination).
	List(ctx context.Context, q RowQuery) ([]Row, error)
}

// Row is one stored row of a read model.
type Row struct {
	// Key identifies the row; never empty.
	Key string
	// Data is the row as JSON.
	Data []byte
	// Index holds the row's index values, one per ReadModelSpec.Indexes
	// (set by the ReadModel on writes; backends need not return it).
	Index []string
}

// RowBatch is the result of applying a batch of events: the final state of
// every row the batch changed, and the checkpoint move. A key is in at most
// one of Puts and Deletes.
type RowBatch struct {
	From, To int64
	Puts     []Row
	Deletes  []string
}

// RowQuery selects a page of rows.
type RowQuery struct {
	// Where holds equality filters on indexes, all of which must match.
	Where []RowFilter
	// After is the key to continue after; empty for the first page.
	After string
	// Desc orders by key descending instead of ascending.
	Desc bool
	// Limit is the page size (≥ 1).
	Limit int
}

// RowFilter is an equality filter on an index: Index is its position in
// ReadModelSpec.Indexes.
type RowFilter struct {
	Index int
	Value string
}

// ErrReadModelMoved reports a batch not written because the read model's
// checkpoint or fingerprint changed since the batch was read: another
// process applied or reset it. The projection runner resumes from the new
// checkpoint.
var ErrReadModelMoved = errors.New("cqrs: read model checkpoint moved")
