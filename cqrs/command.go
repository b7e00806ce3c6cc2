package cqrs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"sync"

	"github.com/allframe-go/allframe/app"
)

// Written is embedded in a command's output to return the global position
// the command wrote; pass it back as the Consistency-Token metadata of a
// query to read your own writes. Commands registered with Handle or Command
// fill it (and set the Consistency-Token response header).
type Written struct {
	Position int64 `json:"position,omitempty" doc:"Global position of the last event written; send it as the Consistency-Token header of a query to read your own writes"`
}

func (w *Written) setPosition(p int64) { w.Position = p }

type positionSetter interface{ setPosition(int64) }

// commandHeaders declares, for schemas, the headers every command
// registered by Handle or Command honours and sets.
func commandHeaders() []app.OpOption {
	maxLen := maxKeyLength
	return []app.OpOption{
		app.RequestHeader(app.Header{
			Name: MetaIdempotencyKey,
			Description: "Makes the command idempotent: a retry with the same key replays the recorded response " +
				"without running the command again; the same key with a different request fails with failed_precondition.",
			Constraints: app.Constraints{MaxLength: &maxLen, Pattern: "^[!-~]+$"},
		}),
		app.ResponseHeader(app.Header{
			Name: HeaderConsistencyToken,
			Description: "The global position the command wrote; send it as the Consistency-Token header of a query " +
				"to read your own writes.",
			Constraints: app.Constraints{Pattern: "^[0-9]+$"},
		}),
		app.ResponseHeader(app.Header{
			Name:        HeaderIdempotentReplayed,
			Description: "Present when the response was replayed for a repeated Idempotency-Key.",
			Constraints: app.Constraints{Enum: []string{"true"}},
		}),
	}
}

type scopeKey struct{}

// scope is the state of one command call shared with the aggregates it runs.
type scope struct {
	cause *cause
	claim *IdempotencyRecord // without Response; nil without a key

	mu       sync.Mutex
	position int64 // the last position written
	recorded bool  // the claim was recorded with an append
}

func scopeFrom(ctx context.Context) *scope {
	sc, _ := ctx.Value(scopeKey{}).(*scope)
	return sc
}

func (sc *scope) wrote(position int64, recorded bool) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	sc.position = max(sc.position, position)
	sc.recorded = sc.recorded || recorded
}

// Handle registers a command on an aggregate as an App operation (a
// mutation on GraphQL, a POST on REST by default, a unary method on gRPC):
// id picks the instance from the input, decide returns the events to append
// (or an error, typically an *app.Error such as failed_precondition) given
// the current state, and view renders the state after the events as the
// output. The input is validated (`validate` tags) first. Conflicts are
// retried on fresh state (see Aggregate.Execute).
//
// With an Idempotency-Key, the output is recorded atomically with the
// events: a repeated key replays it without running decide again, even
// after a crash or on another replica; the same key with a different input
// fails with failed_precondition.
func Handle[S, In, Out any](agg *Aggregate[S], name string, id func(In) string, decide func(ctx context.Context, state State[S], in In) ([]any, error), view func(State[S]) Out, opts ...app.OpOption) *app.Operation {
	b := agg.bus
	h := func(ctx context.Context, in In) (Out, error) {
		return runCommand(ctx, b, name, in, func(ctx context.Context, sc *scope) (Out, error) {
			var out Out
			respond := func(st State[S]) ([]byte, error) {
				out = view(st)
				if sc.claim == nil {
					return nil, nil
				}
				return json.Marshal(out)
			}
			_, err := agg.execute(ctx, id(in), func(ctx context.Context, st State[S]) ([]any, error) {
				return decide(ctx, st, in)
			}, respond)
			return out, err
		})
	}
	opts = append(commandHeaders(), opts...)
	return app.Command(b.app, name, h, opts...)
}

// Command registers a free-form command handler as an App operation. Inside
// h, Aggregate.Execute records the command's correlation, causation and
// idempotency key with the events, and the last position written fills the
// output's Written. With an Idempotency-Key the output is recorded after h
// succeeds: a repeated key replays it; the same key with a different input
// fails with failed_precondition. (Prefer Handle for a single aggregate:
// it records the output atomically with the events.)
func Command[In, Out any](b *Bus, name string, h func(ctx context.Context, in In) (Out, error), opts ...app.OpOption) *app.Operation {
	wrapped := func(ctx context.Context, in In) (Out, error) {
		return runCommand(ctx, b, name, in, func(ctx context.Context, _ *scope) (Out, error) { return h(ctx, in) })
	}
	opts = append(commandHeaders(), opts...)
	return app.Command(b.app, name, wrapped, opts...)
}

