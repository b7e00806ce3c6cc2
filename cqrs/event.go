package cqrs

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Event is a stored event: its payload as written (JSON) plus the envelope
// the store assigns (ID, Version, Position, Time). Events read from a store
// share their Data with the store: treat them as read-only.
type Event struct {
	// ID is the event's unique id, a time-ordered UUIDv7 unless the writer
	// supplied its own.
	ID string `json:"id"`
	// Stream is the stream (one aggregate instance) the event belongs to.
	Stream string `json:"stream"`
	// StreamType is the aggregate type of the stream (e.g. "account"); it
	// lets subscriptions filter by type.
	StreamType string `json:"streamType,omitempty"`
	// Version is the event's 1-based position within its stream.
	Version int64 `json:"version"`
	// Position is the event's 1-based global position, assigned by the
	// store: strictly increasing in commit order across all streams.
	Position int64 `json:"position"`
	// Type is the registered event name (e.g. "bank.Deposited").
	Type string `json:"type"`
	// SchemaVersion is the version of Type's schema the payload was written
	// with; upcasters bring older versions to the current shape on decode.
	SchemaVersion int `json:"schemaVersion"`
	// Time is when the event was recorded.
	Time time.Time `json:"time"`
	// Data is the JSON payload as written.
	Data []byte `json:"data"`
	// Metadata travels with the event.
	Metadata Metadata `json:"metadata"`
}

// Metadata is the context recorded with every event.
type Metadata struct {
	// CorrelationID groups every message of one business transaction: the
	// request's X-Correlation-ID, else its trace id, else a new id.
	CorrelationID string `json:"correlationId,omitempty"`
	// CausationID is the id of the message that caused this event: the
	// request (X-Causation-ID / X-Request-ID) or, for events caused by
	// other events, that event's id.
	CausationID string `json:"causationId,omitempty"`
	// TraceParent and TraceState are the W3C trace context of the span that
	// appended the event, so later handling links back to it.
	TraceParent string `json:"traceparent,omitempty"`
	TraceState  string `json:"tracestate,omitempty"`
	// IdempotencyKey is the key of the command that produced the event.
	IdempotencyKey string `json:"idempotencyKey,omitempty"`
	// User holds application metadata (see WithEventMetadata).
	User map[string]string `json:"user,omitempty"`
}

// IsZero reports whether no metadata is set.
func (m *Metadata) IsZero() bool {
	return m.CorrelationID == "" && m.CausationID == "" && m.TraceParent == "" && m.TraceState == "" &&
		m.IdempotencyKey == "" && len(m.User) == 0
}

// EventData is an event to append.
type EventData struct {
	// ID is optional: the store generates a UUIDv7 when empty. A duplicate
	// ID fails the append with ErrDuplicateID.
	ID string
	// Type is the registered event name; required.
	Type string
	// SchemaVersion of the payload; 0 means 1.
	SchemaVersion int
	// Time is optional: the store uses its clock when zero.
	Time time.Time
	// Data is the JSON payload; the store copies it.
	Data []byte
	// Metadata to record with the event.
	Metadata Metadata
}

// Expected stream versions for AppendRequest.ExpectedVersion, besides an
// exact version (≥ 1).
const (
	// AnyVersion appends without a concurrency check.
	AnyVersion int64 = -1
	// NoStream requires that the stream has no events yet.
	NoStream int64 = 0
	// StreamExists requires that the stream has at least one event.
	StreamExists int64 = -2
)

// AppendRequest appends events to one stream, atomically: all or none.
type AppendRequest struct {
	// Stream to append to; required.
	Stream string
	// StreamType is the aggregate type recorded with each event (optional).
	StreamType string
	// ExpectedVersion is the stream version the writer decided on: an exact
	// version, NoStream, StreamExists or AnyVersion. A mismatch fails the
	// append with a *ConflictError and writes nothing.
	ExpectedVersion int64
	// Events to append; at least one.
	Events []EventData
	// Snapshot, when set, is saved in the same transaction. The store sets
	// its Stream, Version and Position from the append.
	Snapshot *Snapshot
	// Idempotency, when set, is recorded in the same transaction. If a record
	// with the same Scope and Key exists, nothing is written and Append
	// fails with a *DuplicateError carrying the existing record. The store
	// sets its Position (the last event's), and its Time when zero.
	Idempotency *IdempotencyRecord
}

// Validate checks the request's shape; backends call it before writing.
func (r *AppendRequest) Validate() error {
	switch {
	case r.Stream == "":
		return fmt.Errorf("%w: empty stream name", ErrInvalid)
	case len(r.Stream) > MaxNameLength:
		return fmt.Errorf("%w: stream name longer than %d bytes", ErrInvalid, MaxNameLength)
	case len(r.Events) == 0:
		return fmt.Errorf("%w: append to %q without events", ErrInvalid, r.Stream)
	case r.ExpectedVersion < StreamExists:
		return fmt.Errorf("%w: expected version %d", ErrInvalid, r.ExpectedVersion)
	}
	for i := range r.Events {
		e := &r.Events[i]
		if e.Type == "" {
			return fmt.Errorf("%w: event %d of %q has no type", ErrInvalid, i, r.Stream)
		}
		if e.SchemaVersion < 0 {
			return fmt.Errorf("%w: event %d of %q has schema version %d", ErrInvalid, i, r.Stream, e.SchemaVersion)
		}
	}
	if r.Idempotency != nil && (r.Idempotency.Scope == "" || r.Idempotency.Key == "") {
		return fmt.Errorf("%w: idempotency record without scope or key", ErrInvalid)
	}
	return nil
}

