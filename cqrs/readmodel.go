package cqrs

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

// ReadModel is a declarative read model: rows of type T, one per key,
// changed by event handlers and indexed on fields, stored by the Bus's
// store (see ReadModelBackend) and queried by key, by index and by page.
// It is a Projector, added to the Bus's Projections by NewReadModel, so
// status, lag, rebuild and consistency tokens work as for any projection.
//
// Each batch of events is applied, and its checkpoint recorded, in one
// transaction of the backend: rows take every event exactly once, across
// restarts too (on the memory store, rows live as long as the store).
//
// T is stored as JSON (encoding/json), so only its exported fields survive
// the round trip.
type ReadModel[T any] struct {
	bus      *Bus
	name     string
	version  int
	key      func(Event) string
	handlers map[reflect.Type]*rmHandler[T]
	byName   map[string]*rmHandler[T] // handlers by registered event name
	indexes  []rmIndex[T]
	pageSize int
	spec     ReadModelSpec
	backend  ReadModelBackend

	openMu sync.Mutex
	rows   RowStore

	// from is the checkpoint the next batch continues from, read by
	// Checkpoint and moved by Apply and Reset.
	from atomic.Int64
}

var _ Projector = (*ReadModel[struct{}])(nil)

// ReadModelOption declares part of a ReadModel: an event handler, an index
// or a setting.
type ReadModelOption[T any] func(*ReadModel[T])

// Change says what a handler did to its row.
type Change uint8

// Changes a handler returns.
const (
	// ChangeNone leaves the row as it was (the handler must not have
	// modified it).
	ChangeNone Change = iota
	// ChangeSave stores the row, creating it if absent.
	ChangeSave
	// ChangeDelete deletes the row (nothing when it is absent).
	ChangeDelete
)

// Defaults and limits of read models.
const (
	// DefaultPageSize is the page size of List and of list queries that
	// ask for none.
	DefaultPageSize = 100
	// MaxPageSize is the largest page List and list queries return.
	MaxPageSize = 1000
)

type rmHandler[T any] struct {
	event reflect.Type
	// key returns the row's key for the event; nil uses the read model's.
	key   func(data any, ev Event) string
	apply func(row *T, exists bool, data any, ev Event) Change
}

type rmIndex[T any] struct {
	name  string
	value func(T) string
}

// On handles events of type E with fn, which receives the row the event's
// key names (the zero T when there is none) and says what to do with it.
// The optional key function picks the row (default: the read model's key,
// see KeyBy).
func On[T, E any](fn func(row *T, ev E, meta Event) Change, key ...func(ev E, meta Event) string) ReadModelOption[T] {
	return handler[T](key, func(row *T, _ bool, ev E, meta Event) Change { return fn(row, ev, meta) })
}

// Create handles events of type E by storing the row fn returns (replacing
// any row with the event's key). The optional key function picks the row.
func Create[T, E any](fn func(ev E, meta Event) T, key ...func(ev E, meta Event) string) ReadModelOption[T] {
	return handler[T](key, func(row *T, _ bool, ev E, meta Event) Change {
		*row = fn(ev, meta)
		return ChangeSave
	})
}

// Update handles events of type E by letting fn change the existing row;
// an event whose row does not exist is ignored. The optional key function
// picks the row.
func Update[T, E any](fn func(row *T, ev E, meta Event), key ...func(ev E, meta Event) string) ReadModelOption[T] {
	return handler[T](key, func(row *T, exists bool, ev E, meta Event) Change {
		if !exists {
			return ChangeNone
		}
		fn(row, ev, meta)
		return ChangeSave
	})
}

// Delete handles events of type E by deleting the row. The optional key
// function picks the row.
func Delete[T, E any](key ...func(ev E, meta Event) string) ReadModelOption[T] {
	return handler[T](key, func(*T, bool, E, Event) Change { return ChangeDelete })
}

