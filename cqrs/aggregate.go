package cqrs

import (
	"context"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"strings"

	"github.com/allframe-go/allframe/app"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

// State is an aggregate instance's state as of a stream version.
type State[S any] struct {
	// ID is the aggregate id (the stream is "<type>-<id>").
	ID string
	// Version is the number of events applied; 0 when the aggregate does not
	// exist yet.
	Version int64
	// Position is the global position of the last event applied. In the
	// view of a command it is 0 for the events being appended — the
	// command's own, and those of the commands decided before it in its
	// group — as positions are known after the append (embed Written in the
	// output).
	Position int64
	// Value is the state built by applying the events.
	Value S
}

// Exists reports whether the aggregate has any events.
func (s State[S]) Exists() bool { return s.Version > 0 }

// Defaults of the aggregate options.
const (
	DefaultCacheSize       = 4096
	DefaultSnapshotVersion = 1
)

// Aggregate is an event-sourced aggregate type with state S: it loads
// instances from snapshots and events, runs decisions, and appends their
// events with optimistic concurrency, retrying conflicts on fresh state.
//
// Commands on one instance are combined within the process: those that
// arrive while one is running queue, and are then decided in order — each
// on the state the ones before it left, exactly as if they ran one at a
// time — and appended with one request, so a hot instance costs one commit
// per group rather than per command. Conflicts therefore only arise between
// processes or Aggregates sharing a store. A command whose context ends
// while it waits leaves the queue; once its group has started it runs to
// the end, as a query sent to a database does. States holding maps, slices
// or pointers are not combined (the states a group derives would share
// them): such commands run one at a time. Recent states are cached (and
// brought up to date with the events appended since, on every group), so a
// command costs at most one small read.
type Aggregate[S any] struct {
	bus         *Bus
	typ         string
	apply       func(*S, any)
	snapEvery   int64
	snapVersion int
	queues      commandQueues[S]
	cache       *lru[State[S]]
	flat        bool // S holds no references: a copy of a cached state is independent
}

// AggregateOption configures an Aggregate.
type AggregateOption func(*aggregateOptions)

type aggregateOptions struct {
	snapEvery   int
	snapVersion int
	cacheSize   int
}

// SnapshotEvery saves a snapshot of the state every n events (atomically
// with the append that crosses the threshold); loads start from the latest
// snapshot. S must then survive encoding/json (exported fields). Default: 0,
// no snapshots.
func SnapshotEvery(n int) AggregateOption {
	return func(o *aggregateOptions) { o.snapEvery = max(n, 0) }
}

// SnapshotVersion sets the schema version of snapshots; bump it when S
// changes shape, and older snapshots are ignored (state is rebuilt from the
// events). Default: 1.
func SnapshotVersion(v int) AggregateOption {
	return func(o *aggregateOptions) { o.snapVersion = v }
}

// CacheSize sets how many instance states are cached; 0 disables caching.
// Default: 4096.
func CacheSize(n int) AggregateOption { return func(o *aggregateOptions) { o.cacheSize = max(n, 0) } }

var aggregateTypeRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_.]*$`)

// NewAggregate defines the aggregate type typ (e.g. "account"; its streams
// are "account-<id>") whose state S is built by apply, called with each
// event value as registered in the Bus's Registry (a struct, not a pointer).
// apply must be deterministic and must not fail: events are facts. It
// panics on a programming error.
func NewAggregate[S any](bus *Bus, typ string, apply func(state *S, event any), opts ...AggregateOption) *Aggregate[S] {
	o := aggregateOptions{snapVersion: DefaultSnapshotVersion, cacheSize: DefaultCacheSize}
	for _, opt := range opts {
		opt(&o)
	}
	if !aggregateTypeRE.MatchString(typ) {
		panic(fmt.Sprintf("cqrs: invalid aggregate type %q", typ))
	}
	if apply == nil {
		panic("cqrs: aggregate " + typ + " without apply function")
	}
	if o.snapEvery > 0 {
		if err := checkJSONSafe(reflect.TypeFor[S](), 0); err != nil {
			panic(fmt.Sprintf("cqrs: aggregate %s: state %s cannot be snapshotted: %v", typ, reflect.TypeFor[S](), err))
		}
	}
	a := &Aggregate[S]{
		bus: bus, typ: typ, apply: apply,
		snapEvery: int64(o.snapEvery), snapVersion: o.snapVersion,
		cache: newLRU[State[S]](o.cacheSize),
		flat:  isFlat(reflect.TypeFor[S](), 0),
	}
	bus.addAggregate(AggregateInfo{Type: typ, Prefix: typ + "-", Fold: a.fold})
	return a
}

// isFlat reports whether values of t share no memory when copied.
func isFlat(t reflect.Type, depth int) bool {
	if depth > 16 {
		return false
	}
	switch t.Kind() {
	case reflect.Bool, reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr,
		reflect.Float32, reflect.Float64, reflect.Complex64, reflect.Complex128, reflect.String:
		return true
	case reflect.Array:
		return isFlat(t.Elem(), depth+1)
	case reflect.Struct:
		for i := range t.NumField() {
			if !isFlat(t.Field(i).Type, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// marshalsItself reports whether t round-trips through JSON by its own
// methods (time.Time, a type with MarshalJSON/UnmarshalJSON or
// MarshalText/UnmarshalText), whatever its fields.
func marshalsItself(t reflect.Type) bool {
	p := reflect.PointerTo(t)
	json := (t.Implements(jsonMarshalerType) || p.Implements(jsonMarshalerType)) && p.Implements(jsonUnmarshalerType)
	text := (t.Implements(textMarshalerType) || p.Implements(textMarshalerType)) && p.Implements(textUnmarshalerType)
	return json || text
}

var (
	jsonMarshalerType   = reflect.TypeFor[json.Marshaler]()
	jsonUnmarshalerType = reflect.TypeFor[json.Unmarshaler]()
	textMarshalerType   = reflect.TypeFor[encoding.TextMarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// checkJSONSafe reports fields of t that encoding/json would drop.
func checkJSONSafe(t reflect.Type, depth int) error {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || depth > 8 || marshalsItself(t) {
		return nil
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous && f.Type.Kind() == reflect.Struct {
			if err := checkJSONSafe(f.Type, depth+1); err != nil {
				return err
			}
			continue
		}
		if !f.IsExported() {
			return fmt.Errorf("field %s is unexported", f.Name)
		}
		if f.Tag.Get("json") == "-" {
			return fmt.Errorf("field %s is tagged json:\"-\"", f.Name)
		}
		if err := checkJSONSafe(f.Type, depth+1); err != nil {
			return fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return nil
}

// Type returns the aggregate type.
func (a *Aggregate[S]) Type() string { return a.typ }

// Stream returns the stream of the instance id.
func (a *Aggregate[S]) Stream(id string) string { return a.typ + "-" + id }

// Load returns the current state of the instance id, as of the store: a
// cached state brought up to date with the events appended since (when S
// holds no maps, slices or pointers, so that the copy is independent), else
// the latest snapshot and the events after it. A missing instance is not an
// error: its State has Version 0.
func (a *Aggregate[S]) Load(ctx context.Context, id string) (State[S], error) {
	if err := checkID(id); err != nil {
		return State[S]{}, err
	}
	ctx, span := a.bus.tracer.Start(ctx, "cqrs.load "+a.typ, a.spanAttrs(id))
	var st State[S]
	var err error
	cached := false
	if a.flat {
		st, cached = a.cache.get(id)
	}
	if cached {
		err = a.catchUp(ctx, &st)
	} else {
		st, err = a.load(ctx, id)
	}
	span.SetAttributes(attrVersion.Int64(st.Version), attribute.Bool("cqrs.cached", cached))
	endSpan(span, err)
	return st, edgeError(err)
}

func (a *Aggregate[S]) spanAttrs(id string) trace.SpanStartOption {
	return trace.WithAttributes(attrAggregateType.String(a.typ), attrAggregateID.String(id))
}

func (a *Aggregate[S]) load(ctx context.Context, id string) (State[S], error) {
	st := State[S]{ID: id}
	stream := a.Stream(id)
	if a.snapEvery > 0 {
		sn, ok, err := a.bus.store.LoadSnapshot(ctx, stream)
		if err != nil {
			return st, fmt.Errorf("load snapshot of %s: %w", stream, err)
		}
		if ok && sn.SchemaVersion == a.snapVersion {
			var v S
			if err := json.Unmarshal(sn.Data, &v); err != nil {
				a.bus.logger.WarnContext(ctx, "ignoring undecodable snapshot", "stream", stream, "version", sn.Version, "error", err)
			} else {
				st.Value, st.Version, st.Position = v, sn.Version, sn.Position
				trace.SpanFromContext(ctx).SetAttributes(attrSnapshot.Int64(sn.Version))
			}
		}
	}
	return st, a.catchUp(ctx, &st)
}

// catchUp applies the events appended after st.Version.
func (a *Aggregate[S]) catchUp(ctx context.Context, st *State[S]) error {
	evs, err := a.bus.store.ReadStream(ctx, a.Stream(st.ID), st.Version)
	if err != nil {
		return fmt.Errorf("read %s: %w", a.Stream(st.ID), err)
	}
	for _, ev := range evs {
		v, err := a.bus.reg.Decode(ev)
		if err != nil {
			return err
		}
		a.apply(&st.Value, v)
		st.Version, st.Position = ev.Version, ev.Position
	}
	return nil
}

// current returns the instance's state: the cached one brought up to date,
// or a full load. Each command of the group gets a load span (the load is
// shared).
func (a *Aggregate[S]) current(id string, group []*pending[S]) (State[S], error) {
	spans := make([]trace.Span, len(group))
	for i, p := range group {
		_, spans[i] = a.bus.tracer.Start(p.ctx, "cqrs.load "+a.typ, a.spanAttrs(id))
	}
	ctx := context.WithoutCancel(group[0].ctx)
	st, cached := a.cache.get(id)
	var err error
	if cached {
		before := st.Version
		err = a.catchUp(ctx, &st)
		if err == nil && st.Version != before {
			// A state with maps or slices was caught up in place: the
			// cache must say so, or the next command applies the events
			// again.
			a.cache.put(id, st)
		}
	} else {
		st, err = a.load(ctx, id)
	}
	for _, span := range spans {
		span.SetAttributes(attrVersion.Int64(st.Version), attribute.Bool("cqrs.cached", cached), attrGroup.Int(len(group)))
		endSpan(span, err)
	}
	if err != nil {
		a.cache.remove(id)
	}
	return st, err
}

// Execute runs decide on the current state of instance id and appends the
// events it returns (registered event values) with the state's version as
// the expected version. On a concurrency conflict it retries on fresh state
// up to the Bus's retry limit, then fails with aborted. An error from
// decide is returned as is (return *app.Error values for clients). It
// returns the state after the events (unchanged when decide returned none).
// Inside a command registered with Command, the events carry the command's
// correlation, causation and idempotency key, and its output its position.
//
// If S holds maps or slices, the returned Value shares them with the cache:
// read them before the next command on the instance.
func (a *Aggregate[S]) Execute(ctx context.Context, id string, decide func(State[S]) ([]any, error)) (State[S], error) {
	st, err := a.execute(ctx, id, func(_ context.Context, st State[S]) ([]any, error) { return decide(st) }, nil)
	return st, edgeError(err)
}

// respondFunc computes a command's response from the state after its
// events, before they are appended; it returns the encoded response to
// record with an idempotency key (nil when there is none).
type respondFunc[S any] func(State[S]) ([]byte, error)

func (a *Aggregate[S]) execute(ctx context.Context, id string, decide func(context.Context, State[S]) ([]any, error), respond respondFunc[S]) (State[S], error) {
	if err := checkID(id); err != nil {
		return State[S]{ID: id}, err
	}
	sc := scopeFrom(ctx)
	if sc == nil {
		sc = &scope{cause: resolveCause(ctx)}
	}
	p := &pending[S]{ctx: ctx, decide: decide, respond: respond, sc: sc, signal: make(chan struct{})}
	a.run(id, p) // see group.go: commands on one instance are decided in order and appended together
	if p.panicked {
		panic(p.panicVal)
	}
	return p.st, p.err
}

// prepare encodes events into p.events with the command's metadata,
// applies them to a copy of st into p.next, and computes the response to
// record with an idempotency key into p.idem. (The group computes the
// snapshot once, for the state after all its commands.)
func (a *Aggregate[S]) prepare(p *pending[S], st State[S], events []any) error {
	sc := p.sc
	md := Metadata{CorrelationID: sc.cause.correlation, CausationID: sc.cause.causation, User: sc.cause.user}
	if sc.claim != nil {
		md.IdempotencyKey = sc.claim.Key
	}
	out := make([]EventData, len(events))
	next := st
	next.Position = 0
	for i, e := range events {
		ed, err := a.bus.reg.Encode(e)
		if err != nil {
			return fmt.Errorf("aggregate %s: %w", a.typ, err)
		}
		ed.Metadata = md
		out[i] = ed
		if reflect.TypeOf(e).Kind() == reflect.Pointer {
			e = reflect.ValueOf(e).Elem().Interface() // apply sees values, as on load
		}
		a.apply(&next.Value, e)
		next.Version++
	}
	if p.respond != nil {
		resp, err := p.respond(next)
		if err != nil {
			return err
		}
		if sc.claim != nil && resp != nil {
			rec := *sc.claim
			rec.Response, rec.Time = resp, a.bus.now()
			p.idem = &rec
		}
	}
	p.next, p.events = next, out
	return nil
}

// snapshot encodes a snapshot of v.
func (a *Aggregate[S]) snapshot(v S) (*Snapshot, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("aggregate %s: encode snapshot: %w", a.typ, err)
	}
	return &Snapshot{SchemaVersion: a.snapVersion, Data: data}, nil
}

// checkID validates an aggregate id from a client.
func checkID(id string) error {
	switch {
	case id == "":
		return app.InvalidArgument("invalid id: is required", app.FieldViolation{Field: "id", Description: "is required"})
	case len(id) > 256:
		return app.InvalidArgument("invalid id: must be at most 256 characters", app.FieldViolation{Field: "id", Description: "must be at most 256 characters"})
	case strings.IndexFunc(id, func(r rune) bool { return r < 0x20 || r == 0x7f }) >= 0:
		return app.InvalidArgument("invalid id: must not contain control characters", app.FieldViolation{Field: "id", Description: "must not contain control characters"})
	}
	return nil
}