// maxKeyLength bounds idempotency keys.
const maxKeyLength = 255

// validKey reports whether an idempotency key is 1 to maxKeyLength visible
// ASCII characters.
func validKey(key string) bool {
	if len(key) == 0 || len(key) > maxKeyLength {
		return false
	}
	for i := range len(key) {
		if key[i] < 0x21 || key[i] > 0x7e {
			return false
		}
	}
	return true
}

// runCommand runs h in a command scope: message context, idempotency and
// the written position.
func runCommand[In, Out any](ctx context.Context, b *Bus, name string, in In, h func(context.Context, *scope) (Out, error)) (Out, error) {
	var zero Out
	call := app.CallFrom(ctx)
	sc := &scope{cause: resolveCause(ctx)}
	key := ""
	if call != nil && call.Metadata != nil {
		key = call.Metadata.Get(MetaIdempotencyKey)
	}
	if key != "" {
		if !validKey(key) {
			return zero, app.InvalidArgument("invalid Idempotency-Key: must be 1 to 255 visible ASCII characters",
				app.FieldViolation{Field: "Idempotency-Key", Description: "must be 1 to 255 visible ASCII characters"})
		}
		body, err := json.Marshal(in)
		if err != nil {
			return zero, err
		}
		sum := sha256.Sum256(body)
		hash := hex.EncodeToString(sum[:])
		// Duplicates within this process wait for the first; across
		// processes the store's unique record decides.
		unlock, err := b.idemLocks.lock(ctx, name+"\x00"+key)
		if err != nil {
			return zero, err
		}
		defer unlock()
		rec, ok, err := b.store.LoadIdempotency(ctx, name, key)
		if err != nil {
			return zero, edgeError(err)
		}
		if ok {
			return replay[Out](call, rec, hash)
		}
		sc.claim = &IdempotencyRecord{Scope: name, Key: key, RequestHash: hash}
	}
	out, err := h(context.WithValue(ctx, scopeKey{}, sc), sc)
	if err != nil {
		var de *DuplicateError
		if sc.claim != nil && errors.As(err, &de) {
			return replay[Out](call, de.Record, sc.claim.RequestHash)
		}
		return zero, edgeError(err)
	}
	sc.mu.Lock()
	pos, recorded := sc.position, sc.recorded
	sc.mu.Unlock()
	if sc.claim != nil && !recorded {
		rec := *sc.claim
		rec.Position, rec.Time = pos, b.now()
		if rec.Response, err = json.Marshal(out); err != nil {
			return zero, err
		}
		if _, inserted, err := b.store.SaveIdempotency(ctx, rec); err != nil {
			b.logger.ErrorContext(ctx, "recording idempotency key failed; a retry may run the command again", "operation", name, "error", err)
		} else if !inserted {
			b.logger.WarnContext(ctx, "idempotency key recorded concurrently by another process", "operation", name)
		}
	}
	finish(call, &out, pos, false)
	return out, nil
}

// replay returns the recorded output of rec for a request with hash.
func replay[Out any](call *app.Call, rec IdempotencyRecord, hash string) (Out, error) {
	var out Out
	if rec.RequestHash != hash {
		return out, app.NewError(app.CodeFailedPrecondition, "Idempotency-Key was already used with a different request").
			WithDetail("reason", "idempotency_key_reused")
	}
	if err := json.Unmarshal(rec.Response, &out); err != nil {
		return out, app.WrapError(app.CodeInternal, "internal error", err)
	}
	finish(call, &out, rec.Position, true)
	return out, nil
}

// finish sets the written position on out and the response headers.
func finish[Out any](call *app.Call, out *Out, position int64, replayed bool) {
	if ps, ok := any(out).(positionSetter); ok {
		ps.setPosition(position)
	}
	if call == nil || call.ResponseHeader == nil {
		return
	}
	if position > 0 {
		call.ResponseHeader.Set(HeaderConsistencyToken, FormatToken(position))
	}
	if replayed {
		call.ResponseHeader.Set(HeaderIdempotentReplayed, "true")
	}
}