// MaxNameLength bounds stream, projection and idempotency names in bytes.
const MaxNameLength = 512

// AppendResult reports where an append landed. The i-th appended event has
// version StreamVersion-len(events)+1+i and position FirstPosition+i.
type AppendResult struct {
	// StreamVersion is the stream's version after the append.
	StreamVersion int64
	// FirstPosition and LastPosition are the global positions of the first
	// and the last appended event.
	FirstPosition, LastPosition int64
}

// CheckVersion returns a *ConflictError unless a stream currently at
// version actual (0: no events) satisfies expected.
func CheckVersion(stream string, expected, actual int64) error {
	ok := false
	switch expected {
	case AnyVersion:
		ok = true
	case StreamExists:
		ok = actual > 0
	default:
		ok = actual == expected
	}
	if ok {
		return nil
	}
	return &ConflictError{Stream: stream, Expected: expected, Actual: actual}
}

// Snapshot is a saved aggregate state at a stream version.
type Snapshot struct {
	Stream string
	// Version is the stream version the state includes.
	Version int64
	// Position is the global position of the event at Version.
	Position int64
	// SchemaVersion identifies the state's shape; loads ignore snapshots of
	// another schema version and replay events instead.
	SchemaVersion int
	// Data is the encoded (JSON) state.
	Data []byte
	Time time.Time
}

// IdempotencyRecord remembers the result of a command sent with an
// idempotency key.
type IdempotencyRecord struct {
	// Scope is the operation name; Key the client's idempotency key.
	Scope, Key string
	// RequestHash identifies the request (a hash of its input); a repeated
	// key with another hash is a different request and is rejected.
	RequestHash string
	// Response is the encoded (JSON) output of the first execution.
	Response []byte
	// Position is the last global position the command wrote (0 if none).
	Position int64
	// Time is when the command ran; retention (PurgeIdempotency) counts
	// from it.
	Time time.Time
}

// Filter selects events for ReadAll and Subscribe. Empty lists select
// everything; non-empty lists must each match.
type Filter struct {
	Streams     []string `json:"streams,omitempty"`
	StreamTypes []string `json:"streamTypes,omitempty"`
	EventTypes  []string `json:"eventTypes,omitempty"`
}

// IsZero reports whether the filter selects every event.
func (f Filter) IsZero() bool {
	return len(f.Streams) == 0 && len(f.StreamTypes) == 0 && len(f.EventTypes) == 0
}

// Match reports whether ev passes the filter.
func (f Filter) Match(ev *Event) bool {
	return (len(f.Streams) == 0 || slices.Contains(f.Streams, ev.Stream)) &&
		(len(f.StreamTypes) == 0 || slices.Contains(f.StreamTypes, ev.StreamType)) &&
		(len(f.EventTypes) == 0 || slices.Contains(f.EventTypes, ev.Type))
}

// Errors reported by stores and the registry; match with errors.Is.
var (
	// ErrConflict is matched by every *ConflictError.
	ErrConflict = errors.New("cqrs: wrong expected version")
	// ErrDuplicate is matched by every *DuplicateError.
	ErrDuplicate = errors.New("cqrs: idempotency key already recorded")
	// ErrDuplicateID reports an append whose event id already exists.
	ErrDuplicateID = errors.New("cqrs: duplicate event id")
	// ErrClosed reports use of a closed store.
	ErrClosed = errors.New("cqrs: store closed")
	// ErrInvalid reports a malformed request (a programming error).
	ErrInvalid = errors.New("cqrs: invalid request")
	// ErrUnknownEvent reports an event type missing from the Registry.
	ErrUnknownEvent = errors.New("cqrs: unknown event type")
)

// ConflictError reports an append whose expected version did not match.
type ConflictError struct {
	Stream   string
	Expected int64
	// Actual is the stream's version when the append was attempted.
	Actual int64
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("cqrs: stream %q is at version %d, expected %s", e.Stream, e.Actual, expectedString(e.Expected))
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

func expectedString(v int64) string {
	switch v {
	case AnyVersion:
		return "any version"
	case NoStream:
		return "no stream"
	case StreamExists:
		return "an existing stream"
	}
	return fmt.Sprint(v)
}

// DuplicateError reports an append whose idempotency key was already
// recorded; nothing was written.
type DuplicateError struct {
	// Record is the existing record.
	Record IdempotencyRecord
}

func (e *DuplicateError) Error() string {
	return fmt.Sprintf("cqrs: idempotency key %q of %s already recorded", e.Record.Key, e.Record.Scope)
}

// Is makes errors.Is(err, ErrDuplicate) true.
func (e *DuplicateError) Is(target error) bool { return target == ErrDuplicate }