func handler[T, E any](key []func(E, Event) string, apply func(row *T, exists bool, ev E, meta Event) Change) ReadModelOption[T] {
	et := reflect.TypeFor[E]()
	if len(key) > 1 {
		panic(fmt.Sprintf("cqrs: read model handler of %s: at most one key function", et))
	}
	h := &rmHandler[T]{event: et, apply: func(row *T, exists bool, data any, ev Event) Change {
		return apply(row, exists, data.(E), ev)
	}}
	if len(key) == 1 && key[0] != nil {
		k := key[0]
		h.key = func(data any, ev Event) string { return k(data.(E), ev) }
	}
	return func(rm *ReadModel[T]) {
		if _, dup := rm.handlers[et]; dup {
			panic(fmt.Sprintf("cqrs: read model %s handles %s twice", rm.name, et))
		}
		rm.handlers[et] = h
	}
}

// IndexValue is the type of an indexed field: a string, an integer or a
// bool. Stored index values are strings: integers in base 10, bools as
// "true" and "false".
type IndexValue interface {
	~string | ~int | ~int8 | ~int16 | ~int32 | ~int64 | ~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~bool
}

// Index declares an index called name on the value f returns for a row, so
// rows can be listed by that value (equality filters, see ListQuery.Where
// and RegisterListBy). name matches ^[A-Za-z][A-Za-z0-9_]*$, at most 40
// bytes.
func Index[T any, V IndexValue](name string, f func(row T) V) ReadModelOption[T] {
	if !rmNameRE.MatchString(name) {
		panic(fmt.Sprintf("cqrs: invalid read model index name %q", name))
	}
	return func(rm *ReadModel[T]) {
		for _, ix := range rm.indexes {
			if ix.name == name {
				panic(fmt.Sprintf("cqrs: read model %s declares index %q twice", rm.name, name))
			}
		}
		rm.indexes = append(rm.indexes, rmIndex[T]{name: name, value: func(row T) string { return FormatIndexValue(f(row)) }})
	}
}

// FormatIndexValue returns v as an index stores it.
func FormatIndexValue[V IndexValue](v V) string {
	return formatIndexValue(reflect.ValueOf(v))
}

func formatIndexValue(v reflect.Value) string {
	switch v.Kind() {
	case reflect.String:
		return v.String()
	case reflect.Bool:
		return strconv.FormatBool(v.Bool())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return strconv.FormatUint(v.Uint(), 10)
	default:
		return strconv.FormatInt(v.Int(), 10)
	}
}

// KeyBy sets how the handlers without a key function of their own find
// their row's key. Default: the id of the event's stream (its Stream
// without the "StreamType-" prefix that Aggregate gives it; the whole
// Stream when there is no such prefix).
func KeyBy[T any](key func(ev Event) string) ReadModelOption[T] {
	return func(rm *ReadModel[T]) { rm.key = key }
}

// ReadModelVersion sets the version of the read model's declaration, part
// of its fingerprint: bump it when a handler's logic changes, so the rows
// are rebuilt from the first event (changes to the name, the indexes or
// T's fields are detected without it). Default: 1.
func ReadModelVersion[T any](v int) ReadModelOption[T] {
	return func(rm *ReadModel[T]) { rm.version = v }
}

// PageSize sets the page size of list queries that ask for none (at most
// MaxPageSize). Default: DefaultPageSize (100).
func PageSize[T any](n int) ReadModelOption[T] {
	return func(rm *ReadModel[T]) { rm.pageSize = min(max(n, 1), MaxPageSize) }
}

// StreamID returns the id of ev's stream: its Stream without the
// "StreamType-" prefix Aggregate gives it, or the whole Stream when it has
// no such prefix. It is the default key of read model rows.
func StreamID(ev Event) string {
	if ev.StreamType != "" {
		if id, ok := strings.CutPrefix(ev.Stream, ev.StreamType+"-"); ok {
			return id
		}
	}
	return ev.Stream
}

var rmNameRE = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,39}$`)

// NewReadModel declares the read model name (also its projection's name)
// with rows of type T, and adds it to bus's projections. Its rows are kept
// by bus's store, which must implement ReadModelBackend (memory.Store,
// sqlite.Store and postgres.Store do). The storage is created, or rebuilt
// when the declaration has changed (see ReadModelSpec.Fingerprint), at
// once; a failure there is retried when the projection runs.
//
// A changed declaration — another set of indexes, other fields in T, or a
// new ReadModelVersion — has a new fingerprint: the stored rows are then
// deleted and rebuilt from the first event while the projection catches
// up (queries see the rebuild progress; consistency tokens wait for it).
//
// On a store that offers leases (LeaseProvider: PostgreSQL), one process
// at a time applies events to the rows, while the others stand by.
//
// It panics on a programming error: an invalid name, a handled event type
// not registered in the bus's Registry, a store without read model
// support.
func NewReadModel[T any](bus *Bus, name string, opts ...ReadModelOption[T]) *ReadModel[T] {
	if !rmNameRE.MatchString(name) {
		panic(fmt.Sprintf("cqrs: invalid read model name %q: want ^[A-Za-z][A-Za-z0-9_]*$, at most 40 bytes", name))
	}
	rm := &ReadModel[T]{bus: bus, name: name, version: 1, key: StreamID, handlers: map[reflect.Type]*rmHandler[T]{},
		byName: map[string]*rmHandler[T]{}, pageSize: DefaultPageSize}
	for _, o := range opts {
		o(rm)
	}
	backend, ok := bus.Store().(ReadModelBackend)
	if !ok {
		panic(fmt.Sprintf("cqrs: read model %s: the store %T does not implement cqrs.ReadModelBackend", name, bus.Store()))
	}
	rm.backend = backend
	for et, h := range rm.handlers {
		evName, _, ok := bus.Registry().Name(reflect.New(et).Interface())
		if !ok {
			panic(fmt.Sprintf("cqrs: read model %s handles %s, which is not registered (RegisterEvent)", name, et))
		}
		rm.byName[evName] = h
	}
	rm.spec = ReadModelSpec{Name: name, Fingerprint: rm.fingerprint()}
	for _, ix := range rm.indexes {
		rm.spec.Indexes = append(rm.spec.Indexes, ix.name)
	}
	rm.from.Store(-1)
	_, _ = rm.open(context.Background()) // a failure is retried by Checkpoint and the queries
	bus.Projections().Add(Leased(rm, bus.Store()))
	return rm
}

// fingerprint identifies the declaration: name, version, indexes and the
// shape of T.
func (rm *ReadModel[T]) fingerprint() string {
	var b strings.Builder
	fmt.Fprintf(&b, "readmodel %s v%d\nindexes", rm.name, rm.version)
	for _, ix := range rm.indexes {
		b.WriteString(" " + ix.name)
	}
	b.WriteString("\nrow ")
	typeShape(&b, reflect.TypeFor[T](), map[reflect.Type]bool{})
	sum := sha256.Sum256([]byte(b.String()))
	return hex.EncodeToString(sum[:16])
}

// typeShape writes what of t decides its JSON form: field names, tags and
// types, recursively.
func typeShape(b *strings.Builder, t reflect.Type, seen map[reflect.Type]bool) {
	switch t.Kind() {
	case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
		b.WriteString(t.Kind().String() + "(")
		if t.Kind() == reflect.Map {
			typeShape(b, t.Key(), seen)
			b.WriteString(",")
		}
		typeShape(b, t.Elem(), seen)
		b.WriteString(")")
	case reflect.Struct:
		if seen[t] || t.PkgPath() == "time" {
			b.WriteString(t.String())
			return
		}
		seen[t] = true
		b.WriteString("{")
		for i := range t.NumField() {
			f := t.Field(i)
			if !f.IsExported() && !f.Anonymous {
				continue
			}
			fmt.Fprintf(b, "%s %q ", f.Name, f.Tag.Get("json"))
			typeShape(b, f.Type, seen)
			b.WriteString(";")
		}
		b.WriteString("}")
	default:
		b.WriteString(t.String())
	}
}

// Name implements Projector.
func (rm *ReadModel[T]) Name() string { return rm.name }

// Kind returns "readmodel", for tools listing projections (see
// Projections.Kind).
func (rm *ReadModel[T]) Kind() string { return "readmodel" }

// Spec returns the storage description the read model gives its backend.
func (rm *ReadModel[T]) Spec() ReadModelSpec { return rm.spec }

func (rm *ReadModel[T]) open(ctx context.Context) (RowStore, error) {
	rm.openMu.Lock()
	defer rm.openMu.Unlock()
	if rm.rows != nil {
		return rm.rows, nil
	}
	rows, err := rm.backend.OpenReadModel(ctx, rm.spec)
	if err != nil {
		return nil, fmt.Errorf("open read model %s: %w", rm.name, err)
	}
	rm.rows = rows
	return rows, nil
}

// Checkpoint implements Projector.
func (rm *ReadModel[T]) Checkpoint(ctx context.Context) (int64, error) {
	rows, err := rm.open(ctx)
	if err != nil {
		return 0, err
	}
	pos, err := rows.Checkpoint(ctx)
	if err != nil {
		return 0, err
	}
	rm.from.Store(pos)
	return pos, nil
}

// Reset implements Projector.
func (rm *ReadModel[T]) Reset(ctx context.Context) error {
	rows, err := rm.open(ctx)
	if err != nil {
		return err
	}
	if err := rows.Reset(ctx); err != nil {
		return err
	}
	rm.from.Store(0)
	return nil
}

// rowState is a row while a batch is applied.
type rowState[T any] struct {
	row     T
	exists  bool // after the events so far
	existed bool // before the batch
	dirty   bool
}

// Apply implements Projector: it runs the handlers of the events on the
// rows they name, then writes the changed rows and the checkpoint in one
// transaction of the backend.
func (rm *ReadModel[T]) Apply(ctx context.Context, events []Event, position int64) error {
	rows, err := rm.open(ctx)
	if err != nil {
		return err
	}
	from := rm.from.Load()
	if from < 0 {
		if from, err = rm.Checkpoint(ctx); err != nil {
			return err
		}
	}
	type item struct {
		ev   *Event
		data any
		key  string
		h    *rmHandler[T]
	}
	items := make([]item, 0, len(events))
	states := map[string]*rowState[T]{}
	var keys []string
	for i := range events {
		ev := &events[i]
		h := rm.byName[ev.Type]
		if h == nil {
			continue
		}
		data, err := rm.bus.Registry().Decode(*ev)
		if err != nil {
			return err
		}
		key := ""
		if h.key != nil {
			key = h.key(data, *ev)
		} else {
			key = rm.key(*ev)
		}
		if key == "" {
			return fmt.Errorf("read model %s: event %d (%s) has an empty key", rm.name, ev.Position, ev.Type)
		}
		items = append(items, item{ev: ev, data: data, key: key, h: h})
		if states[key] == nil {
			states[key] = &rowState[T]{}
			keys = append(keys, key)
		}
	}
	if len(keys) > 0 {
		got, err := rows.Get(ctx, keys)
		if err != nil {
			return fmt.Errorf("read model %s: load rows: %w", rm.name, err)
		}
		for _, r := range got {
			st := states[r.Key]
			if st == nil {
				continue
			}
			if err := json.Unmarshal(r.Data, &st.row); err != nil {
				return fmt.Errorf("read model %s: decode row %q: %w", rm.name, r.Key, err)
			}
			st.exists, st.existed = true, true
		}
	}
	for _, it := range items {
		st := states[it.key]
		_, end := EventSpan(ctx, *it.ev)
		row := st.row
		ch, err := callHandler(it.h, &row, st.exists, it.data, *it.ev)
		end(err)
		if err != nil {
			return fmt.Errorf("read model %s: event %d (%s): %w", rm.name, it.ev.Position, it.ev.Type, err)
		}
		switch ch {
		case ChangeSave:
			st.row, st.exists, st.dirty = row, true, true
		case ChangeDelete:
			if st.exists {
				var zero T
				st.row, st.exists, st.dirty = zero, false, true
			}
		}
	}
	b := RowBatch{From: from, To: position}
	for _, k := range keys {
		st := states[k]
		switch {
		case !st.dirty:
		case st.exists:
			r, err := rm.encode(k, st.row)
			if err != nil {
				return err
			}
			b.Puts = append(b.Puts, r)
		case st.existed:
			b.Deletes = append(b.Deletes, k)
		}
	}
	if err := rows.Apply(ctx, b); err != nil {
		return err
	}
	rm.from.Store(position)
	return nil
}

func callHandler[T any](h *rmHandler[T], row *T, exists bool, data any, ev Event) (ch Change, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("handler panicked: %v", p)
		}
	}()
	return h.apply(row, exists, data, ev), nil
}

func (rm *ReadModel[T]) encode(key string, row T) (Row, error) {
	data, err := json.Marshal(row)
	if err != nil {
		return Row{}, fmt.Errorf("read model %s: encode row %q: %w", rm.name, key, err)
	}
	r := Row{Key: key, Data: data, Index: make([]string, len(rm.indexes))}
	for i, ix := range rm.indexes {
		r.Index[i] = ix.value(row)
	}
	return r, nil
}

func (rm *ReadModel[T]) decode(r Row) (T, error) {
	var v T
	if err := json.Unmarshal(r.Data, &v); err != nil {
		return v, fmt.Errorf("read model %s: decode row %q: %w", rm.name, r.Key, err)
	}
	return v, nil
}

// Get returns the row with key, and whether it exists.
func (rm *ReadModel[T]) Get(ctx context.Context, key string) (T, bool, error) {
	var zero T
	rows, err := rm.open(ctx)
	if err != nil {
		return zero, false, err
	}
	got, err := rows.Get(ctx, []string{key})
	if err != nil || len(got) == 0 {
		return zero, false, err
	}
	v, err := rm.decode(got[0])
	return v, err == nil, err
}

// ListQuery selects a page of rows for List.
type ListQuery struct {
	// Where filters on indexes by equality: index name → value (as
	// FormatIndexValue writes it). Every filter must match.
	Where map[string]string
	// After is the key to continue after (a previous page's Next); empty
	// for the first page.
	After string
	// Limit is the page size; ≤ 0 means the read model's PageSize, and it
	// is at most MaxPageSize.
	Limit int
	// Desc orders by key descending instead of ascending.
	Desc bool
}

// Page is a page of rows, in key order.
type Page[T any] struct {
	Items []T `json:"items" doc:"Rows in key order"`
	// Next is the key of the last row when more may follow.
	Next string `json:"next,omitempty" doc:"Pass as after to read the next page; empty on the last page"`
}

// List returns a page of rows matching q. An unknown index in q.Where is
// an error.
func (rm *ReadModel[T]) List(ctx context.Context, q ListQuery) (Page[T], error) {
	rq := RowQuery{After: q.After, Desc: q.Desc, Limit: q.Limit}
	if rq.Limit <= 0 {
		rq.Limit = rm.pageSize
	}
	rq.Limit = min(rq.Limit, MaxPageSize)
	names := make([]string, 0, len(q.Where))
	for name := range q.Where {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		i := rm.indexOf(name)
		if i < 0 {
			return Page[T]{}, fmt.Errorf("%w: read model %s has no index %q", ErrInvalid, rm.name, name)
		}
		rq.Where = append(rq.Where, RowFilter{Index: i, Value: q.Where[name]})
	}
	return rm.list(ctx, rq)
}

func (rm *ReadModel[T]) indexOf(name string) int {
	return slices.IndexFunc(rm.indexes, func(ix rmIndex[T]) bool { return ix.name == name })
}

func (rm *ReadModel[T]) list(ctx context.Context, q RowQuery) (Page[T], error) {
	rows, err := rm.open(ctx)
	if err != nil {
		return Page[T]{}, err
	}
	limit := q.Limit
	q.Limit++ // one more tells whether a next page exists
	got, err := rows.List(ctx, q)
	if err != nil {
		return Page[T]{}, err
	}
	p := Page[T]{Items: make([]T, 0, min(len(got), limit))}
	for i, r := range got {
		if i == limit {
			p.Next = got[limit-1].Key
			break
		}
		v, err := rm.decode(r)
		if err != nil {
			return Page[T]{}, err
		}
		p.Items = append(p.Items, v)
	}
	return p, nil
}

// Lookup returns every row whose index has value, in key order.
func (rm *ReadModel[T]) Lookup(ctx context.Context, index, value string) ([]T, error) {
	var out []T
	q := ListQuery{Where: map[string]string{index: value}, Limit: MaxPageSize}
	for {
		p, err := rm.List(ctx, q)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Items...)
		if p.Next == "" {
			return out, nil
		}
		q.After = p.Next
	}
}
